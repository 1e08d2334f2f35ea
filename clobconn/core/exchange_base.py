"""ExchangeBase: the public API every spot connector shares, and every loop behind it.

A connector subclasses this and fills in the venue-specific requests and parsers (the abstract
methods below). Everything else (lifecycle, validation, tracking, polling, streams, events) is
here, written once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from bidict import bidict

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_source import OrderBookDataSource, UserStreamDataSource
from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    Placement,
    Position,
    PositionAction,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import (
    AuthenticationError,
    BadSymbol,
    ClobconnError,
    MissingCredentials,
    NetworkError,
    NotSupported,
    OrderNotFound,
    OrderRuleViolation,
)
from clobconn.core.events import (
    BalanceUpdatedEvent,
    EventBus,
    EventType,
    Listener,
    Subscription,
)
from clobconn.core.health import HealthMonitor
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.orders.arguments import (
    as_bool,
    as_client_order_id,
    as_decimal,
    as_enum,
    as_optional_decimal,
    as_optional_enum,
    as_pair,
    check_order_specs,
    quantize_to_step,
    require_positive,
)
from clobconn.core.orders.lifecycle import BatchOrder, CancellationResult, OrderLifecycle
from clobconn.core.orders.rules import (
    check_notional,
    check_order_type,
    check_quote_market_buy,
    check_size,
    quantized_price,
)
from clobconn.core.tasks import ConnectorTasks
from clobconn.core.validation import RejectionLog
from clobconn.core.venue import Feature, VenueSpec
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.query_auth import QuerySignedAuth
from clobconn.core.web.rest import RestClient, default_error_extractor, read_answer
from clobconn.core.web.socket_requests import SocketRequests
from clobconn.core.web.throttler import AsyncThrottler
from clobconn.core.web.time_sync import TimeSynchronizer
from clobconn.core.web.ws import StreamAction, StreamRunner
from clobconn.core.web.ws_trading import TradingSocket, WSOrderRoute

logger = logging.getLogger(__name__)
# What a trading route answers: a placement, or a cancel's order update.
_Answer = TypeVar("_Answer")

__all__ = ["CancellationResult", "ExchangeBase", "Placement"]

# The loops that call the venue with the account's credentials, stopped when it refuses them.
PRIVATE_LOOPS = ("balances", "order_status", "keepalive", "user", "positions", "funding_payments", "position_mode",
                 "trading_socket")


class ExchangeBase(ABC):
    spec: ClassVar[VenueSpec]
    config_class: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    order_book_data_source_class: ClassVar[type[OrderBookDataSource]]
    user_stream_data_source_class: ClassVar[type[UserStreamDataSource] | None] = None
    # The signer of a venue that signs its query string the Binance way (see _create_auth).
    query_auth_class: ClassVar[type[QuerySignedAuth] | None] = None
    # Order entry over the venue's WebSocket trading API, where it has one (core/web/ws_trading.py):
    # placements and cancels go there while its socket is connected, over REST otherwise.
    ws_order_route: ClassVar[WSOrderRoute | None] = None

    # What the venue says the API key may do, where its balances answer says so (set by _fetch_balances);
    # None where the venue does not report it.
    key_permissions: tuple[str, ...] | None = None

    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        self.config = config if config is not None else self.config_class(**kwargs)
        urls = self.spec.urls(self.config.domain)
        self.domain = self.config.domain or self.spec.default_domain
        self.rest_url = (self.config.rest_url or urls.rest).rstrip("/")
        self.ws_url = (self.config.ws_url or urls.ws).rstrip("/")
        self.private_ws_url = (
            self.config.private_ws_url or self.config.ws_url or urls.private_ws or urls.ws
        ).rstrip("/")
        # An overridden stream URL (a mock, a proxy) carries the trading API too, unless it is named apart.
        self.trading_ws_url = (
            self.config.trading_ws_url or self.config.private_ws_url or self.config.ws_url or urls.trading_ws
            or urls.private_ws or urls.ws
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
            on_timestamp_error=self._resync_clock,
            timeout=self.config.request_timeout,
            rate_limit_resets=self.spec.rate_limit_resets,
            rate_limit_headers=self.spec.rate_limit_headers,
            venue_time=self.time_sync.time,
        )
        self.symbols: bidict[str, str] = bidict()
        self.trading_rules: dict[str, TradingRule] = {}
        self.balances: dict[str, Balance] = {}
        # Order updates, fills, balances and positions skipped for an invalid value (stream and REST).
        self.rejections = RejectionLog(self.spec.connector_id)
        self.order_lifecycle = OrderLifecycle(self, self.event_bus, accept=self.rejections.accept)
        self.orders = self.order_lifecycle.tracker
        self._health = HealthMonitor(self.spec.connector_id, self.event_bus, self.health)
        self.order_book_tracker = OrderBookTracker(
            self.order_book_data_source_class(self),
            session=lambda: self.rest.session,
            throttler=self.throttler,
            send_limit_id=self.spec.ws_send_limit_id,
            on_funding_info=self._on_funding_info,
            on_trade=self._on_public_trade,
            on_sync_change=self._health.book_sync_changed,
        )
        self._user_stream: StreamRunner | None = None
        self._user_source: UserStreamDataSource | None = None
        self._user_subscribed = False
        # Requests a venue takes on its user stream's socket rather than over REST (Cube's orders on /os):
        # the connector sends with ``stream_requests.request``, its user stream hands each answer to
        # ``stream_requests.answer``. An answer is awaited as long as a REST answer would be.
        self.stream_requests = SocketRequests(f"{self.spec.connector_id} user stream", self._send_on_user_stream,
                                              self.config.request_timeout)
        # The socket orders are placed and cancelled on, where the venue has one and the config wants it.
        self.trading_socket: TradingSocket | None = None
        if self.ws_order_route is not None and self.config.order_entry == "websocket" and self.has_credentials:
            self.trading_socket = TradingSocket(self, self.ws_order_route)
        # A loop whose call the venue refuses for its credentials stops and reports (_on_auth_refused).
        self.tasks = ConnectorTasks(self.spec.connector_id, fatal=(AuthenticationError,),
                                    on_fatal=self._on_auth_refused)
        self._balances_fetched = False
        # The venue's account context, once fetched (see _fetch_account_context).
        self.account: dict[str, str] | None = None
        self._account_lock = asyncio.Lock()
        self._started = False
        # Set when the venue refused the credentials outright: no retry can mend that.
        self.auth_failure: AuthenticationError | None = None
        if self.query_auth_class is None and type(self)._create_auth is ExchangeBase._create_auth:
            # A connector must say how it signs, whether or not this instance has credentials to sign with.
            raise TypeError(f"{type(self).__name__} declares no query_auth_class and overrides no _create_auth")

    # == what a connector implements ==============================================================

    def _create_auth(self) -> AuthBase:
        """The venue's signer, built from ``self.config`` (only called when credentials are set).

        A venue that signs the Binance way declares ``query_auth_class``: the signer is built with the
        request window ``spec.placement_expiry``, the one window both sides agree on. Others override.
        """
        assert self.query_auth_class is not None, "checked at construction"
        assert self.config.api_key is not None and self.config.api_secret is not None
        return self.query_auth_class(self.config.api_key, self.config.api_secret, self.time_sync.time_ms,
                                     recv_window_ms=round(self.spec.placement_expiry * 1000))

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

    async def _fetch_account_context(self) -> dict[str, str] | None:
        """What the venue's private calls need that only the venue can say, such as the id of the
        account they act on (HTX's spot account id); None where they need nothing. Fetched once at
        start, before any private call, and kept (see ``account_context``)."""
        return None

    async def _fetch_server_time(self) -> float | None:
        """The venue's clock in seconds, for venues that sign timestamps; None where unneeded."""
        return None

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """The pair's open orders, for the last check before an order is given up as lost."""
        raise NotSupported(f"{self.spec.connector_id} cannot list open orders")

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        """The pair's orders created since ``since`` (seconds) that have ended, for the same check."""
        raise NotSupported(f"{self.spec.connector_id} cannot list its order history")

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
        spec, missing = self.spec, []
        if spec.key_name is not None and self.config.api_key is None:
            missing.append(_credential_label(spec.key_name, "api_key"))
        if self.config.api_secret is None:
            missing.append(_credential_label(spec.secret_name, "api_secret"))
        if self.spec.needs_passphrase and self.config.passphrase is None:
            missing.append(self.spec.passphrase_label)
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
            if self.trading_socket is not None:
                self.tasks.run("trading_socket", self.trading_socket.run())
            if self.is_trading:
                await self._first_account_context()
                fetched = await self._first_balances()
                self._start_user_stream()
                self._run_periodic("balances", self._update_balances, self._poll_interval, initial_delay=fetched)
                self._run_periodic("order_status", self._update_order_status, self._poll_interval)
                self._run_periodic("time_sync", self._update_time, lambda: 600.0, initial_delay=True)
            self._start_extra_loops()
        except BaseException:
            await self.stop()
            raise

    def _start_extra_loops(self) -> None:
        """Hook for subclasses (the perpetual base) to add their own core loops."""

    async def stop(self) -> None:
        # Sockets closing and books invalidating on the way down are not health news.
        self._health.muted = True
        await self.tasks.stop()
        self._user_stream = None
        await self.order_book_tracker.stop()
        await self.rest.close()
        self._health.reset()
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
            status["credentials_accepted"] = self.auth_failure is None
            status["balances_initialized"] = self._balances_fetched
            if self._user_stream is not None:
                status["user_stream_connected"] = self._user_stream_live
        return status

    @property
    def ready(self) -> bool:
        return all(self.status_dict.values())

    def health(self) -> list[str]:
        """What keeps the connector from being ready, by name (empty when it is ready): "order book
        BTC-USDT" for each book out of sync, "user stream", "balances", "trading rules", and for
        perpetuals "funding info", "positions". CONNECTOR_DOWN events carry the same names."""
        down: list[str] = []
        for item, ok in self.status_dict.items():
            if ok:
                continue
            if item == "order_books_initialized":
                down += [f"order book {pair}" for pair, sync in self.order_book_tracker.syncs.items()
                         if not sync.is_synced]
            else:
                down.append(item.removesuffix("_initialized").removesuffix("_connected").replace("_", " "))
        return down

    def _readiness_changed(self) -> None:
        """Called where an input of ``ready`` may have changed; events follow if it did."""
        self._health.check_soon()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until books, rules, balances and the user stream are all live.

        Raises AuthenticationError at once when the venue refused the credentials, and TimeoutError
        naming what is still missing after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.auth_failure is not None:
                raise self.auth_failure
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
        # Its book is not synced yet, so the connector is not ready until it is.
        self._readiness_changed()

    async def remove_trading_pair(self, trading_pair: str) -> None:
        await self.order_book_tracker.remove_trading_pair(trading_pair)
        self._health.forget_book(trading_pair)
        self._readiness_changed()

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
        trade_type = as_enum(TradeType, trade_type, "trade_type")
        trading_pair = as_pair(trading_pair)
        order_type = as_enum(OrderType, order_type, "order_type")
        time_in_force = as_optional_enum(TimeInForce, time_in_force, "time_in_force")
        position_action = as_optional_enum(PositionAction, position_action, "position_action")
        reduce_only = as_bool(reduce_only, "reduce_only")
        quote_amount = as_optional_decimal(quote_amount, "quote_amount", trading_pair=trading_pair)
        if quote_amount is None:
            amount = as_decimal(amount, "amount", trading_pair=trading_pair)
        price = as_optional_decimal(price, "price", trading_pair=trading_pair)
        if missing := self.missing_credentials():
            raise MissingCredentials(f"{self.name}: placing orders needs {' and '.join(missing)}")
        rule = self._rule(trading_pair)
        tif = check_order_type(self.spec, rule, order_type, time_in_force)
        self._check_position_args(position_action, reduce_only)
        if quote_amount is not None:
            check_quote_market_buy(self.spec, rule, order_type, quote_amount)
            return InFlightOrder(
                client_order_id=self.spec.client_order_id.generate(trade_type), trading_pair=trading_pair,
                order_type=order_type, trade_type=trade_type, amount=quote_amount, creation_timestamp=time.time(),
                time_in_force=TimeInForce.IOC, quote_amount=quote_amount)
        strict = self.config.strict_quantize
        if amount <= 0:
            raise OrderRuleViolation(f"{trading_pair}: amount must be positive, got {amount}",
                                     trading_pair=trading_pair, rule="amount", value=amount)
        price = quantized_price(rule, order_type, price, strict) if order_type.is_limit else None
        quantized = quantize_to_step(amount, rule.min_base_amount_increment, field="amount",
                                     rule="min_base_amount_increment", trading_pair=trading_pair, strict=strict)
        check_size(rule, order_type, quantized, amount)
        reduces_only = reduce_only or position_action is PositionAction.CLOSE
        if not (reduces_only and rule.min_notional_exempts_reduce_only):
            # A market order is priced against the book where the venue applies the minimum to it.
            reference = price if price is not None else (
                self._reference_price(trading_pair, trade_type) if rule.min_notional_applies_to_market else None)
            check_notional(rule, quantized, reference)
        return InFlightOrder(
            client_order_id=self.spec.client_order_id.generate(trade_type),
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            amount=quantized,
            price=price,
            time_in_force=tif,
            creation_timestamp=time.time(),
            position_action=position_action,
            reduce_only=reduce_only or position_action is PositionAction.CLOSE,
        )

    def _rule(self, trading_pair: str) -> TradingRule:
        rule = self.trading_rules.get(trading_pair)
        if rule is None:
            raise BadSymbol(f"{self.name}: unknown trading pair {trading_pair}")
        return rule

    def _check_position_args(self, position_action: PositionAction | None, reduce_only: bool) -> None:
        if not self.spec.is_perpetual and (position_action is not None or reduce_only):
            raise NotSupported(f"{self.name} is a spot venue: positions and reduce-only do not apply")

    def _market_buy_quote(self, order: InFlightOrder) -> Decimal:
        """What a market buy spends, for venues that size market buys in quote only (Gate.io, HTX, Bitmart):
        its ``quote_amount``, or its base amount at the best ask, to the pair's price precision. With no
        price to go by it is refused, naming ``quote_amount`` as the way to size it."""
        if order.quote_amount is not None:
            return order.quote_amount
        price = self._reference_price(order.trading_pair, TradeType.BUY)
        if price is None:
            raise OrderRuleViolation(f"{order.trading_pair}: no price to size a market buy in quote currency; "
                                     "pass quote_amount", trading_pair=order.trading_pair, rule="price")
        return self._rule(order.trading_pair).quantize_price(order.amount * price)

    def _reference_price(self, trading_pair: str, trade_type: TradeType) -> Decimal | None:
        sync = self.order_book_tracker.syncs.get(trading_pair)
        if sync is None or not sync.is_synced:
            return self.last_trade_price(trading_pair)
        book = sync.book
        return book.best_ask if trade_type is TradeType.BUY else book.best_bid

    async def _send_placement(self, order: InFlightOrder) -> Placement:
        """Place over the trading socket while it is connected, else (or when it was not) over REST."""
        socket = self.trading_socket
        live = socket.place if socket is not None and socket.live else None
        return await self._socket_else_rest(live, self._place_order, order, "placing")

    async def _send_cancel(self, order: InFlightOrder) -> OrderUpdate:
        """Cancel over the trading socket while it is connected, else over REST."""
        socket = self.trading_socket
        live = socket.cancel if socket is not None and socket.live else None
        return await self._socket_else_rest(live, self._cancel_order, order, "cancelling")

    async def _socket_else_rest(self, over_socket: Callable[[InFlightOrder], Awaitable[_Answer]] | None,
                                over_rest: Callable[[InFlightOrder], Awaitable[_Answer]], order: InFlightOrder,
                                doing: str) -> _Answer:
        """The live socket's route (``over_socket``, None when the socket is down); REST when there is none,
        or when the socket sent nothing. A request the socket did send is never repeated over REST: its
        outcome is reconciled instead."""
        if over_socket is not None:
            try:
                return await over_socket(order)
            except NetworkError as exc:
                if exc.request_sent:
                    raise
                logger.info("%s: %s; %s %s over REST", self.name, exc, doing, order.client_order_id)
        return await over_rest(order)

    def _submit_in_background(self, order: InFlightOrder) -> str:
        return self.order_lifecycle.submit_in_background(order)

    async def _submit(self, order: InFlightOrder) -> None:
        await self.order_lifecycle.submit(order)

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Request a cancel and return at once; the outcome arrives as events."""
        trading_pair, client_order_id = as_pair(trading_pair), as_client_order_id(client_order_id)
        self._spawn(self.cancel_order(trading_pair, client_order_id), f"cancel:{client_order_id}",
                    quiet=ClobconnError)
        return client_order_id

    async def cancel_order(self, trading_pair: str, client_order_id: str) -> bool:
        """Cancel and wait for the venue's answer; True once the venue confirms it."""
        trading_pair, client_order_id = as_pair(trading_pair), as_client_order_id(client_order_id)
        order = self.orders.find(client_order_id)
        if order is None or order.trading_pair != trading_pair:
            raise OrderNotFound(f"{self.name}: no tracked order {client_order_id} on {trading_pair}")
        return await self.order_lifecycle.cancel(order)

    async def cancel_all(self, timeout: float = 10.0, trading_pair: str | None = None) -> list[CancellationResult]:
        """Cancel every open order (of one pair, or all) and report each order's outcome."""
        trading_pair = None if trading_pair is None else as_pair(trading_pair)
        return await self.order_lifecycle.cancel_all(timeout, trading_pair)

    async def amend_order(self, trading_pair: str, client_order_id: str, price: Decimal | None = None,
                          amount: Decimal | None = None) -> InFlightOrder:
        """Replace an open order's price and/or amount with the venue's native amend.

        The replacement is tracked as a new order (new client order id), which is returned; on venues
        whose amend keeps the order (``VenueSpec.amend_in_place``) the same order is returned, changed.
        """
        trading_pair, client_order_id = as_pair(trading_pair), as_client_order_id(client_order_id)
        price = as_optional_decimal(price, "price", trading_pair=trading_pair)
        amount = as_optional_decimal(amount, "amount", trading_pair=trading_pair)
        # Given, they must be positive: a zero would otherwise read as "not given" below.
        price = None if price is None else require_positive(price, "price", trading_pair)
        amount = None if amount is None else require_positive(amount, "amount", trading_pair)
        if Feature.AMEND_ORDER not in self.spec.features:
            raise NotSupported(f"{self.name} cannot amend orders")
        old = self.orders.find(client_order_id)
        if old is None or not old.is_open or old.trading_pair != trading_pair:
            raise OrderNotFound(f"{self.name}: no open order {client_order_id} on {trading_pair}")
        return await self.order_lifecycle.amend(old, price, amount)

    async def place_orders(self, orders: list[BatchOrder]) -> list[InFlightOrder | ClobconnError]:
        """Place several orders, in one native batch request where the venue has one."""
        check_order_specs(orders)
        return await self.order_lifecycle.place_batch(orders)

    # == the loops ===============================================================================

    def _poll_interval(self) -> float:
        if self._user_stream_live:
            return self.config.slow_poll_interval
        return self.config.fast_poll_interval

    def _run_periodic(self, name: str, work: Callable[[], Coroutine[Any, Any, None]],
                      interval: Callable[[], float], initial_delay: bool = False) -> None:
        self.tasks.run_periodic(name, work, interval, initial_delay)

    def _poll_soon(self, *names: str) -> None:
        """Wake the named loops (by default order status and balances) now instead of at their interval."""
        self.tasks.wake(*(names or ("order_status", "balances")))

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str,
               quiet: type[BaseException] | None = None) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro, name, quiet)

    async def _first_private_call(self, call: str, work: Callable[[], Coroutine[Any, Any, Any]],
                                  otherwise: str) -> bool:
        """A private call at start, where wrong credentials show before anything waits on them: a refusal
        of the credentials is final (start raises it); any other failure is logged with what happens
        ``otherwise``. Returns whether it succeeded."""
        try:
            await work()
        except AuthenticationError as exc:
            self._on_auth_refused(call, exc)
            assert self.auth_failure is not None
            raise self.auth_failure from exc
        except ClobconnError as exc:
            logger.warning("%s: %s failed at start (%s); %s", self.name, call, exc, otherwise)
            return False
        return True

    async def _first_balances(self) -> bool:
        """The first balance fetch (when it fails otherwise, the balances loop retries at once)."""
        return await self._first_private_call("balances", self._update_balances, "the balances loop retries")

    async def account_context(self) -> dict[str, str]:
        """The venue's account context (``_fetch_account_context``): fetched at start, kept, and fetched
        again by the next private call when it was never had or has been forgotten. Concurrent callers
        share one fetch."""
        async with self._account_lock:
            if self.account is None:
                self.account = await read_answer(self._fetch_account_context()) or {}
            return self.account

    def forget_account_context(self) -> None:
        """Drop the kept account context: the next private call fetches it again (a venue that says the
        account it was given is no longer valid)."""
        self.account = None

    async def _first_account_context(self) -> None:
        """The account context, at start before any other private call."""
        await self._first_private_call("the account context", self.account_context,
                                       "the next private call fetches it")

    def _on_auth_refused(self, call: str, exc: Exception) -> None:
        """The venue refused the credentials: stop the private loops and tell whoever waits."""
        if self.auth_failure is None:
            message = f"{self.name}: the venue refused the credentials on {call}: {exc}"
            if isinstance(exc, ClobconnError):
                self.auth_failure = AuthenticationError(message, venue_code=exc.venue_code,
                                                        venue_message=exc.venue_message, request=exc.request)
            else:
                self.auth_failure = AuthenticationError(message)
            logger.error("%s", self.auth_failure)
            self._readiness_changed()
        self.tasks.cancel(PRIVATE_LOOPS)

    async def _resync_clock(self) -> None:
        """After a timestamp refusal: the old samples are what got the request refused, so start afresh."""
        before = self.time_sync.offset
        self.time_sync.clear()
        await self._update_time()
        logger.info("%s: clock re-synced after a timestamp refusal: offset %+.0f ms (was %+.0f ms)",
                    self.name, self.time_sync.offset * 1000, before * 1000)

    async def _update_time(self) -> None:
        sent_at = time.time()
        server_time = await read_answer(self._fetch_server_time())
        if server_time is not None:
            self.time_sync.add_sample(server_time, sent_at, time.time())

    async def load_trading_rules(self) -> dict[str, TradingRule]:
        """Fetch the venue's trading rules without starting the connector (no streams, no
        credentials): for tools that list markets. ``stop()`` closes the session it opens."""
        await self._update_trading_rules()
        return dict(self.trading_rules)

    async def check_credentials(self) -> list[Balance]:
        """One signed read-only call (the balances fetch) without starting the connector: the credentials
        work when it returns. Raises MissingCredentials before anything is sent, else the venue's refusal as
        its typed error. ``stop()`` closes the session it opens. Where the venue's answer says what the
        key may do, ``key_permissions`` holds it afterwards."""
        missing = self.missing_credentials()
        if missing:
            raise MissingCredentials(f"{self.name}: checking the credentials needs {' and '.join(missing)}")
        await self._update_time()
        await self.account_context()
        return await self._fetch_balances()

    async def _update_trading_rules(self) -> None:
        rules = await read_answer(self._fetch_trading_rules())
        symbols: bidict[str, str] = bidict()
        for symbol, rule in rules:
            if rule.trading_pair in symbols or symbol in symbols.inverse:
                continue
            symbols[rule.trading_pair] = symbol
        self.trading_rules = {rule.trading_pair: rule for _, rule in rules if symbols.get(rule.trading_pair)}
        self.symbols = symbols

    async def _update_balances(self) -> None:
        fresh = {b.asset: b for b in await read_answer(self._fetch_balances())}
        for asset in list(self.balances):
            if asset not in fresh:
                # The venue stopped listing it: it is zero now.
                self._set_balance(Balance(asset, Decimal(0), Decimal(0)))
                del self.balances[asset]
        for balance in fresh.values():
            if self.rejections.accept(balance, "REST balances"):
                self._set_balance(balance)
        if not self._balances_fetched:
            self._balances_fetched = True
            self._readiness_changed()

    async def _update_order_status(self) -> None:
        await self.order_lifecycle.reconcile_all()

    async def _reconcile_order(self, order: InFlightOrder) -> None:
        await self.order_lifecycle.reconcile(order)

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
            fatal=(AuthenticationError,),
            on_fatal=lambda exc: self._on_auth_refused("the user stream login", exc),
        )
        self.tasks.run("user", self._user_stream.run())
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

    async def _send_on_user_stream(self, payload: Any) -> bool:
        """Send on the user stream's socket once it is live; False (nothing sent) otherwise."""
        stream = self._user_stream
        return stream is not None and self._user_stream_live and await stream.send(payload)

    def _on_user_stream_down(self) -> None:
        self._user_subscribed = False
        # What the closed socket carried will never be answered on it.
        self.stream_requests.connection_lost()
        # Updates were missed while down: reconcile now rather than at the next slow poll.
        self._poll_soon()
        self._readiness_changed()

    def _on_user_stream_up(self) -> None:
        assert self._user_source is not None
        if not self._user_source.confirms_subscription:
            self._user_stream_became_live()

    def _user_stream_became_live(self) -> None:
        # What happened between the last poll made while down and this moment reached neither the
        # stream nor a poll, and polling now slows down: reconcile once more before it does.
        self._poll_soon()
        self._readiness_changed()

    # Hooks the perpetual base fills in.
    def _on_position(self, position: Position) -> None:
        logger.debug("position update ignored by a spot connector: %s", position)

    def _on_funding_info(self, info: FundingInfo) -> None:
        logger.debug("funding info ignored by a spot connector: %s", info)

    def _on_public_trade(self, trade: PublicTrade) -> None:
        """Hook for subclasses; the tracker already keeps the last traded price."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(domain={self.domain!r}, config={self.config!r})"


def _credential_label(venue_name: str, config_field: str) -> str:
    """A credential as a message names it: the config field, and the venue's word for it where it differs."""
    return config_field if venue_name == config_field.replace("_", " ") else f"{venue_name} ({config_field})"
