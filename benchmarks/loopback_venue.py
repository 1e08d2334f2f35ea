"""The loopback venue for sections 2 to 4, run in a process of its own.

It is clobconn's own test venue (``clobconn.testing.mock_venue.MockVenue``) serving Binance spot
payloads rendered from the conformance fixtures (tests/fixtures/binance/conformance): server time,
exchangeInfo, 1,000-level depth snapshots, order acknowledgements, and depth diffs pushed as text
frames on ``/ws``, as Binance sends them. A process of its own keeps the venue's work off the
client's core: with two cores, the client is pinned to one and the venue to the other.

The parent (``VenueProcess``) sends commands as JSON lines on stdin; each gets one JSON line back.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from benchmarks.book_workload import Message, generate
from clobconn.testing.fixtures import FixtureSet, render
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

FIXTURES = FixtureSet(Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "binance" / "conformance")
WS_PATH = "/ws"
# Binance's WS-API, where the order path over the trading socket places (order.place).
WS_API_PATH = "/ws-api/v3"
SNAPSHOT_ID = 1_000_000
# Depth frames cycle through this many distinct workload messages (10 levels each).
MESSAGE_POOL = 20_000
CLIENT_CPU, VENUE_CPU = 0, 1


def pin_to(cpu: int) -> None:
    """Keep this process on one core, when the machine has two or more."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {cpu})


class LoopbackVenue:
    def __init__(self) -> None:
        self.venue = MockVenue()
        workload = generate(MESSAGE_POOL * 10, seed=7)
        self.snapshot = FIXTURES.payload("snapshot", {"update_id": SNAPSHOT_ID, "bids": workload.snapshot_bids,
                                                      "asks": workload.snapshot_asks})
        # Rendered once: every pair gets the same 1,000-level-a-side book.
        self.snapshot_body = orjson.dumps(self.snapshot)
        self.pool: list[Message] = workload.messages
        self.symbols = ["BTCUSDT"]
        self.next_id: dict[str, int] = {}
        self.prepared: dict[str, list[str]] = {}
        self.order_ids = itertools.count(1)
        # When each order.place frame was read (CLOCK_MONOTONIC), as RecordedRequest.received_at for REST.
        self.ws_orders_received_at: list[float] = []
        # Each symbol walks the message pool from where its last frames stopped.
        self.cursors: dict[str, Iterator[Message]] = {}
        # Templates parsed once; FixtureSet.payload would re-read the file for every frame.
        self.diff_template = FIXTURES.load("diff")["payload"]
        self.ack_template = FIXTURES.load("place_order")["payload"]

    async def start(self) -> None:
        await self.venue.start()
        venue = self.venue
        venue.route("GET", "/api/v3/time", lambda _: MockResponse(
            FIXTURES.payload("server_time", {"timestamp_ms": int(time.time() * 1000)})))
        venue.route("GET", "/api/v3/exchangeInfo", lambda _: MockResponse(self.exchange_info()))
        venue.route("GET", "/api/v3/depth", lambda _: MockResponse(self.snapshot_body))
        venue.route("POST", "/api/v3/order", self.order_ack)
        # Binance answers each SUBSCRIBE with {"result": null, "id": ...}.
        venue.on_ws_message(WS_PATH, lambda m: [{"result": None, "id": m.get("id")}] if isinstance(m, dict) else [])
        venue.on_ws_message(WS_API_PATH, self.ws_api_answer)

    # -- REST ------------------------------------------------------------------------------------

    def exchange_info(self) -> Any:
        info = FIXTURES.payload("trading_rules")
        template = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
        known = {s["symbol"] for s in info["symbols"]}
        for symbol in self.symbols:
            if symbol not in known:
                entry = copy.deepcopy(template)
                entry.update(symbol=symbol, baseAsset=symbol.removesuffix("USDT"))
                info["symbols"].append(entry)
        return info

    def order_ack(self, request: RecordedRequest) -> MockResponse:
        return MockResponse(self.ack(request.params))

    def ws_api_answer(self, message: Any) -> list[Any]:
        """The WS-API's answer to order.place: the REST answer's order object in its envelope."""
        if not isinstance(message, dict) or message.get("method") != "order.place":
            return []
        self.ws_orders_received_at.append(time.monotonic())
        return [{"id": message["id"], "status": 200, "result": self.ack(message["params"])}]

    def ack(self, params: dict[str, Any]) -> Any:
        return render(self.ack_template, {
            "symbol": params["symbol"], "exchange_order_id": next(self.order_ids),
            "client_order_id": params["newClientOrderId"], "price": params.get("price", "0"),
            "amount": params["quantity"], "cum_amount": "0.00000000", "cum_quote": "0.00000000",
            "venue_state": "NEW", "side": params["side"], "timestamp_ms": int(time.time() * 1000),
        })

    # -- depth frames ----------------------------------------------------------------------------

    def prepare(self, symbols: list[str], frames: int) -> dict[str, Any]:
        """Render ``frames`` diffs per symbol, continuing each symbol's ids (untimed: before any send)."""
        last_ids: dict[str, int] = {}
        for symbol in symbols:
            rendered = []
            first = self.next_id.get(symbol, SNAPSHOT_ID + 1)
            cursor = self.cursors.setdefault(symbol, itertools.cycle(self.pool))
            for index, message in zip(range(frames), cursor, strict=False):
                # Binance diffs cover a range of ids (U..u); ten here, one per level.
                first_id = first + index * 10
                payload = render(self.diff_template, {
                    "timestamp_ms": int(time.time() * 1000), "symbol": symbol, "first_id": first_id,
                    "last_id": first_id + 9, "bids": message.bids, "asks": message.asks})
                rendered.append(orjson.dumps(payload).decode())
            self.next_id[symbol] = first + frames * 10
            self.prepared[symbol] = rendered
            last_ids[symbol] = self.next_id[symbol] - 1
        sizes = [len(f) for frames_ in self.prepared.values() for f in frames_]
        return {"last_ids": last_ids, "mean_frame_bytes": sum(sizes) / max(1, len(sizes))}

    async def burst(self) -> dict[str, Any]:
        """Every prepared frame, back to back (symbols interleaved), as fast as the socket takes them."""
        push = self.venue.push
        frames = [f for group in itertools.zip_longest(*self.prepared.values()) for f in group if f is not None]
        began = time.perf_counter()
        for frame in frames:
            await push(WS_PATH, frame)
        return {"sent": len(frames), "seconds": time.perf_counter() - began}

    async def paced(self, rate: float) -> dict[str, Any]:
        """The prepared frames of one symbol at ``rate`` a second; the send time of each (CLOCK_MONOTONIC ns)."""
        (frames,) = self.prepared.values()
        interval = int(1e9 / rate)
        push, clock = self.venue.push, time.perf_counter_ns
        sent_ns = []
        due = clock()
        for frame in frames:
            # Spin to the slot: a sleep's granularity is far coarser than the gap.
            while clock() < due:
                pass
            sent_ns.append(clock())
            await push(WS_PATH, frame)
            due += interval
        return {"sent_ns": sent_ns}

    async def stream(self, interval: float, aligned: bool) -> dict[str, Any]:
        """Each symbol's prepared frames every ``interval`` seconds, like Binance's @100ms diff streams.

        Unaligned, each stream has its own phase; aligned, every stream sends at the same instant (the
        worst case for the client's event loop).
        """
        rng = random.Random(11)
        phases = {s: 0.0 if aligned else rng.random() * interval for s in self.prepared}
        schedule = sorted((phases[s] + k * interval, s, frame)
                          for s, frames in self.prepared.items() for k, frame in enumerate(frames))
        push = self.venue.push
        began = time.perf_counter()
        late = 0.0
        for due, _, frame in schedule:
            wait = began + due - time.perf_counter()
            if wait > 0.0005:
                await asyncio.sleep(wait)
            late = max(late, time.perf_counter() - began - due)
            await push(WS_PATH, frame)
        return {"sent": len(schedule), "seconds": time.perf_counter() - began, "max_send_lateness": late}

    # -- the command loop ------------------------------------------------------------------------

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.pop("op")
        if op == "configure":
            self.symbols = ["BTCUSDT", *(f"X{i:03d}USDT" for i in range(command["extra_symbols"]))]
            return {"pairs": [f"{s.removesuffix('USDT')}-USDT" for s in self.symbols], "snapshot_id": SNAPSHOT_ID,
                    "snapshot_levels": len(self.snapshot["bids"])}
        if op == "prepare":
            return self.prepare(**command)
        if op == "burst":
            return await self.burst()
        if op == "paced":
            return await self.paced(**command)
        if op == "stream":
            return await self.stream(**command)
        if op == "orders":
            return {"received_at": [r.received_at for r in self.venue.requests_to("POST", "/api/v3/order")],
                    "ws_received_at": self.ws_orders_received_at}
        raise ValueError(f"unknown op {op!r}")


async def serve() -> None:
    pin_to(VENUE_CPU)
    server = LoopbackVenue()
    await server.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    out = sys.stdout.buffer
    out.write(orjson.dumps({"http_url": server.venue.http_url, "ws_url": server.venue.ws_url}) + b"\n")
    out.flush()
    try:
        while line := await reader.readline():
            command = orjson.loads(line)
            if command.get("op") == "quit":
                break
            out.write(orjson.dumps(await server.handle(command)) + b"\n")
            out.flush()
    finally:
        await server.venue.stop()


class VenueProcess:
    """The parent's handle on a loopback venue process: ``await venue.call("prepare", ...)``."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self.http_url = ""
        self.ws_url = ""

    async def __aenter__(self) -> VenueProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.loopback_venue", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=2**26)
        hello = await self._read()
        self.http_url, self.ws_url = hello["http_url"], hello["ws_url"]
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None
        with contextlib.suppress(ConnectionError):
            process.stdin.write(b'{"op": "quit"}\n')
            await process.stdin.drain()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def _read(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            raise RuntimeError("the loopback venue process ended unexpectedly (see its stderr above)")
        reply: dict[str, Any] = orjson.loads(line)
        return reply

    async def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(orjson.dumps({"op": op, **arguments}) + b"\n")
        await self._process.stdin.drain()
        return await self._read()


if __name__ == "__main__":
    asyncio.run(serve())
