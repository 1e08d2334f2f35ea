"""The one knob that compresses every timer a connector runs, for soaks and chaos runs.

A connector's clocks are the venue's: polling intervals, listen-key keepalives, funding polls, the
heartbeat cadence, idle timeouts and a socket's lifetime (Binance's 24 hours). A test that wants an
hour of that life in a minute compresses them all by one factor instead of patching each connector:
every core timer asks ``timer(seconds)`` for how long to wait. Outside ``compressed_time`` the factor
is 1 and ``timer`` returns its argument.

Request timeouts and reconnect backoff are not timers of this kind: they measure the venue's answers
and the connector's manners, and stay in real seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_factor = 1.0
# Whether idle timeouts are compressed too. A compressed venue would ping and push as much faster; the
# mock venue does not, so a soak keeps them real (a quiet socket is not dead), while a chaos run that
# makes a socket silent compresses them to detect it in seconds.
_idle_compressed = True


def timer(seconds: float) -> float:
    """How long to wait for a timer of ``seconds`` venue time, under the current compression."""
    return seconds / _factor


def idle_timer(seconds: float) -> float:
    """How long a socket may stay silent before it counts as dead (``seconds`` of venue time): idle
    timeouts, and protocol pings, whose pong is due within half their interval."""
    return seconds / _factor if _idle_compressed else seconds


def time_factor() -> float:
    """How many seconds of venue time pass in one real second (1 unless compressed)."""
    return _factor


@contextmanager
def compressed_time(factor: float, idle_timeouts: bool = True) -> Iterator[None]:
    """Run every connector timer ``factor`` times faster while inside (idle timeouts too, unless
    ``idle_timeouts`` is False). Timers read the factor each time they wait. One compression at a time:
    the factor is the process's, not a task's, as the connector's tasks outlive the caller's context."""
    global _factor, _idle_compressed
    if not factor > 0:
        raise ValueError(f"a time factor must be positive, not {factor!r}")
    previous = _factor, _idle_compressed
    _factor, _idle_compressed = factor, idle_timeouts
    try:
        yield
    finally:
        _factor, _idle_compressed = previous
