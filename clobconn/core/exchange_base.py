"""ExchangeBase: the public API every spot connector shares, and every loop behind it.

A connector subclasses this and fills in the venue-specific requests and parsers (the abstract
methods below). Everything else (lifecycle, validation, tracking, polling, streams, events) is
here, written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from bidict import bidict

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_source import OrderBookDataSource, UserStreamDataSource
from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Position,
    PositionAction,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import (
    BadSymbol,
    ClobconnError,
    ExchangeError,
    MissingCredentials,
    NetworkError,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRuleViolation,
)
from clobconn.core.events import (
    BalanceUpdatedEvent,
    EventBus,
    EventType,
    Listener,
    Subscription,
)
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.order_tracker import ClientOrderTracker
from clobconn.core.validation import RejectionLog
from clobconn.core.venue import Feature, VenueSpec
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.rest import RestClient, default_error_extractor
from clobconn.core.web.throttler import AsyncThrottler
from clobconn.core.web.time_sync import TimeSynchronizer
from clobconn.core.web.ws import StreamAction, StreamRunner

logger = logging.getLogger(__name__)

# What a placement returns: the venue's acknowledgement, and any fills that came with it.
Placement = tuple[OrderUpdate, list[TradeUpdate]]


@dataclass(frozen=True, slots=True)
class CancellationResult:
    client_order_id: str
    success: bool


class ExchangeBase(ABC):
    spec: ClassVar[VenueSpec]
    config_class: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    order_book_data_source_class: ClassVar[type[OrderBookDataSource]]
    user_stream_data_source_class: ClassVar[type[UserStreamDataSource] | None] = None

    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        self.config = config if config is not None else self.config_class(**kwargs)
        urls = self.spec.urls(self.config.domain)
        self.domain = self.config.domain or self.spec.default_domain
        self.rest_url = (self.config.rest_url or urls.rest).rstrip("/")
        self.ws_url = (self.config.ws_url or urls.ws).rstrip("/")
        self.private_ws_url = (
            self.config.private_ws_url or self.config.ws_url or urls.private_ws or urls.ws
        ).rstrip("/")
        self.domain_urls = urls
        self.event_bus = EventBus(self.config.event_queue_size)
        self.time_sync = TimeSynchronizer()
        self.throttler = AsyncThrottler(self.spec.rate_limits)
        self.auth: AuthBase | None = self._create_auth() if self.has_credentials else None
        self.rest = RestClient(
            self.rest_url,
            self.throttler,
            auth=self.auth,
            error_table=self.spec.error_table,
            error_extractor=self._extract_error,
            on_timestamp_error=self._update_time,
            timeout=self.config.request_timeout,
        )
        self.symbols: bidict[str, str] = bidict()
        self.trading_rules: dict[str, TradingRule] = {}
        self.balances: dict[str, Balance] = {}
        self.orders = ClientOrderTracker(self.event_bus)
        # Order updates, fills, balances and positions skipped for an invalid value (stream and REST).
        self.rejections = RejectionLog(self.spec.connector_id)
        self.order_book_tracker = OrderBookTracker(
            self.order_book_data_source_class(self),
            session=lambda: self.rest.session,
            throttler=self.throttler,
            send_limit_id=self.spec.ws_send_limit_id,
            on_funding_info=self._on_funding_info,
            on_trade=self._on_public_trade,
        )
        self._user_stream: StreamRunner | None = None
        self._user_source: UserStreamDataSource | None = None
        self._user_subscribed = False
        self._tasks: list[asyncio.Task[None]] = []
        self._spawned: set[asyncio.Task[Any]] = set()
        # Per-loop wake-ups: a loop sleeps its interval unless something asks for an immediate poll.
        self._wake: dict[str, asyncio.Event] = {}
        self._balances_fetched = False
        self._started = False

    # == what a connector implements ==============================================================

    @abstractmethod
    def _create_auth(self) -> AuthBase:
        """The venue's signer, built from ``self.config`` (only called when credentials are set)."""

    @abstractmethod
    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        """(venue symbol, rule) for every tradable pair."""

    @abstractmethod
    async def _fetch_balances(self) -> list[Balance]:
        """Every asset the account holds."""

    @abstractmethod
    async def _place_order(self, order: InFlightOrder) -> Placement:
        """Send the order; return the ack and any fills it carried."""

    @abstractmethod
    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """Cancel one order; raise OrderNotFound when the venue does not know it."""

    @abstractmethod
    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """The order's state, by exchange id or, before the ack, by client order id."""

    @abstractmethod
    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        """Every fill of the order so far."""

    async def _fetch_server_time(self) -> float | None:
        """The venue's clock in seconds, for venues that sign timestamps; None where unneeded."""
        return None

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """The venue's native cancel-all for one pair (with Feature.CANCEL_ALL): the updates its answer
        carries, if any. The core asks every order the answer did not settle for its state."""
        raise NotSupported(f"{self.spec.connector_id} has no native cancel-all")

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """The venue's native amend (with Feature.AMEND_ORDER): replace ``order`` by ``replacement``
        (already validated, quantized and tracked, with its own client order id); return its ack.
        With ``VenueSpec.amend_in_place`` the replacement carries the order's own ids and its new total
        amount, and is not tracked: the venue changes ``order`` itself."""
        raise NotSupported(f"{self.spec.connector_id} cannot amend orders")

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """The venue's native batch placement (with Feature.BATCH_ORDERS), one result per order."""
        raise NotSupported(f"{self.spec.connector_id} has no batch placement")

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        return default_error_extractor(status, payload)

    # == lifecycle ===============================================================================

    @property
    def name(self) -> str:
        return self.spec.connector_id

    @property
    def has_credentials(self) -> bool:
        """Every credential the venue needs is configured (key, secret and, where used, passphrase)."""
        return not self.missing_credentials()

    def missing_credentials(self) -> list[str]:
        missing = [name for name in ("api_key", "api_secret") if getattr(self.config, name) is None]
        if self.spec.needs_passphrase and self.config.passphrase is None:
            missing.append("passphrase")
        return missing

    @property
    def is_trading(self) -> bool:
        return self.config.trading and self.has_credentials

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        try:
            await self._update_time()
            await self._update_trading_rules()
            unknown = [pair for pair in self.config.trading_pairs if pair not in self.trading_rules]
            if unknown:
                raise BadSymbol(f"{self.name}: unknown trading pair(s) {', '.join(unknown)}")
            await self.order_book_tracker.start(self.config.trading_pairs)
            self._run_periodic("trading_rules", self._update_trading_rules,
                               lambda: self.config.trading_rules_interval, initial_delay=True)
            if self.is_trading:
                self._start_user_stream()
                self._run_periodic("balances", self._update_balances, self._poll_interval)
                self._run_periodic("order_status", self._update_order_status, self._poll_interval)
                self._run_periodic("time_sync", self._update_time, lambda: 600.0, initial_delay=True)
            self._start_extra_loops()
        except BaseException:
            await self.stop()
            raise

    def _start_extra_loops(self) -> None:
        """Hook for subclasses (the perpetual base) to add their own core loops."""

    async def stop(self) -> None:
        tasks = self._tasks + list(self._spawned)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._spawned.clear()
        self._user_stream = None
        await self.order_book_tracker.stop()
        await self.rest.close()
        self._started = False

    async def __aenter__(self) -> ExchangeBase:
        await self.start()
        try:
            await self.wait_ready()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def status_dict(self) -> dict[str, bool]:
        status = {
            "trading_rules_initialized": bool(self.trading_rules),
            "order_books_initialized": self.order_book_tracker.ready,
        }
        if self.is_trading:
            status["balances_initialized"] = self._balances_fetched
            if self._user_stream is not None:
                status["user_stream_connected"] = self._user_stream_live
        return status

    @property
    def ready(self) -> bool:
        return all(self.status_dict.values())

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            if time.monotonic() > deadline:
                pending = [k for k, v in self.status_dict.items() if not v]
                raise TimeoutError(f"{self.name} not ready after {timeout}s: waiting for {', '.join(pending)}")
            await asyncio.sleep(0.02)

    # == market data =============================================================================

    def get_order_book(self, trading_pair: str) -> OrderBook:
        if trading_pair not in self.order_book_tracker.syncs:
            raise BadSymbol(f"{self.name}: no order book for {trading_pair}; add it with add_trading_pair")
        return self.order_book_tracker.order_book(trading_pair)

    def last_trade_price(self, trading_pair: str) -> Decimal | None:
        return self.order_book_tracker.last_trade_price.get(trading_pair)

    async def add_trading_pair(self, trading_pair: str) -> None:
        self._rule(trading_pair)
        await self.order_book_tracker.add_trading_pair(trading_pair)

    async def remove_trading_pair(self, trading_pair: str) -> None:
        await self.order_book_tracker.remove_trading_pair(trading_pair)

    def exchange_symbol(self, trading_pair: str) -> str:
        try:
            return self.symbols[trading_pair]
        except KeyError:
            raise BadSymbol(f"{self.name}: unknown trading pair {trading_pair}") from None

    def trading_pair_of(self, symbol: str) -> str | None:
        """The BASE-QUOTE pair for a venue symbol, or None for a symbol we do not track."""
        return self.symbols.inverse.get(symbol)

    # == balances ================================================================================

    def get_balance(self, asset: str) -> Decimal:
        balance = self.balances.get(asset)
        return balance.total if balance else Decimal(0)

    def get_available_balance(self, asset: str) -> Decimal:
        balance = self.balances.get(asset)
        return balance.available if balance else Decimal(0)

    def _set_balance(self, balance: Balance) -> None:
        if self.balances.get(balance.asset) != balance:
            self.balances[balance.asset] = balance
            self.event_bus.publish(BalanceUpdatedEvent(balance, time.time()))

    # == events ==================================================================================

    def add_listener(self, event_type: EventType, listener: Listener) -> None:
        self.event_bus.add_listener(event_type, listener)

    def remove_listener(self, event_type: EventType, listener: Listener) -> None:
        self.event_bus.remove_listener(event_type, listener)

    def events(self, *types: EventType, queue_size: int | None = None) -> Subscription:
        """``async for event in conn.events()``: every event, or only the named types."""
        return self.event_bus.subscribe(frozenset(types) if types else None, queue_size)

    # == orders ==================================================================================

    @property
    def in_flight_orders(self) -> dict[str, InFlightOrder]:
        return dict(self.orders.active)

    def buy(self, trading_pair: str, amount: Decimal, order_type: OrderType = OrderType.LIMIT,
            price: Decimal | None = None, **kwargs: Any) -> str:
        """Submit a buy and return its client order id at once; the outcome arrives as events."""
        return self._submit_in_background(self._prepare_order(TradeType.BUY, trading_pair, amount, order_type,
                                                               price, **kwargs))

    def sell(self, trading_pair: str, amount: Decimal, order_type: OrderType = OrderType.LIMIT,
             price: Decimal | None = None, **kwargs: Any) -> str:
        return self._submit_in_background(self._prepare_order(TradeType.SELL, trading_pair, amount, order_type,
                                                              price, **kwargs))

    async def place_order(
        self,
        trading_pair: str,
        trade_type: TradeType,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal | None = None,
        **kwargs: Any,
    ) -> InFlightOrder:
        """Submit an order and wait for the venue's acknowledgement.

        Raises a typed error when the order is refused (before sending, or by the venue), and
        OrderOutcomeUnknown when the answer never came; the order is then reconciled by polling.
        """
        order = self._prepare_order(trade_type, trading_pair, amount, order_type, price, **kwargs)
        await self._submit(order)
        return order

    def _prepare_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None,
        time_in_force: TimeInForce | None = None,
        position_action: PositionAction | None = None,
        reduce_only: bool = False,
        quote_amount: Decimal | None = None,
    ) -> InFlightOrder:
        """Validate and quantize an order; any failure raises a typed error and nothing is sent."""
        if missing := self.missing_credentials():
            raise MissingCredentials(f"{self.name}: placing orders needs {' and '.join(missing)}")
        rule = self._rule(trading_pair)
        tif = self._check_order_type(rule, order_type, time_in_force)
        self._check_position_args(position_action, reduce_only)
        if quote_amount is not None:
            return self._prepare_quote_market_buy(trade_type, rule, order_type, quote_amount)
        if amount <= 0:
            raise OrderRuleViolation(f"{trading_pair}: amount must be positive, got {amount}",
                                     trading_pair=trading_pair, rule="amount", value=amount)
        if order_type.is_limit:
            if price is None or price <= 0:
                raise OrderRuleViolation(f"{trading_pair}: a {order_type.value} order needs a positive price",
                                         trading_pair=trading_pair, rule="price", value=price)
            price = rule.quantize_price(price)
            if price <= 0:
                raise OrderRuleViolation(
                    f"{trading_pair}: price is below the tick {rule.min_price_increment}",
                    trading_pair=trading_pair, rule="min_price_increment", value=price,
                    limit=rule.min_price_increment)
        quantized = rule.quantize_amount(amount)
        self._check_size(rule, order_type, quantized, amount)
        reduces_only = reduce_only or position_action is PositionAction.CLOSE
        if not (reduces_only and rule.min_notional_exempts_reduce_only):
            self._check_notional(rule, order_type, quantized, price if order_type.is_limit else None, trade_type)
        return InFlightOrder(
            client_order_id=self.spec.client_order_id.generate(trade_type),
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            amount=quantized,
            price=price if order_type.is_limit else None,
            time_in_force=tif,
            creation_timestamp=time.time(),
            position_action=position_action,
            reduce_only=reduce_only or position_action is PositionAction.CLOSE,
        )

    def _prepare_quote_market_buy(self, trade_type: TradeType, rule: TradingRule, order_type: OrderType,
                                  quote_amount: Decimal) -> InFlightOrder:
        pair = rule.trading_pair
        if Feature.MARKET_QUOTE_AMOUNT not in self.spec.features:
            raise NotSupported(f"{self.name}: market orders sized in quote currency are not supported")
        if order_type is not OrderType.MARKET:
            raise NotSupported(f"{pair}: only market orders can be sized in quote currency")
        if quote_amount < rule.min_notional or quote_amount <= 0:
            raise OrderRuleViolation(
                f"{pair}: quote amount {quote_amount} is below the minimum notional {rule.min_notional}",
                trading_pair=pair, rule="min_notional", value=quote_amount, limit=rule.min_notional)
        return InFlightOrder(
            client_order_id=self.spec.client_order_id.generate(trade_type), trading_pair=pair,
            order_type=order_type, trade_type=trade_type, amount=quote_amount,
            creation_timestamp=time.time(), time_in_force=TimeInForce.IOC, quote_amount=quote_amount,
        )

    def _rule(self, trading_pair: str) -> TradingRule:
        rule = self.trading_rules.get(trading_pair)
        if rule is None:
            raise BadSymbol(f"{self.name}: unknown trading pair {trading_pair}")
        return rule

    def _check_order_type(self, rule: TradingRule, order_type: OrderType,
                          time_in_force: TimeInForce | None) -> TimeInForce:
        pair = rule.trading_pair
        types = self.spec.order_types if rule.supported_order_types is None else (
            self.spec.order_types & rule.supported_order_types)
        if order_type not in types:
            raise NotSupported(f"{pair}: order type {order_type.value} is not supported by {self.name}")
        if order_type is OrderType.MARKET:
            # Market orders take what the book has at once; only IOC describes them.
            if time_in_force not in (None, TimeInForce.IOC):
                raise NotSupported(f"{pair}: a market order cannot be {time_in_force.value}")
            return TimeInForce.IOC
        tif = time_in_force or TimeInForce.GTC
        if order_type is OrderType.LIMIT_MAKER and tif is not TimeInForce.GTC:
            raise NotSupported(f"{pair}: a post-only order must rest, so it cannot be {tif.value}")
        tifs = self.spec.time_in_force if rule.supported_time_in_force is None else (
            self.spec.time_in_force & rule.supported_time_in_force)
        if tif not in tifs:
            raise NotSupported(f"{pair}: time in force {tif.value} is not supported by {self.name}")
        return tif

    def _check_position_args(self, position_action: PositionAction | None, reduce_only: bool) -> None:
        if not self.spec.is_perpetual and (position_action is not None or reduce_only):
            raise NotSupported(f"{self.name} is a spot venue: positions and reduce-only do not apply")

    @staticmethod
    def _check_size(rule: TradingRule, order_type: OrderType, quantized: Decimal, requested: Decimal) -> None:
        pair = rule.trading_pair
        minimum = rule.min_order_size
        maximum = rule.max_order_size
        if order_type is OrderType.MARKET:
            minimum = rule.min_market_order_size if rule.min_market_order_size is not None else minimum
            maximum = rule.max_market_order_size if rule.max_market_order_size is not None else maximum
        if quantized <= 0 or quantized < minimum:
            raise OrderRuleViolation(
                f"{pair}: amount {requested} (quantized to {quantized} by step {rule.min_base_amount_increment}) "
                f"is below the minimum order size {minimum}",
                trading_pair=pair, rule="min_order_size", value=quantized, limit=minimum)
        if maximum is not None and quantized > maximum:
            raise OrderRuleViolation(f"{pair}: amount {quantized} is above the maximum order size {maximum}",
                                     trading_pair=pair, rule="max_order_size", value=quantized, limit=maximum)

    def _check_notional(self, rule: TradingRule, order_type: OrderType, amount: Decimal,
                        price: Decimal | None, trade_type: TradeType) -> None:
        if rule.min_notional <= 0 and rule.max_notional is None:
            return
        if price is None:
            if not rule.min_notional_applies_to_market:
                return
            price = self._reference_price(rule.trading_pair, trade_type)
            if price is None:
                # No book to price a market order against: the venue will judge it.
                return
        notional = amount * price
        if notional < rule.min_notional:
            raise OrderRuleViolation(
                f"{rule.trading_pair}: notional {notional} is below the minimum {rule.min_notional}",
                trading_pair=rule.trading_pair, rule="min_notional", value=notional, limit=rule.min_notional)
        if rule.max_notional is not None and notional > rule.max_notional:
            raise OrderRuleViolation(
                f"{rule.trading_pair}: notional {notional} is above the maximum {rule.max_notional}",
                trading_pair=rule.trading_pair, rule="max_notional", value=notional, limit=rule.max_notional)

    def _reference_price(self, trading_pair: str, trade_type: TradeType) -> Decimal | None:
        sync = self.order_book_tracker.syncs.get(trading_pair)
        if sync is None or not sync.is_synced:
            return self.last_trade_price(trading_pair)
        book = sync.book
        return book.best_ask if trade_type is TradeType.BUY else book.best_bid

    def _submit_in_background(self, order: InFlightOrder) -> str:
        # Tracked before returning, so the caller sees the order in in_flight_orders at once.
        self.orders.start_tracking(order)
        self._spawn(self._submit(order), f"submit:{order.client_order_id}", quiet=ClobconnError)
        return order.client_order_id

    async def _submit(self, order: InFlightOrder) -> None:
        self.orders.start_tracking(order)
        try:
            update, fills = await self._place_order(order)
        except NetworkError as exc:
            if not exc.request_sent:
                self.orders.mark_failed(order, f"not sent: {exc}")
                raise
            # Sent, answer lost: never re-send blindly; polling finds it by client order id.
            order.outcome_unknown = True
            self._poll_soon()
            logger.warning("order %s: placement outcome unknown (%s); reconciling", order.client_order_id, exc)
            raise OrderOutcomeUnknown(order.client_order_id, venue_code=exc.venue_code,
                                      venue_message=exc.venue_message, request=exc.request) from exc
        except ClobconnError as exc:
            self.orders.mark_failed(order, str(exc))
            raise
        self._apply_placement(update, fills)

    def _apply_placement(self, update: OrderUpdate, fills: Iterable[TradeUpdate]) -> None:
        if self.rejections.accept(update, "placement"):
            self.orders.process_order_update(update)
        for fill in fills:
            if self.rejections.accept(fill, "placement"):
                self.orders.process_trade_update(fill)

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Request a cancel and return at once; the outcome arrives as events."""
        self._spawn(self.cancel_order(trading_pair, client_order_id), f"cancel:{client_order_id}",
                    quiet=ClobconnError)
        return client_order_id

    async def cancel_order(self, trading_pair: str, client_order_id: str) -> bool:
        """Cancel and wait for the venue's answer; True once the venue confirms it."""
        order = self.orders.find(client_order_id)
        if order is None or order.trading_pair != trading_pair:
            raise OrderNotFound(f"{self.name}: no tracked order {client_order_id} on {trading_pair}")
        if order.is_done:
            return order.state is OrderState.CANCELED
        previous = order.state
        if order.is_open:
            order.transition(OrderState.PENDING_CANCEL, time.time())
        try:
            update = await self._cancel_order(order)
        except OrderNotFound:
            # Filled, cancelled or never placed: polling reconciles; the caller learns it now.
            order.not_found_count += 1
            self._revert_cancel(order, previous)
            self._poll_soon()
            raise
        except ClobconnError:
            self._revert_cancel(order, previous)
            raise
        if self.rejections.accept(update, "cancel"):
            self.orders.process_order_update(update)
        return order.state is OrderState.CANCELED

    @staticmethod
    def _revert_cancel(order: InFlightOrder, previous: OrderState) -> None:
        if order.state is OrderState.PENDING_CANCEL and previous is not OrderState.PENDING_CANCEL:
            order.transition(previous, time.time())

    async def cancel_all(self, timeout: float = 10.0, trading_pair: str | None = None) -> list[CancellationResult]:
        """Cancel every open order (of one pair, or all) and report each order's outcome."""
        targets = [o for o in self.orders.active.values()
                   if trading_pair is None or o.trading_pair == trading_pair]
        if not targets:
            return []
        if Feature.CANCEL_ALL in self.spec.features:
            work: Awaitable[Any] = self._native_cancel_all({o.trading_pair for o in targets})
        else:
            work = asyncio.gather(*(self.cancel_order(o.trading_pair, o.client_order_id) for o in targets),
                                  return_exceptions=True)
        try:
            await asyncio.wait_for(work, timeout)
        except TimeoutError:
            logger.warning("cancel_all: timed out after %ss", timeout)
        return [CancellationResult(o.client_order_id, o.state is OrderState.CANCELED) for o in targets]

    async def _native_cancel_all(self, pairs: set[str]) -> None:
        results = await asyncio.gather(*(self._cancel_all_orders(p) for p in pairs), return_exceptions=True)
        unreported: list[InFlightOrder] = []
        for pair, result in zip(pairs, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("cancel_all on %s failed: %s", pair, result)
                continue
            for update in result:
                if self.rejections.accept(update, "cancel all"):
                    self.orders.process_order_update(update)
            unreported += [o for o in self.orders.active.values() if o.trading_pair == pair]
        # Some venues' cancel-all answer names no order (or not every one): ask those how they ended.
        await asyncio.gather(*(self._reconcile_order(o) for o in unreported))

    async def amend_order(self, trading_pair: str, client_order_id: str, price: Decimal | None = None,
                          amount: Decimal | None = None) -> InFlightOrder:
        """Replace an open order's price and/or amount with the venue's native amend.

        The replacement is tracked as a new order (new client order id), which is returned; on venues
        whose amend keeps the order (``VenueSpec.amend_in_place``) the same order is returned, changed.
        """
        if Feature.AMEND_ORDER not in self.spec.features:
            raise NotSupported(f"{self.name} cannot amend orders")
        old = self.orders.find(client_order_id)
        if old is None or not old.is_open:
            raise OrderNotFound(f"{self.name}: no open order {client_order_id}")
        if self.spec.amend_in_place:
            return await self._amend_in_place(old, price, amount)
        new = self._prepare_order(old.trade_type, trading_pair, amount or old.remaining_amount, old.order_type,
                                  price or old.price, old.time_in_force)
        self.orders.start_tracking(new)
        try:
            update, fills = await self._amend_order(old, new)
        except ClobconnError as exc:
            self.orders.mark_failed(new, str(exc))
            raise
        # The venue cancelled the old order as part of the amend.
        self.orders.process_order_update(OrderUpdate(old.trading_pair, time.time(), OrderState.CANCELED,
                                                     old.client_order_id, old.exchange_order_id))
        self._apply_placement(update, fills)
        return new

    async def _amend_in_place(self, order: InFlightOrder, price: Decimal | None,
                              amount: Decimal | None) -> InFlightOrder:
        """An amend that keeps the order (same ids). ``amount`` means what it means on the replacing
        path, the amount left to fill afterwards, so the order's new total is what it has filled plus
        that. The target is validated and quantized like a new order before anything is sent."""
        target = self._prepare_order(order.trade_type, order.trading_pair, amount or order.remaining_amount,
                                     order.order_type, price or order.price, order.time_in_force,
                                     position_action=order.position_action, reduce_only=order.reduce_only)
        target.client_order_id, target.exchange_order_id = order.client_order_id, order.exchange_order_id
        target.amount = order.amount if amount is None else order.executed_amount_base + target.amount
        update, fills = await self._amend_order(order, target)
        order.price, order.amount = target.price, target.amount
        self._apply_placement(update, fills)
        return order

    async def place_orders(self, orders: list[tuple[TradeType, str, Decimal, OrderType, Decimal | None]],
                           ) -> list[InFlightOrder | ClobconnError]:
        """Place several orders, in one native batch request where the venue has one."""
        prepared: list[InFlightOrder | ClobconnError] = []
        for trade_type, pair, amount, order_type, price in orders:
            try:
                prepared.append(self._prepare_order(trade_type, pair, amount, order_type, price))
            except ClobconnError as exc:
                prepared.append(exc)
        valid = [o for o in prepared if isinstance(o, InFlightOrder)]
        if Feature.BATCH_ORDERS in self.spec.features and valid:
            for order in valid:
                self.orders.start_tracking(order)
            try:
                results = await self._place_orders_batch(valid)
            except NetworkError:
                for order in valid:
                    order.outcome_unknown = True
                self._poll_soon()
                raise
            outcome: dict[str, ClobconnError] = {}
            for order, result in zip(valid, results, strict=True):
                if isinstance(result, ClobconnError):
                    self.orders.mark_failed(order, str(result))
                    outcome[order.client_order_id] = result
                else:
                    self._apply_placement(*result)
            return [outcome.get(o.client_order_id, o) if isinstance(o, InFlightOrder) else o for o in prepared]
        errors = await asyncio.gather(*(self._submit(o) for o in valid), return_exceptions=True)
        failed = {o.client_order_id: e for o, e in zip(valid, errors, strict=True) if isinstance(e, ClobconnError)}
        return [failed.get(o.client_order_id, o) if isinstance(o, InFlightOrder) else o for o in prepared]

    # == the loops ===============================================================================

    def _poll_interval(self) -> float:
        if self._user_stream_live:
            return self.config.slow_poll_interval
        return self.config.fast_poll_interval

    def _run_periodic(self, name: str, work: Callable[[], Coroutine[Any, Any, None]],
                      interval: Callable[[], float], initial_delay: bool = False) -> None:
        wake = self._wake.setdefault(name, asyncio.Event())
        self._tasks.append(asyncio.create_task(self._periodic(name, work, interval, wake, initial_delay),
                                               name=f"{self.name}:{name}"))

    def _poll_soon(self, *names: str) -> None:
        """Wake the named loops (by default order status and balances) now instead of at their interval."""
        for name in names or ("order_status", "balances"):
            event = self._wake.get(name)
            if event is not None:
                event.set()

    async def _periodic(self, name: str, work: Callable[[], Coroutine[Any, Any, None]],
                        interval: Callable[[], float], wake: asyncio.Event, initial_delay: bool) -> None:
        if initial_delay:
            await self._sleep_or_wake(wake, interval())
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("%s: %s poll failed: %s", self.name, name, exc)
            await self._sleep_or_wake(wake, interval())

    @staticmethod
    async def _sleep_or_wake(wake: asyncio.Event, seconds: float) -> None:
        # asyncio.timeout, unlike wait_for on 3.11, never swallows a cancellation that races the wake-up.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await wake.wait()
        wake.clear()

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str,
               quiet: type[BaseException] | None = None) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._spawned.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._spawned.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None and not (quiet is not None and isinstance(exc, quiet)):
                logger.error("%s failed", name, exc_info=exc)
            elif exc is not None:
                logger.info("%s: %s", name, exc)
        task.add_done_callback(done)
        return task

    async def _update_time(self) -> None:
        sent_at = time.time()
        server_time = await self._fetch_server_time()
        if server_time is not None:
            self.time_sync.add_sample(server_time, sent_at, time.time())

    async def load_trading_rules(self) -> dict[str, TradingRule]:
        """Fetch the venue's trading rules without starting the connector (no streams, no
        credentials): for tools that list markets. ``stop()`` closes the session it opens."""
        await self._update_trading_rules()
        return dict(self.trading_rules)

    async def _update_trading_rules(self) -> None:
        rules = await self._fetch_trading_rules()
        symbols: bidict[str, str] = bidict()
        for symbol, rule in rules:
            if rule.trading_pair in symbols or symbol in symbols.inverse:
                continue
            symbols[rule.trading_pair] = symbol
        self.trading_rules = {rule.trading_pair: rule for _, rule in rules if symbols.get(rule.trading_pair)}
        self.symbols = symbols

    async def _update_balances(self) -> None:
        fresh = {b.asset: b for b in await self._fetch_balances()}
        for asset in list(self.balances):
            if asset not in fresh:
                # The venue stopped listing it: it is zero now.
                self._set_balance(Balance(asset, Decimal(0), Decimal(0)))
                del self.balances[asset]
        for balance in fresh.values():
            if self.rejections.accept(balance, "REST balances"):
                self._set_balance(balance)
        self._balances_fetched = True

    async def _update_order_status(self) -> None:
        now = time.time()
        for order in list(self.orders.active.values()):
            if order.state is OrderState.PENDING_CREATE and not order.outcome_unknown and (
                    now - order.creation_timestamp < self.config.placement_reconcile_after):
                continue  # its placement request is still in flight
            await self._reconcile_order(order)

    async def _reconcile_order(self, order: InFlightOrder) -> None:
        try:
            update = await self._fetch_order_status(order)
        except OrderNotFound:
            order.not_found_count += 1
            if order.not_found_count >= self.spec.lost_order_threshold:
                logger.warning("order %s not found %d times: lost", order.client_order_id, order.not_found_count)
                self.orders.mark_failed(order, f"lost: the venue did not know it {order.not_found_count} times")
            return
        except (NetworkError, ExchangeError) as exc:
            # A network failure says nothing about the order: it never counts as not found.
            logger.info("order %s: status check failed: %s", order.client_order_id, exc)
            return
        if not self.rejections.accept(update, "REST order status"):
            return
        order.not_found_count = 0
        order.outcome_unknown = False
        self.orders.process_order_update(update)
        executed = update.executed_amount
        if (executed is not None and executed > order.executed_amount_base) or (
                order.state is OrderState.FILLED and not order.fills_complete):
            await self._fetch_fills(order)

    async def _fetch_fills(self, order: InFlightOrder) -> None:
        try:
            fills = await self._fetch_order_fills(order)
        except ClobconnError as exc:
            logger.info("order %s: fills fetch failed: %s", order.client_order_id, exc)
            return
        valid = [fill for fill in fills if self.rejections.accept(fill, "REST fills")]
        for fill in sorted(valid, key=lambda f: f.fill_timestamp):
            self.orders.process_trade_update(fill)

    # == the user stream =========================================================================

    def _start_user_stream(self) -> None:
        if self.user_stream_data_source_class is None:
            return
        source = self.user_stream_data_source_class(self)
        self._user_source = source
        self._user_stream = StreamRunner(
            name=f"{self.name}:user",
            session=lambda: self.rest.session,
            connect=source.connect_spec,
            on_open=source.on_open,
            on_message=self._on_user_message,
            throttler=self.throttler,
            send_limit_id=self.spec.ws_send_limit_id,
            on_disconnect=self._on_user_stream_down,
            on_connect=self._on_user_stream_up,
        )
        self._tasks.append(asyncio.create_task(self._user_stream.run(), name=self._user_stream.name))
        interval = source.keepalive_interval
        if interval is not None:
            self._run_periodic("keepalive", source.keepalive, lambda: interval, initial_delay=True)

    def _on_user_message(self, message: Any) -> StreamAction | None:
        assert self._user_source is not None
        action: StreamAction | None = None
        for item in self._user_source.parse(message):
            if not self.rejections.accept(item, "user stream"):
                continue
            if isinstance(item, OrderUpdate):
                self.orders.process_order_update(item)
            elif isinstance(item, TradeUpdate):
                self.orders.process_trade_update(item)
            elif isinstance(item, Balance):
                self._set_balance(item)
            elif isinstance(item, Position):
                self._on_position(item)
            elif item is StreamAction.SUBSCRIBED:
                if not self._user_subscribed:
                    self._user_subscribed = True
                    self._user_stream_became_live()
            elif isinstance(item, StreamAction):
                action = item
        return action

    @property
    def _user_stream_live(self) -> bool:
        """Connected and, where the venue acknowledges subscriptions, acknowledged."""
        stream, source = self._user_stream, self._user_source
        if stream is None or source is None or not stream.connected.is_set():
            return False
        return self._user_subscribed or not source.confirms_subscription

    def _on_user_stream_down(self) -> None:
        self._user_subscribed = False
        # Updates were missed while down: reconcile now rather than at the next slow poll.
        self._poll_soon()

    def _on_user_stream_up(self) -> None:
        assert self._user_source is not None
        if not self._user_source.confirms_subscription:
            self._user_stream_became_live()

    def _user_stream_became_live(self) -> None:
        # What happened between the last poll made while down and this moment reached neither the
        # stream nor a poll, and polling now slows down: reconcile once more before it does.
        self._poll_soon()

    # Hooks the perpetual base fills in.
    def _on_position(self, position: Position) -> None:
        logger.debug("position update ignored by a spot connector: %s", position)

    def _on_funding_info(self, info: FundingInfo) -> None:
        logger.debug("funding info ignored by a spot connector: %s", info)

    def _on_public_trade(self, trade: PublicTrade) -> None:
        """Hook for subclasses; the tracker already keeps the last traded price."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(domain={self.domain!r}, config={self.config!r})"
