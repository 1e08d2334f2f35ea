"""The sandbox speaks Binance's documented shapes: every key of each documented example (the fixtures
in tests/fixtures/binance*/, each with its doc URL) is in the sandbox's answer, with the same JSON
type: numbers that Binance sends as strings come as strings, ids as integers, flags as booleans.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from clobconn.exchange.binance.auth import sign
from clobconn.sandbox import Sandbox
from clobconn.sandbox.engine import OrderKind, Side, TimeInForce
from clobconn.testing.fixtures import FixtureSet

FIXTURES = Path(__file__).parents[1] / "fixtures"
SPOT = FixtureSet(FIXTURES / "binance").payload
PERP = FixtureSet(FIXTURES / "binance_perpetual").payload
SYMBOL = "BTCUSDT"
# The documented futures order examples are trailing stops, which alone carry these fields.
TRAILING_STOP_FIELDS = ("activatePrice", "priceRate")


def shape_gaps(documented: Any, served: Any, path: str = "$") -> list[str]:
    """Where ``served`` lacks a documented key or has another JSON type (null in the docs matches anything)."""
    if documented is None:
        return []
    if type(documented) is not type(served):
        return [f"{path}: documented {type(documented).__name__}, served {type(served).__name__}"]
    if isinstance(documented, dict):
        return [gap for key, value in documented.items()
                for gap in (shape_gaps(value, served[key], f"{path}.{key}") if key in served else [f"{path}.{key}"])]
    if isinstance(documented, list) and documented and served:
        return shape_gaps(documented[0], served[0], f"{path}[0]")
    return []


def assert_shape(documented: Any, served: Any) -> None:
    gaps = shape_gaps(documented, served)
    assert not gaps, gaps


def without(documented: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A documented example less the fields of order types the sandbox does not offer."""
    return {key: value for key, value in documented.items() if key not in keys}


class SignedClient:
    """Signed REST calls with the sandbox's key, and its raw sockets."""

    def __init__(self, http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.http = http
        self.sandbox = sandbox

    async def call(self, method: str, path: str, **params: Any) -> Any:
        query = URL.build(query={**params, "timestamp": int(time.time() * 1000)}).raw_query_string
        query += f"&signature={sign(self.sandbox.config.api_secret, query)}"
        async with self.http.request(method, f"{self.sandbox.url}{path}?{query}",
                                     headers={"X-MBX-APIKEY": self.sandbox.config.api_key}) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def public(self, path: str, **params: Any) -> Any:
        async with self.http.get(f"{self.sandbox.url}{path}", params=params) as response:
            assert response.status == 200, await response.text()
            return await response.json()


async def next_event(ws: aiohttp.ClientWebSocketResponse, matches: Callable[[Any], bool]) -> Any:
    """The first frame that ``matches`` (with a deadline: a missing event fails, never hangs)."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        frame = await ws.receive_json(timeout=5.0)
        if matches(frame):
            return frame
    raise AssertionError("no matching event")


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[SignedClient]:
    async with aiohttp.ClientSession() as http:
        yield SignedClient(http, sandbox)


def cross(sandbox: Sandbox, perpetual: bool, side: Side, quantity: str) -> None:
    """The sandbox's taker trades against the best level, printing a public trade."""
    engine = sandbox.perp if perpetual else sandbox.spot
    liquidity = sandbox.perp_liquidity if perpetual else sandbox.spot_liquidity
    engine.place(liquidity.taker_account, SYMBOL, side, OrderKind.MARKET, Decimal(quantity), tif=TimeInForce.IOC)


async def test_spot_rest_answers_have_the_documented_shapes(sandbox: Sandbox, client: SignedClient) -> None:
    assert_shape(SPOT("server_time"), await client.public("/api/v3/time"))
    assert_shape(SPOT("exchange_info"), await client.public("/api/v3/exchangeInfo"))
    assert_shape(SPOT("depth_snapshot"), await client.public("/api/v3/depth", symbol=SYMBOL))
    assert_shape(SPOT("account"), await client.call("GET", "/api/v3/account"))
    filled = await client.call("POST", "/api/v3/order", symbol=SYMBOL, side="SELL", type="MARKET",
                               quantity="0.001", newOrderRespType="FULL")
    assert_shape(SPOT("order_ack_full"), filled)
    assert_shape(SPOT("my_trades"), await client.call("GET", "/api/v3/myTrades", symbol=SYMBOL))
    resting = await client.call("POST", "/api/v3/order", symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC",
                                quantity="0.001", price="50000")
    assert_shape(SPOT("order_query"), await client.call("GET", "/api/v3/order", symbol=SYMBOL,
                                                        orderId=resting["orderId"]))
    assert_shape(SPOT("open_orders"), await client.call("GET", "/api/v3/openOrders", symbol=SYMBOL))
    replaced = await client.call("POST", "/api/v3/order/cancelReplace", symbol=SYMBOL, side="BUY", type="LIMIT",
                                 timeInForce="GTC", quantity="0.002", price="50000",
                                 cancelReplaceMode="STOP_ON_FAILURE", cancelOrderId=resting["orderId"])
    assert_shape(SPOT("cancel_replace"), replaced)
    cancelled = await client.call("DELETE", "/api/v3/order", symbol=SYMBOL,
                                  orderId=replaced["newOrderResponse"]["orderId"])
    assert_shape(SPOT("cancel_order"), cancelled)
    await client.call("POST", "/api/v3/order", symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC",
                      quantity="0.001", price="50000")
    assert_shape(SPOT("cancel_all")[:1], await client.call("DELETE", "/api/v3/openOrders", symbol=SYMBOL))


async def test_spot_stream_events_have_the_documented_shapes(sandbox: Sandbox, client: SignedClient) -> None:
    stream = SYMBOL.lower()
    async with client.http.ws_connect(f"{sandbox.ws_url}/ws") as market, \
            client.http.ws_connect(f"{sandbox.ws_url}/ws-api/v3") as user:
        await market.send_json({"method": "SUBSCRIBE", "params": [f"{stream}@depth@100ms", f"{stream}@trade"],
                                "id": 1})
        assert_shape(SPOT("subscribe_response"), await market.receive_json())
        key, secret, timestamp = sandbox.config.api_key, sandbox.config.api_secret, int(time.time() * 1000)
        params = {"apiKey": key, "timestamp": timestamp,
                  "signature": sign(secret, f"apiKey={key}&timestamp={timestamp}")}
        await user.send_json({"id": "a", "method": "userDataStream.subscribe.signature", "params": params})
        assert_shape(SPOT("ws_api_user_stream_subscribe_response"), await user.receive_json())
        await client.call("POST", "/api/v3/order", symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.001")
        cross(sandbox, False, Side.BUY, "0.01")
        assert_shape(SPOT("depth_diff_event"), await next_event(market, lambda f: f.get("e") == "depthUpdate"))
        assert_shape(SPOT("trade_event"), await next_event(market, lambda f: f.get("e") == "trade"))
        assert_shape(SPOT("execution_report_trade"),
                     (await next_event(user, lambda f: f["event"].get("x") == "TRADE"))["event"])
        assert_shape(SPOT("outbound_account_position"),
                     await next_event(user, lambda f: f["event"]["e"] == "outboundAccountPosition"))


async def test_perp_rest_answers_have_the_documented_shapes(sandbox: Sandbox, client: SignedClient) -> None:
    assert_shape(PERP("server_time"), await client.public("/fapi/v1/time"))
    assert_shape(PERP("exchange_info"), await client.public("/fapi/v1/exchangeInfo"))
    assert_shape(PERP("depth_snapshot"), await client.public("/fapi/v1/depth", symbol=SYMBOL))
    assert_shape(PERP("premium_index"), await client.public("/fapi/v1/premiumIndex", symbol=SYMBOL))
    assert_shape(PERP("leverage_response"), await client.call("POST", "/fapi/v1/leverage", symbol=SYMBOL,
                                                              leverage=5))
    assert_shape(PERP("position_mode_response"), await client.call("GET", "/fapi/v1/positionSide/dual"))
    order = await client.call("POST", "/fapi/v1/order", symbol=SYMBOL, side="BUY", type="MARKET", quantity="0.010",
                              newOrderRespType="RESULT")
    assert_shape(PERP("order_response"), order)
    queried = await client.call("GET", "/fapi/v1/order", symbol=SYMBOL, orderId=order["orderId"])
    assert_shape(without(PERP("order_query"), *TRAILING_STOP_FIELDS), queried)
    assert_shape(PERP("user_trades"), await client.call("GET", "/fapi/v1/userTrades", symbol=SYMBOL))
    assert_shape(PERP("position_risk"), await client.call("GET", "/fapi/v3/positionRisk"))
    assert_shape(PERP("account"), await client.call("GET", "/fapi/v3/account"))
    sandbox.perp.settle_funding(SYMBOL)
    assert_shape(PERP("income_funding_fee"), await client.call("GET", "/fapi/v1/income", incomeType="FUNDING_FEE"))
    batch = '[{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.010",' \
            '"price":"50000"},{"symbol":"BTCUSDT","side":"BUY","type":"MARKET","quantity":"1","reduceOnly":"true"}]'
    placed, refused = await client.call("POST", "/fapi/v1/batchOrders", batchOrders=batch)
    assert_shape(PERP("batch_orders_response")[0], placed)
    assert refused == PERP("batch_orders_response")[1]  # -2022: a reduce-only buy cannot reduce a long
    cancelled = await client.call("DELETE", "/fapi/v1/order", symbol=SYMBOL, orderId=placed["orderId"])
    assert_shape(without(PERP("cancel_order"), *TRAILING_STOP_FIELDS), cancelled)
    assert_shape(PERP("cancel_all"), await client.call("DELETE", "/fapi/v1/allOpenOrders", symbol=SYMBOL))
    async with client.http.post(f"{sandbox.url}/fapi/v1/listenKey",
                                headers={"X-MBX-APIKEY": sandbox.config.api_key}) as response:
        assert_shape(PERP("listen_key"), await response.json())


async def test_perp_stream_events_have_the_documented_shapes(sandbox: Sandbox, client: SignedClient) -> None:
    stream = SYMBOL.lower()
    async with client.http.post(f"{sandbox.url}/fapi/v1/listenKey",
                                headers={"X-MBX-APIKEY": sandbox.config.api_key}) as response:
        listen_key = (await response.json())["listenKey"]
    async with client.http.ws_connect(f"{sandbox.ws_url}/public/ws") as public, \
            client.http.ws_connect(f"{sandbox.ws_url}/market/ws") as market, \
            client.http.ws_connect(f"{sandbox.ws_url}/private/ws?listenKey={listen_key}") as private:
        await public.send_json({"method": "SUBSCRIBE", "params": [f"{stream}@depth@100ms"], "id": 1})
        await market.send_json({"method": "SUBSCRIBE", "params": [f"{stream}@aggTrade", f"{stream}@markPrice@1s"],
                                "id": 2})
        assert_shape(PERP("subscribe_response"), await public.receive_json())
        assert await market.receive_json() == {"result": None, "id": 2}
        await client.call("POST", "/fapi/v1/order", symbol=SYMBOL, side="SELL", type="MARKET", quantity="0.010")
        cross(sandbox, True, Side.SELL, "0.01")
        assert_shape(PERP("depth_diff_event"), await next_event(public, lambda f: f.get("e") == "depthUpdate"))
        assert_shape(PERP("agg_trade_event"), await next_event(market, lambda f: f.get("e") == "aggTrade"))
        assert_shape(PERP("mark_price_event"), await next_event(market, lambda f: f.get("e") == "markPriceUpdate"))
        documented_trade = PERP("order_trade_update")
        # Commission fields come with a fill; AP and cr (activation price, callback rate) with trailing stops.
        documented_trade["o"] = without(documented_trade["o"], "AP", "cr") | {"N": "USDT", "n": "0"}
        assert_shape(documented_trade, await next_event(private, lambda f: f.get("e") == "ORDER_TRADE_UPDATE"
                                                        and f["o"]["x"] == "TRADE"))
        assert_shape(PERP("account_update"), await next_event(private, lambda f: f.get("e") == "ACCOUNT_UPDATE"))
        sandbox.perp.settle_funding(SYMBOL)
        funding = await next_event(private, lambda f: f.get("e") == "ACCOUNT_UPDATE" and f["a"]["m"] == "FUNDING_FEE")
        assert_shape(PERP("account_update"), funding)


async def test_combined_streams_wrap_each_event_with_its_name(sandbox: Sandbox, client: SignedClient) -> None:
    """/stream?streams=a/b (spot) and /market/stream (futures): ``{"stream": name, "data": event}``."""
    stream = SYMBOL.lower()
    async with client.http.ws_connect(f"{sandbox.ws_url}/stream?streams={stream}@trade/{stream}@depth") as spot, \
            client.http.ws_connect(f"{sandbox.ws_url}/market/stream") as market:
        await market.send_json({"method": "SUBSCRIBE", "params": [f"{stream}@aggTrade"], "id": 7})
        assert await market.receive_json() == {"result": None, "id": 7}
        cross(sandbox, False, Side.BUY, "0.01")
        cross(sandbox, True, Side.BUY, "0.01")
        trade = await next_event(spot, lambda f: f["stream"] == f"{stream}@trade")
        assert_shape(SPOT("trade_event"), trade["data"])
        depth = await next_event(spot, lambda f: f["stream"] == f"{stream}@depth")
        assert_shape(SPOT("depth_diff_event"), depth["data"])
        agg_trade = await next_event(market, lambda f: f["stream"] == f"{stream}@aggTrade")
        assert_shape(PERP("agg_trade_event"), agg_trade["data"])
