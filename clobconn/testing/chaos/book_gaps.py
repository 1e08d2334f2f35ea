"""Sequence gaps (and checksum mismatches, where the venue's book has a checksum) in the book stream: each
must be detected on the next message, start a resync within 1 s, and the book must never be reported
synced while it holds what only the broken frame carried.

The fault is the connector's own conformance scenario (``test_book_gap_triggers_resync``,
``test_checksum_mismatch_resyncs``), so a venue whose suite rewrites the gap for its protocol (Bitstamp's
time going backwards) or skips it (no sequence at all) is injected as its suite says; a watcher beside it
times detection and resync and looks for stale reads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult, milliseconds, percentile
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "book gaps"
# Levels only the suites' broken frames carry (the gap's 100.10 bid, the bad checksum's 100.25 x 0.5): a
# book that reports synced while holding one serves a stale read.
ORPHANS = {(Decimal("100.10"), Decimal("1")), (Decimal("100.25"), Decimal("0.5"))}
DETECT_WITHIN = 1.0
# Past the stream's backoff cap (30 s): a venue resynced by reconnecting backs off when gaps come fast.
RESYNC_WITHIN = 35.0


class Watch:
    """Samples the book every millisecond from the injection until it is synced again after a resync."""

    def __init__(self, suite: ConformanceSuiteBase) -> None:
        self.tracker = suite.conn.order_book_tracker
        self.book = suite.conn.get_order_book(suite.trading_pair)
        self.resyncs = self.tracker.resyncs
        self.started = time.monotonic()
        self.detected_after: float | None = None
        self.synced_after: float | None = None
        self.stale = 0

    async def run(self) -> None:
        while time.monotonic() - self.started < RESYNC_WITHIN:
            now = time.monotonic() - self.started
            if self.detected_after is None and self.tracker.resyncs > self.resyncs:
                self.detected_after = now
            synced = self.book.is_synced
            if synced and any((level[0], level[1]) in ORPHANS for level in self.book.bids()):
                self.stale += 1
                return
            if self.detected_after is not None and synced:
                self.synced_after = now
                return
            await asyncio.sleep(0.001)


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    book = suite.conn.get_order_book(suite.trading_pair)
    faults: dict[str, Callable[[], Awaitable[None]]] = {
        "gap": suite.test_book_gap_triggers_resync,  # type: ignore[attr-defined]
        "checksum": suite.test_checksum_mismatch_resyncs,  # type: ignore[attr-defined]
    }
    not_applicable: dict[str, str] = {}
    injected = {"gap": 0, "checksum": 0}
    late = stale = undetected = not_resynced = 0
    to_resynced: list[float] = []
    rounds = 2 if ctx.quick else 10
    for _ in range(rounds):
        for kind, inject in faults.items():
            if kind in not_applicable:
                continue
            await eventually(lambda: book.is_synced, timeout=RESYNC_WITHIN, what="book synced before a fault")
            watch = Watch(suite)
            watcher = asyncio.create_task(watch.run())
            try:
                await inject()
            except pytest.skip.Exception as skip:
                watcher.cancel()
                not_applicable[kind] = str(skip.msg)
                continue
            await watcher
            injected[kind] += 1
            stale += watch.stale
            if watch.detected_after is None:
                undetected += 1
            elif watch.detected_after > DETECT_WITHIN:
                late += 1
            if watch.synced_after is None:
                not_resynced += 1
            else:
                to_resynced.append(watch.synced_after)
        if len(not_applicable) == len(faults):
            pytest.skip("; ".join(not_applicable.values()))
    result.add("gaps injected", injected["gap"])
    result.add("checksum mismatches", injected["checksum"] if "checksum" not in not_applicable else "n/a")
    result.add("undetected", undetected, must_be_zero=True)
    result.add("detected late", late, must_be_zero=True)
    result.add("p50 to resynced", milliseconds(percentile(to_resynced, 50)))
    result.add("p99 to resynced", milliseconds(percentile(to_resynced, 99)))
    result.add("stale reads served as synced", stale, must_be_zero=True)
    result.add("not resynced in 35s", not_resynced, must_be_zero=True)
