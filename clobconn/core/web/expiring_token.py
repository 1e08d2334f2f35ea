"""A credential the venue issues for a limited time: fetched on demand, cached, renewed before it ends.

Some venues authenticate private channels with a token from a signed REST call rather than a login
frame (Bitstamp's ``websockets_token`` answers ``token``, ``valid_sec`` and ``user_id``). The token is
good for a stated time, so fetching one per use wastes calls and keeping one forever fails once it
lapses. ``ExpiringToken`` holds the rule once: ``get()`` returns the cached token while it has more
than ``renew_margin`` of its validity left, else fetches a fresh one (concurrent callers share that
fetch); ``drop()`` forgets it, for when the venue refuses it. No network code: the fetch is given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What the venue issued: the token, for how many seconds it is valid, and anything issued with it."""

    value: str = field(repr=False)
    valid_for: float
    # Values the venue returns with the token (Bitstamp's user_id, which private channel names carry).
    extras: Mapping[str, Any] = field(default_factory=dict)


class ExpiringToken:
    """One cached venue token, renewed ``renew_margin`` seconds (or a fifth of its life, if shorter)
    before its stated validity ends."""

    def __init__(self, fetch: Callable[[], Awaitable[IssuedToken]], renew_margin: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._renew_margin = renew_margin
        self._clock = clock
        self._token: IssuedToken | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"ExpiringToken(cached={self._token is not None})"

    @property
    def fresh(self) -> bool:
        """Whether the cached token may still be used without renewing it."""
        return self._cached() is not None

    def _cached(self) -> IssuedToken | None:
        return self._token if self._clock() < self._renew_at else None

    async def get(self) -> IssuedToken:
        """The cached token while it is fresh, else a newly fetched one; a failed fetch raises."""
        token = self._cached()
        if token is not None:
            return token
        async with self._lock:
            # Another caller may have fetched it while this one waited for the lock.
            token = self._cached()
            if token is not None:
                return token
            fetched_at = self._clock()
            token = await self._fetch()
            self.fetches += 1
            # Counted from before the request went out: the venue's clock started no later than that.
            margin = min(self._renew_margin, token.valid_for / 5)
            self._token, self._renew_at = token, fetched_at + token.valid_for - margin
            return token

    def drop(self) -> None:
        """Forget the token (the venue refused it): the next ``get()`` fetches a new one."""
        self._token = None
        self._renew_at = 0.0
