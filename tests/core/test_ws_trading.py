"""The trading socket (core/web/ws_trading.py): where it connects, and which frame answers a request where
the venue sends two (Gate.io's ack, then the result) or one (Binance, OKX, Bybit)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from clobconn.core.web.ws_trading import TradingSocket, WSOrderRoute


def route(**overrides: Any) -> WSOrderRoute:
    fields: dict[str, Any] = dict(
        path="/trade", place_op="place", cancel_op="cancel",
        build_place=lambda connector, order, request_id: {"id": request_id},
        build_cancel=lambda connector, order, request_id: {"id": request_id},
        answer_id=lambda message: message.get("id"), refusal=lambda connector, answer: None,
        read_placement=lambda connector, order, answer: answer, read_cancel=lambda connector, order, answer: answer,
        place_limit_id="place", cancel_limit_id="cancel")
    return WSOrderRoute(**(fields | overrides))


def trading_socket(order_route: WSOrderRoute) -> tuple[TradingSocket, list[Any]]:
    connector = SimpleNamespace(spec=SimpleNamespace(connector_id="venue"), name="venue",
                                config=SimpleNamespace(request_timeout=5.0), trading_ws_url="wss://trade.example",
                                domain_urls=SimpleNamespace(extra={"ws_path": "/v4/ws"}),
                                _on_auth_refused=lambda call, exc: None)
    socket = TradingSocket(connector, order_route)  # type: ignore[arg-type]
    sent: list[Any] = []

    async def send(payload: Any) -> bool:
        sent.append(payload)
        return True

    socket._requests._send = send
    return socket, sent


async def test_an_interim_ack_is_skipped_and_the_request_waits_for_its_result() -> None:
    socket, sent = trading_socket(route(is_interim=lambda message: message.get("ack") is True))
    waiting = asyncio.ensure_future(socket._requests.request("7", {"id": 7}, "place 1"))
    await asyncio.sleep(0)
    assert sent == [{"id": 7}]
    socket._on_message({"id": "7", "ack": True, "data": {"result": {"req_id": "7"}}})
    await asyncio.sleep(0)
    assert not waiting.done(), "an ack says the request was received, not what became of it"
    result = {"id": "7", "data": {"result": {"status": "open"}}}
    socket._on_message(result)
    assert await waiting == result


async def test_without_interim_frames_the_first_answer_is_the_answer() -> None:
    socket, _ = trading_socket(route())
    waiting = asyncio.ensure_future(socket._requests.request("8", {"id": 8}, "place 2"))
    await asyncio.sleep(0)
    # A venue whose answers never carry "ack" (Binance's "status" 200 frame) is answered by its first frame.
    answer = {"id": "8", "ack": True, "status": 200}
    socket._on_message(answer)
    assert await waiting == answer


async def test_the_socket_connects_to_the_trading_url_and_a_path_that_may_depend_on_the_domain() -> None:
    socket, _ = trading_socket(route())
    assert (await socket._connect_spec()).url == "wss://trade.example/trade"
    socket, _ = trading_socket(route(path=lambda connector: connector.domain_urls.extra["ws_path"]))
    assert (await socket._connect_spec()).url == "wss://trade.example/v4/ws"
