"""The shared spot conformance suite, run against the BingX spot connector over a loopback venue.

BingX's depth stream sends the whole top of the book on every push, with no id or time: the mock
answers a depth subscription with the book, and the suite's "diff" role is a depth push too, which
replaces the book. The venue gzips every frame; the loopback venue sends plain JSON text, which the
same socket reads (the gzip path is covered in test_bing_x_specific.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import API_KEY, SpotConformanceSuite

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bing_x"
LISTEN_KEY_PATH = "/openApi/user/auth/userDataStream"
# Public and account streams share the venue's /market path; the account one gets its own host here,
# so that the suite can push to, and drop, either alone.
PRIVATE_PREFIX = "/private"


class TestBingXConformance(SnapshotBookScenarios, SpotConformanceSuite):
    connector_id = "bing_x"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/openApi/swap/v2/server/time"),
        "trading_rules": ("GET", "/openApi/spot/v1/common/symbols"),
        "balances": ("GET", "/openApi/spot/v1/account/balance"),
        "place_order": ("POST", "/openApi/spot/v1/trade/order"),
        "cancel_order": ("POST", "/openApi/spot/v1/trade/cancel"),
        "order_status": ("GET", "/openApi/spot/v1/trade/query"),
        "order_fills": ("GET", "/openApi/spot/v1/trade/myTrades"),
        "cancel_all": ("POST", "/openApi/spot/v1/trade/cancelOpenOrders"),
        "open_orders": ("GET", "/openApi/spot/v1/trade/openOrders"),
        "order_history": ("GET", "/openApi/spot/v1/trade/historyOrders"),
    }
    public_ws_path = "/market"
    user_ws_path = f"{PRIVATE_PREFIX}/market"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00001"),
        "max_order_size": Decimal("9000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("9000000"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "PENDING", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    exchange_order_id = "1514090846268424192"
    # executionReport carries the trade with each partial or filled state.
    stream_order_updates = False
    # ACCOUNT_UPDATE gives the wallet balance (wb) alone.
    stream_balance_has_available = False
    snapshots_are_ordered = False

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config(**overrides)
        config.setdefault("private_ws_url", f"{self.venue.ws_url}{PRIVATE_PREFIX}")
        return config

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", LISTEN_KEY_PATH, lambda _: self.reply("listen_key"))
        venue.route("PUT", LISTEN_KEY_PATH, lambda _: {})

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused API key gets none.
        self.venue.route("POST", LISTEN_KEY_PATH, self.reply("auth_error"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict) or "id" not in message:
            return []
        replies: list[Any] = [{"id": message["id"], "code": 0, "msg": ""}]
        symbol, _, channel = str(message.get("dataType", "")).partition("@")
        if channel.startswith("depth") and message.get("reqType") != "unsub":
            # The first depth push after a subscription is the whole book: RESUBSCRIBE relies on it.
            replies.append(self.fixtures.payload("snapshot", self.vars(symbol=symbol)))
        return replies

    async def test_user_stream_opens_on_a_listen_key_sent_with_the_api_key_alone(self) -> None:
        connect_path = self.venue.endpoint(self.user_ws_path).connect_paths[0]
        key = self.fixtures.payload("listen_key")["listenKey"]
        assert connect_path == f"{self.user_ws_path}?listenKey={key}"
        create = self.venue.requests_to("POST", LISTEN_KEY_PATH)[0]
        assert create.headers["X-BX-APIKEY"] == API_KEY and "signature" not in create.params

    async def test_batches_go_five_orders_of_one_symbol_at_a_time_as_one_json_list(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            orders = orjson.loads(request.params["data"])
            entry = self.fixtures.payload("batch_orders", self.vars())["data"]["orders"][0]
            listed = [{**entry, "orderId": 900 + i, "clientOrderID": order["newClientOrderId"],
                       "symbol": order["symbol"], "origQty": order["quantity"]} for i, order in enumerate(orders)]
            return MockResponse({"code": 0, "msg": "", "debugMsg": "", "data": {"orders": listed}})

        self.venue.route("POST", "/openApi/spot/v1/trade/batchOrders", answer)
        batch: list[Any] = [(TradeType.BUY, self.trading_pair, Decimal("0.1"), OrderType.LIMIT, self.order_price)
                            for _ in range(6)]
        batch.append((TradeType.SELL, self.second_trading_pair, Decimal("0.1"), OrderType.LIMIT, self.order_price))
        results = await self.conn.place_orders(batch)
        sent = [orjson.loads(request.params["data"])
                for request in self.venue.requests_to("POST", "/openApi/spot/v1/trade/batchOrders")]
        assert [len(orders) for orders in sent] == [5, 1, 1]
        assert {order["symbol"] for order in sent[2]} == {"ETH-USDT"}
        assert all(isinstance(order, InFlightOrder) and order.state is OrderState.OPEN for order in results)
        assert [order.exchange_order_id for order in results if isinstance(order, InFlightOrder)][:6] == [
            "900", "901", "902", "903", "904", "900"]

    async def test_a_refused_batch_refuses_each_of_its_orders(self) -> None:
        self.venue.route("POST", "/openApi/spot/v1/trade/batchOrders", self.reply("place_order_rejected"))
        batch: list[Any] = [(TradeType.BUY, self.trading_pair, Decimal("0.1"), OrderType.LIMIT, self.order_price)
                            for _ in range(2)]
        results = await self.conn.place_orders(batch)
        assert all(isinstance(result, InsufficientFunds) for result in results), results
        assert not self.conn.in_flight_orders
