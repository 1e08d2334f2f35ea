"""The pipeline's candidates side by side, interleaved: WebSocket client by event loop, and the decoder.

    benchmarks/.venv-peers/bin/python -m benchmarks.compare_ws_clients --rounds 2

Runs section 2 (``bench_pipeline``) once per combination and round, in a fresh interpreter each
time, the order rotated every round (A B C D, B C D A, ...): aiohttp or picows as the streams'
client (``CLOBCONN_WS_CLIENT``), asyncio's loop or uvloop (``BENCH_LOOP``). Each run measures its
own floor: the same paced frames to a bare receive loop of that client on that loop. Prints the
medians over rounds of each combination's figures, and the p99 against both its own floor and the
aiohttp-on-asyncio floor of the same rounds.

Then the decoders, in this process: a Binance depth frame (the venue's own rendering, 10 levels)
to the fields the Binance parser reads, by ``orjson.loads`` plus dict access (what the stream does
today) and by msgspec decoding straight into a typed ``Struct``; best of several passes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, machine, machine_line, micros, read_json, say, si, table, write_json

COMBINATIONS = [("aiohttp", "asyncio"), ("picows", "asyncio"), ("aiohttp", "uvloop"), ("picows", "uvloop")]


def _at_10k(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return next(row for row in rows if row["rate"] == 10_000)


def run_once(client: str, loop: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "CLOBCONN_WS_CLIENT": client, "BENCH_LOOP": loop}
    subprocess.run([sys.executable, "-m", "benchmarks.bench_pipeline", "--out", str(out)], cwd=REPO, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = read_json(out)
    if result["summary"]["ws_client"] != client:
        raise RuntimeError(f"asked for {client}, the run used {result['summary']['ws_client']}")
    return result


def pipelines(rounds: int) -> dict[tuple[str, str], list[dict[str, Any]]]:
    results: dict[tuple[str, str], list[dict[str, Any]]] = {combo: [] for combo in COMBINATIONS}
    with tempfile.TemporaryDirectory() as scratch:
        for round_index in range(rounds):
            shift = round_index % len(COMBINATIONS)
            for client, loop in COMBINATIONS[shift:] + COMBINATIONS[:shift]:
                result = run_once(client, loop, Path(scratch) / f"{client}-{loop}-{round_index}.json")
                results[(client, loop)].append(result)
                say(f"  round {round_index + 1}/{rounds} {client}/{loop}: "
                    f"{si(result['summary']['messages_per_second'], 'msg/s')}, "
                    f"p99 at 10k {micros(_at_10k(result['latency'])['p99'])}")
    return results


def decoders(passes: int = 7, frames: int = 5_000) -> dict[str, float]:
    """Seconds per frame, best of ``passes``, for each way to go from frame text to the parser's fields."""
    import msgspec
    import orjson

    from benchmarks.loopback_venue import LoopbackVenue

    venue = LoopbackVenue()
    venue.prepare(["BTCUSDT"], frames)
    texts = venue.prepared["BTCUSDT"]
    raw = [text.encode() for text in texts]

    class DepthUpdate(msgspec.Struct):
        e: str
        E: int
        s: str
        U: int
        u: int
        b: list[tuple[str, str]]
        a: list[tuple[str, str]]

    typed = msgspec.json.Decoder(DepthUpdate)
    untyped = msgspec.json.Decoder()

    def with_orjson() -> None:
        for text in texts:
            data = orjson.loads(text)
            data = data.get("data", data)
            data.get("e", ""), data.get("s", ""), data["b"], data["a"], int(data["u"]), data["E"] / 1000
            int(data["U"]), data.get("pu")

    def with_msgspec_dict() -> None:
        for text in texts:
            data = untyped.decode(text)
            data = data.get("data", data)
            data.get("e", ""), data.get("s", ""), data["b"], data["a"], int(data["u"]), data["E"] / 1000
            int(data["U"]), data.get("pu")

    def with_msgspec_struct_from_bytes() -> None:
        for frame in raw:
            data = typed.decode(frame)
            data.e, data.s, data.b, data.a, data.u, data.E / 1000, data.U

    def with_msgspec_struct_from_str() -> None:
        for text in texts:
            data = typed.decode(text)
            data.e, data.s, data.b, data.a, data.u, data.E / 1000, data.U

    ways: dict[str, Callable[[], None]] = {
        "orjson.loads + dict access (today)": with_orjson,
        "msgspec, untyped (dict) + dict access": with_msgspec_dict,
        "msgspec, typed Struct, from str (what a text frame is)": with_msgspec_struct_from_str,
        "msgspec, typed Struct, from bytes": with_msgspec_struct_from_bytes,
    }
    best = {name: float("inf") for name in ways}
    for _ in range(passes):
        for name, way in ways.items():  # interleaved passes
            began = time.perf_counter()
            way()
            best[name] = min(best[name], (time.perf_counter() - began) / frames)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--decoders-only", action="store_true")
    args = parser.parse_args()
    say(f"machine: {machine_line(machine())}")
    rows = []
    summary: dict[str, Any] = {"machine": machine()}
    if not args.decoders_only:
        results = pipelines(args.rounds)
        base_floor = statistics.median(_at_10k(r["floor"])["p99"] for r in results[("aiohttp", "asyncio")])
        summary["pipelines"] = {}
        for (client, loop), runs in results.items():
            def med(pick: Callable[[dict[str, Any]], float], runs: list[dict[str, Any]] = runs) -> float:
                return statistics.median(pick(r) for r in runs)
            figures = {
                "messages_per_second": med(lambda r: r["summary"]["messages_per_second"]),
                "client_cpu_per_message": med(lambda r: r["summary"]["client_cpu_per_message"]),
                "floor_cpu_per_message": med(lambda r: r["floor_burst_cpu_per_message"]),
                "p50": med(lambda r: _at_10k(r["latency"])["p50"]),
                "p99": med(lambda r: _at_10k(r["latency"])["p99"]),
                "floor_p50": med(lambda r: _at_10k(r["floor"])["p50"]),
                "floor_p99": med(lambda r: _at_10k(r["floor"])["p99"]),
                "p99_1k": med(lambda r: next(x for x in r["latency"] if x["rate"] == 1_000)["p99"]),
                "floor_p99_1k": med(lambda r: next(x for x in r["floor"] if x["rate"] == 1_000)["p99"]),
            }
            summary["pipelines"][f"{client}/{loop}"] = figures
            rows.append([f"{client} / {loop}", si(figures["messages_per_second"]),
                         micros(figures["client_cpu_per_message"]), micros(figures["floor_cpu_per_message"]),
                         f"{micros(figures['p50'])} / {micros(figures['p99'])}",
                         f"{micros(figures['floor_p50'])} / {micros(figures['floor_p99'])}",
                         f"{figures['p99'] / figures['floor_p99']:.2f}x",
                         f"{figures['p99'] / base_floor:.2f}x",
                         f"{figures['p99_1k'] / figures['floor_p99_1k']:.2f}x"])
        say("")
        say(table(["client / loop", "msg/s", "CPU/msg", "bare client CPU/msg", "p50 / p99 at 10k/s",
                   "own floor p50 / p99", "p99 ÷ own floor", "p99 ÷ aiohttp floor", "at 1k/s: p99 ÷ own floor"], rows))
        say(f"(medians of {args.rounds} interleaved rounds; latency percentiles pooled within each run)")
    best = decoders()
    summary["decoders"] = best
    say("")
    say(table(["Binance depth frame (10 levels) → the parser's fields", "best, per frame"],
              [[name, micros(seconds)] for name, seconds in best.items()]))
    write_json(args.out, summary)


if __name__ == "__main__":
    main()
