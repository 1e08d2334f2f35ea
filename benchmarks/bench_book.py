"""Section 1: the order book engine against the peers, interleaved in one process.

Every engine replays the same seeded workloads (see book_workload.py: updates near the top of a
1,000-level book, then spread uniformly over 1k, 10k and 100k levels), each round in three modes:
with the levels already floats applied straight to the book ("book-only"), through the engine's
own full path from the venue's strings (message object, sequence check, conversion, apply: see
each engine's docstring in book_engines.py), and that full path read through the Decimal API a
strategy uses. Before any timing, each engine's final book is compared, level by level, with
clobconn's; an engine that ends elsewhere, or too slowly to time, is named and left out.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Any

from benchmarks.book_engines import Engine, available_engines
from benchmarks.book_workload import BOOK_LEVELS, DELETE_SHARE, MEAN_UPDATE_DEPTH, generate
from benchmarks.common import (
    arguments,
    heading,
    machine,
    median,
    quick,
    ratio,
    rotated,
    say,
    settle_heap,
    si,
    table,
    write_json,
)

MODES = ("book_only", "full", "decimal")
MODE_TITLES = {"book_only": "book-only", "full": "full path", "decimal": "full path, Decimal reads"}


@dataclass(frozen=True)
class Shape:
    key: str
    title: str
    levels: int
    uniform: bool
    updates: int
    quick_updates: int


SHAPES = [
    Shape("near_top", "near the top", BOOK_LEVELS, False, 1_000_000, 200_000),
    Shape("uniform_1k", "uniform depth", 1_000, True, 200_000, 50_000),
    Shape("uniform_10k", "uniform depth", 10_000, True, 200_000, 50_000),
    Shape("uniform_100k", "uniform depth", 100_000, True, 200_000, 50_000),
]
# An engine whose check pass over a workload runs slower than this is named and left out of that
# workload's timings (cryptofeed's lazily re-sorted index at 100k levels would take minutes).
SLOWEST_UPDATES_PER_SECOND = 20_000
PROBE_MESSAGES = 500


def modes_of(engine: Engine) -> tuple[str, ...]:
    return MODES if engine.has_decimal_reads else MODES[:2]


def replay(engine: Engine, mode: str, workload: Any, parsed: Any) -> None:
    if mode == "book_only":
        engine.replay_parsed(parsed)
    elif mode == "full":
        engine.replay_full(workload.messages)
    else:
        engine.replay_decimal(workload.messages)


def check_same_book(engines: list[Engine], workload: Any, parsed: dict[str, Any]) -> dict[str, str]:
    """Replay everything once per engine and mode (this also warms up); returns why each failed engine failed."""
    reference = None
    failures: dict[str, str] = {}
    for engine in engines:
        # A short probe first, so that an engine far too slow for this workload costs seconds, not hours.
        engine.load(workload)
        probe = workload.messages[:PROBE_MESSAGES]
        began = time.perf_counter()
        engine.replay_full(probe)
        rate = sum(len(m.bids) + len(m.asks) for m in probe) / (time.perf_counter() - began)
        if rate < SLOWEST_UPDATES_PER_SECOND:
            failures[engine.name] = f"too slow to time: {si(rate, 'upd/s')} (full path, first {len(probe)} messages)"
            continue
        for mode in modes_of(engine):
            engine.load(workload)
            replay(engine, mode, workload, parsed[engine.name])
            bids, asks = engine.levels()
            if reference is None:
                reference = (bids, asks)
                continue
            if (bids, asks) != reference:
                ref_bids, ref_asks = reference
                failures[engine.name] = (
                    f"{MODE_TITLES[mode]}: book differs from clobconn's "
                    f"({len(bids)}/{len(asks)} levels vs {len(ref_bids)}/{len(ref_asks)}; "
                    f"top {bids[:1]}/{asks[:1]} vs {ref_bids[:1]}/{ref_asks[:1]})")
                break
    return failures


def run_shape(shape: Shape, all_engines: list[Engine], rounds: int) -> dict[str, Any]:
    updates = shape.quick_updates if quick() else shape.updates
    heading(f"1. Order book engine, {shape.title}: {updates:,} level updates on a {shape.levels:,}-level-a-side book")
    started = time.perf_counter()
    workload = generate(updates, levels=shape.levels, uniform=shape.uniform)
    where = ("uniformly over the whole book and 10% past it" if shape.uniform
             else f"mean depth {MEAN_UPDATE_DEPTH:.0f} levels")
    say(f"workload: seed-generated in {time.perf_counter() - started:.1f}s; {len(workload.messages):,} messages "
        f"of 10 updates, {where}, {DELETE_SHARE:.0%} deletions; reads: best bid+ask every 10 updates, "
        f"top 20 a side every 100")
    parsed = {engine.name: engine.parse(workload.messages) for engine in all_engines}
    failures = check_same_book(all_engines, workload, parsed)
    for name, why in failures.items():
        say(f"LEFT OUT {name}: {why}")
    engines = [e for e in all_engines if e.name not in failures]
    final_bids, final_asks = engines[0].levels()
    say(f"same final book in every engine: {len(final_bids)} bids / {len(final_asks)} asks, "
        f"best {final_bids[0][0]} / {final_asks[0][0]}")

    # The workload and the parsed copies are ours, not the engines': keep them out of every collection.
    settle_heap()
    seconds: dict[str, dict[str, list[float]]] = {e.name: {m: [] for m in modes_of(e)} for e in engines}
    for round_index in range(rounds):
        for engine in rotated(engines, round_index):
            for mode in modes_of(engine):
                engine.load(workload)
                gc.collect()
                began = time.perf_counter()
                replay(engine, mode, workload, parsed[engine.name])
                seconds[engine.name][mode].append(time.perf_counter() - began)
        say(f"  round {round_index + 1}/{rounds} done")
    gc.unfreeze()
    del parsed, workload
    gc.collect()

    rates = {name: {mode: updates / median(times) for mode, times in by_mode.items()}
             for name, by_mode in seconds.items()}
    ours = rates.get("clobconn", {})
    rows = []
    results: dict[str, Any] = {}
    for engine in engines:
        rate = rates[engine.name]
        versus = {mode: (ours[mode] / rate[mode]) if mode in rate and mode in ours and engine.name != "clobconn"
                  else None for mode in MODES}
        rows.append([engine.name, engine.version,
                     *(si(rate.get(mode), "upd/s") for mode in MODES),
                     *(ratio(versus[mode]) for mode in MODES)])
        results[engine.name] = {
            "version": engine.version,
            "updates_per_second": rate,
            "nanoseconds_per_update": {mode: 1e9 / r for mode, r in rate.items()},
            "clobconn_ratio": versus,
            "seconds": seconds[engine.name],
        }
    decimal_cost = ours["full"] / ours["decimal"] if "decimal" in ours else None
    say("")
    say(table(["engine", "version", "book-only", "full path", "+ Decimal reads",
               "clobconn÷ book-only", "clobconn÷ full", "clobconn÷ Decimal"], rows))
    say(f"(medians of {rounds} interleaved rounds; clobconn÷X > 1 means clobconn is faster; the dict ceiling "
        f"keeps no order and does no reads; clobconn's Decimal reads cost {ratio(decimal_cost)} its float reads)")
    return {
        "title": shape.title,
        "levels_a_side": shape.levels,
        "uniform": shape.uniform,
        "updates": updates,
        "rounds": rounds,
        "engines": results,
        "left_out": failures,
        "clobconn_decimal_over_float_reads": decimal_cost,
        "final_book": {"bids": len(final_bids), "asks": len(final_asks),
                       "best_bid": final_bids[0][0], "best_ask": final_asks[0][0]},
    }


def main() -> None:
    args = arguments(__doc__ or "")
    rounds = 3 if quick() else 5
    engines, missing = available_engines()
    for name, why in missing.items():
        say(f"MISSING {name}: {why}")
    shapes: dict[str, Any] = {}
    for shape in SHAPES:
        shapes[shape.key] = run_shape(shape, engines, rounds if shape.key == "near_top" else 3)
    near_top = shapes["near_top"]
    write_json(args.out, {
        "machine": machine(),
        # The near-top workload's figures stay at the top level, where run.py and older results read them.
        **near_top,
        "missing": missing,
        "shapes": shapes,
    })


if __name__ == "__main__":
    main()
