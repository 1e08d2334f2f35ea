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
    for key, shape in book.get("shapes", {"near_top": book}).items():
        for name, figures in shape["engines"].items():
            versus = figures["clobconn_ratio"]
            if name == "clobconn" or versus["full"] is None:
                continue
            lines.append(f"{key}: clobconn vs {name}: {ratio(versus['full'])} full path, "
                         f"{ratio(versus['book_only'])} book-only")
    return lines


Target = tuple[str, str, bool | None]


def _check(results: dict[str, Any], section: str, judge: Callable[[Any], Target], missing: str) -> Target:
    if section not in results:
        return missing, "no figure (section failed)", None
    try:
        return judge(results[section])
    except (KeyError, TypeError, ValueError, StopIteration, ZeroDivisionError) as exc:
        return missing, f"no figure ({type(exc).__name__}: {exc})", None


def targets(results: dict[str, Any]) -> list[Target]:
    def versus_hummingbot(key: str, floor: float) -> Callable[[Any], Target]:
        def judge(book: Any) -> Target:
            shape = book["shapes"][key]
            title = f"book full path ≥ {floor:g}x Hummingbot, {shape['title']}, {shape['levels_a_side']:,} levels"
            hummingbot = shape["engines"].get("hummingbot")
            if hummingbot is None:
                return title, "no figure (Hummingbot missing or left out)", None
            versus = hummingbot["clobconn_ratio"]["full"]
            ns = shape["engines"]["clobconn"]["nanoseconds_per_update"]["full"]
            return title, f"{versus:.2f}x ({ns:.0f} ns per update)", versus >= floor
        return judge

    def dict_ceiling(book: Any) -> Target:
        versus = book["shapes"]["near_top"]["engines"]["dict ceiling"]["clobconn_ratio"]["book_only"]
        return "book-only ≥ 0.40x the bare dict ceiling (near the top)", f"{versus:.2f}x", versus >= 0.40

    def decimal_reads(book: Any) -> Target:
        cost = book["shapes"]["near_top"]["clobconn_decimal_over_float_reads"]
        return ("Decimal API timed: full path with Decimal reads ÷ with float reads (no goal)",
                f"{cost:.2f}x the time", None)

    def pipeline_rate(pipeline: Any) -> Target:
        summary = pipeline["summary"]
        rate = summary["messages_per_second"]
        return ("≥ 100k ten-level messages/s (≥ 1M levels/s) through the pipeline, one core",
                f"{si(rate)} msg/s, {si(summary['levels_per_second'])} levels/s", rate >= 100_000)

    def at_10k(pipeline: Any) -> tuple[Any, Any]:
        return (next(lat for lat in pipeline["latency"] if lat["rate"] == 10_000),
                next(lat for lat in pipeline["floor"] if lat["rate"] == 10_000))

    def pipeline_latency(pipeline: Any) -> Target:
        ours, floor = at_10k(pipeline)
        client = pipeline["summary"].get("ws_client", "aiohttp")
        return ("pooled p99 frame→book < 100 µs (at 10k msg/s)",
                f"{micros(ours['p99'])} (bare {client} floor {micros(floor['p99'])})", ours["p99"] < 100e-6)

    def pipeline_over_floor(pipeline: Any) -> Target:
        ours, floor = at_10k(pipeline)
        over = ours["p99"] / floor["p99"]
        return (f"pooled p99 frame→book ≤ 1.5x the bare-socket floor's (at 10k msg/s, "
                f"{pipeline['summary'].get('ws_client', 'aiohttp')})",
                f"{over:.2f}x ({micros(ours['p99'])} ÷ {micros(floor['p99'])})", over <= 1.5)

    def loop_lag(scale: Any) -> Target:
        at_500 = next(c for c in scale["counts"] if c["pairs"] == 500)
        worst = max(run["lag_p99"] for run in at_500["runs"])
        return "p99 event-loop lag < 5 ms at 500 pairs", f"{micros(worst)} (worst of staggered/aligned)", worst < 5e-3

    def book_memory(scale: Any) -> Target:
        per_book = scale["bare_book"]["rss_per_book"]
        return ("≤ 150 KiB per 1,000-level-a-side book",
                f"{per_book / 1024:.0f} KiB per bare book", per_book <= 150 * 1024)

    def order_cost(orders: Any) -> Target:
        to_wire = orders["call_to_wire_p50"]
        return ("< 100 µs per order on the client side (call → bytes in the socket), REST",
                f"{micros(to_wire)} p50, {micros(orders['call_to_wire_p99'])} p99", to_wire < 100e-6)

    def ws_order_cost(orders: Any) -> Target:
        ws = orders["websocket"]
        to_wire = ws["call_to_wire_p50"]
        return ("< 100 µs per order on the client side (call → bytes in the socket), WS-API",
                f"{micros(to_wire)} p50, {micros(ws['call_to_wire_p99'])} p99", to_wire < 100e-6)

    def ws_orders(orders: Any) -> Target:
        if "websocket" not in orders:
            return "orders over the venue's WebSocket trading API, beside REST", "not built (REST only)", False
        ratio = orders["call_to_wire_p50"] / orders["websocket"]["call_to_wire_p50"]
        return ("orders over the venue's WebSocket trading API, beside REST",
                f"Binance WS-API; call → wire {ratio:.1f}x faster than REST (p50)", True)

    return [
        _check(results, "order_book", versus_hummingbot("near_top", 2), "book full path ≥ 2x Hummingbot, near top"),
        _check(results, "order_book", versus_hummingbot("uniform_1k", 2), "book full path ≥ 2x Hummingbot, 1k"),
        _check(results, "order_book", versus_hummingbot("uniform_10k", 2), "book full path ≥ 2x Hummingbot, 10k"),
        _check(results, "order_book", versus_hummingbot("uniform_100k", 1), "book ≥ Hummingbot at 100k levels"),
        _check(results, "order_book", dict_ceiling, "book-only ≥ 0.40x the dict ceiling"),
        _check(results, "order_book", decimal_reads, "Decimal API timed"),
        _check(results, "scale", book_memory, "≤ 150 KiB per 1,000-level book"),
        _check(results, "pipeline", pipeline_rate, "≥ 100k messages/s through the pipeline"),
        _check(results, "pipeline", pipeline_latency, "p99 frame→book < 100 µs"),
        _check(results, "pipeline", pipeline_over_floor, "p99 frame→book ≤ 1.5x the floor"),
        _check(results, "scale", loop_lag, "p99 loop lag < 5 ms at 500 pairs"),
        _check(results, "order_path", order_cost, "< 100 µs per order, client side"),
        _check(results, "order_path", ws_order_cost, "< 100 µs per order, client side, WS-API"),
        _check(results, "order_path", ws_orders, "orders over the WebSocket trading API"),
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
              [[name, figure, {True: "met", False: "MISSED", None: "(figure)"}[met]]
               for name, figure, met in verdicts]))
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
