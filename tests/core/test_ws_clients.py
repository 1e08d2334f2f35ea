"""The streams' WebSocket client: chosen by CLOBCONN_WS_CLIENT, and the same behaviour on aiohttp and picows.

tests/core/test_ws.py covers the StreamRunner itself (run it with CLOBCONN_WS_CLIENT=picows for the
picows client); here, what depends on the client, on both: which one connects, the peer's close code,
the idle watchdog, the venue's pings answered, a peer that stops answering ours, compressed and
fragmented messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from clobconn.core.web import ws as ws_module
from clobconn.core.web.ws import (
    WS_CLIENT_ENV,
    Compression,
    ConnectSpec,
    Heartbeat,
    StreamRunner,
    WSConnection,
    ws_client,
)
from clobconn.testing import MockVenue
from clobconn.testing.helpers import eventually

PATH = "/ws"




@pytest.fixture(params=["aiohttp", "picows"])
def client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    if name == "picows":
        pytest.importorskip("picows")
    monkeypatch.setenv(WS_CLIENT_ENV, name)
    return name


@pytest.fixture
async def venue() -> AsyncIterator[MockVenue]:
    mock = MockVenue()
    await mock.start()
    yield mock
    await mock.stop()


class Recorder:
    def __init__(self, url: str, heartbeat: Heartbeat | None = None,
                 compression: Compression = Compression.NONE) -> None:
        self.received: list[Any] = []
        self.connections: list[WSConnection] = []
        self._spec = ConnectSpec(url=url, heartbeat=heartbeat or Heartbeat(), compression=compression)
        self.session = aiohttp.ClientSession()
        self.runner = StreamRunner("clients", session=lambda: self.session, connect=self._connect,
                                   on_open=self._on_open, on_message=self.received.append,
                                   backoff_base=0.01, backoff_cap=0.05)
        self.task: asyncio.Task[None] | None = None

    async def _connect(self) -> ConnectSpec:
        return self._spec

    async def _on_open(self, connection: WSConnection) -> None:
        self.connections.append(connection)
        await connection.send({"op": "subscribe"})

    async def __aenter__(self) -> Recorder:
        self.task = asyncio.create_task(self.runner.run())
        await asyncio.wait_for(self.runner.connected.wait(), 5.0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.session.close()


def socket_class(connection: WSConnection) -> str:
    """aiohttp's ClientWebSocketResponse, or the picows adapter (clobconn.core.web.ws_picows)."""
    module = type(connection._ws).__module__
    return "picows" if module.endswith("ws_picows") else module.split(".")[0]


# -- choosing the client ---------------------------------------------------------------------------


def test_aiohttp_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WS_CLIENT_ENV, raising=False)
    assert ws_client() == "aiohttp"


def test_picows_and_auto_choose_picows_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("picows")
    for wanted in ("picows", "auto", " PicoWS "):
        monkeypatch.setenv(WS_CLIENT_ENV, wanted)
        assert ws_client() == "picows"


def test_without_picows_every_choice_falls_back_to_aiohttp(monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(ws_module, "_picows_installed", lambda: False)
    monkeypatch.setenv(WS_CLIENT_ENV, "auto")
    with caplog.at_level(logging.WARNING):
        assert ws_client() == "aiohttp"
    assert not caplog.records  # "auto" means "if installed": nothing to warn about
    monkeypatch.setenv(WS_CLIENT_ENV, "picows")
    with caplog.at_level(logging.WARNING):
        assert ws_client() == "aiohttp"
    assert "picows is not installed" in caplog.text


def test_an_unknown_client_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WS_CLIENT_ENV, "websockets")
    with pytest.raises(ValueError, match="CLOBCONN_WS_CLIENT='websockets'"):
        ws_client()


# -- the same behaviour on either client -------------------------------------------------------------


async def test_the_stream_connects_with_the_chosen_client(client: str, venue: MockVenue) -> None:
    async with Recorder(f"{venue.ws_url}{PATH}") as stream:
        assert socket_class(stream.connections[0]) == client
        await venue.wait_for_ws_message(PATH, lambda m: m == {"op": "subscribe"})
        await venue.push(PATH, {"n": 1})
        await venue.push(PATH, "plain text")
        await eventually(lambda: len(stream.received) == 2, what="two frames")
        assert stream.received == [{"n": 1}, "plain text"]


async def test_compressed_binary_frames_on_either_client(client: str, venue: MockVenue) -> None:
    async with Recorder(f"{venue.ws_url}{PATH}", compression=Compression.GZIP) as stream:
        await venue.push(PATH, gzip.compress(b'{"n": 2}'))
        await eventually(lambda: stream.received == [{"n": 2}], what="the gzipped frame")


async def test_the_peers_close_code_is_read_and_the_stream_reconnects(client: str, venue: MockVenue) -> None:
    async with Recorder(f"{venue.ws_url}{PATH}") as stream:
        first = stream.connections[0]
        await venue.endpoint(PATH).sockets[0].close(code=4401, message=b"login refused")
        await eventually(lambda: first.closed, what="the close seen")
        assert first.close_code == 4401
        await eventually(lambda: len(stream.connections) == 2, what="a new connection")


async def test_a_silent_socket_is_closed_by_the_idle_watchdog(client: str, venue: MockVenue) -> None:
    async with Recorder(f"{venue.ws_url}{PATH}", heartbeat=Heartbeat(idle_timeout=0.3)) as stream:
        first = stream.connections[0]
        await eventually(lambda: len(stream.connections) >= 2, what="a reconnect after 0.3 s of silence")
        assert first.closed


async def serve(handler: Any) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_get(PATH, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def test_the_venues_protocol_pings_are_answered(client: str) -> None:
    pongs: list[bytes] = []

    async def pinging_peer(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        await ws.ping(b"are you there")
        async for frame in ws:
            if frame.type is aiohttp.WSMsgType.PONG:
                pongs.append(frame.data)
        return ws

    runner, port = await serve(pinging_peer)
    try:
        async with Recorder(f"ws://127.0.0.1:{port}{PATH}"):
            await eventually(lambda: pongs == [b"are you there"], what="the pong")
    finally:
        await runner.cleanup()


async def test_a_peer_that_stops_answering_pings_is_dropped(client: str) -> None:
    """Protocol pings at the heartbeat's interval; no pong within half of it ends the connection."""
    pings = 0
    connections = 0

    async def silent_peer(request: web.Request) -> web.WebSocketResponse:
        nonlocal pings, connections
        connections += 1
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        async for frame in ws:
            if frame.type is aiohttp.WSMsgType.PING:
                pings += 1  # ... and never a pong
        return ws

    runner, port = await serve(silent_peer)
    try:
        async with Recorder(f"ws://127.0.0.1:{port}{PATH}", heartbeat=Heartbeat(protocol_ping=0.2)):
            await eventually(lambda: connections >= 2, timeout=5.0, what="a reconnect after the missing pong")
            assert pings >= 1
    finally:
        await runner.cleanup()


async def test_a_fragmented_message_is_joined_on_picows() -> None:
    pytest.importorskip("picows")
    from picows import WSMsgType
    from picows.picows import _make_test_ws_frame

    from clobconn.core.web.ws_picows import PicowsSocket

    socket = PicowsSocket()
    transport: Any = None  # not used for data frames
    socket.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.TEXT, b'{"price": "1.', False, False))
    socket.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.CONTINUATION, b"50", False, False))
    socket.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.CONTINUATION, b'"}', True, False))
    socket.on_ws_frame(transport, _make_test_ws_frame(WSMsgType.BINARY, b"\x00\x01", True, False))
    first, second = await socket.receive(), await socket.receive()
    assert (first.type, first.data) == (aiohttp.WSMsgType.TEXT, '{"price": "1.50"}')
    assert (second.type, second.data) == (aiohttp.WSMsgType.BINARY, b"\x00\x01")
