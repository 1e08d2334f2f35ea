"""The shared spot conformance suite, run against the HashKey Global connector over a loopback venue.

HashKey's depth topic sends full snapshots only: the mock answers a depth subscription with the book
on the stream, and the suite's "diff" role is a depth frame too, which replaces the book.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import API_KEY, SpotConformanceSuite

FIXTURES = Path(__file__).parents[2] / "fixtures" / "hashkey"
LISTEN_KEY = "MKxPTRoLXBBhlRseAUaDyWyZVjiNxCVqcaUasZidmByckGjUcLBKKcopKbvUfORD"


class TestHashkeyConformance(SnapshotBookScenarios, SpotConformanceSuite):
    connector_id = "hashkey"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v1/time"),
        "trading_rules": ("GET", "/api/v1/exchangeInfo"),
        "balances": ("GET", "/api/v1/account"),
        "place_order": ("POST", "/api/v1.1/spot/order"),
        "cancel_order": ("DELETE", "/api/v1/spot/order"),
        "order_status": ("GET", "/api/v1/spot/order"),
        "order_fills": ("GET", "/api/v1/account/trades"),
        "cancel_all": ("DELETE", "/api/v1/spot/openOrders"),
        "open_orders": ("GET", "/api/v1/spot/openOrders"),
        "order_history": ("GET", "/api/v1/spot/tradeOrders"),
    }
    public_ws_path = "/quote/ws/v1"
    user_ws_path = f"/api/v1/ws/{LISTEN_KEY}"
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
    venue_states = {OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    # executionReport carries the fill with each partial or filled state.
    stream_order_updates = False

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", "/api/v1/userDataStream", lambda _: self.reply("listen_key"))
        venue.route("PUT", "/api/v1/userDataStream", lambda _: {})

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused key gets none.
        self.venue.route("POST", "/api/v1/userDataStream", self.reply("auth_error"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if "ping" in message:
            return [{"pong": message["ping"]}]
        if message.get("event") in ("sub", "cancel"):
            replies: list[Any] = [{**message, "code": "0", "msg": "Success"}]
            if message["event"] == "sub" and message.get("topic") == "depth":
                # The first depth frame after a subscription is the whole book: RESUBSCRIBE relies on it.
                replies += [self.fixtures.payload("snapshot", self.vars(symbol=symbol))
                            for symbol in message["symbol"].split(",")]
            return replies
        return []

    async def test_user_stream_opens_on_a_signed_listen_key(self) -> None:
        assert self.venue.endpoint(self.user_ws_path).connect_paths[0] == self.user_ws_path
        create = self.venue.requests_to("POST", "/api/v1/userDataStream")[0]
        assert create.headers["X-HK-APIKEY"] == API_KEY
        assert {"timestamp", "signature"} <= set(create.params)
