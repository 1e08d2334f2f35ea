"""The AlphaPoint message frame NDAX speaks on its WebSocket gateway: ``{"m", "i", "n", "o"}``.

https://apidoc.ndax.io/#message-frame and https://github.com/NDAXlO/ndax-api-documentation#websocket-api:
``m`` is the message type, ``i`` the sequence number of the request (the client numbers its
requests with even numbers and the reply echoes the number), ``n`` the function name and ``o`` the
payload, itself JSON encoded as a string inside the frame.
"""

from __future__ import annotations

import itertools
from enum import IntEnum
from typing import Any, NamedTuple

import orjson

from clobconn.core.web.ws import Heartbeat


class MessageType(IntEnum):
    REQUEST = 0
    REPLY = 1
    SUBSCRIBE = 2
    EVENT = 3
    UNSUBSCRIBE = 4
    ERROR = 5


class Frame(NamedTuple):
    kind: MessageType
    sequence: int
    function: str
    payload: Any


class RequestNumbers:
    """The ``i`` of the client's frames: 2, 4, 6... (even, never 0), one counter per connector role."""

    def __init__(self) -> None:
        self._next = itertools.count(2, 2)

    def __call__(self) -> int:
        return next(self._next)


def request_frame(sequence: int, function: str, payload: Any) -> dict[str, Any]:
    """A request frame; ``o`` is the payload's JSON text, as the gateway requires."""
    return {"m": int(MessageType.REQUEST), "i": sequence, "n": function, "o": orjson.dumps(payload).decode()}


def read_frame(message: Any) -> Frame | None:
    """A frame received from the gateway, its ``o`` decoded; None for anything that is not a frame.

    Some replies carry plain text in ``o`` (an error's description): that text is the payload then.
    """
    if not isinstance(message, dict):
        return None
    kind, sequence, function, raw = message.get("m"), message.get("i"), message.get("n"), message.get("o")
    if not (type(kind) is int and MessageType.REQUEST <= kind <= MessageType.ERROR and type(sequence) is int
            and isinstance(function, str)):
        return None
    payload: Any = raw
    if isinstance(raw, str) and raw:
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            payload = raw
    return Frame(MessageType(kind), sequence, function, payload)


def heartbeat(numbers: RequestNumbers) -> Heartbeat:
    """The gateway's keepalive: a ``Ping`` request every 15 s, whose reply (m 1, n "Ping") is the pong."""
    return Heartbeat(app_ping=15.0, app_ping_payload=lambda: request_frame(numbers(), "Ping", {}),
                     is_pong=_is_ping_reply, idle_timeout=60.0)


def _is_ping_reply(message: Any) -> bool:
    return isinstance(message, dict) and message.get("n") == "Ping" and message.get("m") == MessageType.REPLY
