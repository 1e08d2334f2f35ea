"""The book intake alone: ``BookSynchronizer.on_diff`` for Binance-shaped 10-level diffs, µs per diff.

No socket, no parser: the venue's string levels go through the value checks (``levels.py``), the
sequence check and the OrderBook of one pair holding 1,000 levels a side. Best of 7 passes over
20,000 diffs. Run it from two trees in turn (``PYTHONPATH=<tree> python -m benchmarks.bench_book_intake``)
to see what a change to the intake costs; the full pipeline (bench_pipeline) is too noisy on a
shared machine to resolve a microsecond.
"""

from __future__ import annotations

import random
import time

from benchmarks.common import heading, quick, say
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule

PAIR = "BTC-USDT"
MID = 60_000.0


def side(rng: random.Random, sign: float, count: int) -> list[list[str]]:
    """``count`` levels near the top of one side; one in five removes its level."""
    return [[f"{MID + sign * (0.5 + rng.randint(0, 200) * 0.01):.2f}",
             "0" if rng.random() < 0.2 else f"{rng.random():.5f}"] for _ in range(count)]


def main() -> None:
    rng = random.Random(7)
    diffs = 2_000 if quick() else 20_000
    bids = [[f"{MID - 0.5 - i * 0.01:.2f}", f"{rng.random():.5f}"] for i in range(1000)]
    asks = [[f"{MID + 0.5 + i * 0.01:.2f}", f"{rng.random():.5f}"] for i in range(1000)]
    levels = [(side(rng, -1.0, 5), side(rng, 1.0, 5)) for _ in range(diffs)]
    heading("Book intake: BookSynchronizer.on_diff, 10-level diffs onto a 1,000-level book")
    best = float("inf")
    for _ in range(7):
        sync = BookSynchronizer(PAIR, SequenceRule.FIRST_LAST, resync_on_crossed=False)
        sync.on_snapshot(BookMessage(BookMessageType.SNAPSHOT, PAIR, bids, asks, 1000))
        messages = [BookMessage(BookMessageType.DIFF, PAIR, b, a, 1001 + n, first_id=1001 + n)
                    for n, (b, a) in enumerate(levels)]
        on_diff = sync.on_diff
        start = time.perf_counter()
        for message in messages:
            on_diff(message)
        best = min(best, time.perf_counter() - start)
        if not sync.is_synced or sync.book.last_update_id != 1000 + diffs:
            raise RuntimeError("the book did not follow the diffs")
    say(f"{best / diffs * 1e6:.2f} µs per diff ({diffs:,} diffs, best of 7)")


if __name__ == "__main__":
    main()
