"""The sockets of one public stream: which pairs each carries, and when a socket is due for replacement.

A venue may cap the subscriptions on one socket and close a socket after a fixed lifetime
(``OrderBookDataSource.max_subscriptions_per_socket`` and ``max_socket_lifetime``). The tracker
keeps a pool of ``PooledSocket`` per stream; this module holds the pool's bookkeeping, with no I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from clobconn.core.web.ws import StreamRunner

# A socket is replaced at this share of its lifetime: early enough that the replacement connects,
# subscribes and takes over every book well before the venue closes the old one.
ROLLOVER_AT = 0.8
# Pairs whose books have not moved to the replacement by this share of the lifetime are moved
# anyway (a quiet pair sends nothing to hand over on); the sequence check still guards them.
FORCE_HANDOVER_AT = 0.95


@dataclass(eq=False)
class PooledSocket:
    """One socket of a stream: the pairs subscribed on it and the runner that keeps it open."""

    stream: str
    name: str
    pairs: list[str]
    # Set just after the socket is made: the runner's callbacks need the socket.
    runner: StreamRunner = field(init=False)
    task: asyncio.Task[None] | None = None
    # Sleeps out the socket's lifetime, then starts and ends its rollover.
    lifetime_timer: asyncio.Task[None] | None = None
    # During a rollover: the socket this one replaces, or the one replacing it.
    replaces: PooledSocket | None = None
    replaced_by: PooledSocket | None = None
    # Closed for good: its disconnect is no loss and its messages are nobody's.
    retired: bool = False
    # The connection-wide number of the last frame (venues with sequenced_connections); None on a fresh connection.
    last_sequence: int | None = None

    @property
    def retiring(self) -> bool:
        return self.retired or self.replaced_by is not None


def pair_capacity(max_subscriptions: int | None, subscriptions_per_pair: int) -> int | None:
    """How many pairs fit on one socket, or None when the venue sets no cap."""
    if max_subscriptions is None:
        return None
    capacity = max_subscriptions // max(1, subscriptions_per_pair)
    if capacity < 1:
        raise ValueError(
            f"a socket takes {max_subscriptions} subscriptions but one pair needs {subscriptions_per_pair}"
        )
    return capacity


def chunked(pairs: Sequence[str], capacity: int | None) -> Iterator[list[str]]:
    """``pairs`` in socket-sized groups, in order."""
    if capacity is None:
        yield list(pairs)
        return
    for start in range(0, len(pairs), capacity):
        yield list(pairs[start:start + capacity])


def socket_with_room(pool: Sequence[PooledSocket], capacity: int | None) -> PooledSocket | None:
    """The first socket that may take one more pair (never one being replaced), or None."""
    for socket in pool:
        if not socket.retiring and (capacity is None or len(socket.pairs) < capacity):
            return socket
    return None
