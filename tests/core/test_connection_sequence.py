"""SequenceRule.CONNECTION: a book whose ids are its connection's frame numbers (Coinbase's sequence_num).

The numbers run across every channel and product of a socket, so a book's own messages skip numbers
without a gap (the socket's numbering is checked instead: see the tracker's connection check, exercised
in tests/exchange/coinbase_advanced_trade), and they restart on each connection.
"""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult

PAIR = "BTC-USD"


def snapshot(last_id: int) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, PAIR, [["100", "1"]], [["101", "1"]], last_id)


def diff(last_id: int, bid: str, size: str = "1") -> BookMessage:
    return BookMessage(BookMessageType.DIFF, PAIR, [[bid, size]], [], last_id)


def test_a_books_ids_may_skip_the_numbers_other_frames_took() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.CONNECTION)
    assert sync.on_snapshot(snapshot(10)) is SyncResult.APPLIED
    assert sync.on_diff(diff(14, "100.5")) is SyncResult.APPLIED
    assert sync.on_diff(diff(40, "100.6")) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("100.6") and sync.gaps == 0


def test_an_older_diff_is_stale_and_changes_nothing() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.CONNECTION)
    sync.on_snapshot(snapshot(10))
    sync.on_diff(diff(12, "100.5"))
    assert sync.on_diff(diff(11, "100.9")) is SyncResult.STALE
    assert sync.book.best_bid == Decimal("100.5")


def test_diffs_buffered_before_a_snapshot_are_dropped_even_with_higher_ids() -> None:
    # The book lost its socket with diffs buffered (numbers 500, 501 of the old connection); the new
    # connection numbers from 0 again and its snapshot (3) comes after all of them.
    sync = BookSynchronizer(PAIR, SequenceRule.CONNECTION)
    sync.on_snapshot(snapshot(400))
    sync.invalidate()
    assert sync.on_diff(diff(500, "99.0", "7")) is SyncResult.BUFFERED
    assert sync.on_diff(diff(501, "98.0", "7")) is SyncResult.BUFFERED
    assert sync.on_snapshot(snapshot(3)) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("100") and [level.price for level in sync.book.bids()] == [Decimal("100")]
    assert sync.book.last_update_id == 3
    assert sync.on_diff(diff(4, "100.5")) is SyncResult.APPLIED
