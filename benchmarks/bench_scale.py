"""Section 3: many pairs on one event loop, each with its own diff stream.

One Binance connector follows 100, then 500 pairs (each count in a fresh process, so memory
figures do not inherit the previous run's heap). Every pair has its own 1,000-level-a-side book
and its own depth stream (``<symbol>@depth@100ms``: ten 10-level diffs a second), multiplexed on
the connector's socket as Binance does. Two timings per count:

- staggered: each stream at its own phase within the 100 ms period;
- aligned: every stream sends at the same instant, the worst case for the loop.

Event-loop lag is sampled every millisecond as the time a ready task waits before it runs
(``await asyncio.sleep(0)``), which is what any other coroutine of the application would wait.
CPU per message is the client's CPU time over the run, less what the same process burns idle
(the sampler and the connector's own loops, measured for 2 s first), over the messages.
Memory: resident set growth from before ``start()`` to all books synced, per pair; and, apart,
the resident memory of bare OrderBooks holding the same snapshot.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.book_workload import generate
from benchmarks.common import (
    heading,
    machine,
    machine_line,
    micros,
    percentile,
    quick,
    read_json,
    rss_bytes,
    say,
    si,
    table,
    write_json,
)
from benchmarks.connectors import unthrottled
from benchmarks.loopback_venue import CLIENT_CPU, VenueProcess, pin_to
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.order_book.order_book import OrderBook

PAIR_COUNTS = (100, 500, 2_000)
INTERVAL = 0.1


async def lag_sampler(samples: list[float], stop: asyncio.Event) -> None:
    clock = time.perf_counter
    while not stop.is_set():
        await asyncio.sleep(0.001)
        posted = clock()
        await asyncio.sleep(0)
        samples.append(clock() - posted)


async def wait_for_books(conn: ExchangeBase, last_ids: dict[str, int], symbol_of: dict[str, str],
                         timeout: float) -> None:
    deadline = time.monotonic() + timeout
    books = {pair: conn.order_book_tracker.syncs[pair].book for pair in symbol_of}
    while True:
        behind = [pair for pair, book in books.items() if book.last_update_id < last_ids[symbol_of[pair]]]
        if not behind:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(behind)} books still behind after {timeout}s (e.g. {behind[:3]})")
        await asyncio.sleep(0.01)


async def idle_cpu_rate(seconds: float = 2.0) -> float:
    """CPU seconds per second of this process with no frames arriving: the lag sampler and the
    connector's idle loops. Taken off the streaming runs' CPU, so CPU per message is the messages' own."""
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(lag_sampler(samples, stop))
    began, cpu_before = time.perf_counter(), time.process_time()
    await asyncio.sleep(seconds)
    stop.set()
    await sampler
    return (time.process_time() - cpu_before) / (time.perf_counter() - began)


async def stream_run(venue: VenueProcess, conn: ExchangeBase, symbol_of: dict[str, str], seconds: float,
                     aligned: bool, idle_rate: float) -> dict[str, Any]:
    frames_per_pair = max(1, round(seconds / INTERVAL))
    prepared = await venue.call("prepare", symbols=list(symbol_of.values()), frames=frames_per_pair)
    gc.collect()
    samples: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(lag_sampler(samples, stop))
    began, cpu_before = time.perf_counter(), time.process_time()
    sent = await venue.call("stream", interval=INTERVAL, aligned=aligned)
    await wait_for_books(conn, prepared["last_ids"], symbol_of, timeout=30)
    cpu = time.process_time() - cpu_before - idle_rate * (time.perf_counter() - began)
    stop.set()
    await sampler
    return {
        "aligned": aligned,
        "messages": sent["sent"],
        "seconds": sent["seconds"],
        "messages_per_second": sent["sent"] / sent["seconds"],
        "cpu_per_message": cpu / sent["sent"],
        "cpu_share": cpu / sent["seconds"],
        "idle_cpu_share": idle_rate,
        "lag_p50": percentile(samples, 0.50),
        "lag_p99": percentile(samples, 0.99),
        "lag_max": max(samples),
        "lag_samples": len(samples),
        "venue_max_send_lateness": sent["max_send_lateness"],
    }


async def run_pairs(pairs_wanted: int, seconds: float) -> dict[str, Any]:
    pin_to(CLIENT_CPU)
    async with VenueProcess() as venue:
        configured = await venue.call("configure", extra_symbols=pairs_wanted - 1)
        pairs = configured["pairs"][:pairs_wanted]
        symbol_of = {pair: pair.replace("-", "") for pair in pairs}
        connector = unthrottled("binance")(trading_pairs=pairs, rest_url=venue.http_url, ws_url=venue.ws_url)
        gc.collect()
        rss_before = rss_bytes()
        started = time.perf_counter()
        await connector.start()
        await connector.wait_ready(timeout=180)
        ready_after = time.perf_counter() - started
        gc.collect()
        rss_per_pair = (rss_bytes() - rss_before) / len(pairs)
        try:
            idle_rate = await idle_cpu_rate()
            runs = [await stream_run(venue, connector, symbol_of, seconds, aligned, idle_rate)
                    for aligned in (False, True)]
            levels = [connector.order_book_tracker.syncs[p].book.bid_depth for p in pairs]
        finally:
            await connector.stop()
    return {"pairs": len(pairs), "ready_seconds": ready_after, "rss_per_pair": rss_per_pair,
            "snapshot_levels": configured["snapshot_levels"], "mean_bid_levels": sum(levels) / len(levels),
            "runs": runs}


def bare_book_memory(books: int = 200) -> dict[str, float]:
    """Resident memory of bare OrderBooks, each holding a 1,000-level-a-side snapshot parsed from strings."""
    workload = generate(0, seed=7)
    gc.collect()
    before = rss_bytes()
    kept = []
    for _ in range(books):
        book = OrderBook("X-USDT")
        book.apply_snapshot(workload.snapshot_bids, workload.snapshot_asks, workload.snapshot_id)
        kept.append(book)
    gc.collect()
    per_book = (rss_bytes() - before) / books
    return {"books": books, "levels_a_side": len(workload.snapshot_bids), "rss_per_book": per_book}


def child(pairs: int, out: Path) -> None:
    logging.basicConfig(level=logging.WARNING)
    seconds = 3.0 if quick() else 8.0
    write_json(out, asyncio.run(run_pairs(pairs, seconds)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pairs", type=int, help="(internal) run one pair count in this process")
    args = parser.parse_args()
    if args.pairs:
        child(args.pairs, args.out)
        return

    heading("3. Scale: 100, 500 and 2,000 pairs on one event loop, one 100 ms diff stream per pair")
    memory = bare_book_memory()
    results: dict[str, Any] = {"bare_book": memory, "counts": []}
    with tempfile.TemporaryDirectory() as scratch:
        for count in PAIR_COUNTS:
            part = Path(scratch) / f"scale-{count}.json"
            # A fresh interpreter per count: its memory figure starts from a clean heap.
            subprocess.run([sys.executable, "-m", "benchmarks.bench_scale", "--pairs", str(count), "--out", str(part)],
                           check=True)
            results["counts"].append(read_json(part))
    rows = []
    for figures in results["counts"]:
        for run in figures["runs"]:
            rows.append([f"{figures['pairs']} pairs, {'aligned' if run['aligned'] else 'staggered'}",
                         si(run["messages_per_second"]), micros(run["lag_p50"]), micros(run["lag_p99"]),
                         micros(run["lag_max"]), micros(run["cpu_per_message"]), f"{run['cpu_share']:.0%}",
                         f"{figures['rss_per_pair'] / 1024:.0f} KiB"])
    results["machine"] = machine()
    say("")
    say(f"machine: {machine_line(results['machine'])}")
    say(table(["run", "msg/s", "lag p50", "lag p99", "lag max", "CPU/msg", "CPU", "RSS/pair"], rows))
    say(f"(bare OrderBook with a {memory['levels_a_side']:,}-level-a-side snapshot: "
        f"{memory['rss_per_book'] / 1024:.0f} KiB resident each; ready after "
        + ", ".join(f"{f['ready_seconds']:.1f}s for {f['pairs']} pairs" for f in results["counts"]) + ")")
    write_json(args.out, results)


if __name__ == "__main__":
    main()
