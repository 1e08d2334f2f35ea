"""The shared perpetual conformance suite, run against the Bybit v5 linear connector over loopback."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clobconn.core.data_types import OrderType, PositionMode, TradeType
from clobconn.core.errors import BadRequest, InvalidOrder
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import PerpetualConformanceSuite, eventually
from tests.exchange.bybit.conformance_hooks import V5_ROUTES, BybitConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bybit_perpetual"


class TestBybitPerpetualConformance(BybitConformanceHooks, PerpetualConformanceSuite):
    connector_id = "bybit_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        **V5_ROUTES,
        # Bybit has no "get position mode": a symbol's position list tells it (positionIdx).
        "positions": ("GET", "/v5/position/list"),
        "position_mode": ("GET", "/v5/position/list"),
        "set_leverage": ("POST", "/v5/position/set-leverage"),
        "set_position_mode": ("POST", "/v5/position/switch-mode"),
        "funding_info": ("GET", "/v5/market/tickers"),
        "funding_payments": ("GET", "/v5/account/transaction-log"),
    }
    public_ws_path = "/v5/public/linear"
    user_ws_path = "/v5/private"
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.001"),
        "max_order_size": Decimal("1190"),
        "max_market_order_size": Decimal("500"),
        "min_price_increment": Decimal("0.10"),
        "min_base_amount_increment": Decimal("0.001"),
        "min_notional": Decimal("5"),
        "contract_size": Decimal("1"),
    }
    expected_balances = {"BTC": (Decimal("0.5"), Decimal("0.4")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}
    expected_position = ("BTC-USDT", Decimal("-0.250"), Decimal("101.5"))
    # The position topic carries markPrice and the venue's unrealisedPnl at it.
    user_position_has_mark = True

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.json.get("reduceOnly") is True

    async def test_only_usdt_perpetuals_in_trading_status_are_listed(self) -> None:
        # The fixture also holds a dated future, a USDC perpetual and a pre-launch symbol.
        assert set(self.conn.trading_rules) == {"BTC-USDT", "ETH-USDT"}

    async def test_private_stream_subscribes_linear_topics_and_positions(self) -> None:
        subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][1]
        assert subscribe == {"op": "subscribe",
                             "args": ["order.linear", "execution.linear", "wallet", "position.linear"]}

    async def test_public_stream_subscribes_book_trades_and_tickers(self) -> None:
        subscribe = self.venue.endpoint(self.public_ws_path).sessions[0][0]
        assert subscribe["args"] == ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT", "tickers.BTCUSDT"]

    async def test_hedge_mode_orders_carry_position_idx(self) -> None:
        self.serve("set_position_mode", self.reply("set_position_mode"))
        await self.perp.set_position_mode(PositionMode.HEDGE)
        assert self.venue.requests_to(*self.routes["set_position_mode"])[-1].json == {
            "category": "linear", "coin": "USDT", "mode": 3}
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "801", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        opened_long, opened_short = (r.json for r in self.placements()[-2:])
        assert opened_long["positionIdx"] == 1 and "reduceOnly" not in opened_long
        assert opened_short["positionIdx"] == 2 and opened_short["timeInForce"] == "PostOnly"

    async def test_ticker_deltas_merge_into_the_last_snapshot(self) -> None:
        await self.push_public("mark_price", mark_price="12345.6", funding_rate="0.00031")
        await eventually(lambda: self.perp.funding_info[self.trading_pair].rate == Decimal("0.00031"),
                         what="ticker snapshot")
        delta = FixtureSet(FIXTURES).payload("ticker_delta")
        await self.venue.push(self.public_ws_path, delta)
        await eventually(lambda: self.perp.funding_info[self.trading_pair].rate == Decimal("-0.0049"),
                         what="ticker delta")
        # The delta named no mark price: the snapshot's stands.
        assert self.perp.funding_info[self.trading_pair].mark_price == Decimal("12345.6")

    async def test_setting_what_is_already_set_is_not_an_error(self) -> None:
        self.serve("set_leverage", MockResponse({"retCode": 110043, "retMsg": "Set leverage has not been modified.",
                                                 "result": {}, "retExtInfo": {}, "time": 1672281607343}))
        assert await self.perp.set_leverage(self.trading_pair, 5) == Decimal(5)
        assert self.venue.requests_to(*self.routes["set_leverage"])[-1].json == {
            "category": "linear", "symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5"}
        self.serve("set_leverage", MockResponse({"retCode": 10001, "retMsg": "leverage invalid",
                                                 "result": {}, "retExtInfo": {}, "time": 1672281607343}))
        # "Request parameter error" on a call that places no order: a BadRequest, never an InvalidOrder.
        with pytest.raises(BadRequest) as info:
            await self.perp.set_leverage(self.trading_pair, 500)
        assert not isinstance(info.value, InvalidOrder)

    async def test_funding_payment_amount_sign_and_market_rate(self) -> None:
        await self.perp._update_funding_payments()
        payment = self.perp.funding_payments[0]
        assert payment.trading_pair == self.trading_pair and payment.payment_id == "9001"
        # Received 0.003676 USDT on a short: feeRate is the market rate negated for side Sell.
        assert payment.amount == Decimal("0.003676") and payment.asset == "USDT"
        assert payment.rate == Decimal("0.0001")
        params = self.venue.requests_to(*self.routes["funding_payments"])[-1].query
        assert params["type"] == "SETTLEMENT" and params["category"] == "linear"
        assert int(params["endTime"]) - int(params["startTime"]) <= 7 * 24 * 3600 * 1000

    async def test_position_mode_read_from_position_idx(self) -> None:
        assert await self.perp._fetch_position_mode() is PositionMode.ONEWAY
        hedge = self.fixtures.payload("positions")
        hedge["result"]["list"] = [dict(row, positionIdx=idx) for row in hedge["result"]["list"] for idx in (1, 2)]
        self.serve("positions", MockResponse(hedge))
        assert await self.perp._fetch_position_mode() is PositionMode.HEDGE
        assert self.venue.requests_to(*self.routes["positions"])[-1].query["symbol"] == "BTCUSDT"
