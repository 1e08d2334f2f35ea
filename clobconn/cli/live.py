"""Live output: a rich view redrawn in place on a terminal, plain timestamped lines anywhere else.

Lines printed while the live view runs appear above it, so an event log and a book view share the
screen; without a terminal the same lines go straight to the output, in order, which is what a log
file or a README wants.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console, RenderableType
from rich.live import Live


class LiveOutput:
    def __init__(self, console: Console, render: Callable[[], RenderableType], plain: bool = False) -> None:
        self.console = console
        self.render = render
        # Plain output: no redrawing, just lines (forced, or because the output is not a terminal).
        self.plain = plain or not console.is_terminal
        self.started_at = time.monotonic()
        self._live: Live | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started_at

    def line(self, text: str) -> None:
        """One log line, prefixed with the seconds since the start."""
        stamped = f"{self.elapsed:6.2f}s  {text}"
        # Soft wrap and no markup: the text is printed exactly as given, one line per call.
        self.console.print(stamped, markup=False, highlight=False, soft_wrap=True)
        if self.plain:
            self.console.file.flush()

    def refresh(self) -> None:
        if self._live is not None:
            self._live.update(self.render())

    def __enter__(self) -> LiveOutput:
        if not self.plain:
            self._live = Live(self.render(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.update(self.render())
            self._live.__exit__(exc_type, exc, tb)
            self._live = None


async def follow(output: LiveOutput, seconds: float | None, plain_interval: float,
                 plain_snapshot: Callable[[], list[str]]) -> None:
    """Keep the view current for ``seconds`` (None: until cancelled).

    On a terminal the live view is redrawn four times a second; in plain mode ``plain_snapshot``'s
    lines are printed every ``plain_interval`` seconds instead.
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    next_snapshot = time.monotonic()
    while deadline is None or time.monotonic() < deadline:
        now = time.monotonic()
        if output.plain:
            if now >= next_snapshot:
                for text in plain_snapshot():
                    output.line(text)
                next_snapshot = now + plain_interval
            pause = next_snapshot - now
        else:
            output.refresh()
            pause = 0.25
        if deadline is not None:
            pause = min(pause, deadline - now)
        await asyncio.sleep(max(pause, 0.0))
