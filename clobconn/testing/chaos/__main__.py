"""``python -m clobconn.testing.chaos [--quick] [--seed N] [--json PATH] [connector ...]``"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from clobconn.testing.chaos.report import summary
from clobconn.testing.chaos.runner import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clobconn.testing.chaos", description=__doc__)
    parser.add_argument("connectors", nargs="*", help="connector ids (default: every registered one)")
    parser.add_argument("--quick", action="store_true", help="a few seconds per connector")
    parser.add_argument("--seed", type=int, default=None, help="replay a run (its seed is printed first)")
    parser.add_argument("--json", type=Path, default=Path("chaos-report.json"), help="where the figures go")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.connectors or None, seed=args.seed, quick=args.quick))
    print(summary(report))
    report.write_json(args.json)
    print(f"figures written to {args.json}")
    for failure in report.failures:
        print(f"FAILED {failure}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
