"""Events: delivered to callbacks and to ``async for`` subscribers.

Publishing never blocks: callbacks run inline (a raising callback is logged, not propagated) and
each subscriber has a bounded queue. When a slow subscriber's queue is full the oldest event is
dropped and the subscriber's next read is an ``EventsDropped`` telling how many it missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from clobconn.core.data_types import (
    Balance,
    FundingPayment,
    OrderType,
    Position,
    TradeType,
    TradeUpdate,
)

logger = logging.getLogger(__name__)


class EventType(Enum):
    ORDER_CREATED = "order_created"
    ORDER_FILLED = "order_filled"
    ORDER_COMPLETED = "order_completed"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_FAILED = "order_failed"
    # The venue holds no trace of an order whose placement outcome was unknown (see docs/architecture.md).
    ORDER_LOST = "order_lost"
    BALANCE_UPDATED = "balance_updated"
    POSITION_UPDATED = "position_updated"
    FUNDING_PAYMENT = "funding_payment"
    BOOK_SYNC_LOST = "book_sync_lost"
    BOOK_SYNCED = "book_synced"
    CONNECTOR_DOWN = "connector_down"
    CONNECTOR_READY = "connector_ready"
    EVENTS_DROPPED = "events_dropped"


@dataclass(frozen=True, slots=True)
class OrderCreatedEvent:
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    amount: Decimal
    price: Decimal | None
    timestamp: float
    type: EventType = EventType.ORDER_CREATED


@dataclass(frozen=True, slots=True)
class OrderFilledEvent:
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    trade: TradeUpdate
    timestamp: float
    type: EventType = EventType.ORDER_FILLED


@dataclass(frozen=True, slots=True)
class OrderCompletedEvent:
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    trade_type: TradeType
    executed_base: Decimal
    executed_quote: Decimal
    timestamp: float
    type: EventType = EventType.ORDER_COMPLETED


@dataclass(frozen=True, slots=True)
class OrderCancelledEvent:
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    timestamp: float
    type: EventType = EventType.ORDER_CANCELLED


@dataclass(frozen=True, slots=True)
class OrderFailedEvent:
    client_order_id: str
    trading_pair: str
    reason: str
    timestamp: float
    type: EventType = EventType.ORDER_FAILED


@dataclass(frozen=True, slots=True)
class OrderLostEvent:
    """An order whose placement outcome was unknown, given up on: the window in which the venue could
    still accept it has passed, and neither its order queries, its open orders nor its order history
    know it. Should the venue show it after all, it is revived and ORDER_CREATED follows."""

    client_order_id: str
    trading_pair: str
    reason: str
    timestamp: float
    type: EventType = EventType.ORDER_LOST


@dataclass(frozen=True, slots=True)
class BalanceUpdatedEvent:
    balance: Balance
    timestamp: float
    type: EventType = EventType.BALANCE_UPDATED


@dataclass(frozen=True, slots=True)
class PositionUpdatedEvent:
    position: Position
    timestamp: float
    type: EventType = EventType.POSITION_UPDATED


@dataclass(frozen=True, slots=True)
class FundingPaymentEvent:
    payment: FundingPayment
    timestamp: float
    type: EventType = EventType.FUNDING_PAYMENT


@dataclass(frozen=True, slots=True)
class BookSyncLostEvent:
    """A synced book stopped being in step with the venue; it keeps its last prices until resynced.

    ``reason``: "gap", "checksum_mismatch", "crossed" or "disconnected".
    """

    trading_pair: str
    reason: str
    timestamp: float
    type: EventType = EventType.BOOK_SYNC_LOST


@dataclass(frozen=True, slots=True)
class BookSyncedEvent:
    """A book is in step with the venue: its first sync, or its recovery after a BOOK_SYNC_LOST."""

    trading_pair: str
    timestamp: float
    type: EventType = EventType.BOOK_SYNCED


@dataclass(frozen=True, slots=True)
class ConnectorDownEvent:
    """A ready connector stopped being ready. ``down`` names what is missing ("order book BTC-USDT",
    "user stream", ...); ``reason`` is the same names joined, for a log line."""

    reason: str
    timestamp: float
    down: tuple[str, ...] = ()
    type: EventType = EventType.CONNECTOR_DOWN


@dataclass(frozen=True, slots=True)
class ConnectorReadyEvent:
    """The connector became ready: the first time after start(), and after each recovery."""

    timestamp: float
    type: EventType = EventType.CONNECTOR_READY


@dataclass(frozen=True, slots=True)
class EventsDropped:
    count: int
    type: EventType = EventType.EVENTS_DROPPED


Event = (
    OrderCreatedEvent
    | OrderFilledEvent
    | OrderCompletedEvent
    | OrderCancelledEvent
    | OrderFailedEvent
    | OrderLostEvent
    | BalanceUpdatedEvent
    | PositionUpdatedEvent
    | FundingPaymentEvent
    | BookSyncLostEvent
    | BookSyncedEvent
    | ConnectorDownEvent
    | ConnectorReadyEvent
    | EventsDropped
)
Listener = Callable[[Any], None]


class Subscription:
    """An ``async for`` view of the bus, registered from the moment it is created.

    Registering at creation (not at the first read) means no event published in between is lost.
    """

    def __init__(self, bus: EventBus, maxsize: int, types: frozenset[EventType] | None) -> None:
        self._bus = bus
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.types = types
        self.dropped = 0
        self.closed = False
        self._held: Event | None = None
        bus._subscriptions.append(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        if self.closed:
            raise StopAsyncIteration
        if self._held is not None:
            event, self._held = self._held, None
            return event
        event = await self.queue.get()
        if self.dropped:
            # The loss is reported before the event that came after it.
            dropped, self.dropped = self.dropped, 0
            self._held = event
            return EventsDropped(dropped)
        return event

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._subscriptions.remove(self)

    def offer(self, event: Event) -> None:
        if self.types is not None and event.type not in self.types:
            return
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
            self._bus.total_dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("event subscriber too slow: %d events dropped so far", self.dropped)
        self.queue.put_nowait(event)


class EventBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._listeners: dict[EventType, list[Listener]] = {}
        self._subscriptions: list[Subscription] = []
        self._queue_size = queue_size
        self.total_dropped = 0

    def add_listener(self, event_type: EventType, listener: Listener) -> None:
        self._listeners.setdefault(event_type, []).append(listener)

    def remove_listener(self, event_type: EventType, listener: Listener) -> None:
        listeners = self._listeners.get(event_type, [])
        if listener in listeners:
            listeners.remove(listener)

    def publish(self, event: Event) -> None:
        for listener in tuple(self._listeners.get(event.type, ())):
            try:
                listener(event)
            except Exception:
                logger.exception("event listener for %s raised; ignored", event.type.value)
        for sub in tuple(self._subscriptions):
            sub.offer(event)

    def subscribe(self, types: frozenset[EventType] | None = None, queue_size: int | None = None) -> Subscription:
        return Subscription(self, queue_size or self._queue_size, types)
