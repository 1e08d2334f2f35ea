"""The shared spot conformance suite, run against the HashKey Global connector over a loopback venue.

HashKey's depth topic sends full snapshots only: the mock answers a depth subscription with the book
on the stream, and the suite's "diff" role is a depth frame too, which replaces the book.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from clobconn.testing.mock_venue import RecordedRequest
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import API_KEY, SpotConformanceSuite
from tests.exchange.hashkey.conformance_hooks import HashkeyConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "hashkey"


class TestHashkeyConformance(HashkeyConformanceHooks, SnapshotBookScenarios, SpotConformanceSuite):
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
    batch_path = "/api/v1/spot/batchOrders"
    batch_amount, batch_quantity, batch_side = Decimal("0.1"), "0.10000", "BUY"
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

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    async def test_user_stream_opens_on_a_signed_listen_key(self) -> None:
        assert self.venue.endpoint(self.user_ws_path).connect_paths[0] == self.user_ws_path
        create = self.venue.requests_to("POST", "/api/v1/userDataStream")[0]
        assert create.headers["X-HK-APIKEY"] == API_KEY
        assert {"timestamp", "signature"} <= set(create.params)
