"""``make bench``: every section in turn, then the ratios and the targets, and results/latest.json.

Each section runs in its own interpreter (so none inherits another's heap or warm caches) and
writes its figures to benchmarks/results/<section>.json; this script prints the machine, streams
the sections' tables, then gathers everything into benchmarks/results/latest.json. A section that
fails is reported and the others still run; the exit status is then non-zero.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import (
    RESULTS,
    heading,
    machine,
    machine_line,
    micros,
    quick,
    ratio,
    read_json,
    say,
    si,
    table,
    write_json,
)

SECTIONS = [
    ("order_book", "benchmarks.bench_book"),
    ("pipeline", "benchmarks.bench_pipeline"),
    ("scale", "benchmarks.bench_scale"),
    ("order_path", "benchmarks.bench_orders"),
]


def run_sections() -> tuple[dict[str, Any], dict[str, str]]:
    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name, module in SECTIONS:
        out = RESULTS / f"{name}.json"
        out.unlink(missing_ok=True)
        began = time.perf_counter()
        finished = subprocess.run([sys.executable, "-m", module, "--out", str(out)], check=False)
        if finished.returncode != 0 or not out.exists():
            failures[name] = f"{module} exited with status {finished.returncode}"
            say(f"FAILED: {failures[name]}")
            continue
        results[name] = read_json(out)
        say(f"({name}: {time.perf_counter() - began:.0f}s)")
    return results, failures


def peer_ratios(book: dict[str, Any]) -> list[str]:
    lines = []
    for name, figures in book["engines"].items():
        versus = figures["clobconn_ratio"]
        if name == "clobconn" or versus["from_strings"] is None:
            continue
        lines.append(f"clobconn vs {name}: {ratio(versus['from_strings'])} from strings, "
                     f"{ratio(versus['book_only'])} book-only")
    return lines


Target = tuple[str, str, bool | None]


def _check(results: dict[str, Any], section: str, judge: Callable[[Any], Target], missing: str) -> Target:
    if section not in results:
        return missing, "no figure (section failed)", None
    try:
        return judge(results[section])
    except (KeyError, TypeError, ValueError) as exc:
        return missing, f"no figure ({type(exc).__name__}: {exc})", None


def targets(results: dict[str, Any]) -> list[Target]:
    def book_vs_hummingbot(book: Any) -> Target:
        versus = book["engines"]["hummingbot"]["clobconn_ratio"]["from_strings"]
        return "book from strings ≥ 2x Hummingbot's rate", f"{versus:.2f}x", versus >= 2

    def pipeline_rate(pipeline: Any) -> Target:
        summary = pipeline["summary"]
        rate = summary["messages_per_second"]
        return ("≥ 100k ten-level messages/s (≥ 1M levels/s) through the pipeline, one core",
                f"{si(rate)} msg/s, {si(summary['levels_per_second'])} levels/s", rate >= 100_000)

    def pipeline_latency(pipeline: Any) -> Target:
        at_10k = next(lat for lat in pipeline["latency"] if lat["rate"] == 10_000)
        floor = next(lat for lat in pipeline["floor"] if lat["rate"] == 10_000)
        return ("p99 frame→book < 100 µs (at 10k msg/s)",
                f"{micros(at_10k['p99'])} (bare aiohttp floor {micros(floor['p99'])})", at_10k["p99"] < 100e-6)

    def loop_lag(scale: Any) -> Target:
        at_500 = next(c for c in scale["counts"] if c["pairs"] == 500)
        worst = max(run["lag_p99"] for run in at_500["runs"])
        return "p99 event-loop lag < 5 ms at 500 pairs", f"{micros(worst)} (worst of staggered/aligned)", worst < 5e-3

    def book_memory(scale: Any) -> Target:
        per_book = scale["bare_book"]["rss_per_book"]
        return ("< 150 KB per 1,000-level book",
                f"{per_book / 1000:.0f} KB per 1,000-level-a-side book ({per_book / 2000:.0f} KB per 1,000 levels)",
                per_book < 150_000)

    def order_cost(orders: Any) -> Target:
        to_wire = orders["call_to_wire_p50"]
        return ("< 100 µs per order on the client side (call → bytes in the socket)",
                f"{micros(to_wire)} median", to_wire < 100e-6)

    return [
        _check(results, "order_book", book_vs_hummingbot, "book from strings ≥ 2x Hummingbot"),
        _check(results, "pipeline", pipeline_rate, "≥ 100k messages/s through the pipeline"),
        _check(results, "pipeline", pipeline_latency, "p99 frame→book < 100 µs"),
        _check(results, "scale", loop_lag, "p99 loop lag < 5 ms at 500 pairs"),
        _check(results, "scale", book_memory, "< 150 KB per 1,000-level book"),
        _check(results, "order_path", order_cost, "< 100 µs per order, client side"),
    ]


def main() -> None:
    facts = machine()
    began = time.perf_counter()
    say(f"clobconn benchmarks{' (BENCH_QUICK: short workload, not for quoting)' if quick() else ''}")
    say(f"machine: {machine_line(facts)}")
    results, failures = run_sections()

    heading("Ratios (clobconn's rate ÷ the peer's, same run; > 1 means clobconn is faster)")
    if "order_book" in results:
        for line in peer_ratios(results["order_book"]):
            say(line)
    heading("Targets")
    verdicts = targets(results)
    say(table(["target", "this run", "verdict"],
              [[name, figure, {True: "met", False: "MISSED", None: "-"}[met]] for name, figure, met in verdicts]))
    say(f"machine: {machine_line(facts)}")

    elapsed = time.perf_counter() - began
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS / "latest.json", {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick(),
        "seconds": elapsed,
        "machine": facts,
        "sections": results,
        "failures": failures,
        "targets": [{"target": name, "figure": figure, "met": met} for name, figure, met in verdicts],
    })
    say(f"results: {RESULTS / 'latest.json'} ({elapsed:.0f}s)")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
