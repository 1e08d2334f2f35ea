"""The shared perpetual conformance suite, run against the KuCoin futures connector over loopback.

The fixtures carry contract counts, as KuCoin does (BTC-USDT is XBTUSDTM, 0.001 BTC a contract):
the scenarios speak base amounts, the hooks here turn them into contracts on the way to the mock,
so every scenario also checks the connector's conversion back.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import PerpetualConformanceSuite, eventually
from tests.exchange.kucoin.conformance_hooks import KucoinConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kucoin_perpetual"
# XBTUSDTM's multiplier in the trading_rules fixture.
CONTRACT = Decimal("0.001")
CONTRACT_AMOUNTS = ("amount", "cum_amount", "fill_amount", "remain_amount", "canceled_amount", "position_amount")


def finite(value: Any) -> bool:
    """A finite number or numeric string (not a bool): what a scenario's bad values are not."""
    try:
        return not isinstance(value, bool) and value is not None and Decimal(str(value)).is_finite()
    except ArithmeticError:
        return False


def contracts(base: Any) -> Any:
    """A base amount as contracts; a value that is no finite number (a scenario's bad value) goes
    on the wire as it came."""
    return int(Decimal(str(base)) / CONTRACT) if finite(base) else base


class TestKucoinPerpetualConformance(KucoinConformanceHooks, PerpetualConformanceSuite):
    connector_id = "kucoin_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v1/timestamp"),
        "trading_rules": ("GET", "/api/v1/contracts/active"),
        "balances": ("GET", "/api/v1/account-overview"),
        "snapshot": ("GET", "/api/v1/level2/snapshot"),
        "place_order": ("POST", "/api/v1/orders"),
        "cancel_order": ("DELETE", "/api/v1/orders/client-order/{client_oid}"),
        "order_status": ("GET", "/api/v1/orders/{ref:.+}"),
        "order_fills": ("GET", "/api/v1/fills"),
        "cancel_all": ("DELETE", "/api/v3/orders"),
        # One path lists both, told apart by the status parameter.
        "open_orders": ("GET", "/api/v1/orders"),
        "order_history": ("GET", "/api/v1/orders"),
        "positions": ("GET", "/api/v1/positions"),
        "set_leverage": ("POST", "/api/v2/changeCrossUserLeverage"),
        # No position-mode endpoint exists: the role serves the contract's margin mode instead.
        "position_mode": ("GET", "/api/v2/position/getMarginMode"),
        "funding_info": ("GET", "/api/v1/funding-rate/{symbol}/current"),
        "funding_payments": ("GET", "/api/v1/funding-history"),
    }
    fills_route = ("GET", "/api/v1/fills")
    route_filters = {"open_orders": lambda request: request.query.get("status") == "active",
                     "order_history": lambda request: request.query.get("status") == "done"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.5")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.001"),
        "contract_size": Decimal("0.001"),
    }
    expected_balances = {"USDT": (Decimal("371.394298816"), Decimal("290.326799096"))}
    expected_position = ("BTC-USDT", Decimal("-0.25"), Decimal("101.5"))
    # position.change carries markPrice and the venue's unrealisedPnl at it.
    user_position_has_mark = True

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": str(Decimal(body["size"]) * CONTRACT),
                "client_order_id": body.get("clientOid")}

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.json.get("reduceOnly") is True

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables = super().template_vars(variables)
        for name in CONTRACT_AMOUNTS:
            variables[name] = contracts(variables[name])
        return variables

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        # The REST snapshot gives JSON numbers: the price, and the size in contracts.
        return [[float(price) if finite(price) else price, contracts(size)] for price, size in levels]

    def extra_routes(self, venue: MockVenue) -> None:
        self.install_bullets(venue, "/api/v1/bullet-public", "/api/v1/bullet-private")
        venue.route("GET", "/api/v1/mark-price/{symbol}/current", lambda _: self.reply("mark_price_rest"))

    async def push_diff(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]], first_id: int,
                        last_id: int, prev_id: int, **extra: Any) -> None:
        """KuCoin sends one change per message, each one sequence above the last."""
        changes = [(p, "buy", s) for p, s in bids] + [(p, "sell", s) for p, s in asks]
        for offset, (price, side, size) in enumerate(changes):
            await self.push_public("diff", last_id=first_id + offset, change=f"{price},{side},{contracts(size)}")

    async def test_funding_info_from_rest_then_stream(self) -> None:
        # Mark/index and the funding rate come in separate /contract/instrument messages.
        info = self.perp.get_funding_info(self.trading_pair)
        assert info is not None and info.mark_price == Decimal("100.25") and info.rate == Decimal("0.0001")
        await self.push_public("mark_price", mark_price="12345.6", index_price="12345.1")
        await self.push_public("funding_rate", funding_rate="0.00031")
        await eventually(lambda: self.perp.funding_info[self.trading_pair].rate == Decimal("0.00031"),
                         what="funding info from the stream")
        info = self.perp.funding_info[self.trading_pair]
        assert info.mark_price == Decimal("12345.6") and info.index_price == Decimal("12345.1")

    # == what only KuCoin futures adds =============================================================

    async def test_contract_multiplier_converts_orders_and_book(self) -> None:
        rule = self.conn.trading_rules["ETH-USDT"]
        assert rule.contract_size == Decimal("0.01") and rule.min_base_amount_increment == Decimal("0.01")
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "801", None)))
        await self.conn.place_order("ETH-USDT", TradeType.BUY, Decimal("0.05"), OrderType.LIMIT, Decimal("2000.5"))
        body = self.placements()[-1].json
        assert body["symbol"] == "ETHUSDTM" and body["size"] == 5 and Decimal(body["price"]) == Decimal("2000.5")
        assert body["marginMode"] == "CROSS" and body["leverage"] == 1 and body["reduceOnly"] is False
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_public("diff", last_id=last + 1, change="100.2,buy,1200")
        await eventually(lambda: book.best_bid == Decimal("100.2"), what="change applied")
        assert book.bids(1)[0].size == Decimal("1.2")

    async def test_sequence_gap_resyncs_from_rest(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"]))
        await self.push_public("diff", last_id=last + 2, change="100.3,buy,1000")
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.0"), what="rebuilt from REST")
        assert Decimal("100.3") not in [level.price for level in book.bids()]

    async def test_private_reconnect_fetches_a_new_token(self) -> None:
        tokens = len(self.venue.requests_to("POST", "/api/v1/bullet-private"))
        await self.venue.drop(self.user_ws_path)
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        assert len(self.venue.requests_to("POST", "/api/v1/bullet-private")) == tokens + 1
        first, second = self.venue.endpoint(self.user_ws_path).connect_paths[:2]
        assert first != second
        topics = [m["topic"] for m in self.venue.endpoint(self.user_ws_path).sessions[0]]
        assert topics == ["/contractMarket/tradeOrders", "/contractAccount/wallet", "/contract/positionAll"]

    async def test_isolated_margin_leverage_travels_with_each_order(self) -> None:
        self.venue.route("GET", "/api/v2/position/getMarginMode",
                         {"code": "200000", "data": {"symbol": "XBTUSDTM", "marginMode": "ISOLATED"}})
        assert await self.perp.set_leverage(self.trading_pair, 5) == Decimal(5)
        assert not self.venue.requests_to(*self.routes["set_leverage"])
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "802", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        body = self.placements()[-1].json
        assert body["marginMode"] == "ISOLATED" and body["leverage"] == 5 and body["postOnly"] is True

    async def test_funding_history_is_asked_per_contract(self) -> None:
        await self.perp._update_funding_payments()
        params = self.venue.requests_to(*self.routes["funding_payments"])[-1].query
        assert params["symbol"] == "XBTUSDTM" and params["forward"] == "true"
        payments = sorted(self.perp.funding_payments, key=lambda p: p.timestamp)
        assert [p.amount for p in payments] == [Decimal("-0.05585669"), Decimal("0.01831232")]
        assert payments[0].rate == Decimal("0.000641") and payments[0].asset == "USDT"

