"""What the sandbox's Binance spot and USD-M protocols share: request security, errors, number
strings, parameter parsing and the WebSocket plumbing (live sockets, outboxes, market-stream fan-out).

Request security follows https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security
(the USD-M futures rules are the same): HMAC-SHA256 in hex over the query string concatenated with
the body, the key in the X-MBX-APIKEY header, and ``timestamp`` within ``recvWindow`` (at most
60000 ms) behind the server's clock and at most 1000 ms ahead of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import string
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

from clobconn.sandbox import socket_faults
from clobconn.sandbox.engine import Engine, EngineOrder, EngineReject, Fill, MarketSpec, OrderStatus

logger = logging.getLogger(__name__)

API_KEY_HEADER = "X-MBX-APIKEY"
DEFAULT_RECV_WINDOW_MS = 5000
MAX_RECV_WINDOW_MS = 60_000
# A request stamped further ahead of the server's clock than this is refused.
MAX_AHEAD_MS = 1000
# Binance pings its sockets every 20 s (spot) and 3 min (futures); clients answer with pongs.
SERVER_PING_SECONDS = 20.0

E = TypeVar("E", bound=StrEnum)


class BinanceApiError(Exception):
    """A refusal, answered as Binance does: an HTTP status and ``{"code", "msg"}`` (plus ``data`` for
    cancel-replace)."""

    def __init__(self, status: int, code: int, msg: str, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        self.status = status
        self.code = code
        self.msg = msg
        self.data = data

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "msg": self.msg}
        if self.data is not None:
            body["data"] = self.data
        return body


# https://developers.binance.com/docs/binance-spot-api-docs/errors (same codes on USD-M futures)
def bad_signature() -> BinanceApiError:
    return BinanceApiError(400, -1022, "Signature for this request is not valid.")


def stale_timestamp() -> BinanceApiError:
    return BinanceApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")


def early_timestamp() -> BinanceApiError:
    return BinanceApiError(400, -1021, f"Timestamp for this request was {MAX_AHEAD_MS}ms ahead of the server's time.")


def unknown_api_key() -> BinanceApiError:
    return BinanceApiError(401, -2015, "Invalid API-key, IP, or permissions for action.")


def malformed_api_key() -> BinanceApiError:
    return BinanceApiError(401, -2014, "API-key format invalid.")


def missing_parameter(name: str) -> BinanceApiError:
    return BinanceApiError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def illegal_parameter(name: str) -> BinanceApiError:
    return BinanceApiError(400, -1100, f"Illegal characters found in parameter '{name}'; "
                                       "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.")


def engine_refusal(reject: EngineReject) -> BinanceApiError:
    """Every engine refusal (filters, balance, unknown order...) is an HTTP 400 on Binance."""
    return BinanceApiError(400, reject.code, reject.message)


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


@web.middleware
async def binance_errors(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Turn refusals raised anywhere in a handler into Binance's error responses."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except BinanceApiError as exc:
        return json_response(exc.body(), exc.status)
    except EngineReject as exc:
        refusal = engine_refusal(exc)
        return json_response(refusal.body(), refusal.status)
    except web.HTTPException:
        raise  # aiohttp's own answers (404 for an unknown path, 405...)
    except Exception:
        # A sandbox bug: log it, and answer as Binance does when it fails inside.
        logger.exception("sandbox: %s %s failed", request.method, request.path)
        return json_response({"code": -1000, "msg": "An unknown error occurred while processing the request."}, 500)


# -- numbers ---------------------------------------------------------------------------------------

def places_of(increment: Decimal) -> int:
    """Decimal places of a tick or step size: 0.01 -> 2, 1 -> 0."""
    exponent = increment.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fixed(value: Decimal, places: int) -> str:
    """Binance's fixed-point string ("0.00100000" with 8 places). A value with more places keeps them
    all: a string must never round away what the engine booked."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return format(value.normalize(), "f")
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def levels(rows: Iterable[tuple[Decimal, Decimal]], price_places: int, qty_places: int) -> list[list[str]]:
    return [[fixed(price, price_places), fixed(qty, qty_places)] for price, qty in rows]


def stream_names(request: web.Request) -> list[str]:
    """The streams a socket's URL names: ``/ws/<stream>`` or ``/stream?streams=<a>/<b>``."""
    named = request.match_info.get("stream") or request.query.get("streams", "")
    return [name for name in named.split("/") if name]


def new_client_order_id() -> str:
    """An id like the ones Binance makes up when a request names none (22 letters and digits)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(22))


# -- parameters ------------------------------------------------------------------------------------

def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise missing_parameter(name)
    return value


def decimal_param(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise illegal_parameter(name) from None
    if not value.is_finite() or value < 0:
        raise illegal_parameter(name)
    return value


def int_param(params: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BinanceApiError(400, -1100, f"Illegal characters found in parameter '{name}'; "
                                          "legal range is '^[0-9]{1,20}$'.") from None


def bool_param(params: Mapping[str, str], name: str) -> bool:
    return params.get(name, "false").lower() == "true"


def enum_param(params: Mapping[str, str], name: str, enum: type[E], code: int, message: str) -> E:
    """An enum parameter; Binance has a code per enum (-1117 "Invalid side.", -1115 "Invalid timeInForce.")."""
    raw = required(params, name)
    try:
        return enum(raw)
    except ValueError:
        raise BinanceApiError(400, code, message) from None


def limit_param(params: Mapping[str, str], default: int, maximum: int) -> int:
    """``limit``: the default when absent, capped at the endpoint's maximum (Binance truncates)."""
    return max(1, min(int_param(params, "limit", default) or default, maximum))


def order_reference(params: Mapping[str, str], prefix: str = "") -> tuple[int | None, str | None]:
    """(orderId, origClientOrderId) naming an order; cancelReplace spells them ``cancelOrderId``..."""
    id_name, client_name = ((f"{prefix}OrderId", f"{prefix}OrigClientOrderId") if prefix
                            else ("orderId", "origClientOrderId"))
    order_id, client_id = int_param(params, id_name), params.get(client_name) or None
    if order_id is None and client_id is None:
        raise BinanceApiError(400, -1102, f"Param '{client_name}' or '{id_name}' must be sent, "
                                          "but both were empty/null!")
    return order_id, client_id


def select_fills(fills: Iterable[Fill], params: Mapping[str, str]) -> list[Fill]:
    """The account-trade-list filters: startTime, endTime, fromId, then limit (500, at most 1000)."""
    start, end, from_id = int_param(params, "startTime"), int_param(params, "endTime"), int_param(params, "fromId")
    chosen = [fill for fill in fills
              if (start is None or fill.time_ms >= start) and (end is None or fill.time_ms <= end)
              and (from_id is None or fill.trade_id >= from_id)]
    return chosen[:limit_param(params, 500, 1000)]


# -- order events ----------------------------------------------------------------------------------

OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
# The execution type ("x") of a user-stream order event that carries no fill.
_EXECUTION_TYPES = {
    OrderStatus.NEW: "NEW",
    OrderStatus.CANCELED: "CANCELED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.REJECTED: "REJECTED",
}


def execution_type(order: EngineOrder, fill: Fill | None) -> str | None:
    """"TRADE" for a fill, else what the status change was; None for a change streams do not report."""
    if fill is not None:
        return "TRADE"
    execution = _EXECUTION_TYPES.get(order.status)
    if execution is None:
        logger.debug("order %s: %s without a fill is not reported", order.order_id, order.status)
    return execution


# -- request security ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ApiCredential:
    api_key: str
    api_secret: str = field(repr=False)
    account: str


def hmac_hex(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _without_signature(raw: str) -> tuple[str, str | None]:
    """The signed payload (the raw string minus its ``signature=`` piece) and that signature."""
    kept: list[str] = []
    signature: str | None = None
    for piece in raw.split("&") if raw else ():
        if piece.startswith("signature="):
            signature = piece.removeprefix("signature=")
        else:
            kept.append(piece)
    return "&".join(kept), signature


class RequestVerifier:
    """Checks API keys, HMAC signatures and timestamps the way Binance does, against the sandbox's keys."""

    def __init__(self, credentials: Iterable[ApiCredential], clock_ms: Callable[[], int]) -> None:
        self._by_key = {credential.api_key: credential for credential in credentials}
        self._clock_ms = clock_ms

    def credential_for_key(self, api_key: str | None) -> ApiCredential:
        if not api_key:
            raise malformed_api_key()
        credential = self._by_key.get(api_key)
        if credential is None:
            raise unknown_api_key()
        return credential

    def key_only(self, request: web.Request) -> str:
        """The account of a key-only (USER_STREAM) request: the header, no signature."""
        return self.credential_for_key(request.headers.get(API_KEY_HEADER)).account

    async def signed(self, request: web.Request) -> tuple[str, dict[str, str]]:
        """The account and parameters of a SIGNED request, or the refusal Binance would give."""
        credential = self.credential_for_key(request.headers.get(API_KEY_HEADER))
        raw_query = request.rel_url.raw_query_string
        raw_body = await request.text() if request.body_exists else ""
        query_payload, query_signature = _without_signature(raw_query)
        body_payload, body_signature = _without_signature(raw_body)
        # The query string wins when a parameter is in both (Binance's rule).
        params = dict(parse_qsl(raw_body, keep_blank_values=True)) | dict(request.rel_url.query)
        signature = query_signature or body_signature
        if signature is None:
            raise missing_parameter("signature")
        # totalParams: the query string concatenated with the body, exactly as sent.
        expected = hmac_hex(credential.api_secret, query_payload + body_payload)
        if not hmac.compare_digest(expected, signature.lower()):
            raise bad_signature()
        self.check_timestamp(params)
        params.pop("signature", None)
        return credential.account, params

    def signed_ws_params(self, params: Mapping[str, Any]) -> str:
        """The account of a signed WebSocket-API request: the payload is every param but the signature,
        sorted by name, ``key=value`` joined by ``&`` and not URL-encoded."""
        credential = self.credential_for_key(str(params.get("apiKey") or ""))
        signature = str(params.get("signature") or "")
        if not signature:
            raise missing_parameter("signature")
        payload = "&".join(f"{key}={_ws_value(value)}" for key, value in sorted(params.items())
                           if key != "signature")
        if not hmac.compare_digest(hmac_hex(credential.api_secret, payload), signature.lower()):
            raise bad_signature()
        self.check_timestamp({key: str(value) for key, value in params.items()})
        return credential.account

    def check_timestamp(self, params: Mapping[str, str]) -> None:
        timestamp = int_param(params, "timestamp")
        if timestamp is None:
            raise missing_parameter("timestamp")
        recv_window = int_param(params, "recvWindow", DEFAULT_RECV_WINDOW_MS)
        assert recv_window is not None
        if recv_window > MAX_RECV_WINDOW_MS:
            raise BinanceApiError(400, -1131, f"recvWindow must be less than {MAX_RECV_WINDOW_MS}")
        now = self._clock_ms()
        if timestamp - now > MAX_AHEAD_MS:
            raise early_timestamp()
        if now - timestamp > recv_window:
            raise stale_timestamp()


def _ws_value(value: Any) -> str:
    # JSON booleans are signed as the words Binance's examples show.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- WebSockets ------------------------------------------------------------------------------------

class Outbox:
    """One socket's outgoing frames, written in order by a single task: the engine calls its listeners
    synchronously, so events are queued there and written here."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        # A socket the venue went silent on (``LiveSockets.silence``): its frames are never written.
        self.silent = False

    def send(self, payload: Any) -> None:
        if not self.ws.closed and not self.silent:
            self._queue.put_nowait(orjson.dumps(payload).decode())

    def close(self) -> None:
        self._queue.put_nowait(None)

    async def pump(self) -> None:
        while (frame := await self._queue.get()) is not None:
            if self.ws.closed:
                return
            try:
                await self.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return


class LiveSockets:
    """Every open WebSocket with its tags (product, "public" or "user"), so tests can drop, reset or
    silence them."""

    def __init__(self) -> None:
        self._sockets: dict[web.WebSocketResponse, frozenset[str]] = {}
        # Each socket's outbox and TCP transport, for the faults below the WebSocket layer.
        self._edges: dict[web.WebSocketResponse, tuple[Outbox, asyncio.BaseTransport | None]] = {}

    def count(self, which: str = "all") -> int:
        return sum(1 for tags in self._sockets.values() if which == "all" or which in tags)

    async def serve(self, request: web.Request, tags: Iterable[str],
                    on_text: Callable[[Outbox, Any], None], on_open: Callable[[Outbox], None] | None = None,
                    on_close: Callable[[Outbox], None] | None = None) -> web.WebSocketResponse:
        """Accept a socket and feed its decoded JSON frames to ``on_text`` until it closes."""
        ws = web.WebSocketResponse(heartbeat=SERVER_PING_SECONDS)
        await ws.prepare(request)
        outbox = Outbox(ws)
        self._sockets[ws] = frozenset(tags)
        self._edges[ws] = (outbox, request.transport)
        if on_open is not None:
            on_open(outbox)
        pump = asyncio.get_running_loop().create_task(outbox.pump())
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    self._dispatch(outbox, message.data, on_text)
        finally:
            self._sockets.pop(ws, None)
            self._edges.pop(ws, None)
            if on_close is not None:
                on_close(outbox)
            outbox.close()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        return ws

    @staticmethod
    def _dispatch(outbox: Outbox, text: str, on_text: Callable[[Outbox, Any], None]) -> None:
        try:
            frame = orjson.loads(text)
        except orjson.JSONDecodeError:
            # Binance's answer to a frame that is not JSON.
            outbox.send({"error": {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}, "id": None})
            return
        try:
            on_text(outbox, frame)
        except Exception:
            # One odd frame must not end the connection (nor hide a sandbox bug).
            logger.exception("sandbox: socket frame %.200s could not be handled", text)
            outbox.send({"error": {"code": 2, "msg": "Invalid request"},
                         "id": frame.get("id") if isinstance(frame, dict) else None})

    async def drop(self, which: str = "all") -> int:
        """Close the sockets tagged ``which`` ("all", "spot", "perp", "public", "user") as a venue
        restart would: a close frame with 1001 (going away)."""
        doomed = self._tagged(which)
        for ws in doomed:
            self._sockets.pop(ws, None)
        # A silent socket reads no close answer: it is cut instead of waited on.
        silent = [ws for ws in doomed if ws in self._edges and self._edges[ws][0].silent]
        for ws in silent:
            self.reset_socket(ws)
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY) for ws in doomed if ws not in silent),
                             return_exceptions=True)
        return len(doomed)

    def reset(self, which: str = "all") -> int:
        """Abort the sockets tagged ``which`` with a TCP reset, no close frame; returns how many."""
        return sum(self.reset_socket(ws) for ws in self._tagged(which))

    def silence(self, which: str = "all") -> int:
        """Go silent on the sockets tagged ``which``: they stay open, but nothing is written to them and
        nothing they send is read (their pings and close go unanswered); returns how many."""
        silenced = 0
        for ws in self._tagged(which):
            outbox, transport = self._edges.get(ws, (None, None))
            if outbox is None or transport is None or outbox.silent or not socket_faults.stop_reading(transport):
                continue
            outbox.silent = True
            silenced += 1
        return silenced

    def reset_socket(self, ws: web.WebSocketResponse) -> bool:
        transport = self._edges.get(ws, (None, None))[1]
        return transport is not None and socket_faults.reset(transport)

    def _tagged(self, which: str) -> list[web.WebSocketResponse]:
        return [ws for ws, tags in self._sockets.items() if which == "all" or which in tags]


class MarketStreams:
    """The public market-stream sockets of one product: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS
    frames, then every published event goes to the sockets subscribed to one of its stream names;
    a combined-stream socket gets it wrapped as ``{"stream": name, "data": event}``.

    https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#live-subscribingunsubscribing-to-streams
    """

    def __init__(self, sockets: LiveSockets, tags: Iterable[str]) -> None:
        self._sockets = sockets
        self._tags = frozenset(tags)
        self._subscriptions: dict[Outbox, set[str]] = {}
        self._combined: set[Outbox] = set()

    def has_subscribers(self, names: Iterable[str]) -> bool:
        wanted = set(names)
        return any(wanted & streams for streams in self._subscriptions.values())

    async def serve(self, request: web.Request, initial: Iterable[str] = (), combined: bool = False,
                    ) -> web.WebSocketResponse:
        """A raw socket, or a combined one; ``initial`` holds the streams named in its URL
        (``/ws/<stream>``, ``/stream?streams=<a>/<b>``)."""
        first = set(initial)

        def on_open(outbox: Outbox) -> None:
            self._subscriptions[outbox] = set(first)
            if combined:
                self._combined.add(outbox)

        def on_text(outbox: Outbox, frame: Any) -> None:
            streams = self._subscriptions.get(outbox)
            if streams is not None:
                self._on_frame(outbox, streams, frame)

        def on_close(outbox: Outbox) -> None:
            self._subscriptions.pop(outbox, None)
            self._combined.discard(outbox)

        return await self._sockets.serve(request, self._tags, on_text, on_open, on_close)

    def _on_frame(self, outbox: Outbox, streams: set[str], frame: Any) -> None:
        if not isinstance(frame, dict):
            outbox.send({"error": {"code": 2, "msg": "Invalid request: request must be an object"}, "id": None})
            return
        method, request_id, names = frame.get("method"), frame.get("id"), frame.get("params") or []
        if method == "LIST_SUBSCRIPTIONS":
            outbox.send({"result": sorted(streams), "id": request_id})
        elif method in ("SUBSCRIBE", "UNSUBSCRIBE") and all(isinstance(name, str) for name in names):
            if method == "SUBSCRIBE":
                streams.update(names)
            else:
                streams.difference_update(names)
            outbox.send({"result": None, "id": request_id})
        else:
            outbox.send({"error": {"code": 2, "msg": f"Invalid request: unknown variant `{method}`"},
                         "id": request_id})

    def publish(self, names: Iterable[str], event: Mapping[str, Any]) -> None:
        """Send ``event`` once to every socket subscribed to any of ``names``."""
        ordered = tuple(names)
        for outbox, streams in self._subscriptions.items():
            name = next((name for name in ordered if name in streams), None)
            if name is not None:
                outbox.send({"stream": name, "data": event} if outbox in self._combined else event)


class BinanceProtocol(ABC):
    """What both protocols hold and answer alike: the engine, the key checks, the sockets, the clock."""

    def __init__(self, engine: Engine, verifier: RequestVerifier, sockets: LiveSockets,
                 clock_ms: Callable[[], int]) -> None:
        self.engine = engine
        self._verifier = verifier
        self._sockets = sockets
        self._clock_ms = clock_ms

    def _market(self, symbol: str) -> MarketSpec:
        market = self.engine.markets.get(symbol)
        if market is None:
            raise BinanceApiError(400, -1121, "Invalid symbol.")
        return market

    def _symbol_param(self, params: Mapping[str, str]) -> str:
        """The required ``symbol``, known to the engine."""
        symbol = required(params, "symbol")
        self._market(symbol)
        return symbol

    async def ping(self, request: web.Request) -> web.Response:
        return json_response({})

    @abstractmethod
    def _order_json(self, order: EngineOrder) -> dict[str, Any]:
        """An order as the protocol's query endpoints show it."""

    def _order_ref(self, params: Mapping[str, str], prefix: str = "") -> tuple[str, int | None, str | None]:
        """The symbol and the order id or client order id a request names (``prefix`` for cancel-replace)."""
        return (self._symbol_param(params), *order_reference(params, prefix))

    async def query_order(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol, order_id, client_id = self._order_ref(params)
        return json_response(self._order_json(self.engine.get_order(account, symbol, order_id, client_id)))

    async def open_orders(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = params.get("symbol") or None
        if symbol is not None:
            self._market(symbol)
        return json_response([self._order_json(order) for order in self.engine.open_orders(account, symbol)])

    async def all_orders(self, request: web.Request) -> web.Response:
        """GET allOrders: the account's orders on one symbol, open or closed (``orderId``, ``startTime``,
        ``endTime``, ``limit`` up to 1000, default 500), as Binance's spot and USD-M APIs list them."""
        account, params = await self._verifier.signed(request)
        symbol = params.get("symbol", "")
        self._market(symbol)
        limit = min(int(params.get("limit") or 500), 1000)
        order_id, start, end = (params.get(name) for name in ("orderId", "startTime", "endTime"))
        orders = self.engine.all_orders(account, symbol, int(order_id) if order_id else None,
                                        int(start) if start else None, int(end) if end else None, limit)
        return json_response([self._order_json(order) for order in orders])

    async def server_time(self, request: web.Request) -> web.Response:
        return json_response({"serverTime": self._clock_ms()})
