"""Section 1: the order book engine against the peers, interleaved in one process.

Every engine replays the same seeded workload (see book_workload.py) twice per round: with the
levels already floats ("book-only") and from the venue's strings ("from strings"). Before any
timing, each engine's final book is compared, level by level, with clobconn's; an engine that
ends elsewhere is reported and left out of the table.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from benchmarks.book_engines import Engine, available_engines
from benchmarks.book_workload import BOOK_LEVELS, DELETE_SHARE, MEAN_UPDATE_DEPTH, generate
from benchmarks.common import (
    arguments,
    heading,
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

MODES = ("book_only", "from_strings")
MODE_TITLES = {"book_only": "book-only", "from_strings": "from strings"}


def replay(engine: Engine, mode: str, workload: Any, parsed: Any) -> None:
    if mode == "book_only":
        engine.replay_parsed(parsed)
    else:
        engine.replay_strings(workload.messages)


def check_same_book(engines: list[Engine], workload: Any, parsed: dict[str, Any]) -> dict[str, str]:
    """Replay everything once per engine and mode (this also warms up); returns why each failed engine failed."""
    reference = None
    failures: dict[str, str] = {}
    for engine in engines:
        for mode in MODES:
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


def main() -> None:
    args = arguments(__doc__ or "")
    updates = 200_000 if quick() else 1_000_000
    rounds = 3 if quick() else 5

    heading(f"1. Order book engine: {updates:,} level updates on a {BOOK_LEVELS:,}-level-a-side book")
    started = time.perf_counter()
    workload = generate(updates)
    say(f"workload: seed-generated in {time.perf_counter() - started:.1f}s; {len(workload.messages):,} messages "
        f"of 10 updates, mean depth {MEAN_UPDATE_DEPTH:.0f} levels, {DELETE_SHARE:.0%} deletions; reads: best "
        f"bid+ask every 10 updates, top 20 a side every 100")

    engines, missing = available_engines()
    for name, why in missing.items():
        say(f"MISSING {name}: {why}")
    parsed = {engine.name: engine.parse(workload.messages) for engine in engines}

    failures = check_same_book(engines, workload, parsed)
    for name, why in failures.items():
        say(f"MISMATCH {name}: {why}; left out of the timings")
    engines = [e for e in engines if e.name not in failures]
    final_bids, final_asks = engines[0].levels()
    say(f"same final book in every engine: {len(final_bids)} bids / {len(final_asks)} asks, "
        f"best {final_bids[0][0]} / {final_asks[0][0]}")

    # The workload and the parsed copies are ours, not the engines': keep them out of every collection.
    settle_heap()
    seconds: dict[str, dict[str, list[float]]] = {e.name: {m: [] for m in MODES} for e in engines}
    for round_index in range(rounds):
        for engine in rotated(engines, round_index):
            for mode in MODES:
                engine.load(workload)
                gc.collect()
                began = time.perf_counter()
                replay(engine, mode, workload, parsed[engine.name])
                seconds[engine.name][mode].append(time.perf_counter() - began)
        say(f"  round {round_index + 1}/{rounds} done")

    rates = {name: {mode: updates / median(times) for mode, times in by_mode.items()}
             for name, by_mode in seconds.items()}
    ours = rates.get("clobconn")
    rows = []
    results: dict[str, Any] = {}
    for engine in engines:
        rate = rates[engine.name]
        versus = {mode: (ours[mode] / rate[mode]) if ours and engine.name != "clobconn" else None for mode in MODES}
        rows.append([engine.name, engine.version, si(rate["book_only"], "upd/s"), si(rate["from_strings"], "upd/s"),
                     ratio(versus["book_only"]), ratio(versus["from_strings"])])
        results[engine.name] = {
            "version": engine.version,
            "updates_per_second": rate,
            "clobconn_ratio": versus,
            "seconds": seconds[engine.name],
        }
    say("")
    say(table(["engine", "version", "book-only", "from strings", "clobconn÷ (book-only)", "clobconn÷ (strings)"],
              rows))
    say(f"(medians of {rounds} interleaved rounds; clobconn÷X > 1 means clobconn is faster; the dict ceiling "
        f"keeps no order and does no reads)")
    write_json(args.out, {
        "updates": updates,
        "rounds": rounds,
        "engines": results,
        "missing": missing,
        "mismatched": failures,
        "final_book": {"bids": len(final_bids), "asks": len(final_asks),
                       "best_bid": final_bids[0][0], "best_ask": final_asks[0][0]},
    })


if __name__ == "__main__":
    main()
