"""What a refused private-stream login means: a stop, or a retry.

A user stream's ``connect_spec``/``on_open`` raises what ``login_refusal`` returns. The venue's code
goes through its error table, as any REST refusal does: a definite refusal of the credentials
(unknown key, bad signature, wrong passphrase, expired key) is an ``AuthenticationError``, which stops
the stream and surfaces from ``wait_ready()``, since no reconnect can mend it. Anything else (a busy
login service, a timeout, a code the table does not know) is a ``ConnectionError``: the stream
reconnects with its backoff.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from clobconn.core.errors import AuthenticationError, VenueErrorTable, error_class_for
from clobconn.core.web.ws import WSConnection


def login_refusal(connector: str, table: VenueErrorTable, code: str | int | None, message: str,
                  status: int = 200) -> AuthenticationError | ConnectionError:
    """The exception a refused login raises: ``code``/``message`` as the venue answered, ``status``
    the HTTP status where the login went over REST (a listen key, a token)."""
    text = f"{connector}: private stream login refused: {code} {message}".rstrip()
    error_cls = error_class_for(table, code, message, status)
    if issubclass(error_cls, AuthenticationError):
        return error_cls(text, venue_code=code, venue_message=message)
    return ConnectionError(f"{text} (not a credential refusal: reconnecting)")


async def login_op(connection: WSConnection, frame: Any, connector: str, table: VenueErrorTable) -> None:
    """Send a ``login`` op and wait for its answer, as OKX and Bitget want before any private channel
    may be subscribed: ``{"event": "login", "code": "0"}`` is success; anything else (``{"event":
    "error", "code": ...}``) raises what ``login_refusal`` makes of the venue's code."""
    await connection.send(frame)
    answer = await receive_answer(connection, lambda message: isinstance(message, dict) and "event" in message)
    if isinstance(answer, dict) and answer.get("event") == "login" and str(answer.get("code")) == "0":
        return
    code = answer.get("code") if isinstance(answer, dict) else None
    message = str(answer.get("msg", "")) if isinstance(answer, dict) else repr(answer)
    raise login_refusal(connector, table, code, message)


async def receive_answer(connection: WSConnection, is_answer: Callable[[Any], bool],
                         reply_to: Callable[[Any], Any | None] | None = None, timeout: float = 10.0) -> Any:
    """The venue's answer to what ``on_open`` just sent (a login): frames are read until ``is_answer``
    takes one. The venue's pings that come first are answered (``reply_to``, its heartbeat's) and
    anything else before the answer (a greeting) is passed over; no answer within ``timeout`` raises
    TimeoutError, and the stream reconnects."""
    async with asyncio.timeout(timeout):
        while True:
            message = await connection.receive()
            if is_answer(message):
                return message
            pong = reply_to(message) if reply_to is not None else None
            if pong is not None:
                await connection.send(pong)
