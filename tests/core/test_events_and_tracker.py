"""EventBus delivery and ClientOrderTracker bookkeeping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.events import (
    BalanceUpdatedEvent,
    Event,
    EventBus,
    EventsDropped,
    EventType,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
)
from clobconn.core.orders.tracker import ClientOrderTracker

PAIR = "BTC-USDT"


def balance_event(n: int) -> BalanceUpdatedEvent:
    return BalanceUpdatedEvent(Balance("USDT", Decimal(n), Decimal(n)), float(n))


def cancelled_event(cid: str) -> OrderCancelledEvent:
    return OrderCancelledEvent(cid, None, PAIR, 1.0)


# == EventBus ======================================================================================


def test_listeners_get_their_event_type_only() -> None:
    bus = EventBus()
    balances: list[Any] = []
    cancels: list[Any] = []
    bus.add_listener(EventType.BALANCE_UPDATED, balances.append)
    bus.add_listener(EventType.ORDER_CANCELLED, cancels.append)
    bus.publish(balance_event(1))
    bus.publish(cancelled_event("c1"))
    bus.publish(balance_event(2))
    assert balances == [balance_event(1), balance_event(2)]
    assert cancels == [cancelled_event("c1")]
    bus.remove_listener(EventType.BALANCE_UPDATED, balances.append)
    bus.publish(balance_event(3))
    assert len(balances) == 2
    bus.remove_listener(EventType.ORDER_FAILED, balances.append)  # never added: no error


def test_a_raising_listener_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    before: list[Any] = []
    after: list[Any] = []

    def broken(_: Any) -> None:
        raise RuntimeError("strategy bug")

    bus.add_listener(EventType.BALANCE_UPDATED, before.append)
    bus.add_listener(EventType.BALANCE_UPDATED, broken)
    bus.add_listener(EventType.BALANCE_UPDATED, after.append)
    with caplog.at_level(logging.ERROR, logger="clobconn.core.events"):
        bus.publish(balance_event(1))
        bus.publish(balance_event(2))
    assert before == [balance_event(1), balance_event(2)]
    assert after == [balance_event(1), balance_event(2)]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert "balance_updated" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], RuntimeError)


async def start_reading(iterator: AsyncIterator[Event]) -> asyncio.Task[Event]:
    """Start a reader on ``iterator`` and let it reach its first wait."""
    task: asyncio.Task[Event] = asyncio.ensure_future(anext(iterator))
    await asyncio.sleep(0)
    assert not task.done()
    return task


async def test_slow_subscriber_gets_events_dropped_then_the_newest() -> None:
    bus = EventBus()
    iterator = bus.subscribe(queue_size=2)
    first = await start_reading(iterator)
    for n in range(1, 6):
        bus.publish(balance_event(n))  # nobody reads in between
    assert await asyncio.wait_for(first, 1.0) == EventsDropped(count=3)
    assert await asyncio.wait_for(anext(iterator), 1.0) == balance_event(4)
    assert await asyncio.wait_for(anext(iterator), 1.0) == balance_event(5)
    assert bus.total_dropped == 3
    # Nothing more was dropped since: the next read is the next event, with no EventsDropped first.
    bus.publish(balance_event(6))
    assert await asyncio.wait_for(anext(iterator), 1.0) == balance_event(6)
    await iterator.aclose()


async def test_subscription_starts_when_subscribe_is_called() -> None:
    bus = EventBus()
    iterator = bus.subscribe(queue_size=2)
    for n in range(1, 6):
        bus.publish(balance_event(n))
    try:
        assert await asyncio.wait_for(anext(iterator), 0.5) == EventsDropped(count=3)
        assert await asyncio.wait_for(anext(iterator), 0.5) == balance_event(4)
    finally:
        with contextlib.suppress(RuntimeError):
            await iterator.aclose()


async def test_subscriber_type_filter_and_listeners_together() -> None:
    bus = EventBus()
    heard: list[Any] = []
    bus.add_listener(EventType.ORDER_CANCELLED, heard.append)
    iterator = bus.subscribe(types=frozenset({EventType.ORDER_CANCELLED}))
    first = await start_reading(iterator)
    bus.publish(balance_event(1))
    bus.publish(cancelled_event("c7"))
    assert await asyncio.wait_for(first, 1.0) == cancelled_event("c7")
    assert heard == [cancelled_event("c7")]
    await iterator.aclose()


async def test_closed_subscription_stops_receiving() -> None:
    bus = EventBus()
    iterator = bus.subscribe(queue_size=1)
    first = await start_reading(iterator)
    bus.publish(balance_event(1))
    assert await asyncio.wait_for(first, 1.0) == balance_event(1)
    await iterator.aclose()
    for n in range(10):  # a subscriber still registered would drop 9 of these
        bus.publish(balance_event(n))
    assert bus.total_dropped == 0


# == ClientOrderTracker ============================================================================


class Recorder:
    def __init__(self, bus: EventBus) -> None:
        self.events: list[Any] = []
        for event_type in EventType:
            bus.add_listener(event_type, self.events.append)

    @property
    def types(self) -> list[EventType]:
        return [e.type for e in self.events]

    def of(self, event_type: EventType) -> list[Any]:
        return [e for e in self.events if e.type is event_type]


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorder(bus: EventBus) -> Recorder:
    return Recorder(bus)


@pytest.fixture
def tracker(bus: EventBus) -> ClientOrderTracker:
    return ClientOrderTracker(bus, clock=lambda: 1_000.0)


def new_order(cid: str = "c1", amount: str = "1") -> InFlightOrder:
    return InFlightOrder(cid, PAIR, OrderType.LIMIT, TradeType.BUY, Decimal(amount), 1.0, price=Decimal("100"))


def update(state: OrderState, cid: str | None = "c1", eid: str | None = "E1", ts: float = 2.0,
           executed: str | None = None) -> OrderUpdate:
    return OrderUpdate(PAIR, ts, state, client_order_id=cid, exchange_order_id=eid,
                       executed_amount=None if executed is None else Decimal(executed))


def trade(trade_id: str, base: str, price: str = "100", cid: str | None = "c1", eid: str | None = "E1",
          ts: float = 3.0) -> TradeUpdate:
    return TradeUpdate(trade_id, PAIR, Decimal(price), Decimal(base), Decimal(price) * Decimal(base),
                       TradeFee.flat("USDT", Decimal("0.01")), ts, client_order_id=cid, exchange_order_id=eid)


def test_open_publishes_order_created_once(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order()
    tracker.start_tracking(order)
    assert recorder.events == []
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_order_update(update(OrderState.OPEN, ts=2.5))  # the same news by another path
    tracker.process_order_update(update(OrderState.PARTIALLY_FILLED, executed="0.1"))
    assert recorder.types == [EventType.ORDER_CREATED]
    (created,) = recorder.events
    assert created == OrderCreatedEvent("c1", "E1", PAIR, TradeType.BUY, OrderType.LIMIT, Decimal("1"),
                                        Decimal("100"), 2.0)
    assert order.exchange_order_id == "E1"
    assert order.state is OrderState.PARTIALLY_FILLED


def test_fills_then_filled_and_completed_once(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order(amount="1")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_trade_update(trade("t1", "0.4", price="100"))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_FILLED]
    assert order.state.value == "OPEN"  # a fill alone does not move the state
    assert "c1" in tracker.active
    tracker.process_trade_update(trade("t2", "0.6", price="101", ts=4.0))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_FILLED,
                              EventType.ORDER_COMPLETED]
    assert order.state is OrderState.FILLED
    filled = recorder.of(EventType.ORDER_FILLED)
    assert [f.trade.trade_id for f in filled] == ["t1", "t2"]
    assert filled[1] == OrderFilledEvent("c1", "E1", PAIR, TradeType.BUY, OrderType.LIMIT, trade("t2", "0.6", "101",
                                                                                                   ts=4.0), 4.0)
    assert recorder.of(EventType.ORDER_COMPLETED) == [
        OrderCompletedEvent("c1", "E1", PAIR, TradeType.BUY, Decimal("1.0"), Decimal("100.6"), 4.0)
    ]
    assert "c1" not in tracker.active
    assert tracker.finished["c1"] is order
    # The venue's own FILLED notice and a re-delivered fill change nothing.
    tracker.process_order_update(update(OrderState.FILLED, executed="1"))
    tracker.process_trade_update(trade("t2", "0.6", price="101", ts=4.0))
    assert len(recorder.of(EventType.ORDER_COMPLETED)) == 1
    assert len(recorder.of(EventType.ORDER_FILLED)) == 2


def test_filled_notice_before_its_fills_completes_when_they_land(tracker: ClientOrderTracker,
                                                                 recorder: Recorder) -> None:
    order = new_order(amount="1")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_order_update(update(OrderState.FILLED, executed="1", ts=5.0))
    assert order.state is OrderState.FILLED
    assert recorder.of(EventType.ORDER_COMPLETED) == []  # no fills yet: not complete
    assert "c1" in tracker.active
    tracker.process_trade_update(trade("t1", "0.5"))
    assert recorder.of(EventType.ORDER_COMPLETED) == []
    tracker.process_trade_update(trade("t2", "0.5"))
    assert recorder.types[-3:] == [EventType.ORDER_FILLED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED]
    assert len(recorder.of(EventType.ORDER_COMPLETED)) == 1
    assert "c1" in tracker.finished


def test_duplicate_trade_id_is_ignored(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order(amount="5")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    fill = trade("t1", "1")
    tracker.process_trade_update(fill)
    tracker.process_trade_update(fill)
    # The same fill again from REST polling, naming the order by exchange id only.
    tracker.process_trade_update(trade("t1", "1", cid=None))
    assert len(recorder.of(EventType.ORDER_FILLED)) == 1
    assert order.executed_amount_base == Decimal("1")


def test_fill_before_the_ack_creates_then_fills(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    # The fill names the client order id while the order still waits for its ack.
    order = new_order(amount="2")
    tracker.start_tracking(order)
    tracker.process_trade_update(trade("t1", "0.5", eid="E1"))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_FILLED]
    assert order.exchange_order_id == "E1"
    tracker.process_order_update(update(OrderState.OPEN))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_FILLED]


def test_orphan_fill_is_held_and_replayed_when_the_order_learns_its_id(
    tracker: ClientOrderTracker, recorder: Recorder
) -> None:
    order = new_order(amount="2")
    tracker.start_tracking(order)
    # A user-stream fill naming only an exchange order id nobody has yet.
    tracker.process_trade_update(trade("t1", "0.5", cid=None, eid="E77"))
    assert recorder.events == []
    assert order.executed_amount_base == Decimal(0)
    # Another order's id arriving changes nothing for it.
    other = new_order("c2")
    tracker.start_tracking(other)
    tracker.process_order_update(update(OrderState.OPEN, cid="c2", eid="E2"))
    assert order.executed_amount_base == Decimal(0)
    # The placement ack: c1 is E77. The held fill lands now.
    tracker.process_order_update(update(OrderState.OPEN, cid="c1", eid="E77"))
    assert order.executed_amount_base == Decimal("0.5")
    assert list(order.fills) == ["t1"]
    mine = [e for e in recorder.events if e.client_order_id == "c1"]
    assert sorted(e.type.value for e in mine) == ["order_created", "order_filled"]
    assert recorder.of(EventType.ORDER_FILLED)[0].exchange_order_id == "E77"
    # Replayed once only.
    tracker.process_order_update(update(OrderState.PARTIALLY_FILLED, cid="c1", eid="E77"))
    assert len(recorder.of(EventType.ORDER_FILLED)) == 1


@pytest.mark.parametrize(("base", "expected"), [
    ("0.5", [EventType.ORDER_CREATED, EventType.ORDER_FILLED]),
    ("2", [EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED]),
], ids=["partial", "full"])
def test_replayed_orphan_fill_comes_after_order_created(
    tracker: ClientOrderTracker, recorder: Recorder, base: str, expected: list[EventType]
) -> None:
    order = new_order(amount="2")
    tracker.start_tracking(order)
    tracker.process_trade_update(trade("t1", base, cid=None, eid="E77"))
    tracker.process_order_update(update(OrderState.OPEN, cid="c1", eid="E77"))
    assert recorder.types == expected


def test_update_for_an_unknown_order_without_exchange_id_is_dropped(
    tracker: ClientOrderTracker, recorder: Recorder
) -> None:
    tracker.process_trade_update(trade("t1", "1", cid="ghost", eid=None))
    order = new_order("ghost")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN, cid="ghost", eid="E5"))
    assert order.fills == {}
    assert recorder.types == [EventType.ORDER_CREATED]


def test_cancel_publishes_cancelled_and_finishes_the_order(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order()
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_order_update(update(OrderState.PENDING_CANCEL, ts=3.0))
    tracker.process_order_update(update(OrderState.CANCELED, ts=4.0))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_CANCELLED]
    assert recorder.events[-1] == OrderCancelledEvent("c1", "E1", PAIR, 4.0)
    assert tracker.active == {}
    assert tracker.finished["c1"] is order
    assert tracker.find("c1") is order
    assert tracker.find(exchange_order_id="E1") is order
    # A repeated cancel notice publishes nothing more.
    tracker.process_order_update(update(OrderState.CANCELED, ts=5.0))
    assert len(recorder.of(EventType.ORDER_CANCELLED)) == 1


def test_late_fill_for_a_finished_order_still_lands(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order(amount="3")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_order_update(update(OrderState.CANCELED, executed="1.5"))
    assert "c1" in tracker.finished
    # The fills that happened before the cancel arrive afterwards, one by exchange id only.
    tracker.process_trade_update(trade("t1", "1", ts=9.0))
    tracker.process_trade_update(trade("t2", "0.5", cid=None, eid="E1", ts=9.5))
    assert recorder.types == [EventType.ORDER_CREATED, EventType.ORDER_CANCELLED, EventType.ORDER_FILLED,
                              EventType.ORDER_FILLED]
    assert order.executed_amount_base == Decimal("1.5")
    assert order.state is OrderState.CANCELED
    assert order.fills_complete is True
    assert recorder.of(EventType.ORDER_COMPLETED) == []


def test_mark_failed(tracker: ClientOrderTracker, recorder: Recorder) -> None:
    order = new_order()
    tracker.start_tracking(order)
    tracker.mark_failed(order, "insufficient balance")
    assert recorder.events == [OrderFailedEvent("c1", PAIR, "insufficient balance", 1_000.0)]
    assert tracker.active == {}
    assert tracker.finished["c1"] is order
    tracker.mark_failed(order, "again")  # already terminal
    assert len(recorder.events) == 1


def test_a_fill_moves_an_open_order_to_partially_filled_where_fills_carry_no_state(bus: EventBus) -> None:
    # Dexalot's executionEvent carries no order state (its orderStatusUpdateEvent does, apart).
    tracker = ClientOrderTracker(bus, clock=lambda: 1_000.0, fills_move_state=True)
    order = new_order(amount="1")
    tracker.start_tracking(order)
    tracker.process_order_update(update(OrderState.OPEN))
    tracker.process_trade_update(trade("t1", "0.4"))
    assert order.state is OrderState.PARTIALLY_FILLED
    tracker.process_trade_update(trade("t2", "0.6"))
    assert order.state is OrderState.FILLED and order.client_order_id in tracker.finished
