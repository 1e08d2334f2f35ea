"""The order lifecycle: an order from submission to its last fill, in one place.

Placement (alone, in a batch, or as an amend), cancellation, and the reconciliation that settles
what the answers left open: a placement whose outcome is unknown, an order the venue says it does
not know, a FILLED order whose fills have not all arrived. ``ExchangeBase`` owns the public API and
the loops and delegates here; the venue calls are the connector's (``OrderVenue``).

The rules for an order whose placement outcome is unknown (sent, answer lost):
- it is never re-sent; it is looked up by client order id;
- until its acceptance deadline (the request's own validity window, ``VenueSpec.placement_expiry``,
  from the moment it was sent) "not found" proves nothing: the request may still be queued;
- after the deadline, ``VenueSpec.lost_order_threshold`` "not found" answers in a row, then the
  venue's open orders and order history (where the connector can query them), must all miss it
  before it is given up as lost (ORDER_LOST);
- any later evidence of it (a stream update, a poll, a fill, by client order id) revives it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import InFlightOrder, OrderState, OrderUpdate, Placement, TradeType, TradeUpdate
from clobconn.core.data_types.enums import OrderType, PositionAction, TimeInForce
from clobconn.core.errors import (
    ClobconnError,
    ExchangeError,
    NetworkError,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    RateLimitExceeded,
)
from clobconn.core.events import EventBus
from clobconn.core.orders.tracker import ClientOrderTracker
from clobconn.core.venue import Feature, VenueSpec
from clobconn.core.web.rest import read_answer

logger = logging.getLogger(__name__)

# Seconds added to a venue's request window: the matching engine may take a moment past it.
ACCEPTANCE_MARGIN = 2.0
# Seconds a FILLED order waits for its missing fills on the stream before they are fetched.
MISSING_FILLS_GRACE = 1.0
# An order placed in a batch: (side, pair, amount, type, price).
BatchOrder = tuple[TradeType, str, Decimal, OrderType, Decimal | None]


@dataclass(frozen=True, slots=True)
class CancellationResult:
    client_order_id: str
    success: bool


class OrderVenue(Protocol):
    """What the lifecycle needs from a connector: its facts, its venue calls and its task helpers."""

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> VenueSpec: ...

    @property
    def config(self) -> ConnectorConfig: ...

    def _prepare_order(self, trade_type: TradeType, trading_pair: str, amount: Decimal, order_type: OrderType,
                       price: Decimal | None, time_in_force: TimeInForce | None = None,
                       position_action: PositionAction | None = None, reduce_only: bool = False,
                       quote_amount: Decimal | None = None) -> InFlightOrder: ...

    async def _send_placement(self, order: InFlightOrder) -> Placement: ...

    async def _send_cancel(self, order: InFlightOrder) -> OrderUpdate: ...

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate: ...

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]: ...

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]: ...

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]: ...

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]: ...

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement: ...

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]: ...

    def _poll_soon(self, *names: str) -> None: ...

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str,
               quiet: type[BaseException] | None = None) -> asyncio.Task[Any]: ...


class OrderLifecycle:
    def __init__(self, venue: OrderVenue, events: EventBus, clock: Callable[[], float] = time.time,
                 accept: Callable[[object, str], bool] = lambda item, channel: True) -> None:
        self._venue = venue
        # The validation boundary (core/validation.py): whether an update or fill the venue answered
        # with may enter an order, given the channel it came by; a refused one is logged and skipped.
        self._accept = accept
        # The local clock, in seconds; tests move it to pass an acceptance deadline.
        self.clock = clock
        self.tracker = ClientOrderTracker(events, on_fills_missing=self._on_fills_missing,
                                          fills_trail_updates=not venue.spec.user_stream_fills,
                                          fills_move_state=not venue.spec.fills_carry_state)
        self._fills_wanted: set[str] = set()

    # == placing =================================================================================

    def submit_in_background(self, order: InFlightOrder) -> str:
        # Tracked before returning, so the caller sees the order in in_flight_orders at once.
        self.tracker.start_tracking(order)
        self._venue._spawn(self.submit(order), f"submit:{order.client_order_id}", quiet=ClobconnError)
        return order.client_order_id

    async def submit(self, order: InFlightOrder) -> None:
        """Send one order and settle what its answer says; raise what refused it."""
        self.tracker.start_tracking(order)
        self._mark_sent(order)
        try:
            update, fills = await read_answer(self._venue._send_placement(order))
        except ClobconnError as exc:
            self._on_placement_error(order, exc)
            if order.outcome_unknown:
                raise self._as_outcome_unknown(order, exc) from exc
            raise
        self.apply_placement(update, fills)

    def _mark_sent(self, order: InFlightOrder) -> None:
        order.acceptance_deadline = self.clock() + self._venue.spec.placement_expiry + ACCEPTANCE_MARGIN

    def _on_placement_error(self, order: InFlightOrder, exc: ClobconnError) -> None:
        """A refusal fails the order; a request that may have reached the venue leaves it unknown."""
        if isinstance(exc, RateLimitExceeded):
            # The venue answered, and it refused: nothing to look for.
            self.tracker.mark_failed(order, f"rate limited: {exc}")
        elif isinstance(exc, NetworkError) and exc.request_sent:
            # Sent, answer lost: never re-send blindly; polling finds it by client order id.
            order.outcome_unknown = True
            self._venue._poll_soon()
            logger.warning("order %s: placement outcome unknown (%s); reconciling until %s at the latest",
                           order.client_order_id, exc, _clock_text(order.acceptance_deadline))
        elif isinstance(exc, NetworkError):
            self.tracker.mark_failed(order, f"not sent: {exc}")
        else:
            self.tracker.mark_failed(order, str(exc))

    @staticmethod
    def _as_outcome_unknown(order: InFlightOrder, exc: ClobconnError) -> OrderOutcomeUnknown:
        return OrderOutcomeUnknown(order.client_order_id, venue_code=exc.venue_code,
                                   venue_message=exc.venue_message, request=exc.request)

    def apply_placement(self, update: OrderUpdate, fills: Iterable[TradeUpdate]) -> None:
        if self._accept(update, "placement"):
            self.tracker.process_order_update(update)
        for fill in fills:
            if self._accept(fill, "placement"):
                self.tracker.process_trade_update(fill)

    async def place_batch(self, orders: list[BatchOrder]) -> list[InFlightOrder | ClobconnError]:
        """Place several orders, in one native batch request where the venue has one."""
        venue = self._venue
        prepared: list[InFlightOrder | ClobconnError] = []
        for trade_type, pair, amount, order_type, price in orders:
            try:
                prepared.append(venue._prepare_order(trade_type, pair, amount, order_type, price))
            except ClobconnError as exc:
                prepared.append(exc)
        valid = [o for o in prepared if isinstance(o, InFlightOrder)]
        if Feature.BATCH_ORDERS in venue.spec.features and valid:
            for order in valid:
                self.tracker.start_tracking(order)
                self._mark_sent(order)
            try:
                results = await read_answer(venue._place_orders_batch(valid))
            except ClobconnError as exc:
                for order in valid:
                    self._on_placement_error(order, exc)
                raise
            outcome: dict[str, ClobconnError] = {}
            for order, result in zip(valid, results, strict=True):
                if isinstance(result, ClobconnError):
                    self._on_placement_error(order, result)
                    outcome[order.client_order_id] = result
                else:
                    self.apply_placement(*result)
            return [outcome.get(o.client_order_id, o) if isinstance(o, InFlightOrder) else o for o in prepared]
        errors = await asyncio.gather(*(self.submit(o) for o in valid), return_exceptions=True)
        failed = {o.client_order_id: e for o, e in zip(valid, errors, strict=True) if isinstance(e, ClobconnError)}
        return [failed.get(o.client_order_id, o) if isinstance(o, InFlightOrder) else o for o in prepared]

    # == amending ================================================================================

    async def amend(self, old: InFlightOrder, price: Decimal | None, amount: Decimal | None) -> InFlightOrder:
        venue = self._venue
        if venue.spec.amend_in_place:
            return await self._amend_in_place(old, price, amount)
        new = venue._prepare_order(old.trade_type, old.trading_pair, amount or old.remaining_amount, old.order_type,
                                   price or old.price, old.time_in_force)
        self.tracker.start_tracking(new)
        try:
            update, fills = await venue._amend_order(old, new)
        except ClobconnError as exc:
            self.tracker.mark_failed(new, str(exc))
            raise
        # The venue cancelled the old order as part of the amend.
        self.tracker.process_order_update(OrderUpdate(old.trading_pair, self.clock(), OrderState.CANCELED,
                                                      old.client_order_id, old.exchange_order_id))
        self.apply_placement(update, fills)
        return new

    async def _amend_in_place(self, order: InFlightOrder, price: Decimal | None,
                              amount: Decimal | None) -> InFlightOrder:
        """An amend that keeps the order (same ids). ``amount`` means what it means on the replacing
        path, the amount left to fill afterwards, so the order's new total is what it has filled plus
        that. The target is validated and quantized like a new order before anything is sent."""
        target = self._venue._prepare_order(order.trade_type, order.trading_pair, amount or order.remaining_amount,
                                            order.order_type, price or order.price, order.time_in_force,
                                            position_action=order.position_action, reduce_only=order.reduce_only)
        target.client_order_id, target.exchange_order_id = order.client_order_id, order.exchange_order_id
        target.amount = order.amount if amount is None else order.executed_amount_base + target.amount
        update, fills = await read_answer(self._venue._amend_order(order, target))
        order.price, order.amount = target.price, target.amount
        self.apply_placement(update, fills)
        return order

    # == cancelling ==============================================================================

    async def cancel(self, order: InFlightOrder) -> bool:
        """Cancel and wait for the venue's answer; True once the venue confirms it."""
        if order.is_done:
            return order.state is OrderState.CANCELED
        previous = order.state
        if order.is_open:
            order.transition(OrderState.PENDING_CANCEL, self.clock())
        try:
            update = await read_answer(self._venue._send_cancel(order))
        except OrderNotFound:
            # Filled, cancelled or never placed: polling reconciles; the caller learns it now.
            order.not_found_count += 1
            self._revert_cancel(order, previous)
            self._venue._poll_soon()
            raise
        except ClobconnError:
            self._revert_cancel(order, previous)
            raise
        if self._accept(update, "cancel"):
            self.tracker.process_order_update(update)
        return order.state is OrderState.CANCELED

    def _revert_cancel(self, order: InFlightOrder, previous: OrderState) -> None:
        if order.state is OrderState.PENDING_CANCEL and previous is not OrderState.PENDING_CANCEL:
            order.transition(previous, self.clock())

    async def cancel_all(self, timeout: float, trading_pair: str | None) -> list[CancellationResult]:
        targets = [o for o in self.tracker.active.values() if trading_pair is None or o.trading_pair == trading_pair]
        if not targets:
            return []
        if Feature.CANCEL_ALL in self._venue.spec.features:
            work: Awaitable[Any] = self._native_cancel_all({o.trading_pair for o in targets})
        else:
            work = asyncio.gather(*(self.cancel(o) for o in targets), return_exceptions=True)
        try:
            await asyncio.wait_for(work, timeout)
        except TimeoutError:
            logger.warning("cancel_all: timed out after %ss", timeout)
        return [CancellationResult(o.client_order_id, o.state is OrderState.CANCELED) for o in targets]

    async def _native_cancel_all(self, pairs: set[str]) -> None:
        results = await asyncio.gather(*(read_answer(self._venue._cancel_all_orders(p)) for p in pairs),
                                       return_exceptions=True)
        unreported: list[InFlightOrder] = []
        for pair, result in zip(pairs, results, strict=True):
            if isinstance(result, BaseException):
                logger.warning("cancel_all on %s failed: %s", pair, result)
                continue
            for update in result:
                if self._accept(update, "cancel all"):
                    self.tracker.process_order_update(update)
            unreported += [o for o in self.tracker.active.values() if o.trading_pair == pair]
        # Some venues' cancel-all answer names no order (or not every one): ask those how they ended.
        await asyncio.gather(*(self.reconcile(o) for o in unreported))

    # == reconciling =============================================================================

    async def reconcile_all(self) -> None:
        """Ask the venue about every active order whose state the streams may not have told."""
        now = self.clock()
        for order in list(self.tracker.active.values()):
            if order.state is OrderState.PENDING_CREATE and not order.outcome_unknown and (
                    now - order.creation_timestamp < self._venue.config.placement_reconcile_after):
                continue  # its placement request is still in flight
            await self.reconcile(order)

    async def reconcile(self, order: InFlightOrder) -> None:
        try:
            update = await read_answer(self._venue._fetch_order_status(order))
        except OrderNotFound:
            await self._on_not_found(order)
            return
        except (NetworkError, ExchangeError) as exc:
            # A network failure says nothing about the order: it never counts as not found.
            logger.info("order %s: status check failed: %s", order.client_order_id, exc)
            return
        if not self._accept(update, "REST order status"):
            return
        self.apply_found(order, update)
        executed = update.executed_amount
        if (executed is not None and executed > order.executed_amount_base) or (
                order.state is OrderState.FILLED and not order.fills_complete):
            await self.fetch_fills(order)

    def apply_found(self, order: InFlightOrder, update: OrderUpdate) -> None:
        order.not_found_count = 0
        order.outcome_unknown = False
        self.tracker.process_order_update(update)

    async def _on_not_found(self, order: InFlightOrder) -> None:
        deadline = order.acceptance_deadline
        if order.state is OrderState.PENDING_CREATE and deadline is not None and self.clock() < deadline:
            logger.info("order %s: not on the venue yet; it may still accept the placement until %s",
                        order.client_order_id, _clock_text(deadline))
            return
        order.not_found_count += 1
        threshold = self._venue.spec.lost_order_threshold
        if order.not_found_count < threshold:
            return
        if await self._found_in_listings(order):
            return
        if order.state is OrderState.PENDING_CREATE:
            reason = (f"lost: the venue did not know it {order.not_found_count} times after its placement window "
                      f"closed, nor in its open orders or order history")
            logger.warning("order %s %s", order.client_order_id, reason)
            self.tracker.mark_lost(order, reason)
        else:
            # It was live on the venue, which no longer knows it (an order history that forgets
            # cancelled orders, say): it ended, and it is not coming back.
            reason = f"lost: the venue no longer knows it ({order.not_found_count} checks)"
            logger.warning("order %s %s", order.client_order_id, reason)
            self.tracker.mark_failed(order, reason)

    async def _found_in_listings(self, order: InFlightOrder) -> bool:
        """Look for the order among the venue's open orders, then its recent order history."""
        since = order.creation_timestamp - 60.0
        queries: tuple[Callable[[], Awaitable[list[OrderUpdate]]], ...] = (
            lambda: read_answer(self._venue._fetch_open_orders(order.trading_pair)),
            lambda: read_answer(self._venue._fetch_order_history(order.trading_pair, since)),
        )
        for query in queries:
            try:
                listed = await query()
            except NotSupported:
                continue
            except ClobconnError as exc:
                # Nothing can be concluded without the listing: try again at the next poll.
                logger.info("order %s: listing failed (%s); verdict deferred", order.client_order_id, exc)
                return True
            for update in listed:
                if _names(update, order) and self._accept(update, "REST order listing"):
                    logger.info("order %s: not found by query but listed by the venue", order.client_order_id)
                    self.apply_found(order, update)
                    return True
        return False

    async def fetch_fills(self, order: InFlightOrder) -> None:
        try:
            fills = await read_answer(self._venue._fetch_order_fills(order))
        except ClobconnError as exc:
            logger.info("order %s: fills fetch failed: %s", order.client_order_id, exc)
            return
        valid = [fill for fill in fills if self._accept(fill, "REST fills")]
        for fill in sorted(valid, key=lambda f: f.fill_timestamp):
            self.tracker.process_trade_update(fill)

    def _on_fills_missing(self, order: InFlightOrder) -> None:
        """A FILLED order whose fills do not add up yet: give the stream a moment, then fetch them."""
        if order.client_order_id in self._fills_wanted:
            return
        self._fills_wanted.add(order.client_order_id)
        self._venue._spawn(self._fetch_missing_fills(order), f"fills:{order.client_order_id}",
                           quiet=ClobconnError)

    async def _fetch_missing_fills(self, order: InFlightOrder) -> None:
        try:
            # A venue whose stream never carries fills has nothing to wait for.
            await asyncio.sleep(MISSING_FILLS_GRACE if self._venue.spec.user_stream_fills else 0.0)
            # Still tracked (active, or finished with fills reported after it ended, as after a cancel).
            if self.tracker.find(order.client_order_id) is order and not order.fills_complete:
                await self.fetch_fills(order)
        finally:
            self._fills_wanted.discard(order.client_order_id)


def _names(update: OrderUpdate, order: InFlightOrder) -> bool:
    if update.client_order_id is not None:
        return update.client_order_id == order.client_order_id
    return update.exchange_order_id is not None and update.exchange_order_id == order.exchange_order_id


def _clock_text(moment: float | None) -> str:
    return "?" if moment is None else time.strftime("%H:%M:%S", time.localtime(moment))
