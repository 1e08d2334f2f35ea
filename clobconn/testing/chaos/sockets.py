"""Sockets dropped, reset or gone silent: each must reconnect (with its jittered backoff), restore every
subscription, bring the user stream back and the book synced again; and a fill the venue made while the
socket was down must be counted exactly once.

Three kinds of fault, chosen at random (each at least once in the full run):
- drop: the venue closes the socket (a close frame);
- reset: the TCP connection is aborted with an RST, no close frame;
- silent: the venue keeps the TCP connection open but sends nothing and reads nothing (pings unanswered);
  only the connector's heartbeat or idle timeout can tell.

Idle timeouts are the venues' (30 to 60 s), so the family runs with every connector timer compressed by
``TIME_FACTOR`` (``clobconn.core.timers``): a silent socket is caught in a few real seconds, as it would
be in 30 to 60 s against the venue. Recovery times are real seconds, backoff included (never compressed).

Before each fault an order rests on the venue; while the socket is down the venue fills it: its REST
status and fills say so, and the user stream reports it unless the user stream is the socket that is
down (then only the reconciliation made once it is back can find it). The order must complete with that
fill once, and the stream reporting the same trade again afterwards must not count it twice.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from clobconn.core.data_types import OrderState
from clobconn.core.events import EventType
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult, milliseconds, percentile
from clobconn.testing.helpers import eventually
from clobconn.testing.mock_venue import MockVenue
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "sockets"
KINDS = ("drop", "reset", "silent")
# Past the stream's backoff cap (30 s) plus a compressed idle timeout: faults in quick succession back
# off, as they must.
RECOVER_WITHIN = 45.0
# Venue idle timeouts of 30-60 s become 1-2 s (quick) or 3-6 s (full).
TIME_FACTOR = 10.0
QUICK_TIME_FACTOR = 30.0
# How long the order's fill may take to be found once the socket is back: a slow poll (60 s venue time,
# compressed) and the core's grace for fills.
FILL_FOUND_WITHIN = 20.0


def time_compression(quick: bool) -> tuple[float, bool]:
    """The factor every connector timer runs faster by in this family, and whether idle timeouts too."""
    return (QUICK_TIME_FACTOR if quick else TIME_FACTOR), True


def inject(venue: MockVenue, kind: str, path: str) -> Callable[[], Any]:
    if kind == "drop":
        return functools.partial(venue.drop, path)
    if kind == "reset":
        return functools.partial(_now, venue.reset, path)
    return functools.partial(_now, venue.silence, path)


async def _now(fault: Callable[[str], int], path: str) -> None:
    fault(path)


# A frame no venue sends, pushed on every socket the venue has not silenced: a live venue's sockets are
# never quiet for a compressed idle timeout (1-6 s), while the mock venue says nothing unless scripted.
KEEPALIVE = {"chaos": "keepalive"}
KEEPALIVE_EVERY = 0.25


async def keep_talking(venue: MockVenue, paths: list[str]) -> None:
    while True:
        for path in paths:
            await venue.push(path, KEEPALIVE)
        await asyncio.sleep(KEEPALIVE_EVERY)


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    paths = sorted({suite.public_ws_path, suite.user_ws_path, *suite.role_ws_paths.values()})
    talking = asyncio.create_task(keep_talking(suite.venue, paths))
    try:
        await _run(suite, ctx, result)
    finally:
        talking.cancel()
        await asyncio.wait({talking})


async def _run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(FAMILY)
    conn = suite.conn
    paths = sorted({suite.public_ws_path, suite.user_ws_path, *suite.role_ws_paths.values()})
    first_subscriptions = {path: len(suite.venue.endpoint(path).sessions[0])
                           for path in paths if suite.venue.connections(path)}
    kinds = [rng.choice(KINDS)] if ctx.quick else [*KINDS, *KINDS]
    rng.shuffle(kinds)
    injected = {kind: 0 for kind in KINDS}
    recovered = {kind: 0 for kind in KINDS}
    recovery: dict[str, list[float]] = {kind: [] for kind in KINDS}
    unrestored = lost = doubled = 0
    failures: list[str] = []
    for number, kind in enumerate(kinds):
        path = rng.choice(sorted(first_subscriptions))
        client_id = await suite.open_order()
        before = suite.venue.connections(path)
        started = time.monotonic()
        await inject(suite.venue, kind, path)()
        injected[kind] += 1
        # The venue fills the order while the socket is down: its REST answers know, its stream cannot.
        filled = suite.order_vars(client_id, state=OrderState.FILLED, cum_amount=suite.order_amount,
                                  fill_amount=suite.order_amount, trade_id=str(7100 + number))
        suite.serve("order_status", suite.reply("order_status", filled))
        suite.serve("order_fills", suite.reply("order_fills", filled))
        if path != suite.user_ws_path and suite.venue.live_connections(suite.user_ws_path):
            # The user stream is up: the venue reports the fill on it at once.
            await suite.push_user("user_fill", **filled)
        try:
            await suite.venue.wait_for_connections(path, count=before + 1, timeout=RECOVER_WITHIN)
            await eventually(lambda: conn.ready and conn.get_order_book(suite.trading_pair).is_synced
                             and bool(conn.status_dict.get("user_stream_connected", True)),
                             timeout=RECOVER_WITHIN, what="ready again")
            session, wanted = suite.venue.endpoint(path).sessions[-1], first_subscriptions[path]
            await eventually(functools.partial(_holds, session, wanted), timeout=RECOVER_WITHIN,
                             what="subscriptions restored")
        except AssertionError as exc:
            unrestored += 1
            failures.append(f"{kind} on {path}: {exc}")
        else:
            recovered[kind] += 1
            recovery[kind].append(time.monotonic() - started)
        fills = await _fills_counted(suite, client_id, filled)
        lost += fills == 0
        doubled += fills > 1
        if fills != 1:
            failures.append(f"{kind} on {path}: the fill made while down counted {fills} times")
    factor, _ = time_compression(ctx.quick)
    result.add("timers compressed", f"x{factor:g}")
    for kind in KINDS:
        result.add(f"{kind}s", injected[kind])
        result.add(f"{kind} recoveries", recovered[kind])
        result.add(f"{kind} p50 recovery", milliseconds(percentile(recovery[kind], 50)))
        result.add(f"{kind} p99 recovery", milliseconds(percentile(recovery[kind], 99)))
    result.add("not recovered", unrestored, must_be_zero=True)
    result.add("fills lost", lost, must_be_zero=True)
    result.add("fills doubled", doubled, must_be_zero=True)
    if failures:
        result.error = "; ".join(failures[:2])


async def _fills_counted(suite: ConformanceSuiteBase, client_id: str, filled: dict[str, Any]) -> int:
    """How many times the fill made while the socket was down was counted: once the order completes
    (found by the poll), the stream reports the same trade late, which must change nothing."""
    def fills() -> list[Any]:
        return [e for e in suite.events(EventType.ORDER_FILLED) if e.client_order_id == client_id]

    def completed() -> bool:
        return any(e.client_order_id == client_id for e in suite.events(EventType.ORDER_COMPLETED))

    try:
        await eventually(completed, timeout=FILL_FOUND_WITHIN, what="the fill made while down, found")
    except AssertionError:
        return len(fills())
    try:
        await suite.push_user("user_fill", **filled)
    except AssertionError:
        pass  # no user stream to push to: the poll's count stands
    else:
        # The late report is handled within a few loop turns; give it time to (wrongly) count.
        await asyncio.sleep(0.2)
    counted = fills()
    if sum(e.trade.fill_base_amount for e in counted) > suite.order_amount:
        return max(len(counted), 2)  # the right number of events, but more than was filled
    return len(counted)


def _holds(session: list[Any], messages: int) -> bool:
    """The new socket carries at least as many messages (subscriptions, login) as the first one did."""
    return len(session) >= messages
