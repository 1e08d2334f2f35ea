"""A deterministic central-limit-order-book matching engine for the sandbox venue.

Pure and synchronous: no asyncio, no I/O, no wall clock (time comes from the injected
``clock_ms``). Money is Decimal throughout. Symbols are Binance style ("BTCUSDT") and enum values
are Binance's strings, so the protocol layer can emit them unchanged.

Modelling decisions (documented because a venue makes them too):

* Price-time priority: best price first, then first come first served within a price level.
* Self-trade: allowed (Binance STP mode NONE). The sandbox's liquidity accounts never quote
  against themselves, and a user crossing their own order simply trades with themselves.
* Spot fees are charged in the asset received (base for a buy, quote for a sell), rounded half-up
  to 8 decimals (Binance's commission precision). Perp fees are charged in the quote asset.
  Every fee and net funding flow is credited to the venue's "house" balance, so the total of each
  asset over all accounts plus :meth:`Engine.house_balances` never changes (tested).
* Spot locks: a LIMIT buy locks ``quantity * limit price`` of quote, a LIMIT sell locks the base
  quantity; each fill releases exactly ``limit * qty`` (the price improvement returns to free).
  MARKET orders lock nothing: they are checked for affordability against the book and execute
  atomically.
* Perps (USD-M, cross margin): open orders that can open exposure reserve
  ``remaining * price / leverage`` of margin; reduce-only orders (and hedge-mode closing orders)
  reserve nothing. Positions keep their signed amount and cost; realized PnL and fees settle
  into the wallet on each fill. Liquidation is not modelled.
* Futures semantics follow Binance's USD-M docs: GTX (post-only) that would take is refused with
  -5022, FOK that cannot fill at once is refused with -5021, reduce-only with nothing to reduce is
  refused with -2022, a reduce-only order larger than the position is clipped at execution and its
  remainder EXPIRED, and resting reduce-only orders expire once their position is flat.
* Every ``EngineOrder`` handed out (return values and listener calls) is a snapshot copy.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

ZERO = Decimal(0)
Level = tuple[Decimal, Decimal]  # (price, aggregate quantity)

MONEY_QUANTUM = Decimal("1e-8")  # Binance reports commissions, PnL and funding to 8 decimals
DEFAULT_FUNDING_INTERVAL_MS = 8 * 3600 * 1000
DEFAULT_FUNDING_RATE = Decimal("0.0001")
DEFAULT_LEVERAGE = 20  # Binance's initial leverage for a symbol (capped at the market's maximum)
FIRST_UPDATE_ID = 1000  # a non-zero snapshot id, so a client never mistakes "0" for "no snapshot"
RETAINED_CLOSED_ORDERS = 10_000  # per account; bounds memory of a long-running sandbox
RETAINED_FILLS = 10_000  # per account
RETAINED_TRADES = 1_000  # per symbol (GET /trades serves at most 1000)
RETAINED_FUNDING = 10_000  # per account
BOTH, LONG, SHORT = "BOTH", "LONG", "SHORT"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderKind(StrEnum):
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    MARKET = "MARKET"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"  # post-only (futures)


class OrderStatus(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})


@dataclass(frozen=True, slots=True)
class MarketSpec:
    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    maker_fee: Decimal
    taker_fee: Decimal
    perpetual: bool = False
    max_leverage: int = 20


@dataclass(slots=True)
class EngineOrder:
    order_id: int
    client_order_id: str
    account: str
    symbol: str
    side: Side
    kind: OrderKind
    tif: TimeInForce
    price: Decimal | None
    quantity: Decimal
    executed_qty: Decimal
    cum_quote: Decimal
    status: OrderStatus
    created_ms: int
    updated_ms: int
    reduce_only: bool = False
    position_side: str = BOTH

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Fill:
    """One side of one match."""

    trade_id: int
    symbol: str
    order_id: int
    client_order_id: str
    account: str
    side: Side
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    fee: Decimal
    fee_asset: str
    is_maker: bool
    time_ms: int
    realized_pnl: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class PublicTrade:
    trade_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    buyer_is_maker: bool
    time_ms: int


@dataclass(frozen=True, slots=True)
class BookDelta:
    """One per engine operation that changed the visible book.

    Ids are per symbol and contiguous: first_update_id == previous last_update_id + 1;
    prev_update_id is the previous delta's last_update_id (Binance futures "pu"). A delta consumes
    one id per changed level. Quantities are the new aggregate per level; 0 means the level is gone.
    """

    symbol: str
    first_update_id: int
    last_update_id: int
    prev_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    time_ms: int


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    position_side: str
    amount: Decimal  # signed: + long, - short
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: int
    initial_margin: Decimal
    update_ms: int


@dataclass(frozen=True, slots=True)
class FundingPayment:
    payment_id: int
    account: str
    symbol: str
    asset: str
    amount: Decimal  # signed: + received
    rate: Decimal
    time_ms: int


class EngineReject(Exception):
    """A request the venue refuses, carrying Binance's error code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class EngineListener(Protocol):
    """Receives engine events synchronously, in order of occurrence."""

    def on_book_delta(self, delta: BookDelta) -> None: ...
    def on_trade(self, trade: PublicTrade) -> None: ...
    def on_order(self, order: EngineOrder, fill: Fill | None) -> None: ...
    def on_balances(self, account: str, assets: tuple[str, ...]) -> None: ...
    def on_position(self, account: str, position: Position) -> None: ...
    def on_funding(self, payment: FundingPayment) -> None: ...


# --- Binance error vocabulary -------------------------------------------------------------------

def _reject_invalid_symbol() -> EngineReject:
    return EngineReject(-1121, "Invalid symbol.")


def _reject_mandatory(name: str) -> EngineReject:
    return EngineReject(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def _reject_not_required(name: str) -> EngineReject:
    return EngineReject(-1106, f"Parameter '{name}' sent when not required.")


REJECT_INSUFFICIENT_BALANCE = (-2010, "Account has insufficient balance for requested action.")
REJECT_WOULD_TAKE = (-2010, "Order would immediately match and take.")
REJECT_SPOT_DUPLICATE = (-2010, "Duplicate order sent.")
REJECT_UNKNOWN_ORDER = (-2011, "Unknown order sent.")
REJECT_NO_SUCH_ORDER = (-2013, "Order does not exist.")
REJECT_MARGIN = (-2019, "Margin is insufficient.")
REJECT_REDUCE_ONLY = (-2022, "ReduceOnly Order is rejected.")
REJECT_PERP_DUPLICATE = (-4116, "clientOrderId is duplicated.")
REJECT_POSITION_SIDE = (-4061, "Order's position side does not match user's setting.")
REJECT_FOK = (-5021, "Due to the order could not be filled immediately, the FOK order has been rejected.")
REJECT_GTX = (-5022, "Due to the order could not be executed as maker, the Post Only order will be rejected.")


def _reject(code_and_message: tuple[int, str]) -> EngineReject:
    return EngineReject(*code_and_message)


def _money(value: Decimal) -> Decimal:
    return value.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP)


def _floor_to_step(value: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def _plain(value: Decimal) -> str:
    """A Decimal as Binance prints it in messages: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text


# --- internal state -----------------------------------------------------------------------------

class _BookSide:
    """One side of a book: price levels, each a FIFO queue of resting orders."""

    __slots__ = ("is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.prices: list[Decimal] = []  # ascending
        self.levels: dict[Decimal, deque[EngineOrder]] = {}

    def best_price(self) -> Decimal | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.is_bid else self.prices[0]

    def prices_best_first(self) -> list[Decimal]:
        # A copy: matching removes levels while walking them.
        return self.prices[::-1] if self.is_bid else list(self.prices)

    def add(self, order: EngineOrder) -> None:
        assert order.price is not None
        level = self.levels.get(order.price)
        if level is None:
            level = self.levels[order.price] = deque()
            bisect.insort(self.prices, order.price)
        level.append(order)

    def remove(self, order: EngineOrder) -> None:
        assert order.price is not None
        level = self.levels[order.price]
        for index, queued in enumerate(level):
            if queued is order:
                del level[index]
                break
        if not level:
            del self.levels[order.price]
            del self.prices[bisect.bisect_left(self.prices, order.price)]

    def aggregate(self, price: Decimal) -> Decimal:
        return sum((order.remaining for order in self.levels.get(price, ())), ZERO)

    def top(self, limit: int) -> list[Level]:
        return [(price, self.aggregate(price)) for price in self.prices_best_first()[: max(limit, 0)]]

    def crossed_by(self, taker_side: Side, limit_price: Decimal | None, price: Decimal) -> bool:
        """Whether a taker on ``taker_side`` with ``limit_price`` (None = market) trades at ``price``."""
        if limit_price is None:
            return True
        return price <= limit_price if taker_side is Side.BUY else price >= limit_price


@dataclass(slots=True)
class _SymbolState:
    market: MarketSpec
    bids: _BookSide = field(default_factory=lambda: _BookSide(is_bid=True))
    asks: _BookSide = field(default_factory=lambda: _BookSide(is_bid=False))
    last_update_id: int = FIRST_UPDATE_ID
    last_trade_id: int = 0
    trades: deque[PublicTrade] = field(default_factory=lambda: deque(maxlen=RETAINED_TRADES))
    last_price: Decimal | None = None
    mark_price: Decimal | None = None
    funding_rate: Decimal = DEFAULT_FUNDING_RATE
    next_funding_ms: int = 0

    def side(self, side: Side) -> _BookSide:
        return self.bids if side is Side.BUY else self.asks

    def opposite(self, side: Side) -> _BookSide:
        return self.asks if side is Side.BUY else self.bids


@dataclass(slots=True)
class _PositionState:
    amount: Decimal = ZERO  # signed
    cost: Decimal = ZERO  # signed sum of qty * price still open; entry price = cost / amount
    update_ms: int = 0


@dataclass(slots=True)
class _Account:
    name: str
    free: dict[str, Decimal] = field(default_factory=dict)  # spot
    locked: dict[str, Decimal] = field(default_factory=dict)  # spot
    wallet: dict[str, Decimal] = field(default_factory=dict)  # perp wallet balance per margin asset
    leverage: dict[str, int] = field(default_factory=dict)
    dual_side: bool = False
    positions: dict[tuple[str, str], _PositionState] = field(default_factory=dict)
    orders: dict[int, EngineOrder] = field(default_factory=dict)  # open and retained closed orders
    open_orders: dict[int, EngineOrder] = field(default_factory=dict)
    by_client_id: dict[tuple[str, str], int] = field(default_factory=dict)  # latest order per id
    closed: deque[int] = field(default_factory=deque)
    fills: deque[Fill] = field(default_factory=lambda: deque(maxlen=RETAINED_FILLS))
    funding: deque[FundingPayment] = field(default_factory=lambda: deque(maxlen=RETAINED_FUNDING))


@dataclass(slots=True)
class _Operation:
    """What one engine call changed, flushed to listeners once at its end."""

    levels: dict[str, tuple[set[Decimal], set[Decimal]]] = field(default_factory=dict)  # symbol -> bids, asks
    assets: dict[str, dict[str, None]] = field(default_factory=dict)  # account -> assets (ordered set)
    positions: dict[tuple[str, str, str], None] = field(default_factory=dict)  # (account, symbol, side)

    def level_changed(self, symbol: str, side: Side, price: Decimal) -> None:
        bids, asks = self.levels.setdefault(symbol, (set(), set()))
        (bids if side is Side.BUY else asks).add(price)

    def asset_changed(self, account: str, *assets: str) -> None:
        touched = self.assets.setdefault(account, {})
        for asset in assets:
            touched[asset] = None

    def position_changed(self, account: str, symbol: str, position_side: str) -> None:
        self.positions[(account, symbol, position_side)] = None


# --- the engine ---------------------------------------------------------------------------------

class Engine:
    """One engine per product (spot or USD-M perpetual), each with its own wallets."""

    markets: Mapping[str, MarketSpec]

    def __init__(
        self,
        markets: Iterable[MarketSpec],
        clock_ms: Callable[[], int],
        *,
        funding_interval_ms: int = DEFAULT_FUNDING_INTERVAL_MS,
    ) -> None:
        self.markets = {market.symbol: market for market in markets}
        self._clock_ms = clock_ms
        self.funding_interval_ms = funding_interval_ms
        now = clock_ms()
        self._symbols = {symbol: _SymbolState(market) for symbol, market in self.markets.items()}
        for state in self._symbols.values():
            state.next_funding_ms = (now // funding_interval_ms + 1) * funding_interval_ms
        self._assets = sorted({asset for m in self.markets.values() for asset in (m.base, m.quote)})
        self._accounts: dict[str, _Account] = {}
        self._listeners: list[EngineListener] = []
        self._house: dict[str, Decimal] = {}
        self._last_order_id = 0
        self._last_payment_id = 0

    # -- accounts ----------------------------------------------------------------------------

    def add_listener(self, listener: EngineListener) -> None:
        self._listeners.append(listener)

    def open_account(self, account: str, balances: Mapping[str, Decimal]) -> None:
        """Create ``account`` (or top it up): spot free balances, or perp wallet balances."""
        state = self._account(account)
        for asset, amount in balances.items():
            book = state.wallet if self.is_perpetual else state.free
            book[asset] = book.get(asset, ZERO) + amount
        op = _Operation()
        op.asset_changed(account, *balances)
        self._flush(op)

    @property
    def is_perpetual(self) -> bool:
        return any(market.perpetual for market in self.markets.values())

    def accounts(self) -> list[str]:
        return list(self._accounts)

    def house_balances(self) -> dict[str, Decimal]:
        """Fees collected minus net funding paid out, per asset: the venue's own ledger."""
        return dict(self._house)

    def balances(self, account: str) -> dict[str, tuple[Decimal, Decimal]]:
        """Spot: asset -> (free, locked). Perp: margin asset -> (available, margin in use)."""
        state = self._account(account)
        if self.is_perpetual:
            result = {}
            for asset in self._perp_assets(state):
                available = self._available(state, asset)
                result[asset] = (available, self._margin_balance(state, asset) - available)
            return result
        assets = sorted(set(self._assets) | set(state.free) | set(state.locked))
        return {asset: (state.free.get(asset, ZERO), state.locked.get(asset, ZERO)) for asset in assets}

    def wallet(self, account: str) -> dict[str, tuple[Decimal, Decimal]]:
        """Perp: margin asset -> (wallet balance, available). Spot: asset -> (total, free)."""
        state = self._account(account)
        if not self.is_perpetual:
            return {asset: (free + locked, free) for asset, (free, locked) in self.balances(account).items()}
        return {
            asset: (state.wallet.get(asset, ZERO), self._available(state, asset)) for asset in self._perp_assets(state)
        }

    # -- orders ------------------------------------------------------------------------------

    def place(
        self,
        account: str,
        symbol: str,
        side: Side,
        kind: OrderKind,
        quantity: Decimal | None,
        price: Decimal | None = None,
        tif: TimeInForce = TimeInForce.GTC,
        client_order_id: str | None = None,
        quote_quantity: Decimal | None = None,
        reduce_only: bool = False,
        position_side: str = BOTH,
    ) -> tuple[EngineOrder, list[Fill]]:
        """Validate, match and (for GTC remainders) rest an order. Raises EngineReject."""
        state = self._symbol(symbol)
        market = state.market
        holder = self._account(account)
        side, kind, tif = Side(side), OrderKind(kind), TimeInForce(tif)
        if kind is not OrderKind.LIMIT:
            tif = TimeInForce.GTC  # Binance MARKET and LIMIT_MAKER orders carry no time in force (shown as GTC)
        post_only = kind is OrderKind.LIMIT_MAKER or tif is TimeInForce.GTX
        self._check_shape(market, kind, quantity, price, quote_quantity, reduce_only)
        if quote_quantity is not None:
            quantity = self._quantity_for_quote(state, side, quote_quantity)
        assert quantity is not None  # _check_shape guarantees one of the two
        if quote_quantity is None:
            self._check_filters(state, side, kind, quantity, price, reduce_only)
        if client_order_id and (symbol, client_order_id) in holder.by_client_id:
            existing = holder.orders.get(holder.by_client_id[(symbol, client_order_id)])
            if existing is not None and existing.is_open:
                raise _reject(REJECT_PERP_DUPLICATE if market.perpetual else REJECT_SPOT_DUPLICATE)
        if post_only and self._would_take(state, side, price):
            raise _reject(REJECT_GTX if market.perpetual else REJECT_WOULD_TAKE)
        fillable = self._fillable_quantity(state, side, price, quantity)
        if market.perpetual:
            self._admit_perp_order(holder, state, side, kind, quantity, price, reduce_only, position_side)
            if tif is TimeInForce.FOK and min(fillable, self._fok_reducible(holder, symbol, side, reduce_only,
                                                                           position_side, quantity)) < quantity:
                raise _reject(REJECT_FOK)
        else:
            self._admit_spot_order(holder, state, side, kind, quantity, price)

        now = self._clock_ms()
        self._last_order_id += 1
        order = EngineOrder(
            order_id=self._last_order_id,
            client_order_id=client_order_id or f"sandbox-{self._last_order_id}",
            account=account, symbol=symbol, side=side, kind=kind, tif=tif, price=price,
            quantity=quantity, executed_qty=ZERO, cum_quote=ZERO, status=OrderStatus.NEW,
            created_ms=now, updated_ms=now, reduce_only=reduce_only,
            position_side=position_side if market.perpetual else BOTH,
        )
        op = _Operation()
        self._register(holder, order)
        self._lock_for(holder, market, order, op)
        self._emit_order(order, None)

        fills: list[Fill] = []
        # A spot FOK that cannot fill in full expires without trading (a perp one was refused above).
        if not (tif is TimeInForce.FOK and fillable < quantity):
            fills = self._match(state, holder, order, op, now)
        self._finish_taker(state, holder, order, op, now)
        self._expire_stale_closing_orders(op, now)
        self._flush(op)
        return self._snapshot(order), fills

    def cancel(
        self, account: str, symbol: str, order_id: int | None = None, client_order_id: str | None = None
    ) -> EngineOrder:
        state = self._symbol(symbol)
        holder = self._account(account)
        order = self._find_order(holder, symbol, order_id, client_order_id)
        if order is None or not order.is_open:
            raise _reject(REJECT_UNKNOWN_ORDER)
        op = _Operation()
        self._close_resting(state, holder, order, OrderStatus.CANCELED, op, self._clock_ms())
        self._flush(op)
        return self._snapshot(order)

    def cancel_all(self, account: str, symbol: str) -> list[EngineOrder]:
        state = self._symbol(symbol)
        holder = self._account(account)
        op = _Operation()
        now = self._clock_ms()
        canceled = []
        for order in sorted(holder.open_orders.values(), key=lambda o: o.order_id):
            if order.symbol == symbol:
                self._close_resting(state, holder, order, OrderStatus.CANCELED, op, now)
                canceled.append(self._snapshot(order))
        self._flush(op)
        return canceled

    def get_order(
        self, account: str, symbol: str, order_id: int | None = None, client_order_id: str | None = None
    ) -> EngineOrder:
        self._symbol(symbol)
        order = self._find_order(self._account(account), symbol, order_id, client_order_id)
        if order is None:
            raise _reject(REJECT_NO_SUCH_ORDER)
        return self._snapshot(order)

    def open_orders(self, account: str, symbol: str | None = None) -> list[EngineOrder]:
        if symbol is not None:
            self._symbol(symbol)
        orders = self._account(account).open_orders.values()
        return [self._snapshot(o) for o in sorted(orders, key=lambda o: o.order_id) if symbol in (None, o.symbol)]

    def all_orders(self, account: str, symbol: str, from_order_id: int | None = None,
                   start_ms: int | None = None, end_ms: int | None = None, limit: int = 500) -> list[EngineOrder]:
        """Every order of the account on ``symbol``, open or closed, oldest first: the ``limit`` first from
        ``from_order_id`` when given, else the ``limit`` most recent (within the times given)."""
        self._symbol(symbol)
        orders = [o for o in sorted(self._account(account).orders.values(), key=lambda o: o.order_id)
                  if o.symbol == symbol and (from_order_id is None or o.order_id >= from_order_id)
                  and (start_ms is None or o.created_ms >= start_ms) and (end_ms is None or o.created_ms <= end_ms)]
        chosen = orders[:limit] if from_order_id is not None else orders[-limit:]
        return [self._snapshot(o) for o in chosen]

    def fills(self, account: str, symbol: str, order_id: int | None = None) -> list[Fill]:
        self._symbol(symbol)
        return [
            fill for fill in self._account(account).fills
            if fill.symbol == symbol and order_id in (None, fill.order_id)
        ]

    # -- market data -------------------------------------------------------------------------

    def depth(self, symbol: str, limit: int) -> tuple[int, list[Level], list[Level]]:
        state = self._symbol(symbol)
        return state.last_update_id, state.bids.top(limit), state.asks.top(limit)

    def recent_trades(self, symbol: str, limit: int) -> list[PublicTrade]:
        trades = self._symbol(symbol).trades
        return list(trades)[-limit:] if limit > 0 else []

    def best_bid_ask(self, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        state = self._symbol(symbol)
        return state.bids.best_price(), state.asks.best_price()

    def last_price(self, symbol: str) -> Decimal | None:
        return self._symbol(symbol).last_price

    # -- perpetuals --------------------------------------------------------------------------

    def set_leverage(self, account: str, symbol: str, leverage: int) -> int:
        market = self._perp_symbol(symbol).market
        if not 1 <= leverage <= market.max_leverage:
            raise EngineReject(-4028, f"Leverage {leverage} is not valid")
        holder = self._account(account)
        previous = self.leverage(account, symbol)
        holder.leverage[symbol] = leverage
        # Lowering leverage raises the margin in use; refuse it if the account can no longer afford it.
        if self._available(holder, market.quote) < 0:
            holder.leverage[symbol] = previous
            raise EngineReject(-2028, "Leverage is smaller than permitted: insufficient margin balance.")
        return leverage

    def leverage(self, account: str, symbol: str) -> int:
        market = self._perp_symbol(symbol).market
        return self._account(account).leverage.get(symbol, min(DEFAULT_LEVERAGE, market.max_leverage))

    def set_dual_side(self, account: str, dual: bool) -> None:
        self._require_perpetual()
        holder = self._account(account)
        if holder.dual_side == dual:
            raise EngineReject(-4059, "No need to change position side.")
        if holder.open_orders:
            raise EngineReject(-4067, "Position side cannot be changed if there exists open orders.")
        if any(position.amount for position in holder.positions.values()):
            raise EngineReject(-4068, "Position side cannot be changed if there exists position.")
        holder.dual_side = dual
        holder.positions.clear()  # all flat: only the cost of zero positions is dropped

    def dual_side(self, account: str) -> bool:
        self._require_perpetual()
        return self._account(account).dual_side

    def positions(self, account: str) -> list[Position]:
        """Every perp symbol's position(s), flat ones included: BOTH, or LONG and SHORT in hedge mode."""
        self._require_perpetual()
        holder = self._account(account)
        sides = (LONG, SHORT) if holder.dual_side else (BOTH,)
        return [self._position_view(holder, symbol, side) for symbol in self._symbols for side in sides]

    def set_mark_price(self, symbol: str, price: Decimal) -> None:
        self._perp_symbol(symbol).mark_price = price

    def mark_price(self, symbol: str) -> Decimal:
        return self._mark(self._perp_symbol(symbol))

    def funding_rate(self, symbol: str) -> Decimal:
        return self._perp_symbol(symbol).funding_rate

    def set_funding_rate(self, symbol: str, rate: Decimal) -> None:
        self._perp_symbol(symbol).funding_rate = rate

    def next_funding_ms(self, symbol: str) -> int:
        return self._perp_symbol(symbol).next_funding_ms

    def set_next_funding_ms(self, symbol: str, time_ms: int) -> None:
        """Reschedule the next funding settlement (tests and a shortened funding interval)."""
        self._perp_symbol(symbol).next_funding_ms = time_ms

    def settle_funding(self, symbol: str) -> list[FundingPayment]:
        """Pay/charge ``position * mark * rate`` to every account holding ``symbol``.

        Longs pay shorts when the rate is positive. Each payment is rounded to 8 decimals and the
        rounding residue goes to the house ledger. Advances ``next_funding_ms`` past now.
        """
        state = self._perp_symbol(symbol)
        market = state.market
        mark, rate, now = self._mark(state), state.funding_rate, self._clock_ms()
        op = _Operation()
        payments = []
        for holder in self._accounts.values():
            net_amount = sum(
                (p.amount for (sym, _), p in holder.positions.items() if sym == symbol), ZERO
            )
            amount = _money(-net_amount * mark * rate)
            if not amount:
                continue
            self._last_payment_id += 1
            payment = FundingPayment(self._last_payment_id, holder.name, symbol, market.quote, amount, rate, now)
            holder.wallet[market.quote] = holder.wallet.get(market.quote, ZERO) + amount
            self._house_add(market.quote, -amount)
            holder.funding.append(payment)
            payments.append(payment)
            op.asset_changed(holder.name, market.quote)
            for listener in self._listeners:
                listener.on_funding(payment)
        while state.next_funding_ms <= now:
            state.next_funding_ms += self.funding_interval_ms
        self._flush(op)
        return payments

    def funding_payments(self, account: str, symbol: str | None = None) -> list[FundingPayment]:
        self._require_perpetual()
        return [p for p in self._account(account).funding if symbol in (None, p.symbol)]

    # -- lookups -----------------------------------------------------------------------------

    def _symbol(self, symbol: str) -> _SymbolState:
        state = self._symbols.get(symbol)
        if state is None:
            raise _reject_invalid_symbol()
        return state

    def _perp_symbol(self, symbol: str) -> _SymbolState:
        state = self._symbol(symbol)
        if not state.market.perpetual:
            raise _reject_invalid_symbol()
        return state

    def _require_perpetual(self) -> None:
        if not self.is_perpetual:
            raise EngineReject(-1000, "This engine has no perpetual markets.")

    def _account(self, account: str) -> _Account:
        # Unknown accounts are created empty: a request from them fails on balance, as on Binance.
        holder = self._accounts.get(account)
        if holder is None:
            holder = self._accounts[account] = _Account(account)
        return holder

    def _find_order(
        self, holder: _Account, symbol: str, order_id: int | None, client_order_id: str | None
    ) -> EngineOrder | None:
        if order_id is None and not client_order_id:
            raise EngineReject(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        if order_id is None:
            found = holder.by_client_id.get((symbol, client_order_id or ""))
            order_id = found if found is not None else -1
        order = holder.orders.get(order_id)
        if order is None or order.symbol != symbol:
            return None
        if client_order_id and order.client_order_id != client_order_id:
            return None
        return order

    @staticmethod
    def _snapshot(order: EngineOrder) -> EngineOrder:
        return dataclasses.replace(order)

    # -- validation --------------------------------------------------------------------------

    @staticmethod
    def _check_shape(
        market: MarketSpec,
        kind: OrderKind,
        quantity: Decimal | None,
        price: Decimal | None,
        quote_quantity: Decimal | None,
        reduce_only: bool,
    ) -> None:
        if kind is OrderKind.MARKET:
            if price is not None:
                raise _reject_not_required("price")
            if quantity is None and quote_quantity is None:
                raise EngineReject(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")
            if quantity is not None and quote_quantity is not None:
                raise _reject_not_required("quoteOrderQty")
        else:
            if price is None:
                raise _reject_mandatory("price")
            if quantity is None:
                raise _reject_mandatory("quantity")
            if quote_quantity is not None:
                raise _reject_not_required("quoteOrderQty")
        if market.perpetual and quote_quantity is not None:
            raise _reject_not_required("quoteOrderQty")  # USD-M futures has no quoteOrderQty
        if not market.perpetual and reduce_only:
            raise _reject_not_required("reduceOnly")

    def _check_filters(
        self, state: _SymbolState, side: Side, kind: OrderKind, quantity: Decimal, price: Decimal | None,
        reduce_only: bool,
    ) -> None:
        market = state.market
        if price is not None and (price <= 0 or (market.tick_size > 0 and price % market.tick_size)):
            if market.perpetual:
                raise EngineReject(-4014, "Price not increased by tick size.")
            raise EngineReject(-1013, "Filter failure: PRICE_FILTER")
        lot_failure = self._lot_failure(market, quantity)
        if lot_failure is not None:
            raise lot_failure
        reference = price if price is not None else self._reference_price(state, side)
        if reference is None or quantity * reference >= market.min_notional:
            return
        if market.perpetual:
            if not reduce_only:  # futures exempt reduce-only orders from the notional floor
                raise EngineReject(
                    -4164,
                    f"Order's notional must be no smaller than {_plain(market.min_notional)}"
                    " (unless you choose reduce only)",
                )
            return
        raise EngineReject(-1013, "Filter failure: NOTIONAL")

    @staticmethod
    def _lot_failure(market: MarketSpec, quantity: Decimal) -> EngineReject | None:
        if market.perpetual:
            if quantity <= 0:
                return EngineReject(-4003, "Quantity less than or equal to zero.")
            if market.step_size > 0 and quantity % market.step_size:
                return EngineReject(-4023, "Qty not increased by step size.")
            if quantity < market.min_qty:
                return EngineReject(-4004, "Quantity less than min quantity.")
            if quantity > market.max_qty:
                return EngineReject(-4005, "Quantity greater than max quantity.")
            return None
        off_step = market.step_size > 0 and quantity % market.step_size
        if quantity <= 0 or off_step or quantity < market.min_qty or quantity > market.max_qty:
            return EngineReject(-1013, "Filter failure: LOT_SIZE")
        return None

    def _reference_price(self, state: _SymbolState, side: Side) -> Decimal | None:
        """Price used to estimate a market order's notional: best opposite, else last trade."""
        best = state.opposite(side).best_price()
        return best if best is not None else state.last_price

    @staticmethod
    def _would_take(state: _SymbolState, side: Side, price: Decimal | None) -> bool:
        best = state.opposite(side).best_price()
        if best is None or price is None:
            return best is not None
        return best <= price if side is Side.BUY else best >= price

    @staticmethod
    def _walk(
        state: _SymbolState, side: Side, limit_price: Decimal | None, quantity: Decimal
    ) -> tuple[Decimal, Decimal]:
        """(quantity fillable, its quote cost) for a taker of ``quantity`` against the book now."""
        book = state.opposite(side)
        filled, cost = ZERO, ZERO
        for price in book.prices_best_first():
            if filled >= quantity or not book.crossed_by(side, limit_price, price):
                break
            take = min(book.aggregate(price), quantity - filled)
            filled += take
            cost += take * price
        return filled, cost

    def _fillable_quantity(self, state: _SymbolState, side: Side, price: Decimal | None, quantity: Decimal) -> Decimal:
        return self._walk(state, side, price, quantity)[0]

    def _quantity_for_quote(self, state: _SymbolState, side: Side, quote_quantity: Decimal) -> Decimal:
        """Binance quoteOrderQty: the base quantity a market order spending/raising this quote gets.

        Walks the book level by level, taking whole steps while the budget lasts; it stops at the
        first level where the budget runs short, so the order never exceeds ``quote_quantity``.
        """
        market = state.market
        if quote_quantity <= 0 or quote_quantity < market.min_notional:
            raise EngineReject(-1013, "Filter failure: NOTIONAL")
        book = state.opposite(side)
        budget, quantity = quote_quantity, ZERO
        for price in book.prices_best_first():
            available = book.aggregate(price)
            take = min(available, _floor_to_step(budget / price, market.step_size))
            quantity += take
            budget -= take * price
            if take < available:
                break
        if quantity > market.max_qty:
            raise EngineReject(-1013, "Filter failure: LOT_SIZE")
        return quantity

    # -- spot admission and locks ------------------------------------------------------------

    def _admit_spot_order(
        self, holder: _Account, state: _SymbolState, side: Side, kind: OrderKind, quantity: Decimal,
        price: Decimal | None,
    ) -> None:
        market = state.market
        if side is Side.BUY:
            needed = quantity * price if price is not None else self._walk(state, side, None, quantity)[1]
            enough = holder.free.get(market.quote, ZERO) >= needed
        else:
            enough = holder.free.get(market.base, ZERO) >= quantity
        if not enough:
            raise _reject(REJECT_INSUFFICIENT_BALANCE)

    def _lock_for(self, holder: _Account, market: MarketSpec, order: EngineOrder, op: _Operation) -> None:
        """Spot LIMIT orders lock what they may spend; market orders settle straight from free."""
        if market.perpetual or order.price is None:
            return
        asset, amount = (market.quote, order.quantity * order.price) if order.side is Side.BUY else (
            market.base, order.quantity)
        self._move(holder, asset, free=-amount, locked=amount)
        op.asset_changed(holder.name, asset)

    def _release_lock(self, holder: _Account, market: MarketSpec, order: EngineOrder, op: _Operation) -> None:
        if market.perpetual or order.price is None or not order.remaining:
            return
        asset, amount = (market.quote, order.remaining * order.price) if order.side is Side.BUY else (
            market.base, order.remaining)
        self._move(holder, asset, free=amount, locked=-amount)
        op.asset_changed(holder.name, asset)

    @staticmethod
    def _move(holder: _Account, asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        holder.free[asset] = holder.free.get(asset, ZERO) + free
        if locked or asset in holder.locked:
            holder.locked[asset] = holder.locked.get(asset, ZERO) + locked

    def _house_add(self, asset: str, amount: Decimal) -> None:
        self._house[asset] = self._house.get(asset, ZERO) + amount

    # -- perp admission and margin -----------------------------------------------------------

    def _admit_perp_order(
        self, holder: _Account, state: _SymbolState, side: Side, kind: OrderKind, quantity: Decimal,
        price: Decimal | None, reduce_only: bool, position_side: str,
    ) -> None:
        symbol = state.market.symbol
        if holder.dual_side:
            if position_side not in (LONG, SHORT):
                raise _reject(REJECT_POSITION_SIDE)
            if reduce_only:  # hedge mode: the position side already says what an order closes
                raise _reject_not_required("reduceOnly")
        elif position_side != BOTH:
            raise _reject(REJECT_POSITION_SIDE)
        if self._is_closing(holder, symbol, side, reduce_only, position_side):
            if not self._reducible(holder, symbol, position_side, side):
                raise _reject(REJECT_REDUCE_ONLY)
            return
        if price is None:
            filled, cost = self._walk(state, side, None, quantity)
            unpriced = quantity - filled  # the part no level can fill is valued at the mark price
            cost += unpriced * self._mark(state)
        else:
            cost = quantity * price
        needed = cost / self.leverage(holder.name, symbol)
        if needed > self._available(holder, state.market.quote):
            raise _reject(REJECT_MARGIN)

    @staticmethod
    def _is_closing(holder: _Account, symbol: str, side: Side, reduce_only: bool, position_side: str) -> bool:
        del symbol  # closing is decided by the flags and the side, not by the current position
        if reduce_only:
            return True
        return (position_side == LONG and side is Side.SELL) or (position_side == SHORT and side is Side.BUY)

    def _order_is_closing(self, holder: _Account, order: EngineOrder) -> bool:
        return self._is_closing(holder, order.symbol, order.side, order.reduce_only, order.position_side)

    def _fok_reducible(
        self, holder: _Account, symbol: str, side: Side, reduce_only: bool, position_side: str, quantity: Decimal
    ) -> Decimal:
        """The most a FOK may fill given reduce-only clipping (its full quantity when it is not closing)."""
        if self._is_closing(holder, symbol, side, reduce_only, position_side):
            return self._reducible(holder, symbol, position_side, side)
        return quantity

    @staticmethod
    def _reducible(holder: _Account, symbol: str, position_side: str, side: Side) -> Decimal:
        """How much an order on ``side`` can reduce the position without growing or flipping it."""
        position = holder.positions.get((symbol, position_side))
        amount = position.amount if position is not None else ZERO
        if side is Side.SELL and amount > 0:
            return amount
        if side is Side.BUY and amount < 0:
            return -amount
        return ZERO

    def _mark(self, state: _SymbolState) -> Decimal:
        if state.mark_price is not None:
            return state.mark_price
        if state.last_price is not None:
            return state.last_price
        bid, ask = state.bids.best_price(), state.asks.best_price()
        if bid is not None and ask is not None:
            return (bid + ask) / 2
        return bid or ask or ZERO

    def _perp_assets(self, holder: _Account) -> list[str]:
        quotes = {state.market.quote for state in self._symbols.values()}
        return sorted(quotes | set(holder.wallet))

    def _margin_balance(self, holder: _Account, asset: str) -> Decimal:
        """Wallet balance plus unrealized PnL of the positions margined in ``asset``."""
        balance = holder.wallet.get(asset, ZERO)
        for (symbol, _), position in holder.positions.items():
            state = self._symbols[symbol]
            if state.market.quote == asset and position.amount:
                balance += position.amount * self._mark(state) - position.cost
        return balance

    def _margin_in_use(self, holder: _Account, asset: str) -> Decimal:
        used = ZERO
        for (symbol, _), position in holder.positions.items():
            state = self._symbols[symbol]
            if state.market.quote == asset and position.amount:
                used += abs(position.amount) * self._mark(state) / self.leverage(holder.name, symbol)
        for order in holder.open_orders.values():
            market = self.markets[order.symbol]
            if market.quote == asset and order.price is not None and not self._order_is_closing(holder, order):
                used += order.remaining * order.price / self.leverage(holder.name, order.symbol)
        return used

    def _available(self, holder: _Account, asset: str) -> Decimal:
        return (self._margin_balance(holder, asset) - self._margin_in_use(holder, asset)).quantize(
            MONEY_QUANTUM, rounding=ROUND_DOWN)

    def _position_view(self, holder: _Account, symbol: str, position_side: str) -> Position:
        state = self._symbols[symbol]
        position = holder.positions.get((symbol, position_side), _PositionState())
        mark = self._mark(state)
        leverage = self.leverage(holder.name, symbol)
        entry = _money(position.cost / position.amount) if position.amount else ZERO
        return Position(
            symbol=symbol, position_side=position_side, amount=position.amount, entry_price=entry,
            mark_price=mark, unrealized_pnl=position.amount * mark - position.cost, leverage=leverage,
            initial_margin=_money(abs(position.amount) * mark / leverage), update_ms=position.update_ms,
        )

    # -- matching ----------------------------------------------------------------------------

    def _match(
        self, state: _SymbolState, taker_holder: _Account, taker: EngineOrder, op: _Operation, now: int
    ) -> list[Fill]:
        """Trade ``taker`` against the opposite side in price-time priority; return the taker's fills."""
        book = state.opposite(taker.side)
        perpetual = state.market.perpetual
        taker_closing = perpetual and self._order_is_closing(taker_holder, taker)
        fills: list[Fill] = []
        for price in book.prices_best_first():
            if not taker.remaining or not book.crossed_by(taker.side, taker.price, price):
                break
            level = book.levels[price]
            while level and taker.remaining:
                maker = level[0]
                maker_holder = self._accounts[maker.account]
                quantity = min(taker.remaining, maker.remaining)
                if taker_closing:
                    reducible = self._reducible(taker_holder, taker.symbol, taker.position_side, taker.side)
                    quantity = min(quantity, reducible)
                    if not quantity:
                        return fills
                if perpetual and self._order_is_closing(maker_holder, maker):
                    reducible = self._reducible(maker_holder, maker.symbol, maker.position_side, maker.side)
                    if not reducible:  # its position is gone: expire it, as Binance does
                        self._close_resting(state, maker_holder, maker, OrderStatus.EXPIRED, op, now)
                        continue
                    quantity = min(quantity, reducible)
                fills.append(self._execute(state, maker_holder, maker, taker_holder, taker, price, quantity, op, now))
                op.level_changed(state.market.symbol, maker.side, price)
                if not maker.remaining:
                    book.remove(maker)
                    self._retire(maker_holder, maker)
        return fills

    def _execute(
        self, state: _SymbolState, maker_holder: _Account, maker: EngineOrder, taker_holder: _Account,
        taker: EngineOrder, price: Decimal, quantity: Decimal, op: _Operation, now: int,
    ) -> Fill:
        market = state.market
        state.last_trade_id += 1
        trade_id = state.last_trade_id
        trade = PublicTrade(trade_id, market.symbol, price, quantity, maker.side is Side.BUY, now)
        state.trades.append(trade)
        state.last_price = price
        for listener in self._listeners:
            listener.on_trade(trade)
        maker_fill = self._settle(market, maker_holder, maker, trade_id, price, quantity, True, op, now)
        taker_fill = self._settle(market, taker_holder, taker, trade_id, price, quantity, False, op, now)
        self._emit_order(maker, maker_fill)
        self._emit_order(taker, taker_fill)
        return taker_fill

    def _settle(
        self, market: MarketSpec, holder: _Account, order: EngineOrder, trade_id: int, price: Decimal,
        quantity: Decimal, is_maker: bool, op: _Operation, now: int,
    ) -> Fill:
        """Book one side of a match: order progress, balances or position, fee, and the Fill."""
        quote_qty = price * quantity
        rate = market.maker_fee if is_maker else market.taker_fee
        if market.perpetual:
            fee_asset, fee = market.quote, _money(quote_qty * rate)
            realized = self._apply_to_position(holder, order, price, quantity, now)
            holder.wallet[market.quote] = holder.wallet.get(market.quote, ZERO) + realized - fee
            op.asset_changed(holder.name, market.quote)
            op.position_changed(holder.name, market.symbol, order.position_side)
        else:
            realized = ZERO
            fee_asset, fee = self._settle_spot(market, holder, order, price, quantity, rate)
            op.asset_changed(holder.name, market.base, market.quote)
        self._house_add(fee_asset, fee)
        order.executed_qty += quantity
        order.cum_quote += quote_qty
        order.status = OrderStatus.FILLED if not order.remaining else OrderStatus.PARTIALLY_FILLED
        order.updated_ms = now
        fill = Fill(
            trade_id=trade_id, symbol=market.symbol, order_id=order.order_id, client_order_id=order.client_order_id,
            account=holder.name, side=order.side, price=price, qty=quantity, quote_qty=quote_qty, fee=fee,
            fee_asset=fee_asset, is_maker=is_maker, time_ms=now, realized_pnl=realized,
        )
        holder.fills.append(fill)
        return fill

    def _settle_spot(
        self, market: MarketSpec, holder: _Account, order: EngineOrder, price: Decimal, quantity: Decimal,
        rate: Decimal,
    ) -> tuple[str, Decimal]:
        """Move the traded assets; the fee comes out of what this side receives."""
        quote_qty = price * quantity
        if order.side is Side.BUY:
            if order.price is None:
                self._move(holder, market.quote, free=-quote_qty)
            else:  # release the lock at the limit price; the improvement returns to free
                reserved = order.price * quantity
                self._move(holder, market.quote, free=reserved - quote_qty, locked=-reserved)
            fee = _money(quantity * rate)
            self._move(holder, market.base, free=quantity - fee)
            return market.base, fee
        if order.price is None:
            self._move(holder, market.base, free=-quantity)
        else:
            self._move(holder, market.base, locked=-quantity)
        fee = _money(quote_qty * rate)
        self._move(holder, market.quote, free=quote_qty - fee)
        return market.quote, fee

    @staticmethod
    def _apply_to_position(
        holder: _Account, order: EngineOrder, price: Decimal, quantity: Decimal, now: int
    ) -> Decimal:
        """Open, increase, reduce, close or flip the position; return the realized PnL.

        The position keeps its signed cost instead of a rounded entry price, so the account's
        equity (wallet + amount * mark - cost) is conserved exactly across a trade.
        """
        key = (order.symbol, order.position_side)
        position = holder.positions.setdefault(key, _PositionState())
        position.update_ms = now
        signed = quantity if order.side is Side.BUY else -quantity
        if not position.amount or (position.amount > 0) == (signed > 0):
            position.amount += signed
            position.cost += signed * price
            return ZERO
        closing = min(quantity, abs(position.amount))
        direction = 1 if position.amount > 0 else -1
        if closing == abs(position.amount):
            released_cost = position.cost
        else:
            released_cost = _money(position.cost * closing / abs(position.amount))
        realized = direction * closing * price - released_cost
        position.amount -= direction * closing
        position.cost -= released_cost
        opening = quantity - closing  # only a one-way, non-reduce-only order gets here with a flip
        if opening:
            position.amount = -direction * opening
            position.cost = position.amount * price
        return realized

    # -- order lifecycle ---------------------------------------------------------------------

    def _register(self, holder: _Account, order: EngineOrder) -> None:
        holder.orders[order.order_id] = order
        holder.open_orders[order.order_id] = order
        holder.by_client_id[(order.symbol, order.client_order_id)] = order.order_id

    def _retire(self, holder: _Account, order: EngineOrder) -> None:
        """Remember a closed order for queries, forgetting the oldest beyond the retention cap."""
        holder.open_orders.pop(order.order_id, None)
        holder.closed.append(order.order_id)
        while len(holder.closed) > RETAINED_CLOSED_ORDERS:
            forgotten = holder.orders.pop(holder.closed.popleft())
            key = (forgotten.symbol, forgotten.client_order_id)
            if holder.by_client_id.get(key) == forgotten.order_id:
                del holder.by_client_id[key]

    def _finish_taker(
        self, state: _SymbolState, holder: _Account, order: EngineOrder, op: _Operation, now: int
    ) -> None:
        """After matching: FILLED, rest the GTC remainder, or expire what may not rest."""
        if order.executed_qty and not order.remaining:
            self._retire(holder, order)
            return
        # A quoteOrderQty market order that found nothing to buy has quantity 0: it expires too.
        cannot_rest = order.kind is OrderKind.MARKET or order.tif in (TimeInForce.IOC, TimeInForce.FOK)
        closing = state.market.perpetual and self._order_is_closing(holder, order)
        if closing and not self._reducible(holder, order.symbol, order.position_side, order.side):
            cannot_rest = True  # reduce-only clipped to the position: the rest expires
        if cannot_rest:
            self._release_lock(holder, state.market, order, op)
            order.status, order.updated_ms = OrderStatus.EXPIRED, now
            self._retire(holder, order)
            self._emit_order(order, None)
            return
        state.side(order.side).add(order)
        assert order.price is not None
        op.level_changed(order.symbol, order.side, order.price)

    def _close_resting(
        self, state: _SymbolState, holder: _Account, order: EngineOrder, status: OrderStatus, op: _Operation, now: int
    ) -> None:
        state.side(order.side).remove(order)
        assert order.price is not None
        op.level_changed(order.symbol, order.side, order.price)
        self._release_lock(holder, state.market, order, op)
        order.status, order.updated_ms = status, now
        self._retire(holder, order)
        self._emit_order(order, None)

    def _expire_stale_closing_orders(self, op: _Operation, now: int) -> None:
        """Resting reduce-only/closing orders whose position went flat expire, as on Binance."""
        for account, symbol, position_side in list(op.positions):
            holder = self._accounts[account]
            state = self._symbols[symbol]
            stale = [
                order for order in holder.open_orders.values()
                if order.symbol == symbol and order.position_side == position_side
                and self._order_is_closing(holder, order)
                and not self._reducible(holder, symbol, position_side, order.side)
            ]
            for order in sorted(stale, key=lambda o: o.order_id):
                self._close_resting(state, holder, order, OrderStatus.EXPIRED, op, now)

    # -- events ------------------------------------------------------------------------------

    def _emit_order(self, order: EngineOrder, fill: Fill | None) -> None:
        if self._listeners:
            snapshot = self._snapshot(order)
            for listener in self._listeners:
                listener.on_order(snapshot, fill)

    def _flush(self, op: _Operation) -> None:
        """Publish what an operation changed: book deltas, then balances, then positions."""
        now = self._clock_ms()
        for symbol, (bid_prices, ask_prices) in op.levels.items():
            delta = self._book_delta(self._symbols[symbol], bid_prices, ask_prices, now)
            for listener in self._listeners:
                listener.on_book_delta(delta)
        for account, assets in op.assets.items():
            for listener in self._listeners:
                listener.on_balances(account, tuple(assets))
        for account, symbol, position_side in op.positions:
            view = self._position_view(self._accounts[account], symbol, position_side)
            for listener in self._listeners:
                listener.on_position(account, view)

    @staticmethod
    def _book_delta(state: _SymbolState, bid_prices: set[Decimal], ask_prices: set[Decimal], now: int) -> BookDelta:
        bids = tuple((price, state.bids.aggregate(price)) for price in sorted(bid_prices, reverse=True))
        asks = tuple((price, state.asks.aggregate(price)) for price in sorted(ask_prices))
        previous = state.last_update_id
        state.last_update_id += max(len(bids) + len(asks), 1)
        return BookDelta(state.market.symbol, previous + 1, state.last_update_id, previous, bids, asks, now)

    def iter_open_orders(self, account: str, symbol: str) -> Iterator[EngineOrder]:
        """Live (not copied) open orders of ``account`` on ``symbol``, for cheap internal scans."""
        return (o for o in self._account(account).open_orders.values() if o.symbol == symbol)
