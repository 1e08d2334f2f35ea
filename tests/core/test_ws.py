"""StreamRunner and WSConnection against the loopback MockVenue."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import random
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import aiohttp
import orjson
import pytest

from clobconn.core.errors import AuthenticationError
from clobconn.core.web.throttler import AsyncThrottler, RateLimit
from clobconn.core.web.ws import (
    WS_CLIENT_ENV,
    Compression,
    ConnectSpec,
    Heartbeat,
    StreamAction,
    StreamRunner,
    WSConnection,
    decompress,
)
from clobconn.testing import MockVenue

PATH = "/ws"
SUBSCRIBE = {"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 1}


async def eventually(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; a guard against hanging, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def cancel_and_wait(task: asyncio.Task[None]) -> None:
    """Cancel the runner and await it.

    On Python 3.11 a cancel that lands in the same loop turn as an incoming frame is swallowed by
    ``asyncio.wait_for`` inside StreamRunner (see test_cancel_is_not_lost_when_a_frame_arrives), so a
    single cancel can leave the runner going; cancel again rather than hang the suite on that bug.
    """
    for _ in range(10):
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
        if task.done():
            break
    with contextlib.suppress(asyncio.CancelledError):
        await task


class RecordingThrottler(AsyncThrottler):
    def __init__(self) -> None:
        super().__init__([RateLimit("ws_send", 100, 1.0)])
        self.acquired: list[str] = []

    async def acquire(self, limit_id: str) -> None:
        self.acquired.append(limit_id)
        await super().acquire(limit_id)


class Stream:
    """One StreamRunner on the mock venue, recording what it is handed."""

    def __init__(
        self,
        venue: MockVenue,
        session: aiohttp.ClientSession,
        *,
        heartbeat: Heartbeat | None = None,
        compression: Compression = Compression.NONE,
        binary_decoder: Callable[[bytes], Any] | None = None,
        handler: Callable[[Any], StreamAction | None] | None = None,
        throttler: AsyncThrottler | None = None,
        send_limit_id: str = "",
        fail_first_connects: int = 0,
    ) -> None:
        self.venue = venue
        self.received: list[Any] = []
        self.opens = 0
        self.connect_calls = 0
        self.disconnects = 0
        self._heartbeat = heartbeat or Heartbeat()
        self._compression = compression
        self._binary_decoder = binary_decoder
        self._handler = handler
        self._fail_first_connects = fail_first_connects
        self.runner = StreamRunner(
            name="test-stream",
            session=lambda: session,
            connect=self._connect,
            on_open=self._on_open,
            on_message=self._on_message,
            throttler=throttler,
            send_limit_id=send_limit_id,
            backoff_base=0.01,
            backoff_cap=0.05,
            on_disconnect=self._on_disconnect,
            rng=random.Random(7),
        )
        self._task: asyncio.Task[None] | None = None

    async def _connect(self) -> ConnectSpec:
        self.connect_calls += 1
        if self.connect_calls <= self._fail_first_connects:
            raise ConnectionError("listen key endpoint unavailable")
        # A fresh URL per connection, as venues with per-connection tokens need.
        return ConnectSpec(
            url=f"{self.venue.ws_url}{PATH}?token=t{self.connect_calls}",
            heartbeat=self._heartbeat,
            compression=self._compression,
            binary_decoder=self._binary_decoder,
        )

    async def _on_open(self, connection: WSConnection) -> None:
        self.opens += 1
        await connection.send(SUBSCRIBE)

    def _on_message(self, message: Any) -> StreamAction | None:
        self.received.append(message)
        return None if self._handler is None else self._handler(message)

    def _on_disconnect(self) -> None:
        self.disconnects += 1

    async def start(self) -> None:
        self._task = asyncio.create_task(self.runner.run())
        await self.venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE)
        await asyncio.wait_for(self.runner.connected.wait(), 5.0)

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None


StreamFactory = Callable[..., Stream]


@pytest.fixture
async def make_stream(venue: MockVenue, http_session: aiohttp.ClientSession) -> AsyncIterator[StreamFactory]:
    streams: list[Stream] = []

    def make(**kwargs: Any) -> Stream:
        stream = Stream(venue, http_session, **kwargs)
        streams.append(stream)
        return stream

    yield make
    for stream in streams:
        await stream.stop()


def sessions(venue: MockVenue) -> list[list[Any]]:
    return venue.endpoint(PATH).sessions


# -- connecting and dispatching --------------------------------------------------------------------


async def test_connects_and_subscribes_on_open(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    assert await stream.runner.send({"too": "early"}) is False  # no socket yet
    await stream.start()
    assert sessions(venue) == [[SUBSCRIBE]]
    assert venue.endpoint(PATH).connect_paths == [f"{PATH}?token=t1"]
    assert stream.runner.connections == 1
    assert stream.opens == 1
    assert stream.runner.connection is not None
    assert stream.runner.connection.closed is False


async def test_messages_are_dispatched_in_order(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    await stream.start()
    for i in range(50):
        await venue.push(PATH, {"e": "depthUpdate", "u": i})
    await venue.push(PATH, "plain text")
    await venue.push(PATH, [1, 2, 3])
    await eventually(lambda: len(stream.received) == 52, what="52 messages")
    assert stream.received == [{"e": "depthUpdate", "u": i} for i in range(50)] + ["plain text", [1, 2, 3]]


async def test_runner_send_goes_out_on_the_live_socket(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    await stream.start()
    assert await stream.runner.send({"method": "LIST_SUBSCRIPTIONS", "id": 2}) is True
    assert await stream.runner.send("raw text") is True
    await venue.wait_for_ws_message(PATH, lambda m: m == "raw text")
    assert sessions(venue) == [[SUBSCRIBE, {"method": "LIST_SUBSCRIPTIONS", "id": 2}, "raw text"]]


# -- reconnecting ----------------------------------------------------------------------------------


async def test_server_drop_reconnects_and_resubscribes(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    await stream.start()
    await venue.drop(PATH)
    await venue.wait_for_connections(PATH, 2)
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2)
    await eventually(lambda: stream.runner.connections == 2, what="second connection served")
    assert sessions(venue) == [[SUBSCRIBE], [SUBSCRIBE]]
    assert stream.opens == 2
    assert stream.disconnects == 1
    # connect() ran again: the new connection got a fresh token.
    assert venue.endpoint(PATH).connect_paths == [f"{PATH}?token=t1", f"{PATH}?token=t2"]
    await venue.push(PATH, {"after": "reconnect"})
    await eventually(lambda: stream.received == [{"after": "reconnect"}], what="message after reconnect")


async def test_handler_reconnect_action(venue: MockVenue, make_stream: StreamFactory) -> None:
    def handler(message: Any) -> StreamAction | None:
        return StreamAction.RECONNECT if message == {"event": "serverShutdown"} else None

    stream = make_stream(handler=handler)
    await stream.start()
    await venue.push(PATH, {"event": "serverShutdown"})
    await venue.wait_for_connections(PATH, 2)
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2)
    await eventually(lambda: stream.runner.connections == 2, what="second connection served")
    assert stream.opens == 2
    assert stream.received == [{"event": "serverShutdown"}]
    assert venue.live_connections(PATH) == 1
    await venue.push(PATH, {"still": "streaming"})
    await eventually(lambda: stream.received[-1] == {"still": "streaming"}, what="message after reconnect")


async def test_request_reconnect(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream()
    await stream.start()
    stream.runner.request_reconnect()
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2)
    assert stream.opens == 2
    assert venue.connections(PATH) == 2


async def test_failed_connect_is_retried(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream(fail_first_connects=2)
    await stream.start()
    assert stream.connect_calls == 3
    assert stream.runner.connections == 1
    assert stream.runner.last_error == "ConnectionError: listen key endpoint unavailable"
    assert stream.disconnects == 0  # never connected, so nothing to report lost


async def test_idle_timeout_reconnects_a_silent_socket(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream(heartbeat=Heartbeat(idle_timeout=0.2))
    await stream.start()
    # The venue says nothing at all: the client must give up on the socket and open a new one.
    await venue.wait_for_connections(PATH, 2)
    await venue.wait_for_ws_message(PATH, lambda m: m == SUBSCRIBE, count=2)
    assert stream.opens >= 2
    assert stream.disconnects >= 1


async def test_traffic_keeps_an_idle_timeout_from_firing(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream(heartbeat=Heartbeat(idle_timeout=0.6))
    await stream.start()
    for i in range(18):  # 0.9 s of traffic, longer than the idle timeout but never silent for long
        await venue.push(PATH, {"tick": i})
        await asyncio.sleep(0.05)
    await eventually(lambda: len(stream.received) == 18, what="18 ticks")
    assert venue.connections(PATH) == 1
    assert stream.opens == 1


# -- bad input ---------------------------------------------------------------------------------------


async def test_malformed_frames_and_handler_errors_are_skipped(venue: MockVenue, make_stream: StreamFactory) -> None:
    def handler(message: Any) -> StreamAction | None:
        if isinstance(message, dict) and message.get("boom"):
            raise ValueError("parser bug")
        return None

    stream = make_stream(handler=handler)
    await stream.start()
    await venue.push(PATH, {"seq": 1})
    await venue.push(PATH, '{"seq": 2, broken')
    await venue.push(PATH, {"boom": True})
    await venue.push(PATH, b"\xff\x00 not json")
    await venue.push(PATH, {"seq": 3})
    await eventually(lambda: {"seq": 3} in stream.received, what="the message after the bad ones")
    assert stream.received == [{"seq": 1}, {"boom": True}, {"seq": 3}]
    assert stream.runner.malformed_frames == 3
    assert venue.connections(PATH) == 1  # the stream went on over the same socket
    assert stream.runner.connections == 1


# -- binary frames ---------------------------------------------------------------------------------


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


COMPRESSORS: dict[Compression, Callable[[bytes], bytes]] = {
    Compression.GZIP: gzip.compress,
    Compression.DEFLATE: zlib.compress,
    Compression.RAW_DEFLATE: raw_deflate,
    Compression.NONE: lambda data: data,
}


@pytest.mark.parametrize("compression", list(Compression), ids=lambda c: c.value)
async def test_compressed_binary_frames_are_decoded(
    venue: MockVenue, make_stream: StreamFactory, compression: Compression
) -> None:
    stream = make_stream(compression=compression)
    await stream.start()
    payloads = [{"arg": {"channel": "books"}, "data": [{"asks": [["27000.10", "1"]], "i": i}]} for i in range(3)]
    for payload in payloads:
        await venue.push(PATH, COMPRESSORS[compression](orjson.dumps(payload)))
    await eventually(lambda: len(stream.received) == 3, what="3 decoded frames")
    assert stream.received == payloads
    assert stream.runner.malformed_frames == 0


@pytest.mark.parametrize("compression", [Compression.GZIP, Compression.DEFLATE, Compression.RAW_DEFLATE],
                         ids=lambda c: c.value)
async def test_corrupt_compressed_frame_is_skipped(
    venue: MockVenue, make_stream: StreamFactory, compression: Compression
) -> None:
    stream = make_stream(compression=compression)
    await stream.start()
    await venue.push(PATH, b"\x00\x01 definitely not compressed")
    await venue.push(PATH, COMPRESSORS[compression](b'{"ok": true}'))
    await eventually(lambda: stream.received == [{"ok": True}], what="the good frame")
    assert stream.runner.malformed_frames == 1


def test_decompress_round_trips() -> None:
    data = b'{"e":"trade","p":"27000.10"}' * 20
    for compression, compress in COMPRESSORS.items():
        assert decompress(compress(data), compression) == data


async def test_binary_decoder_gets_the_decompressed_bytes(venue: MockVenue, make_stream: StreamFactory) -> None:
    decoded: list[bytes] = []

    def decoder(raw: bytes) -> Any:
        decoded.append(raw)
        return {"decoded": raw.hex()}

    stream = make_stream(compression=Compression.GZIP, binary_decoder=decoder)
    await stream.start()
    await venue.push(PATH, gzip.compress(b"\x08\x96\x01protobuf"))
    await venue.push(PATH, {"text": "frames still parse as JSON"})
    await eventually(lambda: len(stream.received) == 2, what="2 messages")
    assert decoded == [b"\x08\x96\x01protobuf"]
    assert stream.received == [{"decoded": b"\x08\x96\x01protobuf".hex()}, {"text": "frames still parse as JSON"}]


# -- heartbeats -------------------------------------------------------------------------------------


async def test_app_ping_is_sent_periodically(venue: MockVenue, make_stream: StreamFactory) -> None:
    stream = make_stream(heartbeat=Heartbeat(app_ping=0.05, app_ping_payload={"op": "ping"}))
    await stream.start()
    pings = await venue.wait_for_ws_message(PATH, lambda m: m == {"op": "ping"}, count=3)
    assert len(pings) >= 3
    assert sessions(venue)[0][0] == SUBSCRIBE  # subscriptions first, then pings


async def test_is_pong_swallows_the_venues_pongs(venue: MockVenue, make_stream: StreamFactory) -> None:
    venue.on_ws_message(PATH, lambda m: [{"op": "pong"}] if m == {"op": "ping"} else [])
    pongs: list[Any] = []

    def is_pong(message: Any) -> bool:
        if isinstance(message, dict) and message.get("op") == "pong":
            pongs.append(message)
            return True
        return False

    stream = make_stream(heartbeat=Heartbeat(app_ping=0.05, app_ping_payload={"op": "ping"}, is_pong=is_pong))
    await stream.start()
    await venue.wait_for_ws_message(PATH, lambda m: m == {"op": "ping"}, count=2)
    await venue.push(PATH, {"op": "data", "n": 1})
    await eventually(lambda: {"op": "data", "n": 1} in stream.received, what="the data message")
    assert len(pongs) >= 2
    assert all(m == {"op": "data", "n": 1} for m in stream.received)


async def test_reply_to_answers_the_venues_ping(venue: MockVenue, make_stream: StreamFactory) -> None:
    def reply_to(message: Any) -> Any | None:
        if isinstance(message, dict) and "ping" in message:
            return {"pong": message["ping"]}
        return None

    stream = make_stream(heartbeat=Heartbeat(reply_to=reply_to))
    await stream.start()
    await venue.push(PATH, {"ping": 123})
    replies = await venue.wait_for_ws_message(PATH, lambda m: isinstance(m, dict) and "pong" in m)
    assert replies == [{"pong": 123}]
    await venue.push(PATH, {"data": 2})
    await eventually(lambda: len(stream.received) == 1, what="the data message")
    assert stream.received == [{"data": 2}]  # the ping itself was not dispatched


async def test_reply_to_answers_a_ping_sent_as_compressed_text(venue: MockVenue, make_stream: StreamFactory) -> None:
    # BingX gzips every frame, its text "Ping" included: it must reach reply_to as text, not fail as JSON.
    stream = make_stream(compression=Compression.GZIP,
                         heartbeat=Heartbeat(reply_to=lambda m: "Pong" if m == "Ping" else None))
    await stream.start()
    await venue.push(PATH, gzip.compress(b"Ping"))
    replies = await venue.wait_for_ws_message(PATH, lambda m: m == "Pong")
    assert replies == ["Pong"]
    assert stream.runner.malformed_frames == 0 and stream.received == []


# -- throttled sends --------------------------------------------------------------------------------


async def test_sends_go_through_the_throttlers_limit_id(venue: MockVenue, make_stream: StreamFactory) -> None:
    throttler = RecordingThrottler()
    stream = make_stream(throttler=throttler, send_limit_id="ws_send")
    await stream.start()
    assert throttler.acquired == ["ws_send"]  # the subscription in on_open
    assert await stream.runner.send({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 3}) is True
    assert throttler.acquired == ["ws_send", "ws_send"]
    await venue.wait_for_ws_message(PATH, lambda m: isinstance(m, dict) and m.get("id") == 3)


async def test_replies_to_pings_are_throttled_too(venue: MockVenue, make_stream: StreamFactory) -> None:
    throttler = RecordingThrottler()
    stream = make_stream(throttler=throttler, send_limit_id="ws_send",
                         heartbeat=Heartbeat(reply_to=lambda m: {"pong": m["ping"]} if "ping" in m else None))
    await stream.start()
    await venue.push(PATH, {"ping": 5})
    await venue.wait_for_ws_message(PATH, lambda m: m == {"pong": 5})
    assert throttler.acquired == ["ws_send", "ws_send"]


async def test_wsconnection_without_limit_id_is_not_throttled(venue: MockVenue,
                                                              http_session: aiohttp.ClientSession) -> None:
    throttler = RecordingThrottler()
    ws = await http_session.ws_connect(f"{venue.ws_url}{PATH}")
    try:
        connection = WSConnection(ws, throttler, "")
        await connection.send(b'{"binary": 1}')
        await connection.send({"json": 1})
        await venue.wait_for_ws_message(PATH, lambda m: m == {"json": 1})
        assert throttler.acquired == []
        await connection.close()
        assert connection.closed is True
    finally:
        await ws.close()


class LoginFirstStream(Stream):
    """Logs in and subscribes only once the venue has acknowledged the login (OKX's rule)."""

    answers: list[Any]

    async def _on_open(self, connection: WSConnection) -> None:
        self.opens += 1
        await connection.send({"op": "login"})
        answer = await connection.receive(timeout=2.0)
        self.answers = [*getattr(self, "answers", []), answer]
        if answer != {"event": "login", "code": "0"}:
            raise ConnectionError(f"login refused: {answer}")
        await connection.send(SUBSCRIBE)


async def test_on_open_can_wait_for_the_venues_answer(venue: MockVenue, http_session: aiohttp.ClientSession) -> None:
    venue.on_ws_message(PATH, lambda m: [{"event": "login", "code": "0"}] if m == {"op": "login"} else [])
    stream = LoginFirstStream(venue, http_session)
    try:
        await stream.start()
        assert sessions(venue) == [[{"op": "login"}, SUBSCRIBE]]
        # The answer went to on_open, not to the stream's handler.
        assert stream.answers == [{"event": "login", "code": "0"}] and stream.received == []
        await venue.push(PATH, {"after": 1})
        await eventually(lambda: stream.received == [{"after": 1}])
    finally:
        await stream.stop()


async def test_a_refused_login_reconnects_without_subscribing(venue: MockVenue,
                                                             http_session: aiohttp.ClientSession) -> None:
    venue.on_ws_message(PATH, lambda m: [{"event": "error", "code": "60009"}])
    stream = LoginFirstStream(venue, http_session)
    task = asyncio.create_task(stream.runner.run())
    try:
        # A session is recorded on connect, before its first frame: wait for two that have sent theirs.
        await eventually(lambda: sum(1 for session in sessions(venue) if session) >= 2, what="a second attempt")
        sent = [session for session in sessions(venue) if session]
        assert all(session[:1] == [{"op": "login"}] and SUBSCRIBE not in session for session in sent)
        assert stream.runner.connections == 0
    finally:
        await cancel_and_wait(task)


# -- cancellation ------------------------------------------------------------------------------------


class FakeWebSocket:
    """Just enough of aiohttp's ClientWebSocketResponse to put frames in at a chosen moment."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()
        self.closed = False
        self.close_code: int | None = None
        self.waiting = False
        self.sent: list[str] = []

    def feed(self, text: str) -> None:
        self.frames.put_nowait(aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, text, None))

    async def receive(self) -> aiohttp.WSMessage:
        self.waiting = True
        try:
            return await self.frames.get()
        finally:
            self.waiting = False

    async def send_str(self, data: str) -> None:
        self.sent.append(data)

    async def close(self) -> bool:
        self.closed = True
        return True

    def exception(self) -> BaseException | None:
        return None


class FakeSession:
    def __init__(self, ws: FakeWebSocket) -> None:
        self.ws = ws

    async def ws_connect(self, url: str, **kwargs: Any) -> FakeWebSocket:
        return self.ws


@pytest.fixture
def fake_sockets_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """A FakeSession's socket is handed out by aiohttp's ``ws_connect``: these tests run on aiohttp
    whichever client ``CLOBCONN_WS_CLIENT`` picks for the rest."""
    monkeypatch.setenv(WS_CLIENT_ENV, "aiohttp")


@pytest.mark.usefixtures("fake_sockets_connect")
async def test_cancel_is_not_lost_when_a_frame_arrives() -> None:
    ws = FakeWebSocket()
    received: list[Any] = []

    async def connect() -> ConnectSpec:
        return ConnectSpec(url="ws://fake/ws")

    async def on_open(connection: WSConnection) -> None:
        await connection.send(SUBSCRIBE)

    def on_message(message: Any) -> None:
        received.append(message)

    runner = StreamRunner("race", session=lambda: cast(aiohttp.ClientSession, FakeSession(ws)), connect=connect,
                          on_open=on_open, on_message=on_message, backoff_base=0.01)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: ws.waiting, what="the runner waiting for a frame")
        assert ws.sent == [orjson.dumps(SUBSCRIBE).decode()]
        ws.feed('{"n": 1}')  # a frame lands ...
        task.cancel()  # ... in the same loop turn as the cancel
        done, _ = await asyncio.wait({task}, timeout=1.0)
        assert task in done
        assert task.cancelled()
    finally:
        await cancel_and_wait(task)


@pytest.mark.usefixtures("fake_sockets_connect")
async def test_cancel_is_not_lost_while_a_closed_connection_is_torn_down() -> None:
    ws = FakeWebSocket()

    async def connect() -> ConnectSpec:
        # An app ping, so the teardown has a pinger as well as the idle watchdog to stop.
        return ConnectSpec(url="ws://fake/ws", heartbeat=Heartbeat(app_ping=30.0, app_ping_payload="ping"))

    async def on_open(connection: WSConnection) -> None:
        await connection.send(SUBSCRIBE)

    runner = StreamRunner("teardown", session=lambda: cast(aiohttp.ClientSession, FakeSession(ws)), connect=connect,
                          on_open=on_open, on_message=lambda _: None, backoff_base=0.01)
    task = asyncio.create_task(runner.run())
    try:
        await eventually(lambda: ws.waiting, what="the runner waiting for a frame")
        ws.frames.put_nowait(aiohttp.WSMessage(aiohttp.WSMsgType.CLOSE, 1000, None))
        # One loop turn: the runner sees the close and waits for its cancelled helpers, which have not
        # run yet; the cancel lands exactly then and must end the stream, not be taken for theirs.
        await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=1.0)
        assert task in done and task.cancelled()
    finally:
        await cancel_and_wait(task)


async def test_a_fatal_failure_stops_the_stream_and_is_reported_once(
        venue: MockVenue, http_session: aiohttp.ClientSession) -> None:
    reported: list[Exception] = []
    opens = 0

    async def refused_login(connection: WSConnection) -> None:
        nonlocal opens
        opens += 1
        raise AuthenticationError("login refused: invalid API key")

    async def connect() -> ConnectSpec:
        return ConnectSpec(url=f"{venue.ws_url}{PATH}")

    runner = StreamRunner(name="private", session=lambda: http_session, connect=connect, on_open=refused_login,
                          on_message=lambda _: None, backoff_base=0.01, backoff_cap=0.02,
                          fatal=(AuthenticationError,), on_fatal=reported.append)
    # The loop returns by itself: no reconnect can mend a refused key.
    await asyncio.wait_for(runner.run(), 5.0)
    assert opens == 1 and len(reported) == 1
    assert isinstance(reported[0], AuthenticationError)
    assert venue.connections(PATH) == 1


async def test_a_failure_that_is_not_fatal_still_reconnects(
        venue: MockVenue, http_session: aiohttp.ClientSession) -> None:
    opens = 0

    async def flaky_login(connection: WSConnection) -> None:
        nonlocal opens
        opens += 1
        if opens < 3:
            raise ConnectionError("login timed out")

    async def connect() -> ConnectSpec:
        return ConnectSpec(url=f"{venue.ws_url}{PATH}")

    runner = StreamRunner(name="private", session=lambda: http_session, connect=connect, on_open=flaky_login,
                          on_message=lambda _: None, backoff_base=0.01, backoff_cap=0.02,
                          fatal=(AuthenticationError,), on_fatal=lambda exc: pytest.fail(f"reported {exc}"))
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(runner.connected.wait(), 5.0)
        assert opens == 3
    finally:
        await cancel_and_wait(task)
