"""The Redis Streams bus (``make bench-bus``): what publishing costs the connector, how many entries one
publisher moves, and how long a book change takes to reach a consumer.

A real ``redis-server`` is started on a loopback port (persistence off). The connector is a real
``BinanceExchange`` (not started) whose tracker hands the publisher its ``BookChange``s; each change is
a Binance-shaped 10-level diff.

- Added cost on the connector's loop: the publisher's listener (encode the entry, append it to the
  buffer) per book change, timed alone with the sender paused, so nothing else is counted.
- Throughput: changes handed to the listener back to back (yielding to the loop every 100), until
  Redis holds them all: entries per second through one publisher, batched pipelines, one round trip
  per batch.
- Latency: changes at a steady rate; a ``BookReader`` on a second event loop (its own thread, as a
  strategy process would be) notes when it applied each one. Both ends read the same monotonic clock:
  the figure is listener call -> applied by the consumer, p50/p99 pooled over the run.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from benchmarks.common import (
    arguments,
    heading,
    machine,
    machine_line,
    micros,
    percentile,
    quick,
    say,
    si,
    table,
    write_json,
)
from clobconn import get_connector
from clobconn.bus import BookReader, BusConfig, BusPublisher, codec
from clobconn.core.order_book.changes import BookChange, BookChangeKind
from clobconn.core.order_book.order_book import OrderBook
from clobconn.testing.redis_server import RedisServer, redis_server_binary

PAIR = "BTC-USDT"


def diffs(count: int) -> list[BookChange]:
    book = OrderBook(PAIR)
    book.apply_snapshot([[f"{100 - i * 0.01:.2f}", "1"] for i in range(1000)],
                        [[f"{100.01 + i * 0.01:.2f}", "1"] for i in range(1000)], 1)
    book.is_synced = True
    changes = []
    for n in range(count):
        bids = [[f"{100 - (n + i) % 50 * 0.01:.2f}", f"{1 + i}.5"] for i in range(5)]
        asks = [[f"{100.01 + (n + i) % 50 * 0.01:.2f}", f"{2 + i}.25"] for i in range(5)]
        changes.append(BookChange(BookChangeKind.DIFF, PAIR, book, bids, asks, n + 1, n + 2))
    return changes


def publisher_for(config: BusConfig) -> BusPublisher:
    connector = get_connector("binance", trading_pairs=[PAIR], trading=False)
    return BusPublisher(connector, config)


async def listener_cost(config: BusConfig, count: int) -> float:
    publisher = publisher_for(config)  # never started: the listener alone, nothing sent
    changes = diffs(count)
    started = time.perf_counter()
    for change in changes:
        publisher._on_book_change(change)
    return (time.perf_counter() - started) / count


async def throughput(config: BusConfig, count: int) -> dict[str, float]:
    publisher = publisher_for(config)
    publisher.start()
    changes = diffs(count)
    started = time.perf_counter()
    for index, change in enumerate(changes):
        publisher._on_book_change(change)
        if index % 100 == 99:
            await asyncio.sleep(0)
    await publisher.flushed(60)
    elapsed = time.perf_counter() - started
    trips = publisher.round_trips
    await publisher.stop()
    return {"entries_per_s": count / elapsed, "entries_per_round_trip": count / max(trips, 1)}


class TimedReader(BookReader):
    """Notes the monotonic time each entry was applied, by its number."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.applied_at: dict[int, float] = {}

    def apply(self, entry_id: bytes | str, fields: dict[bytes, bytes]) -> None:
        super().apply(entry_id, fields)
        self.applied_at[int(fields[b"seq"])] = time.monotonic()


async def latency(config: BusConfig, count: int, rate: float) -> list[float]:
    publisher = publisher_for(config)
    publisher.start()
    # The consumer needs a whole book to start from.
    first = diffs(1)[0]
    publisher._on_book_change(BookChange(BookChangeKind.SNAPSHOT, PAIR, first.book, [], [], 1, 1))
    await publisher.flushed(10)  # the consumer starts from it: it must be on the server first
    reader = TimedReader("binance", PAIR, config, block=0.001)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever, daemon=True)
    thread.start()

    async def consume() -> None:
        async for _book in reader.updates():
            if len(reader.applied_at) > count:
                return

    consumer = asyncio.run_coroutine_threadsafe(consume(), other)
    await asyncio.sleep(0.5)
    sent_at: dict[int, float] = {}
    changes = diffs(count)
    interval = 1 / rate
    next_at = time.monotonic()
    for change in changes:
        now = time.monotonic()
        if now < next_at:
            await asyncio.sleep(next_at - now)
        next_at += interval
        sent_at[publisher._seq[publisher.keys.book("binance", PAIR)] + 1] = time.monotonic()
        publisher._on_book_change(change)
    await asyncio.wait_for(asyncio.wrap_future(consumer), 60)
    asyncio.run_coroutine_threadsafe(reader.close(), other).result(5)
    other.call_soon_threadsafe(other.stop)
    thread.join(5)
    await publisher.stop()
    return [reader.applied_at[seq] - at for seq, at in sent_at.items() if seq in reader.applied_at]


async def main() -> None:
    args = arguments(__doc__ or "")
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("bench_bus needs redis-server (apt-get install redis-server)")
    facts = machine()
    heading("Redis Streams bus: one publisher, a local redis-server")
    say(machine_line(facts))
    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            config = BusConfig(url=SecretStr(server.url), buffer_size=1_000_000, book_maxlen=100_000)
            small = quick()
            cost = await listener_cost(config, 20_000 if small else 200_000)
            moved = await throughput(config, 20_000 if small else 200_000)
            lags = await latency(config, 2_000 if small else 10_000, 2_000.0)
        finally:
            server.stop()
    p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
    say(table(["figure", "value"], [
        ["listener per book change (encode + append, on the connector's loop)", micros(cost)],
        ["entries per second through one publisher", si(moved["entries_per_s"], "/s")],
        ["entries per pipeline round trip", f"{moved['entries_per_round_trip']:.0f}"],
        ["book change -> consumer applied, p50 (2,000 changes/s)", micros(p50)],
        ["book change -> consumer applied, p99 (2,000 changes/s)", micros(p99)],
    ]))
    write_json(args.out, {"machine": facts, "listener_s": cost, **moved, "latency_p50_s": p50,
                          "latency_p99_s": p99, "latency_samples": len(lags), "entry_kind": codec.DIFF})


if __name__ == "__main__":
    asyncio.run(main())
