"""The typed error hierarchy.

Every error carries what the venue said (code and message) and the request that provoked it, with
secrets redacted, so a strategy can branch on the type and a log line still tells the whole story.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REDACTED = "***"
# Parts of header and parameter names whose values are credentials or signatures (lower-cased):
# matching by part covers every venue's spelling (X-MBX-APIKEY, OK-ACCESS-SIGN, KC-API-PASSPHRASE, ...).
SENSITIVE_PARTS = ("sign", "secret", "passphrase", "password", "apikey", "api-key", "api_key", "access-key",
                   "private", "token", "listenkey", "authorization", "mnemonic", "seed")
SENSITIVE_NAMES = frozenset({"key"})


def is_sensitive(name: str) -> bool:
    lowered = name.lower()
    return lowered in SENSITIVE_NAMES or lowered.endswith("-key") or any(p in lowered for p in SENSITIVE_PARTS)


def redact(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``mapping`` with credential-bearing values replaced, at any depth."""
    if not mapping:
        return {}
    return {k: (REDACTED if is_sensitive(str(k)) else _redact_value(v)) for k, v in mapping.items()}


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


class ClobconnError(Exception):
    """The root of every error clobconn raises."""

    def __init__(
        self,
        message: str = "",
        *,
        venue_code: str | int | None = None,
        venue_message: str | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        self.venue_code = venue_code
        self.venue_message = venue_message
        # Only a redacted summary of the request is kept: the object can be logged as it is.
        self.request = redact(request)
        super().__init__(message or venue_message or self.__class__.__name__)

    def __str__(self) -> str:
        text = super().__str__()
        if self.venue_code is not None and str(self.venue_code) not in text:
            text = f"{text} (venue code {self.venue_code})"
        if self.request.get("method") and self.request.get("path"):
            text = f"{text} [{self.request['method']} {self.request['path']}]"
        return text


class NetworkError(ClobconnError):
    """A failure that may succeed when retried.

    ``request_sent`` is False only when the request certainly never reached the venue (the
    connection could not be opened); an order placement that fails that way is known not placed.
    """

    def __init__(self, message: str = "", *, request_sent: bool = True, **kwargs: Any) -> None:
        self.request_sent = request_sent
        super().__init__(message, **kwargs)


class RequestTimeout(NetworkError):
    pass


class ExchangeNotAvailable(NetworkError):
    pass


class MalformedResponse(NetworkError):
    """The venue answered with success, but the answer could not be read (an HTML page, an empty body, JSON
    of another shape): what the request asked for may have happened, so its outcome is unknown."""


class RateLimitExceeded(NetworkError):
    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ExchangeError(ClobconnError):
    """The venue understood the request and refused it."""


class AuthenticationError(ExchangeError):
    pass


class MissingCredentials(AuthenticationError):
    """A private call was attempted without the credentials it needs; nothing was sent."""


class InvalidCredentials(AuthenticationError):
    """The configured credentials cannot be used (an unreadable or unsupported private key); nothing was sent."""


class MissingExtra(ClobconnError):
    """A feature needs an optional dependency that is not installed; the message names the extra."""


class PermissionDenied(ExchangeError):
    pass


class InsufficientFunds(ExchangeError):
    pass


class InsufficientAllowance(InsufficientFunds):
    """A wallet venue settles from the wallet through an ERC-20 allowance, and the token's is too low.

    Approving spends gas and is never done behind the user's back: the message says how to do it.
    """

    def __init__(self, message: str = "", **kwargs: Any) -> None:
        super().__init__(f"{message or 'insufficient allowance'}: approve the token for the venue's contract "
                         "first (connector.approve_token(token, amount))", **kwargs)


class BadRequest(ExchangeError):
    """The request is malformed: a parameter missing, of the wrong type or format, or out of range.

    Unlike ``InvalidOrder`` (a well-formed order that breaks a rule), this says nothing about the
    order itself; it covers calls that place no order too (leverage, position mode).
    """


class InvalidOrder(ExchangeError):
    """The order breaks a rule: refused by the venue, or before sending by the connector."""


class InvalidArgument(BadRequest):
    """An argument of a public call refused before anything was sent.

    ``field`` names the argument, ``value`` is what was given and ``allowed`` what would have been
    accepted, where that is a short list (an enum's members).
    """

    def __init__(self, message: str, *, field: str, value: object = None,
                 allowed: tuple[str, ...] | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(message)


class InvalidOrderArgument(InvalidArgument, InvalidOrder):
    """An order's argument refused before anything was sent: both a ``BadRequest`` and an ``InvalidOrder``."""


class OrderRuleViolation(InvalidOrder):
    """The order breaks one of the pair's trading rules; raised before anything is sent."""

    def __init__(self, message: str, *, trading_pair: str, rule: str, value: object = None,
                 limit: object = None) -> None:
        self.trading_pair = trading_pair
        self.rule = rule
        self.value = value
        self.limit = limit
        super().__init__(message)


class OrderNotFound(InvalidOrder):
    pass


class DuplicateClientOrderId(InvalidOrder):
    pass


class OrderRejected(InvalidOrder):
    pass


class BadSymbol(BadRequest):
    """An unknown trading pair or venue symbol."""


class NotSupported(ExchangeError):
    pass


class InvalidTimestamp(ExchangeError):
    """The venue refused the request's timestamp: the clock offset needs a re-sync."""


class OrderOutcomeUnknown(ClobconnError):
    """A placement was sent but its result never arrived; the order is reconciled by client id."""

    def __init__(self, client_order_id: str, message: str = "", **kwargs: Any) -> None:
        self.client_order_id = client_order_id
        super().__init__(message or f"outcome of order {client_order_id} unknown", **kwargs)





class ErrorRule:
    """One venue code whose meaning depends on the message (Binance -2010 covers several refusals).

    ``by_message`` is checked in order against the venue's message, lower-cased; ``default`` applies
    when none matches.
    """

    __slots__ = ("by_message", "default")

    def __init__(self, default: type[ClobconnError], *by_message: tuple[str, type[ClobconnError]]) -> None:
        self.default = default
        self.by_message = tuple((text.lower(), cls) for text, cls in by_message)

    def resolve(self, message: str) -> type[ClobconnError]:
        lowered = message.lower()
        for text, cls in self.by_message:
            if text in lowered:
                return cls
        return self.default


VenueErrorTable = Mapping[str, "type[ClobconnError] | ErrorRule"]


def error_class_for(
    table: VenueErrorTable, code: str | int | None, message: str, status: int
) -> type[ClobconnError]:
    """The typed error for a venue refusal: the venue's code first, then the HTTP status."""
    if code is not None:
        entry = table.get(str(code))
        if entry is not None:
            return entry.resolve(message) if isinstance(entry, ErrorRule) else entry
    if status in (418, 429):
        return RateLimitExceeded
    if status >= 500:
        return ExchangeNotAvailable
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDenied
    return ExchangeError


def refusal_error(table: VenueErrorTable, code: str | int | None, message: str, what: str,
                  status: int = 400) -> ClobconnError:
    """The typed error for one refusal inside an answer that succeeded as a whole (a batch's item):
    ``what`` says what was refused ("batch order refused")."""
    error_cls = error_class_for(table, code, message, status)
    return error_cls(f"{what}: {message or code}", venue_code=code, venue_message=message)
