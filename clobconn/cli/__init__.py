"""The ``clobconn`` command: connectors, markets, live books, the sandbox venue and the demo.

``commands`` holds the thin click layer; ``demo``, ``book``, ``serve`` and ``venues`` do the work
and ``views`` draws it, so each piece can be used and tested without the command line.
"""

from __future__ import annotations

from collections.abc import Sequence

from clobconn.cli.commands import cli


def main(argv: Sequence[str] | None = None) -> None:
    """The console-script entry point; exits with the command's status."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="clobconn")


__all__ = ["cli", "main"]
