"""Gateway's refusals as typed errors: its ``code`` first, then the HTTP status with the message.

Gateway's error body is ``{statusCode, error, message, code?}``. Gateway 2.13 sends one code
(TRANSACTION_TIMEOUT); the others Hummingbot expects are mapped ahead of their use. Without a code the
status stands in for it (``venue_code`` is then "400", "404", ...), refined by the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clobconn.core.errors import (
    BadRequest,
    ErrorRule,
    ExchangeError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    RateLimitExceeded,
    VenueErrorTable,
)


class InsufficientAllowance(InvalidOrder):
    """An EVM token's allowance for the DEX's spender is below the swap: ``approve()`` it first."""


class SlippageExceeded(InvalidOrder):
    """The swap would (or did, on chain) move the price past the slippage bound."""


class NoPoolOrRoute(InvalidOrder):
    """Gateway knows no pool or route for the pair on this DEX and network."""


class QuoteExpired(InvalidOrder):
    """A router quote id Gateway no longer holds (quotes live in its memory for a short time)."""


class InvalidRequest(BadRequest):
    """Gateway's schema validation refused the request (a missing or ill-typed parameter)."""


class GatewayUnavailable(ExchangeNotAvailable):
    """Gateway does not answer, or answers with a server error."""


class TransactionTimeout(ExchangeError):
    """Gateway sent the transaction and gave up waiting for its confirmation (504 TRANSACTION_TIMEOUT):
    its outcome is unknown, never a failure to retry."""


class GatewayStartError(ExchangeError):
    """``start()`` found Gateway unusable for this configuration; the message says what is missing."""


# What a 400 or 500 says in its message alone (Gateway 2.13 sends no code for these), lower-cased.
_MESSAGE_RULES: tuple[tuple[str, type[ExchangeError]], ...] = (
    ("insufficient allowance", InsufficientAllowance),
    ("slippage", SlippageExceeded),
    ("insufficient funds", InsufficientFunds),
    ("insufficient balance", InsufficientFunds),
    ("quote not found or expired", QuoteExpired),
    ("no amm pool", NoPoolOrRoute),
    ("no pool", NoPoolOrRoute),
    ("no route", NoPoolOrRoute),
    ("pool not found", NoPoolOrRoute),
)

ERROR_TABLE: VenueErrorTable = {
    "TRANSACTION_TIMEOUT": TransactionTimeout,
    "SIMULATION_FAILED": ErrorRule(InvalidOrder, *_MESSAGE_RULES),
    "SLIPPAGE_EXCEEDED": SlippageExceeded,
    "INSUFFICIENT_BALANCE": InsufficientFunds,
    "INVALID_PARAMS": InvalidRequest,
    "NO_ROUTE_FOUND": NoPoolOrRoute,
    "400": ErrorRule(InvalidRequest, *_MESSAGE_RULES),
    "404": ErrorRule(NoPoolOrRoute, *_MESSAGE_RULES),
    # The REST client raises RateLimitExceeded itself on a 429, and pauses for its Retry-After.
    "429": RateLimitExceeded,
    # A 500 that names its cause is that cause (an EVM revert for slippage); any other is Gateway's own
    # failure, whose effect on chain is unknown.
    "500": ErrorRule(GatewayUnavailable, *_MESSAGE_RULES),
    "502": GatewayUnavailable,
    "503": GatewayUnavailable,
    "504": GatewayUnavailable,
}


def extract_gateway_error(status: int, payload: Any) -> tuple[str | int | None, str] | None:
    """(code, message) of a Gateway refusal: its ``code`` when it sends one, else the HTTP status.
    A body that is not Gateway's JSON (a proxy's HTML page) keeps its first characters as the message."""
    if status < 400:
        return None
    if isinstance(payload, Mapping):
        code = payload.get("code") or str(status)
        message = str(payload.get("message") or payload.get("error") or "")
        return code, message
    return str(status), str(payload)[:300]
