"""The shared spot conformance suite, run against the Gate.io spot connector over a loopback venue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState
from clobconn.testing.mock_venue import RecordedRequest
from clobconn.testing.suites import SpotConformanceSuite, eventually
from tests.exchange.gate_io.conformance_hooks import GateIoConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "gate_io"


class TestGateIoSpotConformance(GateIoConformanceHooks, SpotConformanceSuite):
    connector_id = "gate_io"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v4/spot/time"),
        "trading_rules": ("GET", "/api/v4/spot/currency_pairs"),
        "balances": ("GET", "/api/v4/spot/accounts"),
        "snapshot": ("GET", "/api/v4/spot/order_book"),
        "place_order": ("POST", "/api/v4/spot/orders"),
        "cancel_order": ("DELETE", "/api/v4/spot/orders/{order_id}"),
        "order_status": ("GET", "/api/v4/spot/orders/{order_id}"),
        "order_fills": ("GET", "/api/v4/spot/my_trades"),
        "cancel_all": ("DELETE", "/api/v4/spot/orders"),
        # One path lists both, told apart by the status parameter.
        "open_orders": ("GET", "/api/v4/spot/orders"),
        "order_history": ("GET", "/api/v4/spot/orders"),
    }
    public_ws_path = "/ws/v4/"
    # Public and private streams share Gate's host; the mock serves the private one apart.
    user_ws_path = "/private/ws/v4/"
    # The WebSocket API (orders) is on the private stream's host and path.
    ws_order_path = "/private/ws/v4/"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00001"),
        "max_order_size": Decimal("9000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("3"),
        "max_notional": Decimal("5000000"),
    }
    expected_balances = {"BTC": (Decimal("1.75"), Decimal("1.5")), "USDT": (Decimal("1000.0"), Decimal("968.8"))}
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "closed",
                    OrderState.CANCELED: "cancelled"}

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        return super().connector_config(private_ws_url=f"{self.venue.ws_url}/private", **overrides)

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("amount"), "client_order_id": body.get("text")}

    async def test_untradable_pair_not_listed(self) -> None:
        # LUNA_USDT is in the fixture with trade_status "untradable".
        assert set(self.conn.trading_rules) == {"BTC-USDT", "ETH-USDT"}

    async def test_every_private_subscription_is_signed(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[0]
        assert [frame["channel"] for frame in frames] == ["spot.orders", "spot.usertrades", "spot.balances"]
        assert all(frame["auth"]["method"] == "api_key" for frame in frames)

    async def test_order_update_via_user_stream(self) -> None:
        client_id = await self.open_order()
        await self.push_user("user_order", **self.order_vars(client_id, state=OrderState.CANCELED))
        await eventually(lambda: client_id not in self.conn.in_flight_orders, what="cancelled by the stream")
        assert self.conn.orders.finished[client_id].state is OrderState.CANCELED

    async def test_refused_subscription_is_not_live(self) -> None:
        path = self.user_ws_path
        self.venue.on_ws_message(path, lambda message: [
            {"time": 1, "channel": message.get("channel"), "event": "subscribe",
             "error": {"code": 4, "message": "Authentication fail"}, "result": {"status": "fail"}}])
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=2)
        await self.venue.wait_for_ws_message(path, lambda m: isinstance(m, dict), count=4)
        assert self.conn.status_dict["user_stream_connected"] is False
