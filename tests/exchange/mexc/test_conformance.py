"""The shared spot conformance suite, run against the MEXC connector over a loopback venue.

MEXC's stream frames are protobuf: the fixtures hold them as MEXC's docs print them (decoded), and
this module encodes them with the connector's generated module before they go on the wire.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.core.web.protobuf import protobuf_encoder
from clobconn.exchange.mexc.pb.push_pb2 import PushDataV3ApiWrapper
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mexc"
LISTEN_KEY_PATH = "/api/v3/userDataStream"
encode_push = protobuf_encoder(PushDataV3ApiWrapper)
# spot@private.orders.v3.api.pb "status".
STREAM_STATES = {OrderState.OPEN: 1, OrderState.PARTIALLY_FILLED: 3, OrderState.FILLED: 2, OrderState.CANCELED: 4}


def stream_levels(levels: list[tuple[Any, Any]]) -> list[dict[str, str]]:
    # Prices and sizes are protobuf strings: a value of another type (the bad-values scenarios' booleans)
    # can only reach the wire as its text.
    return [{"price": str(price), "quantity": str(size)} for price, size in levels]


class TestMexcSpotConformance(SpotConformanceSuite):
    connector_id = "mexc"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v3/time"),
        "trading_rules": ("GET", "/api/v3/exchangeInfo"),
        "balances": ("GET", "/api/v3/account"),
        "snapshot": ("GET", "/api/v3/depth"),
        "place_order": ("POST", "/api/v3/order"),
        "cancel_order": ("DELETE", "/api/v3/order"),
        "order_status": ("GET", "/api/v3/order"),
        "order_fills": ("GET", "/api/v3/myTrades"),
        "cancel_all": ("DELETE", "/api/v3/openOrders"),
        "open_orders": ("GET", "/api/v3/openOrders"),
        "order_history": ("GET", "/api/v3/allOrders"),
    }
    public_ws_path = "/ws"
    # MEXC serves both on /ws; the test venue keeps them apart by host path.
    user_ws_path = "/private/ws"
    venue_states = {OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    exchange_order_id = "5012345678"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("2000000"),
    }
    expected_balances = {
        "BTC": (Decimal("0.75"), Decimal("0.5")),
        "USDT": (Decimal("1000.5"), Decimal("900.25")),
    }

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config(**overrides)
        config.setdefault("private_ws_url", f"{self.venue.ws_url}/private")
        return config

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables["stream_state"] = STREAM_STATES[variables["state"]]
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        # MEXC acknowledges a subscription by echoing its channels in "msg", and answers PING with PONG.
        if not isinstance(message, dict):
            return []
        if message.get("method") == "PING":
            return [{"id": 0, "code": 0, "msg": "PONG"}]
        return [{"id": 0, "code": 0, "msg": ",".join(message.get("params", []))}]

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", LISTEN_KEY_PATH, lambda _: self.reply("listen_key"))
        venue.route("PUT", LISTEN_KEY_PATH, lambda _: self.reply("listen_key"))

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused key cannot get one.
        self.venue.route("POST", LISTEN_KEY_PATH, self.reply("auth_error"))

    async def push_user(self, fixture: str, **variables: Any) -> None:
        values = self.vars(**variables)
        frame = encode_push(self.fixtures.payload(fixture, values))
        assert await self.venue.push(self.user_ws_path, frame), "no user stream connection to push to"
        if fixture == "user_fill":
            # A deal names no order state: MEXC pushes the order's new status and cumulative quantity on
            # the orders channel with every one, and the suite's fills carry a state for that push.
            await self.venue.push(self.user_ws_path, encode_push(self.fixtures.payload("user_order", values)))

    async def push_public(self, fixture: str, **variables: Any) -> None:
        frame = encode_push(self.fixtures.payload(fixture, self.vars(**variables)))
        assert await self.venue.push(self.public_ws_path, frame), "no public stream connection to push to"

    async def push_diff(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]], first_id: int,
                        last_id: int, prev_id: int, **extra: Any) -> None:
        await self.push_public("diff", bids=stream_levels(bids), asks=stream_levels(asks), first_id=first_id,
                               last_id=last_id, prev_id=prev_id, **extra)

    async def test_offline_symbol_not_tradable(self) -> None:
        # LUNAUSDT is in the fixture with status "3" (offline).
        assert "LUNA-USDT" not in self.conn.trading_rules

    async def test_public_channels_are_the_protobuf_aggregated_ones(self) -> None:
        frames = self.venue.endpoint(self.public_ws_path).sessions[0]
        channels = {name for frame in frames if frame.get("method") == "SUBSCRIPTION" for name in frame["params"]}
        assert channels == {"spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
                            "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"}

    async def test_user_stream_opens_with_the_listen_key_and_subscribes_the_private_channels(self) -> None:
        endpoint = self.venue.endpoint(self.user_ws_path)
        assert endpoint.connect_paths[0].endswith("?listenKey=" + self.fixtures.payload("listen_key")["listenKey"])
        subscribe = endpoint.sessions[0][0]
        assert subscribe == {"method": "SUBSCRIPTION", "params": ["spot@private.orders.v3.api.pb",
                                                                  "spot@private.deals.v3.api.pb",
                                                                  "spot@private.account.v3.api.pb"]}

    async def test_user_stream_live_only_once_the_subscription_is_acknowledged(self) -> None:
        path = self.user_ws_path
        self.venue.on_ws_message(path, lambda message: [])  # the venue stops answering subscriptions
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=2)
        await self.venue.wait_for_ws_message(path, lambda m: isinstance(m, dict) and "method" in m, count=2)
        assert self.conn.status_dict["user_stream_connected"] is False
        await self.venue.push(path, {"id": 0, "code": 0, "msg": "spot@private.orders.v3.api.pb"})
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], what="acknowledged")

    async def test_batches_go_twenty_orders_of_one_symbol_at_a_time(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            orders = orjson.loads(request.params["batchOrders"])
            # The documented answer: one entry per order, the placed ones with their ids.
            return MockResponse([{"orderId": str(700 + i), "newClientOrderId": order["newClientOrderId"]}
                                 for i, order in enumerate(orders)])

        self.venue.route("POST", "/api/v3/batchOrders", answer)
        batch: list[Any] = [(TradeType.BUY, self.trading_pair, Decimal("0.1"), OrderType.LIMIT, self.order_price)
                            for _ in range(21)]
        batch.insert(1, (TradeType.SELL, self.second_trading_pair, Decimal("0.1"), OrderType.LIMIT, self.order_price))
        results = await self.conn.place_orders(batch)
        sent = [orjson.loads(request.params["batchOrders"])
                for request in self.venue.requests_to("POST", "/api/v3/batchOrders")]
        assert [len(orders) for orders in sent] == [20, 1, 1]
        assert [{order["symbol"] for order in orders} for orders in sent] == [{"BTCUSDT"}, {"BTCUSDT"}, {"ETHUSDT"}]
        assert all(isinstance(order, InFlightOrder) and order.state is OrderState.OPEN for order in results)
        assert [order.exchange_order_id for order in results[:3] if isinstance(order, InFlightOrder)] == [
            "700", "700", "701"]
