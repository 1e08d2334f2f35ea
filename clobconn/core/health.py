"""Health a strategy can see: book sync and connector readiness as events and INFO log lines.

Nothing here polls. The places where a readiness input changes (a book's sync flips, the user
stream goes down or live, the first balances or positions arrive) tell the monitor; it publishes
once per transition and logs how long the thing was out.

Connector readiness is re-evaluated once per event-loop pass rather than on every input change:
a dropped public socket invalidates every book in one callback, and the CONNECTOR_DOWN that
follows names all of them instead of only the first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from clobconn.core.events import (
    BookSyncedEvent,
    BookSyncLostEvent,
    ConnectorDownEvent,
    ConnectorReadyEvent,
    EventBus,
)

logger = logging.getLogger(__name__)


class HealthMonitor:
    def __init__(self, name: str, bus: EventBus, what_is_down: Callable[[], list[str]]) -> None:
        self._name = name
        self._bus = bus
        self._what_is_down = what_is_down
        # monotonic time each book lost its sync; a pair is absent while synced or before its first sync.
        self._book_lost_at: dict[str, float] = {}
        self._ready = False
        self._down_since: float | None = None
        self._pending: asyncio.Handle | None = None
        # While stopping, sockets closing and books invalidating are not news.
        self.muted = False

    @property
    def ready(self) -> bool:
        """Whether the last CONNECTOR_READY/CONNECTOR_DOWN published said ready."""
        return self._ready

    def book_sync_changed(self, trading_pair: str, synced: bool, reason: str) -> None:
        if self.muted:
            return
        now = time.time()
        if synced:
            lost_at = self._book_lost_at.pop(trading_pair, None)
            if lost_at is None:
                logger.info("%s: %s book synced", self._name, trading_pair)
            else:
                logger.info("%s: %s book synced again after %.2fs out of sync", self._name, trading_pair,
                            time.monotonic() - lost_at)
            self._bus.publish(BookSyncedEvent(trading_pair, now))
        else:
            self._book_lost_at[trading_pair] = time.monotonic()
            logger.info("%s: %s book out of sync (%s); its prices are stale until it resyncs",
                        self._name, trading_pair, reason)
            self._bus.publish(BookSyncLostEvent(trading_pair, reason, now))
        self.check_soon()

    def forget_book(self, trading_pair: str) -> None:
        """The pair was removed: its book is no longer anyone's concern."""
        self._book_lost_at.pop(trading_pair, None)

    def check_soon(self) -> None:
        """Re-evaluate readiness at the end of this event-loop pass (once, however often asked)."""
        if self.muted or self._pending is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.check()
            return
        self._pending = loop.call_soon(self._run_pending_check)

    def _run_pending_check(self) -> None:
        self._pending = None
        self.check()

    def check(self) -> None:
        """Publish CONNECTOR_READY or CONNECTOR_DOWN if readiness changed since the last one."""
        if self.muted:
            return
        down = self._what_is_down()
        if not down and not self._ready:
            self._ready = True
            if self._down_since is None:
                logger.info("%s: connector ready", self._name)
            else:
                logger.info("%s: connector ready again after %.2fs down", self._name,
                            time.monotonic() - self._down_since)
            self._down_since = None
            self._bus.publish(ConnectorReadyEvent(time.time()))
        elif down and self._ready:
            self._ready = False
            self._down_since = time.monotonic()
            reason = ", ".join(down)
            logger.info("%s: connector down (%s)", self._name, reason)
            self._bus.publish(ConnectorDownEvent(reason, time.time(), tuple(down)))

    def reset(self) -> None:
        """Forget everything (after stop): a restart reports its first sync and readiness again."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self._book_lost_at.clear()
        self._ready = False
        self._down_since = None
        self.muted = False
