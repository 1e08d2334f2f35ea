"""JSON-RPC 2.0 as venues serve it over HTTP POST and on their sockets (Derive): answers that carry a
``result`` or an ``error`` object, and the ``subscription`` notifications a socket pushes.

https://www.jsonrpc.org/specification. An error is ``{"code": int, "message": str, "data": any}``;
``data`` often names what was wrong (the offending field), so the message read here carries it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clobconn.core.errors import ExchangeError


def rpc_error(payload: Any) -> tuple[int | str | None, str] | None:
    """(code, message and data) of an answer's ``error`` object; None when the answer has none."""
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    message = " ".join(str(part) for part in (error.get("message"), error.get("data")) if part)
    return error.get("code"), message


def rpc_result(payload: Any, what: str) -> Any:
    """An answer's ``result``; an answer without one (and without an error, which the caller has
    already raised) is malformed."""
    if not isinstance(payload, Mapping) or "result" not in payload:
        raise ExchangeError(f"{what} answered without a result")
    return payload["result"]


def subscription_push(message: Any, method: str = "subscription") -> tuple[str, Any] | None:
    """(channel, data) of a notification ``{"method": "subscription", "params": {"channel", "data"}}``;
    None for anything else (answers to requests, errors)."""
    if not isinstance(message, Mapping) or message.get("method") != method:
        return None
    params = message.get("params")
    if not isinstance(params, Mapping) or not isinstance(params.get("channel"), str):
        return None
    return params["channel"], params.get("data")
