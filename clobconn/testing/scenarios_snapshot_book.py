"""The book scenarios for a snapshot-only venue (every depth frame is the whole book, with no sequence).

A connector test whose venue sends snapshots only puts ``SnapshotBookScenarios`` before the suite in
its bases: the diff scenarios become their snapshot versions (a pushed "diff" fixture is a whole
book), the gap scenarios do not apply, and a late frame must not roll the book back.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase


class SnapshotBookScenarios(ConformanceSuiteBase):
    # Whether the venue's frames carry an id or time that orders them (HashKey's ``t``); without one a
    # late frame cannot be told from a new one, and the roll-back scenario does not apply.
    snapshots_are_ordered: bool = True

    async def test_book_snapshot_then_diffs(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        assert book.is_synced and book.best_bid == Decimal("100.00")
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5"), ("99.00", "3.0")], [("100.50", "0.25")], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="snapshot applied")
        # A snapshot replaces the book whole: levels it leaves out are gone.
        self.assert_book([("100.25", "0.5"), ("99.00", "3.0")], [("100.50", "0.25")])

    async def _valid_diff_lands(self) -> None:
        # The venue-values scenarios' check, for a snapshot-only book: the next valid frame is the book.
        book = self.conn.get_order_book(self.trading_pair)
        await eventually(lambda: book.is_synced, what="book synced again")
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5"), ("99.00", "3.0")], [("100.50", "0.25")], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="the valid snapshot applied")
        self.assert_book([("100.25", "0.5"), ("99.00", "3.0")], [("100.50", "0.25")])
        assert book.is_synced

    async def test_book_gap_triggers_resync(self) -> None:
        pytest.skip("snapshots have no sequence, so there is no gap: an id jump is just a newer snapshot")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        pytest.skip("snapshots have no sequence, so there is no gap to report")

    async def test_a_late_snapshot_does_not_roll_the_book_back(self) -> None:
        if not self.snapshots_are_ordered:
            pytest.skip("the venue's depth frames carry no id or time to order them")
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5")], [("100.50", "0.25")], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="newer snapshot applied")
        # A frame stamped before the book's (a late one) is dropped: the trade pushed after it shows it was read.
        await self.push_diff([("90.00", "1")], [("91.00", "1")], last - 1, last - 1, last - 2)
        await self.push_public("trade", fill_price="100.75", fill_amount="0.3")
        await eventually(lambda: self.conn.last_trade_price(self.trading_pair) == Decimal("100.75"), what="trade")
        assert book.best_bid == Decimal("100.25") and book.last_update_id == last + 1
        await self.push_diff([("100.30", "1")], [("100.50", "0.25")], last + 2, last + 2, last + 1)
        await eventually(lambda: book.best_bid == Decimal("100.30"), what="next snapshot applied")
        assert book.is_synced and self.conn.order_book_tracker.resyncs == 0
