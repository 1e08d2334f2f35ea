"""Paper trading: the real connector's market data, the sandbox matching engine's orders and fills.

``paper_connector(cls, ...)`` builds a class that puts ``PaperTrading`` (or ``PerpetualPaperTrading``)
in front of the venue's own connector class. Everything public (trading rules, books, trades, funding
info, the server clock) still comes from the venue through the connector's own data sources; every
private call the core makes (place, cancel, status, fills, balances, positions, leverage, position
mode, funding payments) is answered by an in-process ``clobconn.sandbox.engine.Engine`` instead, fed
from the live book by ``LiveBookMirror``. So validation, rounding, order tracking and events are the
real connector's own: ``place_order`` refuses what the real connector refuses (tick, step, minimum size
and notional, order types, time in force), and the events are the same ones.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    PositionMode,
    PositionSide,
    TimeInForce,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.data_types.perpetual import Position
from clobconn.core.errors import (
    ClobconnError,
    InsufficientFunds,
    InvalidArgument,
    NotSupported,
    OrderNotFound,
    OrderRejected,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.paper.book_feed import BOOK, ENDLESS, TAPE, USER, LiveBookMirror
from clobconn.sandbox import engine as sandbox
from clobconn.sandbox.engine import Engine, EngineOrder, EngineReject, Fill, MarketSpec, OrderKind, Side

logger = logging.getLogger(__name__)

# No venue publishes an account's fee tier on a public endpoint: these are the common base tiers,
# and ``paper_fees={"maker": ..., "taker": ...}`` sets the account's own.
DEFAULT_SPOT_FEES = {"maker": Decimal("0.001"), "taker": Decimal("0.001")}
DEFAULT_PERPETUAL_FEES = {"maker": Decimal("0.0002"), "taker": Decimal("0.0005")}
DEFAULT_DEPTH = 20
MAX_LEVERAGE = 125  # the venue's per-market cap is not in its trading rules: the engine allows up to this
SYNC_INTERVAL = 0.1  # seconds between mirror syncs (each placement syncs first as well)

ENGINE_STATES = {
    sandbox.OrderStatus.NEW: OrderState.OPEN,
    sandbox.OrderStatus.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    sandbox.OrderStatus.FILLED: OrderState.FILLED,
    sandbox.OrderStatus.CANCELED: OrderState.CANCELED,
    sandbox.OrderStatus.EXPIRED: OrderState.CANCELED,
    sandbox.OrderStatus.REJECTED: OrderState.FAILED,
}
REJECTIONS: dict[int, type[ClobconnError]] = {
    -2010: OrderRejected, -2019: InsufficientFunds, -2011: OrderNotFound, -2013: OrderNotFound,
}


class PaperTrading(ExchangeBase):
    """Put in front of a venue's connector class: private calls go to the engine. Not used alone."""

    def __init__(self, *args: Any, paper_balances: Mapping[str, Decimal | int | str] | None = None,
                 paper_fees: Mapping[str, Decimal | int | str] | None = None, paper_depth: int = DEFAULT_DEPTH,
                 paper_queue: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paper = True  # from here on the connector "has credentials": it trades on paper
        fees = dict(DEFAULT_PERPETUAL_FEES if self.spec.is_perpetual else DEFAULT_SPOT_FEES)
        fees.update({key: _decimal(value) for key, value in (paper_fees or {}).items()})
        if set(fees) != {"maker", "taker"} or any(not v.is_finite() or v < 0 for v in fees.values()):
            raise InvalidArgument("paper_fees takes a finite, non-negative 'maker' and 'taker' rate",
                                  field="paper_fees", value=dict(paper_fees or {}))
        self.paper_fees = fees
        self.paper_balances = {asset: _amount(asset, value) for asset, value in (paper_balances or {}).items()}
        self.paper_depth = paper_depth
        self.paper_queue = paper_queue
        self.engine: Engine | None = None
        self.mirror: LiveBookMirror | None = None
        self._placing: set[str] = set()  # client ids whose placement answer carries their updates

    # == credentials: none needed, none used =====================================================

    @property
    def has_credentials(self) -> bool:
        # While the real connector's __init__ runs, what was given: keys build a signer only when given,
        # for the few venues that sign a public read (KuCoin's full book snapshot). Then always: every
        # private call is the engine's, so no order, cancel or balance request ever reaches the venue.
        return True if getattr(self, "_paper", False) else super().has_credentials

    def missing_credentials(self) -> list[str]:
        return [] if getattr(self, "_paper", False) else super().missing_credentials()

    def _start_user_stream(self) -> None:
        """No private stream: the engine's events arrive synchronously through ``_PaperEvents``."""

    async def _fetch_account_context(self) -> dict[str, str] | None:
        return None

    # == the engine, built from the venue's trading rules ========================================

    async def _update_trading_rules(self) -> None:
        await super()._update_trading_rules()
        if self.engine is None:
            self._build_engine()

    def _build_engine(self) -> None:
        perpetual = self.spec.is_perpetual
        markets = [
            MarketSpec(symbol=pair, base=pair.split("-")[0], quote=pair.split("-")[-1], tick_size=Decimal(0),
                       step_size=Decimal(0), min_qty=Decimal(0), max_qty=ENDLESS, min_notional=Decimal(0),
                       maker_fee=self.paper_fees["maker"], taker_fee=self.paper_fees["taker"],
                       perpetual=perpetual, max_leverage=MAX_LEVERAGE)
            for pair in self.trading_rules
        ]
        # The rules the real connector enforces are checked before an order gets here; the engine's own
        # filters are off (zero tick and step) so the mirrored book's levels are taken as the venue sent them.
        engine = Engine(markets, lambda: int(time.time() * 1000))
        assets = sorted({asset for market in markets for asset in (market.base, market.quote)})
        for account in (BOOK, TAPE):
            engine.open_account(account, dict.fromkeys(assets, ENDLESS))
        engine.add_listener(_PaperEvents(self))
        engine.open_account(USER, self.paper_balances)
        if self.spec.fixed_position_mode is PositionMode.HEDGE:  # a venue whose accounts are always in hedge mode
            engine.set_dual_side(USER, True)
        self.engine = engine
        self.mirror = LiveBookMirror(engine, self.paper_depth, self.paper_queue)

    def _engine(self) -> Engine:
        if self.engine is None:
            raise NotSupported(f"{self.name} (paper): no trading rules loaded yet; start the connector first")
        return self.engine

    def _live_book(self, pair: str) -> OrderBook | None:
        sync = self.order_book_tracker.syncs.get(pair)
        return sync.book if sync is not None else None

    def _sync_book(self, pair: str) -> None:
        if self.mirror is not None and pair in self._engine().markets:
            self.mirror.sync(pair, self._live_book(pair))

    async def _sync_all_books(self) -> None:
        for pair in list(self.order_book_tracker.syncs):
            self._sync_book(pair)

    def _start_extra_loops(self) -> None:
        super()._start_extra_loops()
        self._run_periodic("paper_book", self._sync_all_books, lambda: SYNC_INTERVAL)

    def _on_public_trade(self, trade: PublicTrade) -> None:
        super()._on_public_trade(trade)
        if self.mirror is None or trade.trading_pair not in self._engine().markets:
            return
        self._sync_book(trade.trading_pair)
        self.mirror.trade_through(trade)
        self._sync_book(trade.trading_pair)

    # == the private calls, answered by the engine ===============================================

    async def _fetch_balances(self) -> list[Balance]:
        return self._paper_balances()

    def _paper_balances(self, assets: tuple[str, ...] | None = None) -> list[Balance]:
        engine = self._engine()
        wallet = engine.wallet(USER)  # spot: (total, free); perpetual: (wallet balance, available)
        return [Balance(asset, total, min(free, total)) for asset, (total, free) in wallet.items()
                if (total or free or asset in self.balances) and (assets is None or asset in assets)]

    async def _place_order(self, order: InFlightOrder) -> Placement:
        engine = self._engine()
        self._sync_book(order.trading_pair)
        kind, tif = _engine_kind(order)
        quote = order.quote_amount
        self._placing.add(order.client_order_id)
        try:
            placed, fills = engine.place(
                USER, order.trading_pair, Side.BUY if order.trade_type is TradeType.BUY else Side.SELL, kind,
                None if quote is not None else order.amount, order.price, tif, order.client_order_id,
                quote_quantity=quote, **self._position_args(order))
        except EngineReject as exc:
            raise _typed(exc, order.trading_pair) from None
        finally:
            self._placing.discard(order.client_order_id)
        if placed.is_open and self.mirror is not None:
            self.mirror.resting(placed, self._live_book(order.trading_pair))
        return _order_update(placed), [_trade_update(placed, fill) for fill in fills]

    def _position_args(self, order: InFlightOrder) -> dict[str, Any]:
        return {}

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        try:
            return _order_update(self._engine().cancel(USER, order.trading_pair,
                                                       client_order_id=order.client_order_id))
        except EngineReject as exc:
            raise _typed(exc, order.trading_pair) from None

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        try:
            return _order_update(self._engine().get_order(USER, order.trading_pair,
                                                          client_order_id=order.client_order_id))
        except EngineReject as exc:
            raise _typed(exc, order.trading_pair) from None

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        engine = self._engine()
        try:
            placed = engine.get_order(USER, order.trading_pair, client_order_id=order.client_order_id)
        except EngineReject:
            return []
        return [_trade_update(placed, fill) for fill in engine.fills(USER, order.trading_pair, placed.order_id)]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return [_order_update(order) for order in self._engine().open_orders(USER, trading_pair)]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        return []  # every paper order is known to the engine by client id: nothing is ever lost

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return [_order_update(order) for order in self._engine().cancel_all(USER, trading_pair)]

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        raise NotSupported(f"{self.name} (paper): amending orders is not simulated; cancel and place instead")

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        results: list[Placement | ClobconnError] = []
        for order in orders:
            try:
                results.append(await self._place_order(order))
            except ClobconnError as exc:
                results.append(exc)
        return results

    # == engine events: the paper account's orders, fills and balances ===========================

    def _on_engine_order(self, order: EngineOrder, fill: Fill | None) -> None:
        if order.client_order_id in self._placing:
            return  # the placement's answer carries these
        if fill is not None:
            self.orders.process_trade_update(_trade_update(order, fill))
        self.orders.process_order_update(_order_update(order))

    def _on_engine_balances(self, assets: tuple[str, ...]) -> None:
        if self.engine is None:
            return  # the account is being opened: the first balance fetch reports it
        for balance in self._paper_balances(assets):
            self._set_balance(balance)

    def _on_engine_position(self, position: sandbox.Position) -> None:
        """Positions are the perpetual's business (``PerpetualPaperTrading``)."""


class PerpetualPaperTrading(PaperTrading, PerpetualDerivativeBase):
    """Paper trading for a perpetual: leverage, position mode, positions priced at the venue's live mark,
    and funding paid at the venue's funding times and rates."""

    funding_poll_interval = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._funded_until: dict[str, int] = {}  # pair -> the funding time (ms) last paid

    def _position_args(self, order: InFlightOrder) -> dict[str, Any]:
        if self.position_mode is PositionMode.HEDGE:
            return {"position_side": self.position_side_for(order).value}
        return {"reduce_only": order.reduce_only}

    async def _fetch_positions(self) -> list[Position]:
        return [_position(p) for p in self._engine().positions(USER) if p.amount]

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        try:
            return Decimal(self._engine().set_leverage(USER, trading_pair, int(leverage)))
        except EngineReject as exc:
            raise InvalidArgument(f"{self.name} (paper): {exc.message}", field="leverage", value=leverage) from None

    async def _set_position_mode(self, mode: PositionMode) -> None:
        try:
            self._engine().set_dual_side(USER, mode is PositionMode.HEDGE)
        except EngineReject as exc:
            raise OrderRejected(f"{self.name} (paper): {exc.message}", venue_code=exc.code) from None

    async def _fetch_position_mode(self) -> PositionMode:
        return PositionMode.HEDGE if self._engine().dual_side(USER) else PositionMode.ONEWAY

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        return [FundingPayment(p.symbol, p.time_ms / 1000, p.amount, p.asset, str(p.payment_id), p.rate)
                for p in self._engine().funding_payments(USER) if p.time_ms / 1000 >= since]

    def _on_funding_info(self, info: FundingInfo) -> None:
        super()._on_funding_info(info)
        engine = self.engine
        if engine is None or info.trading_pair not in engine.markets:
            return
        pair = info.trading_pair
        if info.mark_price.is_finite() and info.mark_price > 0:
            engine.set_mark_price(pair, info.mark_price)
        engine.set_funding_rate(pair, info.rate)
        # The venue's next funding time, unless it is one already paid (a venue still announcing the time
        # that just passed) or none at all (0): then the engine keeps its own schedule.
        next_ms = int(info.next_funding_timestamp * 1000)
        if next_ms > self._funded_until.get(pair, 0):
            engine.set_next_funding_ms(pair, next_ms)
        # The open positions were repriced at this mark by the base class, as for any venue's mark stream.

    def _start_extra_loops(self) -> None:
        super()._start_extra_loops()
        self._run_periodic("paper_funding", self._settle_due_funding, lambda: 1.0)

    async def _settle_due_funding(self) -> None:
        """At each of the venue's funding times, pay or charge the rate it last published, on the live mark."""
        engine = self._engine()
        now_ms = int(time.time() * 1000)
        settled = False
        for pair in list(self.funding_info):
            due_ms = engine.next_funding_ms(pair) if pair in engine.markets else now_ms + 1
            if due_ms <= now_ms:
                engine.settle_funding(pair)
                self._funded_until[pair] = due_ms
                settled = True
        if settled:
            await self._update_funding_payments()

    def _on_engine_position(self, position: sandbox.Position) -> None:
        self._on_position(_position(position))


class _PaperEvents:
    """The engine's listener: hands the paper account's changes to the connector; the rest is the venue's."""

    def __init__(self, connector: PaperTrading) -> None:
        self.connector = connector

    def on_book_delta(self, delta: sandbox.BookDelta) -> None:
        pass

    def on_trade(self, trade: sandbox.PublicTrade) -> None:
        pass

    def on_order(self, order: EngineOrder, fill: Fill | None) -> None:
        if order.account == USER:
            self.connector._on_engine_order(order, fill)

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        if account == USER:
            self.connector._on_engine_balances(assets)

    def on_position(self, account: str, position: sandbox.Position) -> None:
        if account == USER:
            self.connector._on_engine_position(position)

    def on_funding(self, payment: sandbox.FundingPayment) -> None:
        pass


def paper_connector(cls: type[ExchangeBase], **config: Any) -> ExchangeBase:
    """``cls``'s paper twin, built with ``config`` (its usual keywords plus ``paper_balances``, ``paper_fees``,
    ``paper_depth``, ``paper_queue``). Credentials are neither needed nor read."""
    mixin: type = PerpetualPaperTrading if issubclass(cls, PerpetualDerivativeBase) else PaperTrading
    paper_class = type(f"Paper{cls.__name__}", (mixin, cls), {"__module__": __name__})
    return cast(ExchangeBase, paper_class(**config))


def _decimal(value: object) -> Decimal:
    """A number as given (NaN for anything that is not one, which the callers refuse)."""
    if isinstance(value, bool):
        return Decimal("NaN")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _amount(asset: str, value: Decimal | int | str) -> Decimal:
    amount = _decimal(value)
    if not amount.is_finite() or amount < 0:
        raise InvalidArgument(f"paper_balances[{asset!r}] must be a finite, non-negative amount, got {value!r}",
                              field="paper_balances", value=value)
    return amount


def _engine_kind(order: InFlightOrder) -> tuple[OrderKind, sandbox.TimeInForce]:
    if order.order_type is OrderType.MARKET:
        return OrderKind.MARKET, sandbox.TimeInForce.GTC
    if order.order_type is OrderType.LIMIT_MAKER:
        return OrderKind.LIMIT_MAKER, sandbox.TimeInForce.GTC
    return OrderKind.LIMIT, {TimeInForce.GTC: sandbox.TimeInForce.GTC, TimeInForce.IOC: sandbox.TimeInForce.IOC,
                             TimeInForce.FOK: sandbox.TimeInForce.FOK}[order.time_in_force]


def _typed(exc: EngineReject, pair: str) -> ClobconnError:
    error = REJECTIONS.get(exc.code, OrderRejected)
    if exc.code == -2010 and "insufficient" in exc.message.lower():
        error = InsufficientFunds
    return error(f"{pair} (paper): {exc.message}", venue_code=exc.code, venue_message=exc.message)


def _order_update(order: EngineOrder) -> OrderUpdate:
    return OrderUpdate(order.symbol, order.updated_ms / 1000, ENGINE_STATES[order.status], order.client_order_id,
                       str(order.order_id), executed_amount=order.executed_qty)


def _trade_update(order: EngineOrder, fill: Fill) -> TradeUpdate:
    return TradeUpdate(f"paper-{fill.trade_id}", fill.symbol, fill.price, fill.qty, fill.quote_qty,
                       TradeFee.flat(fill.fee_asset, fill.fee), fill.time_ms / 1000, order.client_order_id,
                       str(order.order_id), is_maker=fill.is_maker)


def _position(position: sandbox.Position) -> Position:
    return Position(position.symbol, PositionSide(position.position_side), position.amount, position.entry_price,
                    position.unrealized_pnl, Decimal(position.leverage), mark_price=position.mark_price)
