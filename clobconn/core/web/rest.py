"""The REST client: one aiohttp session per connector, throttled, signed, with typed errors."""

from __future__ import annotations

import logging
import math
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from clobconn.core.errors import (
    ClobconnError,
    ExchangeNotAvailable,
    InvalidTimestamp,
    MalformedResponse,
    MissingCredentials,
    RateLimitExceeded,
    RequestTimeout,
    VenueErrorTable,
    error_class_for,
    redact,
)
from clobconn.core.venue import RateLimitHeaders, RateLimitReset, ResetUnit
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.throttler import AsyncThrottler, PoolReport

logger = logging.getLogger(__name__)

T = TypeVar("T")
# What a connector's parsing of a venue's answer raises when the answer is not of the shape it documents.
PARSE_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, ArithmeticError)
# The last request this task had answered with success (and its status): the one whose answer is being read.
_last_answered: ContextVar[tuple[_Described, int] | None] = ContextVar("clobconn_last_answered", default=None)


async def read_answer(call: Awaitable[T]) -> T:
    """Await a connector's call (a request and the reading of its answer); an answer it could not read
    becomes ``MalformedResponse`` naming the request, instead of a bare KeyError or TypeError."""
    token = _last_answered.set(None)
    try:
        return await call
    except ClobconnError:
        raise
    except PARSE_ERRORS as exc:
        answered = _last_answered.get()
        request = answered[0].summary(answered[1]) if answered else None
        named = f"{request['method']} {request['path']}" if request else "a request"
        raise MalformedResponse(f"the venue's answer to {named} could not be read ({type(exc).__name__}: "
                                f"{str(exc)[:200]})", request=request) from exc
    finally:
        _last_answered.reset(token)

# Reads (status, decoded body) and returns (venue code, venue message) when the body is a refusal.
# Several venues answer HTTP 200 with an error code in the body, so this sees every response.
ErrorExtractor = Callable[[int, Any], "tuple[str | int | None, str] | None"]


def default_error_extractor(status: int, payload: Any) -> tuple[str | int | None, str] | None:
    if status < 400:
        return None
    if isinstance(payload, Mapping):
        code = payload.get("code")
        message = payload.get("msg") or payload.get("message") or ""
        return code, str(message)
    return None, str(payload)[:500]


class RestClient:
    def __init__(
        self,
        base_url: str,
        throttler: AsyncThrottler,
        auth: AuthBase | None = None,
        error_table: VenueErrorTable | None = None,
        error_extractor: ErrorExtractor = default_error_extractor,
        on_timestamp_error: Callable[[], Awaitable[None]] | None = None,
        timeout: float = 10.0,
        default_limit_id: str = "",
        rate_limit_resets: tuple[RateLimitReset, ...] = (RateLimitReset("Retry-After", ResetUnit.SECONDS),),
        rate_limit_headers: tuple[RateLimitHeaders, ...] = (),
        venue_time: Callable[[], float] = time.time,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.throttler = throttler
        self.auth = auth
        self._error_table = error_table or {}
        self._error_extractor = error_extractor
        self._on_timestamp_error = on_timestamp_error
        self._timeout = timeout
        self._default_limit_id = default_limit_id
        self._rate_limit_resets = rate_limit_resets
        self._rate_limit_headers = rate_limit_headers
        # The venue's clock in seconds, to read a reset given as a time rather than a wait.
        self._venue_time = venue_time
        # A service reached over TLS with its own CA or a client certificate (a Gateway's mutual TLS).
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The connector's one session, opened on first use and closed by ``close``."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self._ssl_context) if self._ssl_context is not None else None
            self._session = aiohttp.ClientSession(connector=connector,
                                                  json_serialize=lambda obj: orjson.dumps(obj).decode())
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None, data: Any = None,
                   path_values: Mapping[str, str] | None = None) -> Any:
        """Call an endpoint described as data: its method, path, signing, body encoding and rate-limit id.
        A path that names a resource (``/orders/{order_id}``, Bitstamp's ``/api/v2/buy/{pair}/``) is
        filled from ``path_values``, each value percent-encoded; the limit id stays the endpoint's, so
        every such path spends on the same pool."""
        path = endpoint.path
        if path_values:
            path = path.format_map({name: quote(value, safe="") for name, value in path_values.items()})
        return await self.request(endpoint.method, path, params=params, data=data, signed=endpoint.signed,
                                  limit_id=endpoint.limit_id, form=endpoint.form)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        signed: bool = False,
        limit_id: str | None = None,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        form: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """Send one request and return its decoded JSON body; refusals raise typed errors.

        A signed request refused for its timestamp is re-sent once after the clock is re-synced.
        """
        try:
            return await self._request_once(
                method, path, params, data, signed, limit_id, base_url, headers, form, timeout
            )
        except InvalidTimestamp:
            if not signed or self._on_timestamp_error is None:
                raise
            await self._on_timestamp_error()
            logger.info("timestamp refused on %s %s; the clock was re-synced, retrying once", method, path)
            return await self._request_once(
                method, path, params, data, signed, limit_id, base_url, headers, form, timeout
            )

    async def _request_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        data: Any,
        signed: bool,
        limit_id: str | None,
        base_url: str | None,
        headers: Mapping[str, str] | None,
        form: bool,
        timeout: float | None,
    ) -> Any:
        limit = limit_id or self._default_limit_id or path
        request = RestRequest(
            method=method.upper(),
            url=f"{(base_url or self.base_url).rstrip('/')}{path}",
            path=path,
            params=dict(params) if params else None,
            data=data,
            headers=dict(headers or {}),
            is_auth_required=signed,
            form=form,
            limit_id=limit,
        )
        # Described before signing, while params and body are still readable (and hold no signature).
        described = _Described(request)
        if signed:
            if self.auth is None:
                raise MissingCredentials(f"{method} {path} needs API credentials and none were configured",
                                         request=described.summary())
            request = self.auth.rest_authenticate(request)
        # Unsigned requests are finished the same way; for signed ones this returns what was signed.
        request.encode_for_signing()
        # The URL is marked encoded so that yarl does not re-normalise the query (it would turn a
        # signed "%2C" back into ","): the venue receives the very bytes that were signed.
        url = URL(request.url, encoded=True)
        await self.throttler.acquire(limit)
        total = timeout or self._timeout
        client_timeout = aiohttp.ClientTimeout(total=total, sock_connect=total)
        try:
            # Without a body aiohttp would add "Content-Type: application/octet-stream" on its own: a
            # venue that signs the content type (Bitstamp) refuses a bodiless request that carries one.
            no_body = ("Content-Type",) if request.data is None else None
            async with self.session.request(request.method, url, data=request.data, headers=request.headers,
                                            timeout=client_timeout, skip_auto_headers=no_body) as resp:
                status = resp.status
                body = await resp.read()
                reset_after = self._reset_after(resp.headers)
                if self._rate_limit_headers:
                    self._apply_rate_limit_headers(limit, resp.headers)
        except aiohttp.ConnectionTimeoutError as exc:
            # The connection never opened: the request certainly did not reach the venue.
            raise RequestTimeout(f"connecting for {method} {path} timed out", request_sent=False,
                                 request=described.summary()) from exc
        except TimeoutError as exc:
            raise RequestTimeout(f"{method} {path} timed out", request=described.summary()) from exc
        except aiohttp.ClientConnectorError as exc:
            raise ExchangeNotAvailable(
                f"cannot connect for {method} {path}: {exc.os_error}", request_sent=False,
                request=described.summary(),
            ) from exc
        except aiohttp.ClientError as exc:
            raise ExchangeNotAvailable(
                f"{method} {path} failed: {type(exc).__name__}", request=described.summary()
            ) from exc
        payload = _decode(body)
        refusal = self._error_extractor(status, payload)
        if refusal is None and status < 400:
            _last_answered.set((described, status))
            return payload
        code, message = refusal if refusal is not None else (None, str(payload)[:500])
        error_cls = error_class_for(self._error_table, code, message, status)
        summary = described.summary(status)
        if error_cls is RateLimitExceeded or status in (418, 429):
            # The venue's own reset hint when it gives one; a ban (418) without one lasts longer.
            pause = reset_after if reset_after is not None else (60.0 if status == 418 else 1.0)
            self.throttler.pause(limit, pause)
            raise RateLimitExceeded(
                f"rate limited on {method} {path}", retry_after=pause, venue_code=code, venue_message=message,
                request=summary,
            )
        raise _build_error(error_cls, f"{method} {path} refused: {message}", code, message, summary)

    def _reset_after(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the venue lifts a rate limit, from the first reset header it sent."""
        for reset in self._rate_limit_resets:
            value = headers.get(reset.header)
            if value is not None:
                wait = reset.seconds_from(value, self._venue_time())
                if wait is not None:
                    return wait
        return None

    def _apply_rate_limit_headers(self, limit_id: str, headers: Mapping[str, str]) -> None:
        """Hand the throttler what the venue's answer says about its pools."""
        for declared in self._rate_limit_headers:
            reset_in = None
            if declared.reset is not None and (value := headers.get(declared.reset.header)) is not None:
                reset_in = declared.reset.seconds_from(value, self._venue_time())
            limit = _header_number(headers, declared.limit)
            report = PoolReport(used=_header_number(headers, declared.used),
                                remaining=_header_number(headers, declared.remaining),
                                limit=int(limit) if limit is not None else None, reset_in=reset_in,
                                window=_header_number(headers, declared.window))
            if report != _NOTHING_REPORTED:
                self.throttler.apply_report(limit_id, declared.pool, report)


class _Described:
    """A request as errors name it: method, path and its parameters and body with credentials redacted.
    Copied before signing (shallowly: an auth that adds to the params in place adds nothing here) and
    redacted only when asked: most requests succeed, and redacting every one cost a few µs an order."""

    __slots__ = ("_data", "_method", "_params", "_path")

    def __init__(self, request: RestRequest) -> None:
        self._method, self._path = request.method, request.path
        self._params = dict(request.params) if request.params else None
        self._data = dict(request.data) if isinstance(request.data, Mapping) else None

    def summary(self, status: int | None = None) -> dict[str, Any]:
        summary: dict[str, Any] = {"method": self._method, "path": self._path}
        if self._params:
            summary["params"] = redact(self._params)
        if self._data is not None:
            summary["data"] = redact(self._data)
        if status is not None:
            summary["status"] = status
        return summary


_NOTHING_REPORTED = PoolReport()


def _header_number(headers: Mapping[str, str], name: str | None) -> float | None:
    """A rate-limit header's number; a value that is not a finite non-negative number is logged and
    ignored, so a garbled header never loosens or freezes a pool."""
    if name is None or (value := headers.get(name)) is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        logger.warning("ignoring the rate-limit header %s: %r is not a count", name, value[:50])
        return None
    return number


def _decode(body: bytes) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


def _build_error(
    cls: type[ClobconnError], text: str, code: str | int | None, message: str, request: dict[str, Any]
) -> ClobconnError:
    return cls(text, venue_code=code, venue_message=message, request=request)

