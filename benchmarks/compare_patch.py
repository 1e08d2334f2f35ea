"""Before/after figures for a proposed core patch, interleaved in one run.

    benchmarks/.venv-peers/bin/python -m benchmarks.compare_patch <name>.patch \\
        --section pipeline --rounds 3

Copies the work tree twice into a scratch directory, applies the patch to one copy (``git apply``),
and runs the section's script alternately in each copy (before, after, before, after, ...): each
copy's own ``clobconn`` is the one imported, since ``python -m`` puts the working directory first
on the path. Prints the medians of the section's headline figures. The work tree is not touched.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, micros, read_json, say, si, table

Figure = tuple[str, Callable[[Any], float], Callable[[float], str]]


def _kib(value: float) -> str:
    return f"{value / 1024:.0f} KiB"


def _at(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(row for row in rows if all(row[k] == v for k, v in match.items()))


FIGURES: dict[str, tuple[str, list[Figure]]] = {
    "order_book": ("benchmarks.bench_book", [
        ("full path, near top (upd/s)", lambda r: r["engines"]["clobconn"]["updates_per_second"]["full"], si),
        ("book-only, near top (upd/s)", lambda r: r["engines"]["clobconn"]["updates_per_second"]["book_only"], si),
        ("Decimal reads, near top (upd/s)",
         lambda r: r["engines"]["clobconn"]["updates_per_second"]["decimal"], si),
        ("full path, uniform 10k (upd/s)",
         lambda r: r["shapes"]["uniform_10k"]["engines"]["clobconn"]["updates_per_second"]["full"], si),
        ("full path, uniform 100k (upd/s)",
         lambda r: r["shapes"]["uniform_100k"]["engines"]["clobconn"]["updates_per_second"]["full"], si),
    ]),
    "pipeline": ("benchmarks.bench_pipeline", [
        ("messages/s", lambda r: r["summary"]["messages_per_second"], si),
        ("client CPU per message", lambda r: r["summary"]["client_cpu_per_message"], micros),
        ("p50 frame→book at 10k/s", lambda r: _at(r["latency"], rate=10_000)["p50"], micros),
        ("p99 frame→book at 10k/s", lambda r: _at(r["latency"], rate=10_000)["p99"], micros),
    ]),
    "scale": ("benchmarks.bench_scale", [
        ("lag p99, 500 pairs aligned",
         lambda r: _at(_at(r["counts"], pairs=500)["runs"], aligned=True)["lag_p99"], micros),
        ("CPU/msg, 500 pairs staggered",
         lambda r: _at(_at(r["counts"], pairs=500)["runs"], aligned=False)["cpu_per_message"], micros),
        ("RSS per pair, 500 pairs", lambda r: _at(r["counts"], pairs=500)["rss_per_pair"], _kib),
        ("bare 1,000-a-side book", lambda r: r["bare_book"]["rss_per_book"], _kib),
    ]),
    "order_path": ("benchmarks.bench_orders", [
        ("call → wire p50 (REST)", lambda r: r["call_to_wire_p50"], micros),
        ("call → wire p50 (WS-API)", lambda r: r["websocket"]["call_to_wire_p50"], micros),
        ("client user CPU per order", lambda r: r["client_user_cpu_per_order"], micros),
    ]),
}


def copy_tree(destination: Path) -> None:
    """The work tree without virtualenvs, caches or results."""
    skip = {".git", ".venv", ".venv-peers", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__", "results"}

    def keep(member: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if skip & set(Path(member.name).parts) else member

    archive = destination.with_suffix(".tar")
    with tarfile.open(archive, "w") as tar:
        tar.add(REPO, arcname=".", filter=keep)
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="data")
    archive.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("patch", type=Path)
    parser.add_argument("--section", choices=sorted(FIGURES), required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    module, figures = FIGURES[args.section]

    with tempfile.TemporaryDirectory() as scratch:
        trees = {"before": Path(scratch) / "before", "after": Path(scratch) / "after"}
        for tree in trees.values():
            copy_tree(tree)
        subprocess.run(["git", "apply", str(args.patch.resolve())], cwd=trees["after"], check=True)
        runs: dict[str, list[Any]] = {"before": [], "after": []}
        for round_index in range(args.rounds):
            for label, tree in trees.items():
                say(f"-- round {round_index + 1}/{args.rounds}: {label}")
                out = Path(scratch) / f"{label}-{round_index}.json"
                subprocess.run([sys.executable, "-m", module, "--out", str(out)], cwd=tree, check=True)
                runs[label].append(read_json(out))

    rows = []
    for name, pick, show in figures:
        before = statistics.median(pick(r) for r in runs["before"])
        after = statistics.median(pick(r) for r in runs["after"])
        rows.append([name, show(before), show(after), f"{after / before:.2f}x" if before else "-"])
    say("")
    say(f"{args.patch.name}, section {args.section}: medians of {args.rounds} interleaved runs each")
    say(table(["figure", "before", "after", "after ÷ before"], rows))


if __name__ == "__main__":
    main()
