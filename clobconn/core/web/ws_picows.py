"""picows (a compiled WebSocket client) behind the few methods of aiohttp's socket the core uses.

The StreamRunner and WSConnection read frames with ``await ws.receive()`` and look at ``frame.type``
and ``frame.data``; this adapter turns picows's callbacks into that: each frame is decoded in the
callback (text as ``str``, binary as ``bytes``, fragments joined) and queued as an aiohttp
``WSMessage``, so everything after ``receive()`` is the same code on either client.

What aiohttp did for the core and this adapter does too: protocol pings at the heartbeat's interval
with a pong expected within half of it (picows's auto-ping), answering the venue's pings
(auto-pong), the close handshake and the peer's close code, the 16 MiB message limit. Neither
client asks for permessage-deflate (aiohttp's ``compress=0``, picows has none): venues that compress
do it per message (``Compression``), which the StreamRunner undoes after ``receive()``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any

import aiohttp
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CLOSE_TIMEOUT = 10.0

_TEXT, _BINARY = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
_CLOSE_MESSAGE_TYPE = aiohttp.WSMsgType.CLOSE
# aiohttp builds its messages the same way: a NamedTuple's own constructor is a Python-level call.
_new_message = tuple.__new__
_CLOSED = tuple.__new__(aiohttp.WSMessage, (aiohttp.WSMsgType.CLOSED, None, None))
_P_TEXT, _P_BINARY, _P_CONTINUATION = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION
_P_CLOSE = WSMsgType.CLOSE


class PicowsSocket(WSListener):
    """One picows connection, read like aiohttp's ``ClientWebSocketResponse``."""

    def __init__(self) -> None:
        super().__init__()
        self._transport: WSTransport | None = None
        self._frames: deque[aiohttp.WSMessage] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._fragments: list[bytes] = []
        self._fragment_type = _TEXT
        self._closed = False
        self.close_code: int | None = None

    # -- what the core calls (aiohttp's names) --------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def exception(self) -> BaseException | None:
        return None

    async def receive(self) -> aiohttp.WSMessage:
        frames = self._frames
        while not frames:
            if self._closed:
                return _CLOSED
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        return frames.popleft()

    async def send_str(self, data: str) -> None:
        self._live().send(_P_TEXT, data.encode())

    async def send_bytes(self, data: bytes) -> None:
        self._live().send(_P_BINARY, data)

    async def close(self) -> None:
        transport = self._transport
        if transport is None or transport.is_disconnected:
            self._mark_closed()
            return
        if self.close_code is None:
            self.close_code = WSCloseCode.OK.value
        if not transport.is_close_frame_sent:
            transport.send_close(WSCloseCode.OK)
        transport.disconnect()
        self._mark_closed()
        # As aiohttp's close: a peer that never completes the closing handshake is not waited for forever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await transport.wait_disconnected()

    # -- picows's callbacks ----------------------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self._transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _P_TEXT or kind is _P_BINARY:
            if frame.fin:
                data: Any = frame.get_payload_as_utf8_text() if kind is _P_TEXT else frame.get_payload_as_bytes()
                self._push(_new_message(aiohttp.WSMessage, (_TEXT if kind is _P_TEXT else _BINARY, data, None)))
            else:
                self._fragment_type = _TEXT if kind is _P_TEXT else _BINARY
                self._fragments = [frame.get_payload_as_bytes()]
        elif kind is _P_CONTINUATION:
            self._fragments.append(frame.get_payload_as_bytes())
            if frame.fin:
                whole = b"".join(self._fragments)
                self._fragments = []
                if len(whole) > MAX_MESSAGE_BYTES:
                    transport.send_close(WSCloseCode.MESSAGE_TOO_BIG)
                    transport.disconnect()
                    return
                kind_of_message = self._fragment_type
                self._push(_new_message(aiohttp.WSMessage, (
                    kind_of_message, whole.decode() if kind_of_message is _TEXT else whole, None)))
        elif kind is _P_CLOSE:
            self.close_code = frame.get_close_code().value
            if not transport.is_close_frame_sent:
                transport.send_close(frame.get_close_code())
            transport.disconnect()
            reason = frame.get_close_reason()
            self._push(_new_message(aiohttp.WSMessage, (_CLOSE_MESSAGE_TYPE, self.close_code, reason)))
            self._mark_closed()
        # PING and PONG: picows answers pings and checks its own pongs (enable_auto_pong, auto-ping).

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self.close_code is None:
            self.close_code = WSCloseCode.ABNORMAL_CLOSURE.value
        self._mark_closed()

    # -- internals -------------------------------------------------------------------------------

    def _push(self, message: aiohttp.WSMessage) -> None:
        self._frames.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _mark_closed(self) -> None:
        self._closed = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _live(self) -> WSTransport:
        transport = self._transport
        if transport is None or self._closed or transport.is_disconnected:
            raise ConnectionResetError("Cannot write to closing transport")
        return transport


async def connect(url: str, headers: dict[str, str], protocol_ping: float | None) -> PicowsSocket:
    """Open ``url`` with picows; ``protocol_ping`` as aiohttp's ``heartbeat`` (ping every N s, pong
    within N/2)."""
    kwargs: dict[str, Any] = {}
    if protocol_ping is not None:
        kwargs.update(enable_auto_ping=True, auto_ping_idle_timeout=protocol_ping,
                      auto_ping_reply_timeout=protocol_ping / 2)
    _, listener = await ws_connect(PicowsSocket, url, extra_headers=headers or None, enable_auto_pong=True,
                                   max_frame_size=MAX_MESSAGE_BYTES, **kwargs)
    assert isinstance(listener, PicowsSocket)
    return listener
