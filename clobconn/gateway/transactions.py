"""Following a submitted transaction to its verdict by polling Gateway, with backoff and a deadline.

Nothing here ever sends a transaction: a pending or unknown status, an error while polling, or Gateway
going away only means polling again until the deadline. Solana answers 0 ("not found") for ever for a
transaction that never lands, so the deadline, not Gateway, ends the wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from clobconn.core.errors import ClobconnError
from clobconn.gateway.models import MalformedAnswer, Poll

logger = logging.getLogger(__name__)


class TransactionWatcher:
    def __init__(self, poll: Callable[[str], Awaitable[Poll]], first_interval: float, max_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._poll = poll
        self._first_interval = first_interval
        self._max_interval = max_interval
        self._clock = clock
        # Every signature being followed: recorded before the first poll, dropped at its verdict.
        self.unresolved: set[str] = set()

    async def follow(self, signature: str, deadline: float) -> Poll | None:
        """The confirming or failing poll of ``signature``, or None once ``deadline`` (on this watcher's
        clock) has passed without either."""
        self.unresolved.add(signature)
        interval = self._first_interval
        try:
            while True:
                try:
                    answer = await self._poll(signature)
                except (ClobconnError, MalformedAnswer) as exc:
                    logger.warning("polling %s failed (%s); polling on until its deadline", signature, exc)
                else:
                    if answer.status.is_final:
                        return answer
                    if answer.error:
                        logger.info("poll of %s: status %d, %s", signature, answer.status, answer.error)
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return None
                await asyncio.sleep(min(interval, remaining))
                interval = min(interval * 2, self._max_interval)
        finally:
            self.unresolved.discard(signature)
