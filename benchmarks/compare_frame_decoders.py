"""A Binance depth frame's CPU after the socket, with orjson or with the typed decoder, interleaved.

    benchmarks/.venv-peers/bin/python -m benchmarks.compare_frame_decoders [--frames N] [--rounds R]

The loopback venue's own frames (the pipeline section's: 10-level Binance diffs on a 1,000-level book)
go through what the stream does with a text frame once received: decode (``orjson.loads``, or
``DEPTH_FRAMES``: msgspec into the ``DepthUpdate`` Struct), the Binance data source's ``parse``, and the
synchroniser's ``on_diff`` (sequence check, level checks, ``apply_levels``). Each round replays the same
frames on a fresh book with each decoder in turn (order alternated), so the machine's load falls on
both alike; the figure is process CPU time per frame, the median over rounds, and the ratio of the two.
The socket (2 to 4 µs a frame) and the event loop are left out: they are the same for both.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from bidict import bidict

from benchmarks.loopback_venue import LoopbackVenue
from clobconn.core.order_book.messages import BookMessage
from clobconn.core.order_book.sync import BookSynchronizer
from clobconn.exchange.binance.exchange import BinanceExchange
from clobconn.exchange.binance.order_book_data_source import (
    DEPTH_FRAMES,
    BinanceOrderBookDataSource,
    parse_snapshot,
)

PAIR = "BTC-USDT"


def decode_and_parse(frames: list[str], snapshot: Any, source: BinanceOrderBookDataSource,
                     decode: Callable[[str], Any]) -> float:
    """CPU seconds per frame for the part the decoder changes: decode and the data source's ``parse``."""
    parse = source.parse
    started = time.process_time()
    for text in frames:
        for _ in parse("public", decode(text)):
            pass
    return (time.process_time() - started) / len(frames)


def replay(frames: list[str], snapshot: Any, source: BinanceOrderBookDataSource,
           decode: Callable[[str], Any]) -> float:
    """CPU seconds per frame, decode to book, over ``frames`` applied to a fresh synced book."""
    sync = BookSynchronizer(PAIR, source.sequence_rule, resync_on_crossed=False)
    sync.on_snapshot(parse_snapshot(PAIR, snapshot))
    parse, on_diff = source.parse, sync.on_diff
    started = time.process_time()
    for text in frames:
        for message in parse("public", decode(text)):
            assert isinstance(message, BookMessage)
            on_diff(message)
    elapsed = time.process_time() - started
    assert sync.is_synced and sync.gaps == 0, "the replay lost its sequence"
    return elapsed / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    venue = LoopbackVenue()
    venue.prepare(["BTCUSDT"], args.frames)
    frames = venue.prepared["BTCUSDT"]
    connector = BinanceExchange(trading=False)
    connector.symbols = bidict({PAIR: "BTCUSDT"})
    source = BinanceOrderBookDataSource(connector)
    decoders: dict[str, Callable[[str], Any]] = {"orjson": orjson.loads, "typed (msgspec)": DEPTH_FRAMES}
    for decode in decoders.values():  # warm up
        replay(frames[:1000], venue.snapshot, source, decode)
    print(f"{len(frames)} frames of ~{sum(map(len, frames)) / len(frames):.0f} bytes, {args.rounds} rounds; "
          "CPU per frame, median [min..max], and the median of each round's ratio to orjson:")
    for title, run in (("decode and parse", decode_and_parse), ("decode to book", replay)):
        results: dict[str, list[float]] = {name: [] for name in decoders}
        for round_index in range(args.rounds):
            order = list(decoders) if round_index % 2 == 0 else list(reversed(decoders))
            for name in order:
                results[name].append(run(frames, venue.snapshot, source, decoders[name]))
        print(f" {title}:")
        for name, values in results.items():
            ratio = statistics.median(v / b for v, b in zip(values, results["orjson"], strict=True))
            print(f"  {name:16} {statistics.median(values) * 1e6:6.2f} µs  "
                  f"[{min(values) * 1e6:.2f}..{max(values) * 1e6:.2f}]  {ratio:.2f}x orjson")


if __name__ == "__main__":
    main()
