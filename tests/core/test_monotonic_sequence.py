"""SequenceRule.MONOTONIC: ids that are a clock (BTC Markets' snapshotId), rising but skipping values.

A diff older than the book is stale and changes nothing; one at or after the book's id applies, even
with the book's own id; an id jump is no gap (the ids cannot show one), and the venue's checksum is
what catches a missed change.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from clobconn.core.order_book import BookMessage, BookMessageType, BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.order_book import OrderBook

PAIR = "BTC-AUD"
SNAPSHOT_ID = 1_578_512_844_045_000


def snap(last_id: int, bids: list[RawLevel], asks: list[RawLevel]) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, PAIR, bids, asks, last_id)


def diff(last_id: int, bids: list[RawLevel], asks: list[RawLevel], checksum: int | None = None) -> BookMessage:
    return BookMessage(BookMessageType.DIFF, PAIR, bids, asks, last_id, checksum=checksum)


def synced(checksum: bool = False) -> BookSynchronizer:
    sync = BookSynchronizer(PAIR, SequenceRule.MONOTONIC, checksum=best_bid_checksum if checksum else None)
    assert sync.on_snapshot(snap(SNAPSHOT_ID, [["100", "1"]], [["101", "1"]])) is SyncResult.APPLIED
    return sync


def best_bid_checksum(book: OrderBook) -> int:
    return zlib.crc32(":".join(f"{p}:{s}" for p, s in book.raw_levels(True, 10)).encode())


def test_an_id_jump_applies_it_is_no_gap() -> None:
    sync = synced()
    # 120 ms later on the venue's clock: a skip of 120,000 ids.
    assert sync.on_diff(diff(SNAPSHOT_ID + 120_000, [["100.5", "2"]], [])) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("100.5") and sync.book.last_update_id == SNAPSHOT_ID + 120_000
    assert sync.gaps == 0


def test_a_diff_with_the_books_own_id_applies() -> None:
    sync = synced()
    assert sync.on_diff(diff(SNAPSHOT_ID, [["99", "3"]], [])) is SyncResult.APPLIED
    assert sync.on_diff(diff(SNAPSHOT_ID, [["99", "4"]], [])) is SyncResult.APPLIED
    assert [level.size for level in sync.book.bids()] == [Decimal("1"), Decimal("4")]


def test_a_diff_older_than_the_book_is_stale_and_changes_nothing() -> None:
    sync = synced()
    assert sync.on_diff(diff(SNAPSHOT_ID - 1, [["100", "0"]], [])) is SyncResult.STALE
    assert sync.book.best_bid == Decimal("100") and sync.book.is_synced


def test_buffered_diffs_older_than_the_next_snapshot_are_dropped_and_newer_ones_replayed() -> None:
    sync = synced()
    sync.invalidate()
    assert sync.on_diff(diff(SNAPSHOT_ID + 10, [["98", "1"]], [])) is SyncResult.BUFFERED
    assert sync.on_diff(diff(SNAPSHOT_ID + 30, [["100.2", "1"]], [])) is SyncResult.BUFFERED
    assert sync.on_snapshot(snap(SNAPSHOT_ID + 20, [["100", "1"]], [["101", "1"]])) is SyncResult.APPLIED
    assert [level.price for level in sync.book.bids()] == [Decimal("100.2"), Decimal("100")]
    assert sync.book.last_update_id == SNAPSHOT_ID + 30


def test_a_missed_change_is_caught_by_the_checksum_not_the_ids() -> None:
    sync = synced(checksum=True)
    # The venue's book also holds 99.5 (a change we never received), so its checksum covers it.
    venue_checksum = zlib.crc32(b"100.5:2:100:1:99.5:1")
    result = sync.on_diff(diff(SNAPSHOT_ID + 5_000, [["100.5", "2"]], [], checksum=venue_checksum))
    assert result is SyncResult.CHECKSUM_MISMATCH and not sync.is_synced and sync.gaps == 0
