"""OrderLifecycle and ClientOrderTracker: unknown outcomes, lost verdicts, revival and completion."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Placement,
    TimeInForce,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.data_types.enums import PositionAction
from clobconn.core.errors import (
    ClobconnError,
    ExchangeNotAvailable,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    RateLimitExceeded,
    RequestTimeout,
)
from clobconn.core.events import EventBus, EventType
from clobconn.core.orders import lifecycle as lifecycle_module
from clobconn.core.orders.lifecycle import OrderLifecycle
from clobconn.core.orders.tracker import ClientOrderTracker
from clobconn.core.venue import VenueSpec

PAIR = "BTC-USDT"
A = Decimal("2")
HALF = Decimal("1")


class FakeVenue:
    """The venue calls the lifecycle makes, scripted per test."""

    name = "fake"

    def __init__(self, placement_expiry: float = 5.0) -> None:
        self.spec = VenueSpec("fake", {}, (), {}, placement_expiry=placement_expiry)
        self.config = ConnectorConfig()
        self.place_error: ClobconnError | None = None
        self.status: OrderUpdate | ClobconnError = OrderNotFound("unknown order")
        self.open_orders: list[OrderUpdate] | ClobconnError = NotSupported("no listing")
        self.history: list[OrderUpdate] | ClobconnError = NotSupported("no listing")
        self.fills: list[TradeUpdate] = []
        self.calls: list[str] = []
        self.polls = 0
        self.tasks: set[asyncio.Task[Any]] = set()

    def _prepare_order(self, trade_type: TradeType, trading_pair: str, amount: Decimal, order_type: OrderType,
                       price: Decimal | None, time_in_force: TimeInForce | None = None,
                       position_action: PositionAction | None = None, reduce_only: bool = False,
                       quote_amount: Decimal | None = None) -> InFlightOrder:
        return new_order()

    async def _send_placement(self, order: InFlightOrder) -> Placement:
        self.calls.append("place")
        if self.place_error is not None:
            raise self.place_error
        return OrderUpdate(PAIR, time.time(), OrderState.OPEN, order.client_order_id, "E1"), []

    async def _send_cancel(self, order: InFlightOrder) -> OrderUpdate:
        raise NotImplementedError

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        self.calls.append("status")
        return _answer(self.status)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        self.calls.append("fills")
        return list(self.fills)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        self.calls.append("open_orders")
        return _answer(self.open_orders)

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        self.calls.append("history")
        return _answer(self.history)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        raise NotImplementedError

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        raise NotImplementedError

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        raise NotImplementedError

    def _poll_soon(self, *names: str) -> None:
        self.polls += 1

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str,
               quiet: type[BaseException] | None = None) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks.add(task)
        return task


def _answer(value: Any) -> Any:
    if isinstance(value, ClobconnError):
        raise value
    return value


def new_order(client_order_id: str = "c1", amount: Decimal = A) -> InFlightOrder:
    return InFlightOrder(client_order_id, PAIR, OrderType.LIMIT, TradeType.BUY, amount, time.time(),
                         price=Decimal("100"))


def fill(trade_id: str, amount: Decimal = HALF, client_order_id: str = "c1") -> TradeUpdate:
    return TradeUpdate(trade_id, PAIR, Decimal("100"), amount, amount * 100, TradeFee(), time.time(),
                       client_order_id, "E1")


def update(state: OrderState, executed: Decimal | None = None, client_order_id: str = "c1") -> OrderUpdate:
    return OrderUpdate(PAIR, time.time(), state, client_order_id, "E1", executed_amount=executed)


def recorder(bus: EventBus) -> list[Any]:
    events: list[Any] = []
    for event_type in EventType:
        bus.add_listener(event_type, events.append)
    return events


def types(events: list[Any]) -> list[EventType]:
    return [e.type for e in events]


# == completion ====================================================================================


def test_a_filled_update_without_an_amount_does_not_complete_on_an_earlier_partial_amount() -> None:
    """Bybit's execution message says FILLED without a cumulative amount; the order message before it
    said half. Completion waits for the second fill and reports the sum of both."""
    bus = EventBus()
    events = recorder(bus)
    missing: list[str] = []
    tracker = ClientOrderTracker(bus, on_fills_missing=lambda o: missing.append(o.client_order_id))
    order = new_order()
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.PARTIALLY_FILLED, HALF))
    tracker.process_order_update(update(OrderState.FILLED))
    tracker.process_trade_update(fill("t2"))
    assert EventType.ORDER_COMPLETED not in types(events)
    assert missing, "the lifecycle is asked to fetch the missing fill"
    tracker.process_trade_update(fill("t1"))
    completed = [e for e in events if e.type is EventType.ORDER_COMPLETED]
    assert len(completed) == 1 and completed[0].executed_base == A
    assert completed[0].executed_quote == A * 100
    assert types(events).index(EventType.ORDER_COMPLETED) == len(events) - 1


def test_a_filled_update_with_its_amount_completes_on_that_amount() -> None:
    """A venue that fills less than asked and says FILLED with the amount (a clipped reduce-only)."""
    bus = EventBus()
    events = recorder(bus)
    tracker = ClientOrderTracker(bus)
    tracker.start_tracking(new_order())
    tracker.process_order_update(update(OrderState.FILLED, HALF))
    tracker.process_trade_update(fill("t1"))
    completed = [e for e in events if e.type is EventType.ORDER_COMPLETED]
    assert len(completed) == 1 and completed[0].executed_base == HALF


async def test_missing_fills_are_fetched_after_a_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle_module, "MISSING_FILLS_GRACE", 0.01)
    venue = FakeVenue()
    bus = EventBus()
    events = recorder(bus)
    lifecycle = OrderLifecycle(venue, bus)
    lifecycle.tracker.start_tracking(new_order())
    venue.fills = [fill("t1"), fill("t2")]
    lifecycle.tracker.process_order_update(update(OrderState.FILLED, A))
    await asyncio.gather(*venue.tasks)
    assert venue.calls == ["fills"]
    assert types(events).count(EventType.ORDER_FILLED) == 2
    assert types(events).count(EventType.ORDER_COMPLETED) == 1


async def test_a_fill_reported_after_a_cancel_is_fetched_where_the_stream_carries_no_fills() -> None:
    """Tegro's and Coinbase's streams report an order's filled amount, never the fill: an amount that
    grows after the order was cancelled still brings the fill, fetched over REST, counted once."""
    venue = FakeVenue()
    venue.spec = VenueSpec("fake", {}, (), {}, user_stream_fills=False)
    bus = EventBus()
    events = recorder(bus)
    lifecycle = OrderLifecycle(venue, bus)
    order = new_order()
    lifecycle.tracker.start_tracking(order)
    lifecycle.tracker.process_order_update(update(OrderState.OPEN, Decimal(0)))
    lifecycle.tracker.process_order_update(update(OrderState.CANCELED))
    venue.fills = [fill("t1")]
    lifecycle.tracker.process_order_update(update(OrderState.PARTIALLY_FILLED, HALF))
    await asyncio.gather(*venue.tasks)
    assert venue.calls == ["fills"]
    assert order.state is OrderState.CANCELED and order.executed_amount_base == HALF
    assert types(events).count(EventType.ORDER_FILLED) == 1


# == placement outcomes ============================================================================


def unknown_order_past_its_window(venue: FakeVenue) -> tuple[OrderLifecycle, InFlightOrder, list[Any]]:
    """A tracked order whose placement outcome is unknown, with the clock past its acceptance deadline."""
    bus = EventBus()
    events = recorder(bus)
    lifecycle = OrderLifecycle(venue, bus, clock=lambda: time.time() + 3600)
    order = new_order()
    lifecycle.tracker.start_tracking(order)
    order.outcome_unknown = True
    return lifecycle, order, events


async def test_a_rate_limited_placement_fails_and_is_not_looked_for() -> None:
    venue = FakeVenue()
    venue.place_error = RateLimitExceeded("too many", retry_after=3.0)
    bus = EventBus()
    events = recorder(bus)
    lifecycle = OrderLifecycle(venue, bus)
    order = new_order()
    with pytest.raises(RateLimitExceeded):
        await lifecycle.submit(order)
    assert order.state is OrderState.FAILED and not order.outcome_unknown
    assert types(events) == [EventType.ORDER_FAILED]
    assert venue.polls == 0
    await lifecycle.reconcile_all()
    assert venue.calls == ["place"]


async def test_a_timed_out_placement_is_unknown_until_its_window_closes() -> None:
    venue = FakeVenue(placement_expiry=5.0)
    bus = EventBus()
    events = recorder(bus)
    now = [1000.0]
    lifecycle = OrderLifecycle(venue, bus, clock=lambda: now[0])
    venue.place_error = RequestTimeout("timed out")
    order = new_order()
    with pytest.raises(OrderOutcomeUnknown):
        await lifecycle.submit(order)
    assert order.acceptance_deadline == 1000.0 + 5.0 + lifecycle_module.ACCEPTANCE_MARGIN
    for _ in range(10):
        await lifecycle.reconcile(order)
    assert order.not_found_count == 0 and order.state is OrderState.PENDING_CREATE
    now[0] = 1010.0
    for _ in range(venue.spec.lost_order_threshold - 1):
        await lifecycle.reconcile(order)
    assert not events
    await lifecycle.reconcile(order)
    assert types(events) == [EventType.ORDER_LOST]
    assert venue.calls[-2:] == ["open_orders", "history"]
    assert order.lost and order.client_order_id not in lifecycle.tracker.active


async def test_a_lost_order_seen_again_is_revived_with_its_fills_counted_once() -> None:
    venue = FakeVenue()
    lifecycle, order, events = unknown_order_past_its_window(venue)
    for _ in range(venue.spec.lost_order_threshold):
        await lifecycle.reconcile(order)
    assert order.lost
    lifecycle.tracker.process_trade_update(fill("t1", A))
    lifecycle.tracker.process_trade_update(fill("t1", A))
    assert not order.lost and order.state is OrderState.FILLED
    assert types(events) == [EventType.ORDER_LOST, EventType.ORDER_CREATED, EventType.ORDER_FILLED,
                             EventType.ORDER_COMPLETED]
    assert lifecycle.tracker.finished[order.client_order_id] is order


async def test_an_order_listed_by_the_venue_is_not_lost() -> None:
    venue = FakeVenue()
    venue.open_orders = [update(OrderState.OPEN, Decimal(0), client_order_id="other"),
                         update(OrderState.OPEN, Decimal(0))]
    lifecycle, order, events = unknown_order_past_its_window(venue)
    for _ in range(venue.spec.lost_order_threshold):
        await lifecycle.reconcile(order)
    assert order.state is OrderState.OPEN and not order.outcome_unknown and order.not_found_count == 0
    assert types(events) == [EventType.ORDER_CREATED]


async def test_a_failed_listing_defers_the_verdict() -> None:
    venue = FakeVenue()
    venue.open_orders = ExchangeNotAvailable("down")
    lifecycle, order, events = unknown_order_past_its_window(venue)
    for _ in range(venue.spec.lost_order_threshold + 2):
        await lifecycle.reconcile(order)
    assert not events and order.state is OrderState.PENDING_CREATE
    venue.open_orders = []
    await lifecycle.reconcile(order)
    assert types(events) == [EventType.ORDER_LOST]


async def test_a_placement_that_never_left_fails_at_once() -> None:
    venue = FakeVenue()
    venue.place_error = ExchangeNotAvailable("cannot connect", request_sent=False)
    bus = EventBus()
    events = recorder(bus)
    lifecycle = OrderLifecycle(venue, bus)
    with pytest.raises(ExchangeNotAvailable):
        await lifecycle.submit(new_order())
    assert types(events) == [EventType.ORDER_FAILED]
