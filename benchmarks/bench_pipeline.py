"""Section 2: the full market-data pipeline, frame bytes to book, through a real connector.

A real ``BinanceExchange`` (``get_connector("binance", ...)`` without credentials: market data
only) connects to the loopback venue process, takes its 1,000-level REST snapshot, and then
receives Binance-shaped depth diffs (10 levels each) as WebSocket text frames. Every frame goes
through clobconn's own StreamRunner (aiohttp client, orjson decoding), the Binance data source's
``parse``, the BookSynchronizer's sequence check and the OrderBook.

- Throughput: the venue sends a burst of frames back to back; the rate is frames over the time
  from the first frame applied to the last. The client's CPU time over the same run shows whether
  the client (one core) or the venue was the limit.
- Latency: the venue sends frames at a steady rate, noting each send time; the probe notes when
  each frame's diff has been applied. Both clocks are the kernel's CLOCK_MONOTONIC. Percentiles
  are pooled over every frame of every round (the median of per-round p99s, printed beside it,
  hides the rounds a stall hit; the pooled p99 does not). The same paced frames to a bare receive
  loop of the same WebSocket client (aiohttp's ``receive()``, or a picows listener's callback) give
  the floor that no client code can go below.

The client is the one the streams use (``CLOBCONN_WS_CLIENT``: aiohttp unless it says picows), and
``BENCH_LOOP=uvloop`` runs everything, floor included, on uvloop instead of asyncio's own loop.
``benchmarks/compare_ws_clients.py`` runs the combinations interleaved.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks.common import (
    arguments,
    heading,
    machine,
    machine_line,
    median,
    micros,
    percentile,
    quick,
    ratio,
    say,
    settle_heap,
    si,
    table,
    write_json,
)
from benchmarks.loopback_venue import CLIENT_CPU, VenueProcess, pin_to
from benchmarks.probe import ApplyProbe
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.registry import get_connector
from clobconn.core.web.ws import ws_client

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
LEVELS_PER_FRAME = 10


async def start_connector(venue: VenueProcess, pairs: list[str], connector: ExchangeBase | None = None) -> ExchangeBase:
    conn = connector or get_connector("binance", trading_pairs=pairs, rest_url=venue.http_url, ws_url=venue.ws_url)
    await conn.start()
    await conn.wait_ready(timeout=120)
    return conn


async def throughput_run(venue: VenueProcess, probe: ApplyProbe, frames: int) -> dict[str, Any]:
    prepared = await venue.call("prepare", symbols=[SYMBOL], frames=frames)
    probe.expect(prepared["last_ids"][SYMBOL])
    settle_heap()
    cpu_before = time.process_time()
    burst = asyncio.ensure_future(venue.call("burst"))
    await probe.wait(timeout=120)
    cpu = time.process_time() - cpu_before
    await burst
    applied = probe.applied_ns
    window = (applied[-1] - applied[0]) / 1e9
    return {
        "frames": len(applied),
        "frame_bytes": prepared["mean_frame_bytes"],
        "messages_per_second": (len(applied) - 1) / window,
        "client_cpu_per_message": cpu / len(applied),
        "client_cpu_share": cpu / window,
        "not_applied": probe.not_applied,
    }


def latency_figures(sent_ns: list[int], applied_ns: list[int]) -> dict[str, Any]:
    if len(applied_ns) != len(sent_ns):
        raise RuntimeError(f"{len(sent_ns)} frames sent but {len(applied_ns)} seen")
    latencies = [(applied - sent) / 1e9 for applied, sent in zip(applied_ns, sent_ns, strict=True)]
    return {"p50": percentile(latencies, 0.50), "p99": percentile(latencies, 0.99), "max": max(latencies),
            "latencies": latencies}


async def latency_run(venue: VenueProcess, probe: ApplyProbe, frames: int, rate: float) -> dict[str, Any]:
    prepared = await venue.call("prepare", symbols=[SYMBOL], frames=frames)
    probe.expect(prepared["last_ids"][SYMBOL])
    settle_heap()
    sent = (await venue.call("paced", rate=rate))["sent_ns"]
    await probe.wait(timeout=60)
    return latency_figures(sent, probe.applied_ns)


async def floor_run(venue: VenueProcess, frames: int, rate: float, rounds: int) -> list[dict[str, Any]]:
    """The same paced frames to a bare client that only notes the arrival time: the floor set by the
    machine, the kernel's loopback and the client's frame reader, with no clobconn at all."""
    if ws_client() == "picows":
        return await picows_floor_run(venue, frames, rate, rounds)
    results = []
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{venue.ws_url}/ws") as ws:
        for _ in range(rounds):
            await venue.call("prepare", symbols=[SYMBOL], frames=frames)
            arrived: list[int] = []

            async def receive(ws: aiohttp.ClientWebSocketResponse = ws, arrived: list[int] = arrived) -> None:
                while len(arrived) < frames:
                    await ws.receive()
                    arrived.append(time.perf_counter_ns())

            receiver = asyncio.ensure_future(receive())
            sent = (await venue.call("paced", rate=rate))["sent_ns"]
            await asyncio.wait_for(receiver, 30)
            results.append(latency_figures(sent, arrived))
    return results


async def picows_floor_run(venue: VenueProcess, frames: int, rate: float, rounds: int) -> list[dict[str, Any]]:
    """The floor for picows: its listener's callback notes each text frame's arrival (and decodes it
    to ``str``, as the adapter does; aiohttp's floor gets a ``str`` too)."""
    import picows

    class Listener(picows.WSListener):
        arrived: list[int] = []
        expected = 0
        all_in = asyncio.Event()

        def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
            if frame.msg_type is picows.WSMsgType.TEXT:
                frame.get_payload_as_utf8_text()
                self.arrived.append(time.perf_counter_ns())
                if len(self.arrived) >= self.expected:
                    self.all_in.set()

    transport, listener = await picows.ws_connect(Listener, f"{venue.ws_url}/ws")
    results = []
    try:
        for _ in range(rounds):
            await venue.call("prepare", symbols=[SYMBOL], frames=frames)
            arrived: list[int] = []
            listener.arrived, listener.expected = arrived, frames
            listener.all_in.clear()
            sent = (await venue.call("paced", rate=rate))["sent_ns"]
            await asyncio.wait_for(listener.all_in.wait(), 30)
            results.append(latency_figures(sent, arrived))
    finally:
        transport.disconnect()
        await transport.wait_disconnected()
    return results


async def floor_burst_run(venue: VenueProcess, frames: int) -> float:
    """Client CPU seconds per frame for a bare receive loop of the client (as in ``floor_run``) taking a
    burst: what the socket alone costs, the rest of a frame's CPU being clobconn's."""
    await venue.call("prepare", symbols=[SYMBOL], frames=frames)
    if ws_client() == "picows":
        import picows

        class Listener(picows.WSListener):
            seen = 0
            all_in = asyncio.Event()

            def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
                if frame.msg_type is picows.WSMsgType.TEXT:
                    frame.get_payload_as_utf8_text()
                    self.seen += 1
                    if self.seen >= frames:
                        self.all_in.set()

        transport, listener = await picows.ws_connect(Listener, f"{venue.ws_url}/ws")
        try:
            settle_heap()
            cpu_before = time.process_time()
            burst = asyncio.ensure_future(venue.call("burst"))
            await asyncio.wait_for(listener.all_in.wait(), 60)
            cpu = time.process_time() - cpu_before
            await burst
        finally:
            transport.disconnect()
            await transport.wait_disconnected()
        return cpu / frames
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{venue.ws_url}/ws") as ws:
        settle_heap()
        cpu_before = time.process_time()
        burst = asyncio.ensure_future(venue.call("burst"))
        for _ in range(frames):
            await ws.receive()
        cpu = time.process_time() - cpu_before
        await burst
    return cpu / frames


def event_loop_runner() -> Callable[[Awaitable[Any]], Any]:
    """``asyncio.run``, or ``uvloop.run`` when ``BENCH_LOOP=uvloop``."""
    if os.environ.get("BENCH_LOOP", "asyncio") == "uvloop":
        import uvloop

        return uvloop.run  # type: ignore[no-any-return]
    return asyncio.run


def summarize_latency(rate: float, rounds: list[dict[str, Any]]) -> dict[str, float]:
    pooled = [latency for r in rounds for latency in r["latencies"]]
    return {"rate": rate, "p50": percentile(pooled, 0.50), "p99": percentile(pooled, 0.99),
            "p999": percentile(pooled, 0.999), "max": max(pooled), "frames": len(pooled), "rounds": len(rounds),
            "median_round_p99": median([r["p99"] for r in rounds])}


async def run(frames: int, rounds: int, latency_plan: list[tuple[float, int]]) -> dict[str, Any]:
    pin_to(CLIENT_CPU)
    async with VenueProcess() as venue:
        await venue.call("configure", extra_symbols=0)
        conn = await start_connector(venue, [PAIR])
        try:
            sync = conn.order_book_tracker.syncs[PAIR]
            probe = ApplyProbe(sync)
            # A first, unmeasured burst warms every cache and code path.
            await throughput_run(venue, probe, max(2_000, frames // 5))
            runs = []
            for round_index in range(rounds):
                runs.append(await throughput_run(venue, probe, frames))
                say(f"  throughput round {round_index + 1}/{rounds}: "
                    f"{si(runs[-1]['messages_per_second'], 'msg/s')}")
            latency = []
            for rate, frames_at_rate in latency_plan:
                latency.append(summarize_latency(rate, [await latency_run(venue, probe, frames_at_rate, rate)
                                                        for _ in range(rounds)]))
            book = sync.book
            health = {"gaps": sync.gaps, "resyncs": conn.order_book_tracker.resyncs, "crossed": book.is_crossed,
                      "levels": [book.bid_depth, book.ask_depth], "last_update_id": book.last_update_id}
        finally:
            await conn.stop()
        floor = [summarize_latency(rate, await floor_run(venue, frames_at_rate, rate, rounds))
                 for rate, frames_at_rate in latency_plan]
        floor_burst = median([await floor_burst_run(venue, frames) for _ in range(rounds)])
    return {"runs": runs, "latency": latency, "floor": floor, "floor_burst_cpu_per_message": floor_burst,
            "book": health}


def main() -> None:
    args = arguments(__doc__ or "")
    logging.basicConfig(level=logging.WARNING)
    frames = 10_000 if quick() else 50_000
    rounds = 3 if quick() else 5
    # (frames a second, frames per round): two seconds a round at 1k/s, half a second at 10k/s.
    latency_plan = [(1_000.0, 500 if quick() else 2_000), (10_000.0, 2_000 if quick() else 5_000)]

    client, loop = ws_client(), os.environ.get("BENCH_LOOP", "asyncio")
    heading("2. Full pipeline: Binance depth frames (10 levels) from a loopback WS venue to the book "
            f"({client} client, {loop} loop)")
    figures = event_loop_runner()(run(frames, rounds, latency_plan))
    runs = figures["runs"]
    rate = median([r["messages_per_second"] for r in runs])
    cpu = median([r["client_cpu_per_message"] for r in runs])
    share = median([r["client_cpu_share"] for r in runs])
    summary = {
        "frames_per_round": frames,
        "rounds": rounds,
        "mean_frame_bytes": runs[0]["frame_bytes"],
        "messages_per_second": rate,
        "levels_per_second": rate * LEVELS_PER_FRAME,
        "client_cpu_per_message": cpu,
        "messages_per_client_cpu_second": 1 / cpu,
        "client_cpu_share": share,
        "ws_client": client,
        "event_loop": loop,
        "machine": machine(),
    }
    rows = [["messages / s (wall)", si(rate)],
            ["levels / s (wall)", si(rate * LEVELS_PER_FRAME)],
            ["client CPU per message", micros(cpu)],
            ["messages / s per client CPU-second", si(1 / cpu)],
            ["client CPU busy during the burst", f"{share:.0%}"]]
    rows.append([f"  floor (bare {client} receive): client CPU per message in a burst",
                 micros(figures["floor_burst_cpu_per_message"])])
    for lat, floor in zip(figures["latency"], figures["floor"], strict=True):
        rows.append([f"frame→book at {si(lat['rate'], 'msg/s')}: pooled p50 / p99 (median round p99)",
                     f"{micros(lat['p50'])} / {micros(lat['p99'])} ({micros(lat['median_round_p99'])})"])
        rows.append([f"  floor (bare {client} receive) at {si(floor['rate'], 'msg/s')}",
                     f"{micros(floor['p50'])} / {micros(floor['p99'])} ({micros(floor['median_round_p99'])})"])
        rows.append(["  p99 ÷ floor p99", ratio(lat["p99"] / floor["p99"])])
    say("")
    say(f"machine: {machine_line(summary['machine'])}")
    say(table(["pipeline (1 pair, Binance spot connector)", "median of rounds; latency pooled"], rows))
    book = figures["book"]
    say(f"(burst of {frames:,} frames of ~{summary['mean_frame_bytes']:.0f} bytes, {rounds} rounds; book ended "
        f"at id {book['last_update_id']} with {book['levels'][0]}/{book['levels'][1]} levels, "
        f"{book['gaps']} gaps, {book['resyncs']} resyncs)")
    write_json(args.out, {"summary": summary, **figures})


if __name__ == "__main__":
    main()
