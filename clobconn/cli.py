"""The ``clobconn`` command.

Until the sandbox venue lands, ``demo`` lists the registered connectors; ``connectors`` does too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from clobconn.core.registry import CONNECTORS, connector_class


def connectors_table() -> list[tuple[str, str, str, str, str]]:
    rows = []
    # Ids starting with "_" are teaching connectors for fictional venues (the _template).
    for connector_id in sorted(c for c in CONNECTORS if not c.startswith("_")):
        spec = connector_class(connector_id).spec
        rows.append((
            connector_id,
            "perpetual" if spec.is_perpetual else "spot",
            ", ".join(sorted(t.value for t in spec.order_types)),
            ", ".join(sorted(t.value for t in spec.time_in_force)),
            ", ".join(sorted(f.value for f in spec.features)) or "-",
        ))
    return rows


def print_connectors() -> None:
    header = ("connector", "market", "order types", "time in force", "features")
    rows = [header, *connectors_table()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clobconn", description="Async connectors for CLOB exchanges.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("connectors", help="list the registered connectors and their features")
    commands.add_parser("demo", help="the main job (lists the connectors until the sandbox venue lands)")
    args = parser.parse_args(argv)
    if args.command in ("connectors", "demo"):
        print_connectors()
    return 0


if __name__ == "__main__":
    sys.exit(main())
