"""Before/after for a change to ``OrderBook``'s layout: the book at a git revision and the work
tree's, side by side in one process, interleaved rounds.

    benchmarks/.venv-peers/bin/python -m benchmarks.compare_book_layouts --before 323a2be

Each round applies the pre-parsed levels of the seeded workloads (near the top of a 1,000-level
book; uniform over 1k, 10k and 100k levels) to a fresh book of each class, with the bench's reads
(best bid and ask after every message, the top 20 after every 10th), in alternating order; the
medians are printed, with the time to load the workload's snapshot.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.book_workload import TOP_N, TOP_N_EVERY, generate
from benchmarks.common import REPO, machine, machine_line, median, say, table

BOOK = "clobconn/core/order_book/order_book.py"
WORKLOADS = [(1_000, False, 500_000, 5), (1_000, True, 200_000, 5), (10_000, True, 200_000, 3),
             (100_000, True, 100_000, 3)]


def book_class(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.OrderBook


def measure(classes: dict[str, Any], levels: int, uniform: bool, updates: int, rounds: int) -> list[str]:
    workload = generate(updates, levels=levels, uniform=uniform)
    parsed = [([(float(p), float(s)) for p, s in m.bids], [(float(p), float(s)) for p, s in m.asks], m.update_id)
              for m in workload.messages]
    applying: dict[str, list[float]] = {name: [] for name in classes}
    loading: dict[str, list[float]] = {name: [] for name in classes}
    names = list(classes)
    for round_index in range(rounds):
        for name in names if round_index % 2 == 0 else names[::-1]:
            book = classes[name]("BTC-USDT")
            began = time.perf_counter()
            book.apply_snapshot(workload.snapshot_bids, workload.snapshot_asks, workload.snapshot_id)
            loading[name].append(time.perf_counter() - began)
            gc.collect()
            apply, best_bid, best_ask = book.apply_levels, book.best_bid_float, book.best_ask_float
            bid_levels, ask_levels = book.bid_levels, book.ask_levels
            began = time.perf_counter()
            for n, (bids, asks, update_id) in enumerate(parsed, 1):
                apply(bids, asks, update_id)
                best_bid(), best_ask()
                if n % TOP_N_EVERY == 0:
                    bid_levels(TOP_N), ask_levels(TOP_N)
            applying[name].append(time.perf_counter() - began)
    before, after = (median(applying[name]) / updates for name in names)
    load_before, load_after = (median(loading[name]) for name in names)
    return [f"{levels:,} levels, {'uniform' if uniform else 'near the top'}",
            f"{before * 1e9:.0f} ns", f"{after * 1e9:.0f} ns", f"{before / after:.2f}x",
            f"{load_before * 1e3:.1f} → {load_after * 1e3:.1f} ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the git revision whose OrderBook is 'before'")
    args = parser.parse_args()
    source = subprocess.run(["git", "show", f"{args.before}:{BOOK}"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout
    with tempfile.TemporaryDirectory() as scratch:
        before_path = Path(scratch) / "order_book_before.py"
        before_path.write_text(source)
        classes = {"before": book_class("order_book_before", before_path),
                   "after": book_class("order_book_after", REPO / BOOK)}
        say(f"machine: {machine_line(machine())}; before = {args.before}, after = the work tree")
        rows = [measure(classes, *workload) for workload in WORKLOADS]
    say(table(["workload (apply + reads, per update)", "before", "after", "after's speed", "snapshot load"], rows))


if __name__ == "__main__":
    main()
