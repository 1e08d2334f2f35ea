"""Races between the venue's reports: a fill before the placement's answer, a cancel racing a fill,
partial fills racing a cancel, the stream and REST reporting the same fill in either order. Each race is
the connector's own conformance scenario for it, run in a fresh session again and again: the final state
must be right and every fill counted once (the scenarios assert both)."""

from __future__ import annotations

import pytest

from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.chaos.session import reopen_session
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "races"
SCENARIOS = (
    "test_fill_before_acknowledgement",
    "test_fill_counted_once_across_stream_and_rest",
    "test_late_fill_after_cancel_still_lands",
    "test_partial_fills_accumulate",
    "test_completion_waits_for_every_fill_whatever_the_arrival_order",
    "test_fill_missed_while_the_user_stream_was_down_is_found_once_it_is_back",
)


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(FAMILY)
    scenarios = list(SCENARIOS) * (1 if ctx.quick else 2)
    if ctx.quick:
        scenarios = rng.sample(scenarios, 2)
    else:
        rng.shuffle(scenarios)
    runs = wrong = 0
    skipped: set[str] = set()
    failures: list[str] = []
    for index, name in enumerate(scenarios):
        if index:
            await reopen_session(suite)
        try:
            await getattr(suite, name)()
            runs += 1
        except pytest.skip.Exception:
            skipped.add(name)
        except AssertionError as exc:
            runs += 1
            wrong += 1
            failures.append(f"{name}: {str(exc)[:200]}")
    result.add("races run", runs)
    result.add("wrong final states or fill counts", wrong, must_be_zero=True)
    if skipped:
        result.add("not applicable", len(skipped))
    if failures:
        result.error = "; ".join(failures[:2])
