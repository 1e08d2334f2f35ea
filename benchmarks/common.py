"""What every benchmark script shares: the machine's facts, statistics, the table printer, results files."""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import os
import platform
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"


def quick() -> bool:
    """BENCH_QUICK=1 runs a shorter workload: for trying the scripts, not for quoting."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, help="write this section's results as JSON here")
    return parser.parse_args()


def write_json(path: Path | None, data: Any) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


# -- the machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "clobconn"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    # A dirty core means the figures are for uncommitted code.
    return f"{head}+dirty" if dirty else head


def package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": memory_total_gib(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "clobconn_revision": git_revision(),
        "packages": {name: package_version(name) for name in
                     ("clobconn", "aiohttp", "orjson", "hummingbot", "ccxt", "order-book")},
    }


def machine_line(facts: dict[str, Any]) -> str:
    return (f"{facts['cpu']}, {facts['cores']} cores, {facts['memory_gib']} GiB; {facts['python']}; "
            f"clobconn {facts['clobconn_revision']}")


# -- process figures -----------------------------------------------------------------------------


def rss_bytes() -> int:
    """This process's resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def cpu_times() -> tuple[float, float]:
    """(user, kernel) CPU seconds used by this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def settle_heap() -> None:
    """Collect, then freeze what survives, so the benchmark's own data never costs a timed collection."""
    gc.collect()
    gc.freeze()


# -- statistics ----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def rotated(items: Sequence[Any], by: int) -> list[Any]:
    """Each round starts at a different item, so no one always runs first (or last)."""
    shift = by % len(items) if items else 0
    return list(items[shift:]) + list(items[:shift])


# -- printing ------------------------------------------------------------------------------------


def si(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.2f} {prefix}{unit}".rstrip()
    return f"{value:.1f} {unit}".rstrip()


def micros(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:.1f} µs"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        # Names left, figures right.
        return "  ".join([str(first).ljust(widths[0]), *(str(c).rjust(w) for c, w in zip(rest, widths[1:],
                                                                                          strict=True))])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def heading(title: str) -> None:
    print(f"\n== {title}", flush=True)


def say(text: str) -> None:
    print(text, flush=True)


def fail(text: str) -> None:
    print(f"ERROR: {text}", file=sys.stderr, flush=True)
