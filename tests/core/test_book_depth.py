"""A book cut to the venue's subscribed depth (``OrderBookDataSource.book_depth``): a venue that keeps a
subscription N deep sends no removal for a level pushed out of it (Kraken's ``book``), so the core cuts
the book to N after every snapshot and diff. Without the cut, a level the venue dropped long ago would
come back into the top N when better levels go."""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult


def test_truncate_keeps_the_best_levels_of_each_side_and_their_strings() -> None:
    book = OrderBook("BTC-USD", keep_raw_strings=True)
    book.apply_snapshot([("100.0", "1"), ("99.0", "1"), ("98.0", "1")], [("101.0", "1"), ("102.0", "1"),
                                                                          ("103.0", "1")], 1)
    book.truncate(2)
    assert [level.price for level in book.bids()] == [Decimal("100"), Decimal("99")]
    assert [level.price for level in book.asks()] == [Decimal("101"), Decimal("102")]
    assert book.raw_levels(True, 5) == [("100.0", "1"), ("99.0", "1")]
    assert book.raw_levels(False, 5) == [("101.0", "1"), ("102.0", "1")]
    # The sides stay consistent: removing the best level leaves only what is left.
    book.apply_diff([("100.0", "0")], [("101.0", "0")], 2)
    assert (book.bid_depth, book.ask_depth, book.best_bid, book.best_ask) == (1, 1, Decimal("99"), Decimal("102"))


def _diff(bids: list[tuple[str, str]]) -> BookMessage:
    return BookMessage(BookMessageType.DIFF, "BTC-USD", bids, [], 0)


def test_a_synchronizer_with_a_depth_cuts_after_snapshots_and_diffs() -> None:
    sync = BookSynchronizer("BTC-USD", SequenceRule.NONE, max_depth=2)
    snapshot = BookMessage(BookMessageType.SNAPSHOT, "BTC-USD", [("100", "1"), ("99", "1"), ("98", "1")],
                           [("101", "1")], 0)
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    assert sync.book.bid_depth == 2
    assert sync.on_diff(_diff([("100.5", "1")])) is SyncResult.APPLIED
    assert [level.price for level in sync.book.bids()] == [Decimal("100.5"), Decimal("100")]
    # 99 fell out of scope with the insert: removing the best does not bring it back.
    assert sync.on_diff(_diff([("100.5", "0")])) is SyncResult.APPLIED
    assert [level.price for level in sync.book.bids()] == [Decimal("100")]


def test_without_a_depth_nothing_is_cut() -> None:
    sync = BookSynchronizer("BTC-USD", SequenceRule.NONE)
    sync.on_snapshot(BookMessage(BookMessageType.SNAPSHOT, "BTC-USD", [("100", "1"), ("99", "1"), ("98", "1")],
                                 [], 0))
    sync.on_diff(_diff([("100.5", "1")]))
    assert sync.book.bid_depth == 4
