"""Sequence gaps (and checksum mismatches, where the venue's book has a checksum) in the book stream: each
must be detected on the next message, start a resync within 1 s, and the book must never be reported
synced while it holds what only the broken frame carried."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult, milliseconds, percentile
from clobconn.testing.helpers import eventually
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "book gaps"
# A level only the broken frame carries: a book that reports synced while holding it serves a stale read.
ORPHAN_PRICE = Decimal("100.10")
DETECT_WITHIN = 1.0
RESYNC_WITHIN = 10.0


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    if isinstance(suite, SnapshotBookScenarios):
        pytest.skip("every depth frame is the whole book: no sequence, so no gap")
    if not suite.book_gaps_visible:
        pytest.skip("the venue's diffs carry no sequence: a skipped one cannot be seen")
    tracker = suite.conn.order_book_tracker
    book = suite.conn.get_order_book(suite.trading_pair)
    has_checksum = tracker._source.checksum() is not None
    rng = ctx.rng_for(FAMILY)
    rounds = 3 if ctx.quick else 200
    injected = detected = late = stale = not_resynced = 0
    to_resynced: list[float] = []
    for index in range(rounds):
        await eventually(lambda: book.is_synced, timeout=RESYNC_WITHIN, what="book synced before a gap")
        resyncs = tracker.resyncs
        last = book.last_update_id
        checksum = has_checksum and index % 2 == 1
        if checksum:
            await suite.push_diff([(str(ORPHAN_PRICE), "1")], [], last + 1, last + 1, last, checksum=12345)
        else:
            skip = rng.randrange(2, 50)
            await suite.push_diff([(str(ORPHAN_PRICE), "1")], [], last + skip, last + skip + 1, last + skip - 1)
        injected += 1
        started = time.monotonic()
        seen_detection = False
        while time.monotonic() - started < RESYNC_WITHIN:
            if tracker.resyncs > resyncs and not seen_detection:
                seen_detection = True
                detected += 1
                if time.monotonic() - started > DETECT_WITHIN:
                    late += 1
            holds_orphan = any(level[0] == ORPHAN_PRICE for level in book.bids())
            if book.is_synced and holds_orphan:
                stale += 1
                break
            if seen_detection and book.is_synced:
                to_resynced.append(time.monotonic() - started)
                break
            await asyncio.sleep(0.001)
        else:
            not_resynced += 1
            break  # the venue's snapshot did not come: the next round has no synced book to break
    result.add("gaps injected", injected)
    result.add("detected", detected)
    result.add("undetected", injected - detected, must_be_zero=True)
    result.add("detected late", late, must_be_zero=True)
    result.add("p50 to resynced", milliseconds(percentile(to_resynced, 50)))
    result.add("p99 to resynced", milliseconds(percentile(to_resynced, 99)))
    result.add("stale reads served as synced", stale, must_be_zero=True)
    result.add("not resynced in 10s", not_resynced, must_be_zero=True)
    if has_checksum:
        result.add("checksum mismatches", rounds // 2 if not not_resynced else injected // 2)
