"""Sockets dropped by the venue: each must reconnect, restore every subscription, bring the user stream
back and the book synced again."""

from __future__ import annotations

import functools
import time
from typing import Any

from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult, milliseconds, percentile
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "sockets"
# Past the stream's backoff cap (30 s): drops in quick succession back off, as they must.
RECOVER_WITHIN = 35.0


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(FAMILY)
    conn = suite.conn
    paths = sorted({suite.public_ws_path, suite.user_ws_path, *suite.role_ws_paths.values()})
    first_subscriptions = {path: len(suite.venue.endpoint(path).sessions[0])
                           for path in paths if suite.venue.connections(path)}
    rounds = 1 if ctx.quick else 4
    drops = recoveries = unrestored = 0
    recovery: list[float] = []
    for _ in range(rounds):
        path = rng.choice(sorted(first_subscriptions))
        before = suite.venue.connections(path)
        started = time.monotonic()
        await suite.venue.drop(path)
        drops += 1
        try:
            await suite.venue.wait_for_connections(path, count=before + 1, timeout=RECOVER_WITHIN)
            await eventually(lambda: conn.ready and conn.get_order_book(suite.trading_pair).is_synced
                             and bool(conn.status_dict.get("user_stream_connected", True)),
                             timeout=RECOVER_WITHIN, what="ready again")
            session, wanted = suite.venue.endpoint(path).sessions[-1], first_subscriptions[path]
            await eventually(functools.partial(_holds, session, wanted), timeout=RECOVER_WITHIN,
                             what="subscriptions restored")
        except AssertionError:
            unrestored += 1
            continue
        recoveries += 1
        recovery.append(time.monotonic() - started)
    result.add("drops", drops)
    result.add("recoveries", recoveries)
    result.add("p50 recovery", milliseconds(percentile(recovery, 50)))
    result.add("p99 recovery", milliseconds(percentile(recovery, 99)))
    result.add("not recovered", unrestored, must_be_zero=True)


def _holds(session: list[Any], messages: int) -> bool:
    """The new socket carries at least as many messages (subscriptions, login) as the first one did."""
    return len(session) >= messages
