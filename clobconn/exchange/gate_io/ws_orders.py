"""Gate.io's WebSocket API (spot and USDT futures): order entry on a logged-in socket.

https://www.gate.com/docs/developers/apiv4/ws/en/#websocket-api (spot: ``spot.login``,
``spot.order_place``, ``spot.order_cancel``) and https://www.gate.com/docs/developers/futures/ws/en/
(``futures.login``, ``futures.order_place``, ``futures.order_cancel``).

A request is ``{"time", "channel", "event": "api", "payload": {"req_id", "req_param"}}``; ``req_param`` is
the REST call's body. The venue answers an order request twice, both with its ``request_id``: an
``"ack": true`` frame saying it was received, then the result, whose ``header.status`` is "200" with the
REST call's order in ``data.result``, or an HTTP status with ``data.errs`` {label, message} as the REST
refusal's. The socket is on the private stream's host and path.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Protocol

from clobconn.core.data_source import ConnectorView
from clobconn.core.data_types import InFlightOrder, OrderUpdate
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import Heartbeat, WSConnection
from clobconn.core.web.ws_trading import Refusal, WSOrderRoute
from clobconn.exchange.gate_io.constants import WS_PATH
from clobconn.exchange.gate_io.user_stream_data_source import gate_auth


class GateTradingView(ConnectorView, Protocol):
    """What order entry reads of its connector (the spot and perpetual connectors), so that neither
    module imports the other."""

    ws_market: ClassVar[str]

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]: ...

    def _ws_cancel_param(self, order: InFlightOrder) -> dict[str, Any]: ...

    def _order_update(self, order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate: ...

# How many frames a login waits through for its answer (a pong, a late push) before giving up.
LOGIN_FRAMES = 20
_login_ids = itertools.count(int(time.time() * 1000))


def answer_id(message: Any) -> Hashable | None:
    return message.get("request_id") if isinstance(message, dict) else None


def is_ack(message: Any) -> bool:
    """The first of a request's two answers: received, not yet done."""
    return isinstance(message, dict) and message.get("ack") is True


def refusal(message: Any) -> Refusal | None:
    header = message.get("header") if isinstance(message, dict) else None
    status = int(header.get("status", 0)) if isinstance(header, dict) else 0
    if status == 200:
        return None
    data = message.get("data") if isinstance(message, dict) else None
    errs = data.get("errs") if isinstance(data, dict) else None
    if isinstance(errs, dict):
        return status or 400, errs.get("label"), str(errs.get("message", ""))
    return status or 400, None, str(message)[:500]


def _request(connector: GateTradingView, operation: str, request_id: int, param: dict[str, Any]) -> dict[str, Any]:
    return {"time": int(connector.time_sync.time()), "channel": f"{connector.ws_market}.{operation}",
            "event": "api", "payload": {"req_id": str(request_id), "req_param": param}}


def _place(connector: GateTradingView, order: InFlightOrder, request_id: int) -> dict[str, Any]:
    return _request(connector, "order_place", request_id, connector._order_body(order))


def _cancel(connector: GateTradingView, order: InFlightOrder, request_id: int) -> dict[str, Any]:
    return _request(connector, "order_cancel", request_id, connector._ws_cancel_param(order))


async def login(connector: GateTradingView, connection: WSConnection) -> None:
    """``<market>.login`` with the key and its signature; a refusal the error table calls a credential
    one stops the socket (the connector falls back to REST)."""
    req_id = f"login-{next(_login_ids)}"
    await connection.send(gate_auth(connector.auth).ws_api_login(f"{connector.ws_market}.login", req_id))
    for _ in range(LOGIN_FRAMES):
        answer = await connection.receive()
        if answer_id(answer) == req_id and not is_ack(answer):
            refused = refusal(answer)
            if refused is not None:
                status, label, message = refused
                raise login_refusal(connector.name, connector.spec.error_table, label, message, status)
            return
    raise ConnectionError(f"{connector.name}: no answer to the trading socket's login")


def gate_ws_order_route(place_limit_id: str, cancel_limit_id: str, heartbeat: Heartbeat) -> WSOrderRoute:
    return WSOrderRoute(
        path=lambda connector: connector.domain_urls.extra[WS_PATH],
        place_op="order_place", cancel_op="order_cancel",
        build_place=_place, build_cancel=_cancel,
        answer_id=answer_id, is_interim=is_ack,
        refusal=lambda connector, answer: refusal(answer),
        read_placement=lambda connector, order, answer: (connector._order_update(order, answer["data"]["result"]),
                                                         []),
        read_cancel=lambda connector, order, answer: connector._order_update(order, answer["data"]["result"]),
        place_limit_id=place_limit_id, cancel_limit_id=cancel_limit_id,
        heartbeat=heartbeat, login=login,
    )
