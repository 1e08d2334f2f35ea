"""Events: delivered to callbacks and to ``async for`` subscribers.

Publishing never blocks: callbacks run inline (a raising callback is logged, not propagated) and
each subscriber has a bounded queue. When a slow subscriber's queue is full the oldest event is
dropped and the subscriber's next read is an ``EventsDropped`` telling how many it missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
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
    BALANCE_UPDATED = "balance_updated"
    POSITION_UPDATED = "position_updated"
    FUNDING_PAYMENT = "funding_payment"
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
class EventsDropped:
    count: int
    type: EventType = EventType.EVENTS_DROPPED


Event = (
    OrderCreatedEvent
    | OrderFilledEvent
    | OrderCompletedEvent
    | OrderCancelledEvent
    | OrderFailedEvent
    | BalanceUpdatedEvent
    | PositionUpdatedEvent
    | FundingPaymentEvent
    | EventsDropped
)
Listener = Callable[[Any], None]


class _Subscription:
    __slots__ = ("dropped", "queue", "types")

    def __init__(self, maxsize: int, types: frozenset[EventType] | None) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.types = types
        self.dropped = 0


class EventBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._listeners: dict[EventType, list[Listener]] = {}
        self._subscriptions: list[_Subscription] = []
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
        for sub in self._subscriptions:
            if sub.types is not None and event.type not in sub.types:
                continue
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.dropped += 1
                self.total_dropped += 1
                if sub.dropped == 1 or sub.dropped % 1000 == 0:
                    logger.warning("event subscriber too slow: %d events dropped so far", sub.dropped)
            sub.queue.put_nowait(event)

    async def subscribe(self, types: frozenset[EventType] | None = None,
                        queue_size: int | None = None) -> AsyncIterator[Event]:
        sub = _Subscription(queue_size or self._queue_size, types)
        self._subscriptions.append(sub)
        try:
            while True:
                event = await sub.queue.get()
                if sub.dropped:
                    dropped, sub.dropped = sub.dropped, 0
                    yield EventsDropped(dropped)
                yield event
        finally:
            self._subscriptions.remove(sub)
