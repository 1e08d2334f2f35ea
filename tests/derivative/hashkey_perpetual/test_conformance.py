"""The shared perpetual conformance suite, run against the HashKey Global perpetual connector over loopback.

The fixtures speak contracts (``contractMultiplier`` 0.001 for both contracts); the suite speaks
base amounts, and the hooks below convert between them. Books are full snapshots, as on spot.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState, OrderType, PositionSide, TradeType
from clobconn.core.order_book.messages import PublicTrade
from clobconn.derivative.hashkey_perpetual.order_book_data_source import HashkeyPerpetualOrderBookDataSource
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import PerpetualConformanceSuite
from tests.exchange.hashkey.conformance_hooks import HashkeyConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "hashkey_perpetual"
CONTRACT_SIZE = Decimal("0.001")


def contracts(base: Any) -> Any:
    """A base amount as contracts; a value that is no finite number (a scenario's bad value) goes on
    the wire as it came."""
    if base is None or isinstance(base, bool) or not math.isfinite(Decimal(str(base))):
        return base
    count = Decimal(str(base)) / CONTRACT_SIZE
    return format(count.normalize(), "f") if count == count.to_integral_value() else str(count)


class TestHashkeyPerpetualConformance(HashkeyConformanceHooks, SnapshotBookScenarios, PerpetualConformanceSuite):
    connector_id = "hashkey_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v1/time"),
        "trading_rules": ("GET", "/api/v1/exchangeInfo"),
        "balances": ("GET", "/api/v1/futures/balance"),
        "place_order": ("POST", "/api/v1/futures/order"),
        "cancel_order": ("DELETE", "/api/v1/futures/order"),
        "order_status": ("GET", "/api/v1/futures/order"),
        "order_fills": ("GET", "/api/v1/futures/userTrades"),
        "cancel_all": ("DELETE", "/api/v1/futures/batchOrders"),
        "open_orders": ("GET", "/api/v1/futures/openOrders"),
        "order_history": ("GET", "/api/v1/futures/historyOrders"),
        "positions": ("GET", "/api/v1/futures/positions"),
        "set_leverage": ("POST", "/api/v1/futures/leverage"),
        "funding_info": ("GET", "/api/v1/futures/fundingRate"),
        "funding_payments": ("GET", "/api/v1/account/balanceFlow"),
    }
    public_ws_path = "/quote/ws/v1"
    batch_path = "/api/v1/futures/batchOrders"
    batch_amount, batch_quantity, batch_side = Decimal("0.01"), "10", "BUY_OPEN"
    venue_sides = {TradeType.BUY: "BUY_OPEN", TradeType.SELL: "SELL_OPEN"}
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.001"),
        "max_order_size": Decimal("10"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": CONTRACT_SIZE,
        "contract_size": CONTRACT_SIZE,
    }
    expected_balances = {"USDT": (Decimal("3000"), Decimal("2000"))}
    # 20 contracts of 0.001 BTC, long.
    expected_position = ("BTC-USDT", Decimal("0.020"), Decimal("25000.5"))

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables = super().template_vars(variables)
        variables["amount_contracts"] = contracts(variables["amount"])
        variables["cum_contracts"] = contracts(variables["cum_amount"])
        variables["fill_contracts"] = contracts(variables["fill_amount"])
        variables["position_contracts"] = contracts(variables["position_amount"])
        return variables

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [[price, contracts(size)] for price, size in levels]

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        amount = str(Decimal(params["quantity"]) * CONTRACT_SIZE) if "quantity" in params else None
        return {"price": params.get("price"), "amount": amount, "client_order_id": params.get("clientOrderId")}

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.params["side"].endswith("_CLOSE")

    def extra_routes(self, venue: MockVenue) -> None:
        super().extra_routes(venue)
        venue.route("GET", "/quote/v1/markPrice", lambda _: self.reply("mark_price_rest"))
        venue.route("GET", "/quote/v1/index", lambda _: self.reply("index_price"))

    def serve_polled_mark(self, mark: str) -> None:
        self.venue.route("GET", "/quote/v1/markPrice", lambda _: self.reply("mark_price_rest", {"mark_price": mark}))


    async def test_orders_name_the_side_they_open_or_close(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "801", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, Decimal("0.25"), OrderType.LIMIT,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal("0.25"), OrderType.MARKET,
                                    reduce_only=True)
        opened, closed = (request.params for request in self.placements()[-2:])
        assert (opened["side"], opened["quantity"], opened["priceType"], opened["timeInForce"]) == (
            "SELL_OPEN", "250", "INPUT", "GTC")
        # A market order is a LIMIT order priced MARKET; reduce-only buys close the short side.
        assert (closed["side"], closed["type"], closed["priceType"]) == ("BUY_CLOSE", "LIMIT", "MARKET")
        assert "price" not in closed

    async def test_positions_are_kept_per_side(self) -> None:
        await self.perp._update_positions()
        assert self.perp.get_position(self.trading_pair, PositionSide.LONG) is not None
        # The empty SHORT side of the fixture is no position.
        assert self.perp.get_position(self.trading_pair, PositionSide.SHORT) is None

    async def test_funding_info_reads_rate_mark_and_index(self) -> None:
        info = self.perp.get_funding_info(self.trading_pair)
        assert info is not None
        assert (info.rate, info.mark_price, info.index_price) == (
            Decimal("0.0001"), Decimal("100.25"), Decimal("100.2"))
        index = self.venue.requests_to("GET", "/quote/v1/index")[0]
        assert index.params["symbol"] == "BTCUSDT"

    async def test_funding_payments_read_the_funding_fee_flow(self) -> None:
        await self.perp._update_funding_payments()
        request = self.venue.requests_to(*self.routes["funding_payments"])[-1]
        assert (request.params["flowType"], request.params["accountType"]) == ("32", "3")
        payment = self.perp.funding_payments[0]
        assert (payment.trading_pair, payment.amount, payment.asset) == ("BTC-USDT", Decimal("-0.0123"), "USDT")

    async def test_state_map_covers_the_order_states(self) -> None:
        assert self.venue_states[OrderState.FILLED] == "FILLED"

    async def test_book_and_trades_hold_base_amounts(self) -> None:
        # The wire said 1500 contracts of 0.001 BTC at 100.00: the book holds 1.5 BTC.
        book = self.conn.get_order_book(self.trading_pair)
        assert [(level.price, level.size) for level in book.bids()] == [
            (Decimal(price), Decimal(size)) for price, size in self.snapshot_bids]
        assert self.fixtures.payload("snapshot", self.vars())["data"][0]["b"][0] == ["100.00", "1500"]
        source = HashkeyPerpetualOrderBookDataSource(self.conn)
        frame = self.fixtures.payload("trade", self.vars(fill_amount="0.25", trade_id="5501"))
        assert frame["data"][0]["q"] == "250"
        (trade,) = source.parse("public", frame)
        assert isinstance(trade, PublicTrade) and trade.amount == Decimal("0.25")
