"""BybitPerpetualDerivative: Bybit v5 USDT linear perpetuals (unified trading account).

https://bybit-exchange.github.io/docs/v5/intro. Signing, orders, cancels, status, fills and
balances are the spot connector's ``BybitExchange`` with ``category=linear``; this adds the
instrument rule, positionIdx and reduceOnly, positions, leverage, position mode and funding.
Sizes are in the base coin on Bybit linear (one contract is one unit of base).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    Position,
    PositionMode,
    PositionSide,
    TradingRule,
)
from clobconn.core.errors import ExchangeError
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import optional_decimal
from clobconn.derivative.bybit_perpetual.constants import (
    LEVERAGE_NOT_MODIFIED,
    LINEAR_BATCH_SIZE,
    MODE_HEDGE,
    MODE_ONEWAY,
    POSITION_IDX_LONG,
    POSITION_IDX_ONEWAY,
    POSITION_IDX_SHORT,
    POSITION_MODE_NOT_MODIFIED,
    POSITIONS,
    SET_LEVERAGE,
    SETTLE_COIN,
    SPEC,
    SWITCH_MODE,
    TICKERS,
    TRANSACTION_LOG,
)
from clobconn.derivative.bybit_perpetual.order_book_data_source import (
    BybitPerpetualOrderBookDataSource,
    parse_funding,
)
from clobconn.derivative.bybit_perpetual.user_stream_data_source import (
    BybitPerpetualUserStreamDataSource,
    parse_position,
)
from clobconn.exchange.bybit.exchange import BybitExchange, fmt

POSITION_IDX = {PositionSide.BOTH: POSITION_IDX_ONEWAY, PositionSide.LONG: POSITION_IDX_LONG,
                PositionSide.SHORT: POSITION_IDX_SHORT}
# The transaction log answers at most 7 days between startTime and endTime.
MAX_LOG_WINDOW = 7 * 24 * 3600.0 - 60.0


class BybitPerpetualDerivative(PerpetualDerivativeBase, BybitExchange):
    spec = SPEC
    category = "linear"
    batch_size = LINEAR_BATCH_SIZE
    order_book_data_source_class = BybitPerpetualOrderBookDataSource
    user_stream_data_source_class = BybitPerpetualUserStreamDataSource

    def _instrument_rule(self, info: Mapping[str, Any]) -> TradingRule | None:
        """A linear instruments-info entry: USDT-settled perpetuals only (no dated futures, no USDC)."""
        if info.get("contractType") != "LinearPerpetual" or info.get("settleCoin") != SETTLE_COIN:
            return None
        lot = info["lotSizeFilter"]
        return TradingRule(
            f"{info['baseCoin']}-{info['quoteCoin']}",
            min_order_size=Decimal(lot["minOrderQty"]),
            max_order_size=optional_decimal(lot.get("maxOrderQty")),
            min_price_increment=Decimal(info["priceFilter"]["tickSize"]),
            min_base_amount_increment=Decimal(lot["qtyStep"]),
            min_notional=optional_decimal(lot.get("minNotionalValue")) or Decimal(0),
            max_market_order_size=optional_decimal(lot.get("maxMktOrderQty")),
        )

    def _order_extras(self, order: InFlightOrder) -> dict[str, Any]:
        # positionIdx is required in hedge mode; reduceOnly works in both modes.
        extras: dict[str, Any] = {"positionIdx": POSITION_IDX[self.position_side_for(order)]}
        if order.reduce_only:
            extras["reduceOnly"] = True
        return extras

    async def _call_tolerating(self, endpoint: Endpoint, params: dict[str, Any], already_so: str) -> None:
        """A setting call whose "not modified" refusal means the venue is already as asked."""
        try:
            await self._call(endpoint, params)
        except ExchangeError as exc:
            if str(exc.venue_code) != already_so:
                raise

    async def _fetch_positions(self) -> list[Position]:
        # With settleCoin (and no symbol) only positions of non-zero size are listed.
        rows = (await self._call(POSITIONS, {"settleCoin": SETTLE_COIN, "limit": 200}))["list"]
        return [parse_position(pair, row) for row in rows
                if (pair := self.trading_pair_of(row["symbol"])) is not None and Decimal(row["size"] or 0)]

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        value = fmt(leverage)
        params = {"symbol": self.exchange_symbol(trading_pair), "buyLeverage": value, "sellLeverage": value}
        await self._call_tolerating(SET_LEVERAGE, params, LEVERAGE_NOT_MODIFIED)
        return leverage

    async def _set_position_mode(self, mode: PositionMode) -> None:
        # By coin: every USDT perpetual without a position or open order switches, and new listings
        # follow; a symbol-level setting made elsewhere still wins for that symbol.
        params = {"coin": SETTLE_COIN, "mode": MODE_HEDGE if mode is PositionMode.HEDGE else MODE_ONEWAY}
        await self._call_tolerating(SWITCH_MODE, params, POSITION_MODE_NOT_MODIFIED)

    async def _fetch_position_mode(self) -> PositionMode:
        # There is no "get position mode": a symbol's position list (given a symbol it lists even empty
        # positions) holds positionIdx 0 in one-way mode and 1 and 2 in hedge mode.
        if not self.config.trading_pairs:
            return self.position_mode
        params = {"symbol": self.exchange_symbol(self.config.trading_pairs[0])}
        rows = (await self._call(POSITIONS, params))["list"]
        hedge = any(int(row.get("positionIdx", 0)) != POSITION_IDX_ONEWAY for row in rows)
        return PositionMode.HEDGE if hedge else PositionMode.ONEWAY

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        rows = (await self._call(TICKERS, {"symbol": self.exchange_symbol(trading_pair)}))["list"]
        return parse_funding(trading_pair, rows[0])

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """Transaction log rows of type SETTLEMENT: ``funding`` is positive when received; feeRate is the
        market rate, negated for a short (side Sell)."""
        now = time.time()
        params = {"accountType": "UNIFIED", "currency": SETTLE_COIN, "type": "SETTLEMENT", "limit": 50,
                  "startTime": int(max(since, now - MAX_LOG_WINDOW) * 1000), "endTime": int(now * 1000)}
        rows = (await self._call(TRANSACTION_LOG, params))["list"]
        payments = []
        for row in rows:
            pair = self.trading_pair_of(row.get("symbol", ""))
            if pair is None or row.get("funding") in (None, ""):
                continue
            rate = optional_decimal(row.get("feeRate"))
            if rate is not None and row.get("side") == "Sell":
                rate = -rate
            payments.append(FundingPayment(pair, int(row["transactionTime"]) / 1000, Decimal(row["funding"]),
                                           row.get("currency") or SETTLE_COIN, str(row["id"]), rate))
        return sorted(payments, key=lambda p: p.timestamp)
