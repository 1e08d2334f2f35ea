"""WebSocket streams: the one reconnecting loop every connector's streams run in.

A connector describes a stream (where to connect, what to send once connected, how the venue
pings) and receives decoded messages; connecting, heartbeats, idle timeouts, decompression,
reconnecting with backoff and jitter, and re-subscribing all happen here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import logging
import os
import random
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import aiohttp
import orjson

from clobconn.core.timers import idle_timer, timer
from clobconn.core.web.throttler import AsyncThrottler

logger = logging.getLogger(__name__)


class Compression(Enum):
    NONE = "none"
    GZIP = "gzip"
    DEFLATE = "deflate"
    RAW_DEFLATE = "raw_deflate"


def decompress(data: bytes, compression: Compression) -> bytes:
    if compression is Compression.GZIP:
        return zlib.decompress(data, 16 + zlib.MAX_WBITS)
    if compression is Compression.DEFLATE:
        return zlib.decompress(data)
    if compression is Compression.RAW_DEFLATE:
        return zlib.decompress(data, -zlib.MAX_WBITS)
    return data


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """How a venue keeps a socket alive.

    ``protocol_ping`` sends WebSocket ping frames (and expects pongs) at that interval;
    ``app_ping`` sends ``app_ping_payload`` as a message (a callable is called for each ping, for
    venues whose ping carries the current time); ``is_pong`` recognises the venue's
    answer so it is not passed on; ``reply_to`` answers the venue's own application-level pings.
    ``idle_timeout`` reconnects a socket that has been silent that long.
    """

    protocol_ping: float | None = None
    app_ping: float | None = None
    app_ping_payload: Any = None
    is_pong: Callable[[Any], bool] | None = None
    reply_to: Callable[[Any], Any | None] | None = None
    idle_timeout: float = 60.0

    @classmethod
    def text_ping(cls, every: float, idle_timeout: float) -> Heartbeat:
        """The venues whose application ping is the text ``ping``, answered by the text ``pong`` (OKX, Bitmart)."""
        return cls(app_ping=every, app_ping_payload="ping", is_pong=_is_text_pong, idle_timeout=idle_timeout)


# A stream whose venue promises no traffic for longer than this (an account stream quiet for hours, its
# idle timeout a day) still has a dead peer found: the core pings it at the protocol level this often,
# and aiohttp gives up on a pong not back within half of it. RFC 6455 obliges every server to answer.
LIVENESS_PING = 30.0


def liveness_ping(heartbeat: Heartbeat) -> float | None:
    """The protocol ping interval a stream runs: the venue's own, or ``LIVENESS_PING`` where its idle
    timeout alone would leave a silent socket undetected for longer than four of them."""
    if heartbeat.protocol_ping is not None:
        return heartbeat.protocol_ping
    return LIVENESS_PING if heartbeat.idle_timeout > 4 * LIVENESS_PING else None


def _is_text_pong(message: Any) -> bool:
    return isinstance(message, str) and message == "pong"


@dataclass(slots=True)
class ConnectSpec:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    heartbeat: Heartbeat = field(default_factory=Heartbeat)
    compression: Compression = Compression.NONE
    # Decodes a binary frame (after decompression) for venues that send protobuf and the like.
    binary_decoder: Callable[[bytes], Any] | None = None
    # Decodes a JSON text frame in place of orjson, for venues whose numbers must keep the digits they
    # were sent with (Kraken's book checksum covers "0.10000000", which a float would make 0.1).
    text_decoder: Callable[[str], Any] | None = None


class StreamAction(Enum):
    """What a message handler tells the stream besides its content."""

    RECONNECT = "reconnect"
    # The venue confirmed the subscription (for data sources that wait for it to count as live).
    SUBSCRIBED = "subscribed"
    # The venue's books moved in ways its stream does not carry (the XRP Ledger closed a ledger, whose
    # offers may have lost their funding unseen): each book the socket feeds fetches a fresh snapshot.
    REFRESH_BOOKS = "refresh_books"


class WebSocket(Protocol):
    """What the core uses of an open socket: aiohttp's ``ClientWebSocketResponse`` as it is, or the
    picows adapter (``ws_picows.PicowsSocket``) that reads the same."""

    @property
    def closed(self) -> bool: ...

    @property
    def close_code(self) -> int | None: ...

    def exception(self) -> BaseException | None: ...

    async def receive(self) -> aiohttp.WSMessage: ...

    async def send_str(self, data: str) -> None: ...

    async def send_bytes(self, data: bytes) -> None: ...

    async def close(self) -> object: ...


# Which WebSocket client streams connect with: "aiohttp" (always there), "picows" (the ``fast`` extra,
# a compiled client), or "auto": picows when it is installed, else aiohttp. Read at every connect.
WS_CLIENT_ENV = "CLOBCONN_WS_CLIENT"
DEFAULT_WS_CLIENT = "aiohttp"
_WS_CLIENTS = ("aiohttp", "picows", "auto")


def ws_client() -> str:
    """The client the next stream connection uses, from ``CLOBCONN_WS_CLIENT`` (see above).

    picows asked for but not installed falls back to aiohttp, with a warning."""
    wanted = os.environ.get(WS_CLIENT_ENV, DEFAULT_WS_CLIENT).strip().lower() or DEFAULT_WS_CLIENT
    if wanted not in _WS_CLIENTS:
        raise ValueError(f"{WS_CLIENT_ENV}={wanted!r}: expected one of {', '.join(_WS_CLIENTS)}")
    if wanted == "aiohttp":
        return "aiohttp"
    if _picows_installed():
        return "picows"
    if wanted == "picows":
        logger.warning("%s=picows but picows is not installed (pip install 'clobconn[fast]'); using aiohttp",
                       WS_CLIENT_ENV)
    return "aiohttp"


@functools.cache
def _picows_installed() -> bool:
    return importlib.util.find_spec("picows") is not None


class WSConnection:
    """One open socket: sends are throttled and encoded here."""

    def __init__(self, ws: WebSocket, throttler: AsyncThrottler | None,
                 send_limit_id: str, decode: Callable[[aiohttp.WSMessage], Any] | None = None) -> None:
        self._ws = ws
        self._throttler = throttler
        self._send_limit_id = send_limit_id
        self._decode = decode

    @property
    def closed(self) -> bool:
        return self._ws.closed

    @property
    def close_code(self) -> int | None:
        """The close code the peer sent, once closed: how a venue that refuses a login by closing the
        socket (Cube's 4401) says why."""
        return self._ws.close_code

    async def send(self, payload: Any) -> None:
        if self._throttler is not None and self._send_limit_id:
            await self._throttler.acquire(self._send_limit_id)
        if isinstance(payload, str):
            await self._ws.send_str(payload)
        elif isinstance(payload, bytes):
            await self._ws.send_bytes(payload)
        else:
            await self._ws.send_str(orjson.dumps(payload).decode())

    async def receive(self, timeout: float = 10.0) -> Any:
        """The next message, decoded as the stream decodes it.

        For ``on_open`` only: a venue that wants a login acknowledged, or a welcome frame seen,
        before anything is subscribed. Frames read here never reach the stream's handler; a closed
        socket raises ConnectionError and silence raises TimeoutError, and the stream reconnects.
        """
        async with asyncio.timeout(timeout):
            while True:
                frame = await self._ws.receive()
                if frame.type is _TEXT or frame.type is _BINARY:
                    message = frame.data if self._decode is None else self._decode(frame)
                    if message is not _MALFORMED:
                        return message
                elif frame.type in _CLOSED or frame.type is _ERROR:
                    raise ConnectionError(f"socket closed while waiting for the venue's answer ({self._ws.close_code})")

    async def close(self) -> None:
        await self._ws.close()


MessageHandler = Callable[[Any], "StreamAction | None"]


class StreamRunner:
    """Keeps one logical stream connected until ``stop``.

    ``connect`` is called before every connection (venues that hand out a URL or token per
    connection get a fresh one each time); ``on_open`` sends logins and subscriptions, so a
    reconnect re-subscribes by construction.
    """

    def __init__(
        self,
        name: str,
        session: Callable[[], aiohttp.ClientSession],
        connect: Callable[[], Awaitable[ConnectSpec]],
        on_open: Callable[[WSConnection], Awaitable[None]],
        on_message: MessageHandler,
        throttler: AsyncThrottler | None = None,
        send_limit_id: str = "",
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        on_disconnect: Callable[[], None] | None = None,
        rng: random.Random | None = None,
        on_connect: Callable[[], None] | None = None,
        fatal: tuple[type[Exception], ...] = (),
        on_fatal: Callable[[Exception], None] | None = None,
    ) -> None:
        self.name = name
        # Failures that no reconnect can mend (a refused login): the stream stops and reports them.
        self._fatal = fatal
        self._on_fatal = on_fatal
        self._session = session
        self._connect = connect
        self._on_open = on_open
        self._on_message = on_message
        self._on_disconnect = on_disconnect
        self._on_connect = on_connect
        self._throttler = throttler
        self._send_limit_id = send_limit_id
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._connection: WSConnection | None = None
        self._reconnect_requested = False
        self.connected = asyncio.Event()
        # Seconds a connection must last to count as healthy (and reset the backoff).
        self.stable_after = 5.0
        self.connections = 0
        self.malformed_frames = 0
        self.last_error: str | None = None
        # When the live socket last delivered a frame, and whether the idle watchdog closed it.
        self._last_frame_at = 0.0
        self._idle = False

    @property
    def connection(self) -> WSConnection | None:
        return self._connection

    async def send(self, payload: Any) -> bool:
        """Send on the live socket; returns False when there is none (the next connect resends state)."""
        connection = self._connection
        if connection is None or connection.closed:
            return False
        await connection.send(payload)
        return True

    def request_reconnect(self) -> None:
        self._reconnect_requested = True
        connection = self._connection
        if connection is not None:
            asyncio.get_running_loop().create_task(connection.close())

    async def run(self) -> None:
        """The loop: connect, serve, and on any failure back off and connect again. Cancel to stop."""
        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            opened_at = loop.time()
            try:
                await self._serve_once()
                # A venue that closes every socket at once must not be hammered: only a connection
                # that lived resets the backoff.
                failures = 0 if loop.time() - opened_at >= self.stable_after else failures + 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, self._fatal):
                    logger.error("stream %s stopped: %s", self.name, self.last_error)
                    if self._on_fatal is not None:
                        self._on_fatal(exc)
                    return
                logger.warning("stream %s failed: %s", self.name, self.last_error)
            finally:
                self._connection = None
                if self.connected.is_set():
                    self.connected.clear()
                    if self._on_disconnect is not None:
                        self._on_disconnect()
            if self._reconnect_requested and failures == 0:
                # The venue asked for a fresh connection after a healthy one: reconnect at once. One
                # that asks again straight away (a revoked key, say) backs off like any failure.
                self._reconnect_requested = False
                continue
            self._reconnect_requested = False
            delay = min(self._backoff_cap, self._backoff_base * (2 ** min(failures, 16)))
            # Full jitter spreads reconnects of many clients after a venue-wide drop.
            await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))

    async def _serve_once(self) -> None:
        """Serve one connection until it closes, goes idle or the venue asks for a reconnect."""
        spec = await self._connect()
        heartbeat = spec.heartbeat
        # aiohttp and picows give up on a ping's pong after half the interval: a liveness deadline, compressed
        # as the idle timeouts are (a soak keeps it real: the venue answers no faster).
        ping_every = liveness_ping(heartbeat)
        protocol_ping = None if ping_every is None else idle_timer(ping_every)
        ws: WebSocket
        if ws_client() == "picows":
            from clobconn.core.web import ws_picows

            ws = await ws_picows.connect(spec.url, spec.headers, protocol_ping)
        else:
            ws = await self._session().ws_connect(
                spec.url, headers=spec.headers, heartbeat=protocol_ping, autoping=True, timeout=_CLOSE_TIMEOUT,
                max_msg_size=16 * 1024 * 1024,
            )
        connection = WSConnection(ws, self._throttler, self._send_limit_id,
                                  decode=lambda frame: self._decode(frame, spec))
        self._connection = connection
        pinger: asyncio.Task[None] | None = None
        watchdog: asyncio.Task[None] | None = None
        try:
            await self._on_open(connection)
            self.connections += 1
            self.connected.set()
            if self._on_connect is not None:
                self._on_connect()
            if heartbeat.app_ping is not None:
                pinger = asyncio.create_task(self._ping_loop(connection, heartbeat))
            # One watchdog per connection instead of a timeout around every receive: a timeout
            # context costs a Timeout object and a timer scheduled and cancelled for every frame.
            self._idle = False
            self._last_frame_at = time.monotonic()
            watchdog = asyncio.create_task(self._idle_watchdog(ws, idle_timer(heartbeat.idle_timeout)))
            clock = time.monotonic
            since_yield = 0
            while True:
                frame = await ws.receive()
                self._last_frame_at = clock()
                kind = frame.type
                if kind is not _TEXT and kind is not _BINARY:
                    if kind in _CLOSED:
                        if self._idle:
                            logger.warning("stream %s idle for %.1fs; reconnecting", self.name,
                                           idle_timer(heartbeat.idle_timeout))
                        else:
                            logger.info("stream %s closed by peer (%s)", self.name, ws.close_code)
                        return
                    if kind is _ERROR:
                        raise ConnectionError(f"websocket error: {ws.exception()}")
                    continue
                message = self._decode(frame, spec)
                if message is _MALFORMED:
                    continue
                if heartbeat.is_pong is not None and heartbeat.is_pong(message):
                    continue
                if heartbeat.reply_to is not None:
                    reply = heartbeat.reply_to(message)
                    if reply is not None:
                        await connection.send(reply)
                        continue
                if self._dispatch(message) is StreamAction.RECONNECT:
                    logger.info("stream %s: venue asked for a reconnect", self.name)
                    self._reconnect_requested = True
                    return
                # receive() hands over frames already buffered without suspending: yield now and then
                # so that a burst on one socket cannot hold the event loop from every other task.
                since_yield += 1
                if since_yield >= YIELD_EVERY:
                    since_yield = 0
                    await asyncio.sleep(0)
        finally:
            helpers = {task for task in (pinger, watchdog) if task is not None}
            for task in helpers:
                task.cancel()
            if helpers:
                # asyncio.wait, not suppress(CancelledError) around an await: that would also swallow a
                # cancel of this stream itself arriving meanwhile, and stop() would wait on it forever.
                await asyncio.wait(helpers)
            await ws.close()

    async def _idle_watchdog(self, ws: WebSocket, idle_timeout: float) -> None:
        """Close a socket silent for ``idle_timeout``; the receive loop then sees it closed and reconnects."""
        while not ws.closed:
            silent_for = time.monotonic() - self._last_frame_at
            if silent_for >= idle_timeout:
                self._idle = True
                await ws.close()
                return
            await asyncio.sleep(idle_timeout - silent_for)

    def _decode(self, frame: aiohttp.WSMessage, spec: ConnectSpec) -> Any:
        try:
            if frame.type is _TEXT:
                text: str = frame.data
                if text and text[0] in "{[":
                    return orjson.loads(text) if spec.text_decoder is None else spec.text_decoder(text)
                return text
            raw = decompress(frame.data, spec.compression)
            if spec.binary_decoder is not None:
                return spec.binary_decoder(raw)
            # A compressed frame may hold plain text, as a text frame may (BingX gzips its "Ping").
            if spec.compression is not Compression.NONE and raw[:1] not in (b"{", b"["):
                return raw.decode()
            return orjson.loads(raw)
        except Exception as exc:
            self.malformed_frames += 1
            logger.warning("stream %s: malformed frame skipped (%s)", self.name, type(exc).__name__)
            return _MALFORMED

    def _dispatch(self, message: Any) -> StreamAction | None:
        try:
            return self._on_message(message)
        except Exception:
            # One bad message must never end the stream.
            self.malformed_frames += 1
            logger.exception("stream %s: message could not be handled; skipped", self.name)
            return None

    @staticmethod
    async def _ping_loop(connection: WSConnection, heartbeat: Heartbeat) -> None:
        assert heartbeat.app_ping is not None
        while not connection.closed:
            await asyncio.sleep(timer(heartbeat.app_ping))
            payload = heartbeat.app_ping_payload
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.send(payload() if callable(payload) else payload)


_MALFORMED = object()
# How long a close waits for the peer's answering close frame (aiohttp's default is 10 s). A socket closed
# for silence has a peer that answers nothing: waiting for it held every silent socket's reconnect 10 s.
CLOSE_ANSWER_WITHIN = 1.0
_CLOSE_TIMEOUT = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_ANSWER_WITHIN)
# Frames handled back to back before the receive loop lets the event loop run other tasks.
YIELD_EVERY = 16
# Enum members looked up once: each lookup costs about 50 ns on CPython 3.11, several per frame.
_TEXT, _BINARY, _ERROR = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.ERROR
_CLOSED = frozenset({aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED})
