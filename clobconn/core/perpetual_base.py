"""PerpetualDerivativeBase: positions, leverage, position mode and funding, on top of ExchangeBase.

Positions follow the mark price. Every FundingInfo (the venue's mark-price stream, or the REST read
at start) reprices each position of its pair: ``mark_price`` set, ``unrealized_pnl`` recomputed.
A position update that comes without a mark (Binance's ACCOUNT_UPDATE, Gate.io's
futures.positions) is priced at the last known mark rather than carrying the venue's PnL of some
earlier moment; one that brings its own mark (a REST poll, Bybit's and KuCoin's streams) keeps the
venue's figures. A missing liquidation price keeps the last known one until an update brings it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from abc import abstractmethod
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderType,
    Position,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from clobconn.core.errors import InvalidArgument, NotSupported
from clobconn.core.events import FundingPaymentEvent, PositionUpdatedEvent
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.orders.arguments import as_enum, as_leverage, as_optional_enum, as_pair
from clobconn.core.venue import Feature
from clobconn.core.web.rest import read_answer

logger = logging.getLogger(__name__)


class PerpetualDerivativeBase(ExchangeBase):
    # How far back the first funding-payment poll looks, in seconds.
    funding_lookback: float = 8 * 3600.0
    funding_poll_interval: float = 60.0
    # For venues that stream no funding info (no mark-price or ticker channel): how often, in seconds,
    # the REST read repeats. None where a stream keeps it current.
    funding_info_poll_interval: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positions: dict[tuple[str, PositionSide], Position] = {}
        self.funding_info: dict[str, FundingInfo] = {}
        self.funding_payments: list[FundingPayment] = []
        self._seen_payments: set[tuple[str, str]] = set()
        self._funding_cursor: float | None = None
        self._leverage: dict[str, Decimal] = {}
        self.position_mode = self.spec.fixed_position_mode or PositionMode.ONEWAY
        self._positions_fetched = False
        reads_mode = type(self)._fetch_position_mode is not PerpetualDerivativeBase._fetch_position_mode
        if self.spec.fixed_position_mode is None and not reads_mode:
            raise TypeError(f"{type(self).__name__} declares no fixed_position_mode and overrides no "
                            "_fetch_position_mode")

    # == what a perpetual connector implements ===================================================

    @abstractmethod
    async def _fetch_positions(self) -> list[Position]:
        """Every open position."""

    @abstractmethod
    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        """Set leverage on the venue; return the leverage the venue applied."""

    async def _set_position_mode(self, mode: PositionMode) -> None:
        """Switch one-way/hedge mode on the venue: every venue with a mode to switch implements it."""
        raise NotSupported(f"{self.name} cannot switch its position mode")

    async def _fetch_position_mode(self) -> PositionMode:
        """The account's current position mode: the declared fixed one, else the venue's answer (a venue
        without a fixed mode overrides this, which construction checks)."""
        fixed = self.spec.fixed_position_mode
        assert fixed is not None, "checked at construction"
        return fixed

    @abstractmethod
    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        """Mark, index, rate and next funding time for one pair."""

    @abstractmethod
    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """Every funding payment at or after ``since`` (seconds), oldest first."""

    # == public API ==============================================================================

    async def set_leverage(self, trading_pair: str, leverage: Decimal | int) -> Decimal:
        trading_pair = as_pair(trading_pair, InvalidArgument)
        leverage = as_leverage(leverage, trading_pair=trading_pair, whole=self.spec.whole_leverage)
        self._rule(trading_pair)
        applied = await self._set_leverage(trading_pair, Decimal(leverage))
        self._leverage[trading_pair] = applied
        return applied

    def get_leverage(self, trading_pair: str) -> Decimal | None:
        """The leverage last set or seen on a position; None when unknown."""
        return self._leverage.get(trading_pair)

    async def set_position_mode(self, mode: PositionMode) -> None:
        mode = as_enum(PositionMode, mode, "mode", InvalidArgument)
        fixed = self.spec.fixed_position_mode
        if fixed is not None and mode is not fixed:
            raise NotSupported(f"{self.name} accounts are always in {fixed.value} position mode")
        if mode is PositionMode.HEDGE and Feature.HEDGE_MODE not in self.spec.features:
            raise NotSupported(f"{self.name} has no hedge mode")
        if mode is self.position_mode:
            return
        await self._set_position_mode(mode)
        self.position_mode = mode

    def get_position(self, trading_pair: str, side: PositionSide | None = None) -> Position | None:
        trading_pair = as_pair(trading_pair, InvalidArgument)
        side = as_optional_enum(PositionSide, side, "side", InvalidArgument)
        if side is None:
            side = PositionSide.BOTH if self.position_mode is PositionMode.ONEWAY else PositionSide.LONG
        return self.positions.get((trading_pair, side))

    def get_funding_info(self, trading_pair: str) -> FundingInfo | None:
        return self.funding_info.get(trading_pair)

    def position_side_for(self, order: InFlightOrder) -> PositionSide:
        """The hedge-mode side an order acts on: buys open longs and close shorts."""
        if self.position_mode is PositionMode.ONEWAY:
            return PositionSide.BOTH
        opening = order.position_action is not PositionAction.CLOSE
        is_buy = order.trade_type is TradeType.BUY
        return PositionSide.LONG if opening == is_buy else PositionSide.SHORT

    # == the loops ===============================================================================

    async def start(self) -> None:
        await super().start()
        await self._update_funding_info()
        self._readiness_changed()

    def _start_extra_loops(self) -> None:
        interval = self.funding_info_poll_interval
        if interval is not None:
            self._run_periodic("funding_info", self._update_funding_info, lambda: interval, initial_delay=True)
        if self.is_trading:
            if self.spec.fixed_position_mode is None:
                self._run_periodic("position_mode", self._update_position_mode, lambda: 3600.0)
            self._run_periodic("positions", self._update_positions, self._poll_interval)
            self._run_periodic("funding_payments", self._update_funding_payments, lambda: self.funding_poll_interval)

    @property
    def status_dict(self) -> dict[str, bool]:
        status = super().status_dict
        status["funding_info_initialized"] = all(p in self.funding_info for p in self.config.trading_pairs)
        if self.is_trading:
            status["positions_initialized"] = self._positions_fetched
        return status

    async def _update_funding_info(self) -> None:
        """The REST read of every pair's funding info: at start, and periodically where nothing streams it."""
        for pair in self.config.trading_pairs:
            info = await read_answer(self._fetch_funding_info(pair))
            if self.rejections.accept(info, "REST funding info"):
                self._on_funding_info(info)

    async def _update_position_mode(self) -> None:
        self.position_mode = await read_answer(self._fetch_position_mode())

    async def _update_positions(self) -> None:
        fresh = {p.key: p for p in await read_answer(self._fetch_positions())}
        for key, old in list(self.positions.items()):
            if key not in fresh:
                self._on_position(Position(old.trading_pair, old.position_side, Decimal(0), Decimal(0),
                                           Decimal(0), old.leverage))
        for position in fresh.values():
            if self.rejections.accept(position, "REST positions"):
                self._on_position(position)
        if not self._positions_fetched:
            self._positions_fetched = True
            self._readiness_changed()

    async def _update_funding_payments(self) -> None:
        since = self._funding_cursor if self._funding_cursor is not None else time.time() - self.funding_lookback
        payments = await read_answer(self._fetch_funding_payments(since))
        payments = [p for p in payments if self.rejections.accept(p, "REST funding payments")]
        for payment in payments:
            if payment.key in self._seen_payments:
                continue
            self._seen_payments.add(payment.key)
            self.funding_payments.append(payment)
            self.event_bus.publish(FundingPaymentEvent(payment, time.time()))
        if payments:
            # Ask again from the newest payment's time: a window that overlaps by design, deduplicated above.
            self._funding_cursor = max(p.timestamp for p in payments)
        elif self._funding_cursor is None:
            self._funding_cursor = since

    # == hooks from the streams ==================================================================

    def _on_position(self, position: Position) -> None:
        position = self._complete_position(position)
        key = position.key
        if position.amount == 0:
            if self.positions.pop(key, None) is None:
                return
        elif self.positions.get(key) == position:
            return
        else:
            self.positions[key] = position
            if position.leverage:
                self._leverage[position.trading_pair] = position.leverage
        self.event_bus.publish(PositionUpdatedEvent(position, time.time()))

    def _on_funding_info(self, info: FundingInfo) -> None:
        self.funding_info[info.trading_pair] = info
        mark = info.mark_price
        if not usable_mark(mark):
            logger.warning("%s: %s mark price %s ignored for positions", self.name, info.trading_pair, mark)
            return
        for key, position in list(self.positions.items()):
            if position.trading_pair == info.trading_pair and position.mark_price != mark:
                repriced = dataclasses.replace(position, mark_price=mark,
                                               unrealized_pnl=unrealized_pnl(position, mark))
                self.positions[key] = repriced
                self.event_bus.publish(PositionUpdatedEvent(repriced, time.time()))

    def _complete_position(self, position: Position) -> Position:
        """Fill in what an update lacks: the last known liquidation price, and the last known mark
        with the PnL recomputed at it."""
        known = self.positions.get(position.key)
        if position.liquidation_price is None and known is not None and known.liquidation_price is not None:
            position = dataclasses.replace(position, liquidation_price=known.liquidation_price)
        if position.mark_price is not None:
            return position
        info = self.funding_info.get(position.trading_pair)
        mark = info.mark_price if info is not None else known.mark_price if known is not None else None
        if mark is None or not usable_mark(mark):
            return position  # no mark seen for this pair yet: the venue's PnL is all there is
        return dataclasses.replace(position, mark_price=mark, unrealized_pnl=unrealized_pnl(position, mark))

    def _check_position_args(self, position_action: PositionAction | None, reduce_only: bool) -> None:
        if reduce_only and Feature.REDUCE_ONLY not in self.spec.features:
            raise NotSupported(f"{self.name} has no reduce-only orders")

    def _prepare_order(self, trade_type: TradeType, trading_pair: str, amount: Decimal, order_type: OrderType,
                       price: Decimal | None, *args: Any, **kwargs: Any) -> InFlightOrder:
        order = super()._prepare_order(trade_type, trading_pair, amount, order_type, price, *args, **kwargs)
        if order.position_action is None:
            order.position_action = PositionAction.OPEN
        order.leverage = self._leverage.get(trading_pair)
        return order


def usable_mark(mark_price: Decimal) -> bool:
    """A mark a position can be priced at: finite and positive (a NaN would poison every PnL)."""
    return mark_price.is_finite() and mark_price > 0


def unrealized_pnl(position: Position, mark_price: Decimal) -> Decimal:
    """A linear (USDT-margined) contract's PnL at ``mark_price``: base amount times the move from entry.

    The side decides the direction in hedge mode, whatever sign a venue gives a SHORT's amount; in
    one-way mode (BOTH) the amount's sign does.
    """
    amount = position.amount
    if position.position_side is PositionSide.SHORT:
        amount = -abs(amount)
    elif position.position_side is PositionSide.LONG:
        amount = abs(amount)
    return amount * (mark_price - position.entry_price)
