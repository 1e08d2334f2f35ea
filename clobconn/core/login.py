"""What a refused private-stream login means: a stop, or a retry.

A user stream's ``connect_spec``/``on_open`` raises what ``login_refusal`` returns. The venue's code
goes through its error table, as any REST refusal does: a definite refusal of the credentials
(unknown key, bad signature, wrong passphrase, expired key) is an ``AuthenticationError``, which stops
the stream and surfaces from ``wait_ready()``, since no reconnect can mend it. Anything else (a busy
login service, a timeout, a code the table does not know) is a ``ConnectionError``: the stream
reconnects with its backoff.
"""

from __future__ import annotations

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
    answer = await connection.receive()
    if isinstance(answer, dict) and answer.get("event") == "login" and str(answer.get("code")) == "0":
        return
    code = answer.get("code") if isinstance(answer, dict) else None
    message = str(answer.get("msg", "")) if isinstance(answer, dict) else repr(answer)
    raise login_refusal(connector, table, code, message)
