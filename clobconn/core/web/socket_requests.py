"""Requests sent on a stream's socket whose answers come back among the stream's messages.

Some venues take orders on a socket rather than over HTTP (Cube's order service, ``/os``): a request
goes out with an id, and the venue's answer, which echoes that id, arrives on the same socket as
everything else the stream carries. ``SocketRequests`` pairs the two. The connector sends with
``request(key, payload)`` and awaits; the stream's parser hands each answer to ``answer(key, message)``.

The outcomes map onto the core's placement rules (``core/orders/lifecycle.py``): no live socket means
the request was never sent (``NetworkError(request_sent=False)``: the order is known not placed); a
socket that closes, or a venue that stays silent past ``timeout``, after the request went out is an
unknown outcome (``RequestTimeout(request_sent=True)``: the order is looked up, never re-sent).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from clobconn.core.errors import NetworkError, RequestTimeout

# Sends one frame on the live socket; False when there is none (nothing was sent).
Sender = Callable[[Any], Awaitable[bool]]


class SocketRequests:
    def __init__(self, name: str, send: Sender, timeout: float) -> None:
        self.name = name
        self.timeout = timeout
        self._send = send
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}
        # Request ids start at the clock in milliseconds, so a restarted process never repeats one
        # the venue may still echo from before.
        self._ids = itertools.count(int(time.time() * 1000))

    def next_id(self) -> int:
        """A request id unique in this process and beyond its restarts."""
        return next(self._ids)

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def request(self, key: Hashable, payload: Any, what: str) -> Any:
        """Send ``payload`` and return the answer given for ``key`` (``what`` names it in errors)."""
        if key in self._pending:
            raise ValueError(f"{self.name}: a request {key!r} is already waiting for its answer")
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = answer
        try:
            try:
                sent = await self._send(payload)
            except (ConnectionError, RuntimeError) as exc:
                # The socket failed while writing: the frame may or may not have left.
                raise RequestTimeout(f"{self.name}: {what}: the socket failed while sending ({exc})",
                                     request_sent=True) from exc
            if not sent:
                raise NetworkError(f"{self.name}: {what} not sent: the socket is not connected", request_sent=False)
            try:
                async with asyncio.timeout(self.timeout):
                    return await answer
            except TimeoutError:
                raise RequestTimeout(f"{self.name}: no answer to {what} within {self.timeout:g}s",
                                     request_sent=True) from None
        finally:
            if self._pending.get(key) is answer:
                del self._pending[key]

    def answer(self, key: Hashable, message: Any) -> bool:
        """Hand the venue's answer to whoever waits for ``key``; False when nobody does (an answer after
        its request timed out, or to a request another session made)."""
        waiting = self._pending.get(key)
        if waiting is None or waiting.done():
            return False
        waiting.set_result(message)
        return True

    def connection_lost(self) -> None:
        """The socket closed: no answer to what it carried will ever come on it. Each waiting request
        ends as an unknown outcome at once rather than at its timeout."""
        for key, waiting in list(self._pending.items()):
            if not waiting.done():
                waiting.set_exception(RequestTimeout(
                    f"{self.name}: the socket closed before the answer to request {key!r}", request_sent=True))
