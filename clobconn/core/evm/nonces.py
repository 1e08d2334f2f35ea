"""One nonce sequence per wallet, for every transaction it sends, however many are sent at once.

The first nonce is read from the node's pending count, so a restart goes on where the chain (and its
pool) is; from then on nonces are handed out under a lock held from the nonce's choice until the node
has taken or refused the transaction, so that two concurrent orders never sign the same nonce and
never reach the node out of order. A transaction the node refused gives its nonce back by reading
the count again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

logger = logging.getLogger(__name__)


class NonceManager:
    def __init__(self, address: str, pending_count: Callable[[], Awaitable[int]]) -> None:
        self.address = address
        self._pending_count = pending_count
        self._next: int | None = None
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def next_nonce(self) -> AsyncIterator[int]:
        """The nonce to sign with, held until the block ends.

        A block that ends normally has handed the transaction to the node: the nonce is spent. One
        that raises leaves the sequence to be read again from the node before the next transaction,
        because whether the node kept it is the node's to say.
        """
        async with self._lock:
            if self._next is None:
                self._next = await self._pending_count()
                logger.info("wallet %s: next nonce %d, from the node", self.address, self._next)
            nonce = self._next
            try:
                yield nonce
            except BaseException:
                self._next = None
                raise
            self._next = nonce + 1

    def forget(self) -> None:
        """Read the sequence from the node again before the next transaction."""
        self._next = None
