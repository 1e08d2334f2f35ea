"""Order tracking: every update and fill, from whichever path, lands here exactly once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cachetools import TTLCache

from clobconn.core.data_types import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from clobconn.core.events import (
    EventBus,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)

logger = logging.getLogger(__name__)


class ClientOrderTracker:
    """Active orders, a cache of finished ones (late fills still land), and orphan updates.

    An update that names an exchange order id nobody owns yet (a fill that overtook the placement
    ack) is held briefly and replayed when an order learns that id. An update or fill for an order
    given up as lost revives it. A FILLED order whose fills do not add up yet is handed to
    ``on_fills_missing`` (the lifecycle fetches them) and completes once they do. With
    ``fills_trail_updates`` (a venue whose stream reports cumulative amounts but no fills) so is an
    open order whose reported amount runs ahead of its fills. With ``fills_move_state`` (a venue whose fill
    messages carry no order state, which comes in messages of its own) a fill short of the amount moves an
    open order to PARTIALLY_FILLED, as the venue's state message will.
    """

    def __init__(self, events: EventBus, finished_ttl: float = 600.0, clock: Callable[[], float] = time.time,
                 on_fills_missing: Callable[[InFlightOrder], None] | None = None,
                 fills_trail_updates: bool = False, fills_move_state: bool = False) -> None:
        self._events = events
        self.fills_move_state = fills_move_state
        self._clock = clock
        self.on_fills_missing = on_fills_missing
        self.fills_trail_updates = fills_trail_updates
        self.active: dict[str, InFlightOrder] = {}
        self.finished: TTLCache[str, InFlightOrder] = TTLCache(maxsize=10_000, ttl=finished_ttl, timer=clock)
        self._orphans: TTLCache[str, list[OrderUpdate | TradeUpdate]] = TTLCache(maxsize=1000, ttl=60.0, timer=clock)
        # Orders whose ORDER_CREATED has been published, so it is published once.
        self._announced: set[str] = set()

    def start_tracking(self, order: InFlightOrder) -> None:
        self.active[order.client_order_id] = order

    def find(self, client_order_id: str | None = None, exchange_order_id: str | None = None) -> InFlightOrder | None:
        if client_order_id is not None:
            order = self.active.get(client_order_id) or self.finished.get(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is not None:
            for pool in (self.active, self.finished):
                for order in pool.values():
                    if order.exchange_order_id == exchange_order_id:
                        return order
        return None

    def _find_live(self, client_order_id: str | None, exchange_order_id: str | None) -> InFlightOrder | None:
        """The order an update is about; one given up as lost is revived by the evidence."""
        order = self.find(client_order_id, exchange_order_id)
        if order is not None and order.lost:
            logger.warning("order %s, given up as lost, is known to the venue after all: revived",
                           order.client_order_id)
            self.finished.pop(order.client_order_id, None)
            order.revive()
            self.active[order.client_order_id] = order
        return order

    def process_order_update(self, update: OrderUpdate) -> None:
        order = self._find_live(update.client_order_id, update.exchange_order_id)
        if order is None:
            self._hold_orphan(update.exchange_order_id, update)
            return
        had_exchange_id = order.exchange_order_id is not None
        previous = order.state
        changed = order.apply_order_update(update)
        if changed:
            self._announce_state(order, previous)
        if (self.fills_trail_updates and not order.is_done and not order.fills_complete
                and self.on_fills_missing is not None):
            self.on_fills_missing(order)
        # Held updates replay after the state is announced, so ORDER_CREATED precedes their fills.
        if not had_exchange_id and order.exchange_order_id is not None:
            self._replay_orphans(order)

    def process_trade_update(self, trade: TradeUpdate) -> None:
        order = self._find_live(trade.client_order_id, trade.exchange_order_id)
        if order is None:
            self._hold_orphan(trade.exchange_order_id, trade)
            return
        had_exchange_id = order.exchange_order_id is not None
        if not order.apply_trade_update(trade):
            return
        if order.state is OrderState.PENDING_CREATE:
            # The fill overtook the ack; the order certainly exists.
            self._announce_created(order)
        self._events.publish(
            OrderFilledEvent(order.client_order_id, order.exchange_order_id, order.trading_pair,
                             order.trade_type, order.order_type, trade, trade.fill_timestamp)
        )
        if not had_exchange_id and order.exchange_order_id is not None:
            self._replay_orphans(order)
        if not order.is_done and order.quote_amount is None and order.executed_amount_base >= order.amount:
            previous = order.state
            if order.transition(OrderState.FILLED, trade.fill_timestamp):
                self._announce_state(order, previous)
                return
        if self.fills_move_state and order.state is OrderState.OPEN:
            order.transition(OrderState.PARTIALLY_FILLED, trade.fill_timestamp)
        self._maybe_complete(order)

    def mark_failed(self, order: InFlightOrder, reason: str) -> None:
        previous = order.state
        if order.transition(OrderState.FAILED, self._clock(), reason):
            self._announce_state(order, previous)

    def mark_lost(self, order: InFlightOrder, reason: str) -> None:
        """Give an order up: ORDER_LOST, not ORDER_FAILED, since the venue never said it refused it."""
        if not order.transition(OrderState.FAILED, self._clock(), reason):
            return
        order.lost = True
        self._events.publish(OrderLostEvent(order.client_order_id, order.trading_pair, reason,
                                            order.last_update_timestamp or self._clock()))
        self._finish(order)

    def _announce_state(self, order: InFlightOrder, previous: OrderState) -> None:
        now = order.last_update_timestamp or self._clock()
        state = order.state
        if previous is OrderState.PENDING_CREATE and state is not OrderState.FAILED:
            self._announce_created(order)
        if state is OrderState.CANCELED:
            self._events.publish(OrderCancelledEvent(order.client_order_id, order.exchange_order_id,
                                                     order.trading_pair, now))
            self._finish(order)
        elif state is OrderState.FAILED:
            self._events.publish(OrderFailedEvent(order.client_order_id, order.trading_pair,
                                                  order.failure_reason or "failed", now))
            self._finish(order)
        elif state is OrderState.FILLED:
            self._maybe_complete(order)

    def _announce_created(self, order: InFlightOrder) -> None:
        if order.client_order_id in self._announced:
            return
        self._announced.add(order.client_order_id)
        self._events.publish(
            OrderCreatedEvent(order.client_order_id, order.exchange_order_id, order.trading_pair,
                              order.trade_type, order.order_type, order.amount, order.price,
                              order.last_update_timestamp or self._clock())
        )

    def _maybe_complete(self, order: InFlightOrder) -> None:
        """A filled order completes once all its fills have landed; until then polling fetches them."""
        if order.state is not OrderState.FILLED or order.client_order_id not in self.active:
            return
        if not order.fills_complete:
            if self.on_fills_missing is not None:
                self.on_fills_missing(order)
            return
        self._events.publish(
            OrderCompletedEvent(order.client_order_id, order.exchange_order_id, order.trading_pair,
                                order.trade_type, order.executed_amount_base, order.executed_amount_quote,
                                order.last_update_timestamp or self._clock())
        )
        self._finish(order)

    def _finish(self, order: InFlightOrder) -> None:
        self.active.pop(order.client_order_id, None)
        self.finished[order.client_order_id] = order
        self._announced.discard(order.client_order_id)

    def _hold_orphan(self, exchange_order_id: str | None, item: OrderUpdate | TradeUpdate) -> None:
        if exchange_order_id is None:
            logger.debug("update for an unknown order dropped: %s", item)
            return
        self._orphans.setdefault(exchange_order_id, []).append(item)

    def _replay_orphans(self, order: InFlightOrder) -> None:
        assert order.exchange_order_id is not None
        for item in self._orphans.pop(order.exchange_order_id, []):
            if isinstance(item, OrderUpdate):
                self.process_order_update(item)
            else:
                self.process_trade_update(item)
