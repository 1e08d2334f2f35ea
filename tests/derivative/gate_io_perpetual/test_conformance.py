"""The shared perpetual conformance suite, run against the Gate.io USDT perpetual connector over loopback.

The fixtures speak contracts (``quanto_multiplier`` 0.0001 BTC for BTC_USDT); the suite speaks base
amounts, and the hooks below convert between them the way the venue's documentation defines.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState, OrderType, PositionSide, TradeType
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import PerpetualConformanceSuite, eventually
from tests.exchange.gate_io.conformance_hooks import GateIoConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "gate_io_perpetual"
CONTRACT_SIZE = Decimal("0.0001")  # BTC_USDT quanto_multiplier in the fixture


def contracts(base: Any) -> Any:
    """A base amount as contracts; a value that is no finite number (a scenario's bad value, or
    1e400, which a float reads as infinity) goes on the wire as it came."""
    if base is None or isinstance(base, bool) or not math.isfinite(Decimal(str(base))):
        return base
    count = Decimal(str(base)) / CONTRACT_SIZE
    assert count == count.to_integral_value(), f"{base} is not whole contracts"
    return int(count)


class TestGateIoPerpetualConformance(GateIoConformanceHooks, PerpetualConformanceSuite):
    connector_id = "gate_io_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # A fill's size is signed by side: a negative one is a sell, not a bad value.
    fill_sign_is_side = True
    routes = {
        "server_time": ("GET", "/api/v4/spot/time"),
        "trading_rules": ("GET", "/api/v4/futures/usdt/contracts"),
        "balances": ("GET", "/api/v4/futures/usdt/accounts"),
        "snapshot": ("GET", "/api/v4/futures/usdt/order_book"),
        "place_order": ("POST", "/api/v4/futures/usdt/orders"),
        "cancel_order": ("DELETE", "/api/v4/futures/usdt/orders/{order_id}"),
        "order_status": ("GET", "/api/v4/futures/usdt/orders/{order_id}"),
        "order_fills": ("GET", "/api/v4/futures/usdt/my_trades"),
        "cancel_all": ("DELETE", "/api/v4/futures/usdt/orders"),
        "open_orders": ("GET", "/api/v4/futures/usdt/orders"),
        "order_history": ("GET", "/api/v4/futures/usdt/orders"),
        "positions": ("GET", "/api/v4/futures/usdt/positions"),
        "set_leverage": ("POST", "/api/v4/futures/usdt/positions/{contract}/leverage"),
        "position_mode": ("GET", "/api/v4/futures/usdt/accounts"),
        "set_position_mode": ("POST", "/api/v4/futures/usdt/dual_mode"),
        "funding_info": ("GET", "/api/v4/futures/usdt/contracts/{contract}"),
        "funding_payments": ("GET", "/api/v4/futures/usdt/account_book"),
    }
    public_ws_path = "/v4/ws/usdt"
    user_ws_path = "/private/v4/ws/usdt"
    # The WebSocket API (orders) is on the private stream's host and path.
    ws_order_path = "/private/v4/ws/usdt"
    # futures.balances carries the wallet balance only.
    stream_balance_has_available = False
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("100"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.0001"),
        "contract_size": CONTRACT_SIZE,
    }
    expected_balances = {"USDT": (Decimal("9707.803567115145"), Decimal("9669.091377934145"))}
    # -9440 contracts of 0.0001 BTC.
    expected_position = ("BTC-USDT", Decimal("-0.944"), Decimal("3779.55"))
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "finished",
                    OrderState.CANCELED: "finished"}

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        return super().connector_config(private_ws_url=f"{self.venue.ws_url}/private", **overrides)

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/api/v4/account/detail", lambda _: self.reply("account_detail"))

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [{"p": price, "s": contracts(size)} for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables = super().template_vars(variables)
        sign = 1 if variables["side"] == "buy" else -1
        variables["size_contracts"] = sign * contracts(variables["amount"])
        variables["left_contracts"] = sign * contracts(variables["left"])
        variables["fill_contracts"] = sign * contracts(variables["fill_amount"])
        variables["position_contracts"] = contracts(variables["position_amount"])
        variables["next_funding_s"] = variables["next_funding_ms"] // 1000
        return variables

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        # Price 0 with tif ioc is a market order; sizes are signed contract counts.
        price = None if body.get("price") == "0" else body.get("price")
        amount = str(abs(Decimal(body["size"])) * CONTRACT_SIZE) if "size" in body else None
        return {"price": price, "amount": amount, "client_order_id": body.get("text")}

    def ws_order_amount(self, param: dict[str, Any]) -> Any:
        # futures.order_place takes the REST body: a signed count of contracts.
        return None if "size" not in param else abs(Decimal(param["size"])) * CONTRACT_SIZE

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.json.get("reduce_only") is True

    async def test_delisting_contract_not_listed(self) -> None:
        assert set(self.conn.trading_rules) == {"BTC-USDT", "ETH-USDT"}

    async def test_private_channels_name_the_user_id(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[0]
        assert [(f["channel"], f["payload"]) for f in frames] == [
            ("futures.orders", ["1667201533", "!all"]), ("futures.usertrades", ["1667201533", "!all"]),
            ("futures.positions", ["1667201533", "!all"]), ("futures.balances", ["1667201533"])]

    async def test_sell_is_a_negative_contract_count(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "801", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, Decimal("0.25"), OrderType.LIMIT,
                                    self.order_price)
        body = self.placements()[-1].json
        assert body["size"] == -2500 and body["reduce_only"] is False

    async def test_hedge_mode_position_sides(self) -> None:
        long = {"contract": "BTC_USDT", "size": 300, "entry_price": "100", "mode": "dual_long", "leverage": "5"}
        await self.venue.push(self.user_ws_path, {"channel": "futures.positions", "event": "update",
                                                  "result": [long]})
        await eventually(lambda: self.perp.positions.get(("BTC-USDT", PositionSide.LONG)) is not None,
                         what="dual-mode long position")
        assert self.perp.positions[("BTC-USDT", PositionSide.LONG)].amount == Decimal("0.03")
