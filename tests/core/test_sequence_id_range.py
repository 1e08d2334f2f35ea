"""A sequence id no venue sends (beyond 64 bits, or a diff whose range runs backwards) is refused before
the book takes it: taken as the book's id, every real diff after it would look stale while the book
still reported synced. Found by the chaos suite's frame fuzzer on KuCoin's book."""

from __future__ import annotations

import pytest

from clobconn.core.order_book.levels import InvalidBookMessage
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult


def synced(rule: SequenceRule) -> BookSynchronizer:
    sync = BookSynchronizer("BTC-USDT", rule)
    snapshot = BookMessage(BookMessageType.SNAPSHOT, "BTC-USDT", [["100", "1"]], [["101", "1"]], 10)
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    return sync


@pytest.mark.parametrize(("first", "last", "prev"), [
    (11, 10**38, None),       # the fuzzed KuCoin sequenceEnd
    (None, 2**63, None),
    (12, 11, None),           # a range that runs backwards
    (None, 11, -(2**63) - 1),
])
def test_an_impossible_id_is_refused_and_the_book_keeps_its_own(first: int | None, last: int,
                                                                 prev: int | None) -> None:
    sync = synced(SequenceRule.FIRST_LAST)
    diff = BookMessage(BookMessageType.DIFF, "BTC-USDT", [["100", "2"]], [], last, first_id=first, prev_id=prev)
    with pytest.raises(InvalidBookMessage, match="out of range"):
        sync.on_diff(diff)
    assert sync.book.last_update_id == 10 and sync.is_synced
    good = BookMessage(BookMessageType.DIFF, "BTC-USDT", [["100", "3"]], [], 11, first_id=11)
    assert sync.on_diff(good) is SyncResult.APPLIED and sync.book.last_update_id == 11


def test_the_largest_ids_venues_use_still_pass() -> None:
    sync = synced(SequenceRule.MONOTONIC)
    # Microsecond and nanosecond clocks (Bitstamp, Vertex) are far inside 64 bits.
    stamp = 1_765_000_000_000_000_000
    diff = BookMessage(BookMessageType.DIFF, "BTC-USDT", [["100", "2"]], [], stamp, first_id=stamp - 5)
    assert sync.on_diff(diff) is SyncResult.APPLIED and sync.book.last_update_id == stamp
