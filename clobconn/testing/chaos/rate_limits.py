"""429 and 418 answers, with and without Retry-After: the connector must raise a typed error, pause the
request's pool for the ban, and send nothing on it until the ban is over. And the venue's rate-limit
headers, where it documents them: an answer reporting the pool almost spent (and a smaller limit where
the venue states one) must resize the pool, and no request may go past what the venue said remains
before its reset."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from clobconn.core.errors import ClobconnError, RateLimitExceeded
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.scenarios_rate_headers import BUDGET, RESET_IN, almost_spent_headers, keep_asking, limit_id_of
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
    await _venue_reports_pools_almost_spent(suite, ctx, result)


async def _venue_reports_pools_almost_spent(suite: ConformanceSuiteBase, ctx: ChaosContext,
                                            result: FamilyResult) -> None:
    conn = suite.conn
    if not conn.spec.rate_limit_headers:
        result.add("pools resized from weight headers", "n/a (venue sends none)")
        result.add("requests sent past the venue's stated budget", "n/a (venue sends none)")
        return
    method, path = suite.routes["balances"]
    limit_id = limit_id_of(conn, method, path)
    resized = past_budget = reports = 0
    for _ in range(1 if ctx.quick else 3):
        if limit_id is None:
            break
        report = almost_spent_headers(conn, limit_id)
        answer = suite.reply("balances")
        answer.headers.update(report.headers)
        suite.serve("balances", answer, suite.reply("balances"))
        before = len(suite.venue.requests_to(method, path))
        resizes = conn.rest.throttler.resizes
        try:
            await conn._update_balances()
        except ClobconnError as exc:
            ctx.note_exception(exc)
            continue
        reports += 1
        reported_at = suite.venue.requests_to(method, path)[before].received_at
        # Asked again and again until the reset; a request held back past it is cancelled with the asker.
        asker = asyncio.create_task(keep_asking(conn._update_balances, RESET_IN))
        await asyncio.sleep(RESET_IN)
        asker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asker
        past_budget += max(0, sum(1 for r in suite.venue.requests_to(method, path)[before + 1:]
                                  if r.received_at < reported_at + RESET_IN - 0.05) - BUDGET)
        resized += conn.rest.throttler.resizes - resizes
        # Lift what the report held, as its reset (or the window of a pool whose venue gives none) would,
        # and forget what the round spent (the asker's burst after the reset): each round starts afresh.
        for pool in conn.rest.throttler._pools.values():
            pool.paused_until, pool.venue_count = 0.0, 0
            pool.log.clear()
            pool.used = 0
        suite.install_base_routes()
        # A request the cancelled asker had already sent lands now, not on the next round's scripted report.
        await _settled(suite, method, path)
    # A connector whose balances request has no declared limit cannot be checked: a failure, not a pass.
    result.add("almost-spent reports not injected", 0 if reports else 1, must_be_zero=True)
    result.add("pools resized from weight headers", resized)
    result.add("requests sent past the venue's stated budget", past_budget, must_be_zero=True)


async def _settled(suite: ConformanceSuiteBase, method: str, path: str, quiet: float = 0.05) -> None:
    """Until no request to the route has arrived for ``quiet`` seconds."""
    seen = -1
    while (count := len(suite.venue.requests_to(method, path))) != seen:
        seen = count
        await asyncio.sleep(quiet)


async def _keep_asking(call: Callable[[], Awaitable[None]]) -> None:
    started = time.monotonic()
    while time.monotonic() - started < 120:
        try:
            await call()
        except ClobconnError:
            await asyncio.sleep(0.01)
