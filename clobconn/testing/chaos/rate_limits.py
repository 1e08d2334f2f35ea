"""429 and 418 answers, with and without Retry-After: the connector must raise a typed error, pause the
request's pool for the ban, and send nothing on it until the ban is over."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from clobconn.core.errors import ClobconnError, RateLimitExceeded
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "rate limits"
REFUSAL = {"code": 429, "msg": "Too many requests; current limit is 1200 request weight per 1 MINUTE."}


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    conn = suite.conn
    route = suite.routes["balances"]
    # How long each ban is watched for requests: all of a short one; the start of a long one (a 418
    # without Retry-After bans for a minute).
    watch = 0.3 if ctx.quick else 1.0
    retry_after = "1"
    cases = [(status, headers) for status in (429, 418) for headers in ({"Retry-After": retry_after}, {})]
    bans = during_ban = untyped = 0
    for _ in range(1):
        for status, headers in cases:
            suite.serve("balances", MockResponse(REFUSAL, status=status, headers=headers), suite.reply("balances"))
            before = len(suite.venue.requests_to(*route))
            try:
                await conn._update_balances()
                untyped += 1  # a refusal read as success is as wrong as an untyped error
            except RateLimitExceeded as exc:
                ctx.note_exception(exc)
                bans += 1
                refused_at = suite.venue.requests_to(*route)[before].received_at
                ban = exc.retry_after or 0.0
                # Ask again at once, and keep asking, for the watch: the pool must hold every request back.
                asker = asyncio.create_task(_keep_asking(conn._update_balances))
                # Stopped just before the ban ends: a request sent at its end is the pool working, and it
                # would take the refusal scripted for the next case.
                await asyncio.sleep(max(0.0, min(watch, ban - 0.1)))
                asker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await asker
                during_ban += sum(1 for r in suite.venue.requests_to(*route)[before + 1:]
                                  if r.received_at < refused_at + ban - 0.01)
            except ClobconnError as exc:
                untyped += 1
                ctx.note_exception(exc)
            # Lift the ban, as its end would, for the next case (a 418 without Retry-After lasts a minute).
            for pool in conn.rest.throttler._pools.values():
                pool.paused_until = 0.0
            suite.install_base_routes()
            await asyncio.sleep(0)
    result.add("bans", bans)
    result.add("requests sent during bans", during_ban, must_be_zero=True)
    result.add("refusals not read as rate limits", untyped, must_be_zero=True)
    result.add("pools resized from weight headers", "n/a (not read by the core yet)")


async def _keep_asking(call: Callable[[], Awaitable[None]]) -> None:
    started = time.monotonic()
    while time.monotonic() - started < 120:
        try:
            await call()
        except ClobconnError:
            await asyncio.sleep(0.01)
