"""Scripted answers to requests a client sends on a mock venue's socket (orders over a WebSocket trading API).

``MockVenue.on_ws_message`` answers every message on a path with one replier; a venue whose socket carries
both requests to script and messages the base routes already answer (Binance's WS-API takes the user
stream's subscription and ``order.place`` on one path) gets a ``WsRequestScript`` as that replier: each
request whose operation it knows is answered by that operation's next scripted responder (the last one
repeats, as ``MockVenue.route`` does), anything else by the fallback. A responder that returns no frame
leaves the request unanswered: the venue took it and stayed silent (a test then drops the socket).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A request -> the frames the venue answers it with.
WsResponder = Callable[[Any], list[Any]]


class WsRequestScript:
    def __init__(self, operation_of: Callable[[Any], str | None], fallback: WsResponder) -> None:
        self._operation_of = operation_of
        self._fallback = fallback
        self._responders: dict[str, list[WsResponder]] = {}
        self._served: dict[str, int] = {}
        # Every scripted request, in arrival order, by operation.
        self.requests: dict[str, list[Any]] = {}

    def serve(self, operation: str, *responders: WsResponder) -> None:
        """Answer the next requests of ``operation`` with ``responders`` in turn (the last one repeats)."""
        self._responders[operation] = list(responders)
        self._served[operation] = 0

    def sent(self, operation: str) -> list[Any]:
        return self.requests.get(operation, [])

    def __call__(self, message: Any) -> list[Any]:
        operation = self._operation_of(message)
        if operation is None:
            return self._fallback(message)
        self.requests.setdefault(operation, []).append(message)
        responders = self._responders.get(operation)
        if not responders:
            return []
        index = min(self._served[operation], len(responders) - 1)
        self._served[operation] += 1
        return responders[index](message)
