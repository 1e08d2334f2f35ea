"""The reader's rules, entry by entry: it serves a book only while every entry since the last whole
book arrived, in order, from one publisher run, each diff starting where the book is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clobconn.bus import BookReader, codec


def snapshot(seq: int, update_id: int, epoch: str = "run1") -> dict[bytes, bytes]:
    return codec.entry(codec.SNAPSHOT, epoch, seq, {
        "pair": "BTC-USDT", "prev_id": update_id, "update_id": update_id, "timestamp": 0.0, "depth": None,
        "bids": [["100.5", "1"], ["100", "2"]], "asks": [["101", "1.5"]]})


def diff(seq: int, prev_id: int, update_id: int, epoch: str = "run1", **levels: Any) -> dict[bytes, bytes]:
    return codec.entry(codec.DIFF, epoch, seq, {
        "pair": "BTC-USDT", "prev_id": prev_id, "update_id": update_id, "depth": None,
        "bids": levels.get("bids", []), "asks": levels.get("asks", [])})


def reader() -> BookReader:
    return BookReader("binance", "BTC-USDT")  # never connects: entries are handed to it directly


def test_a_whole_book_then_diffs_in_line_build_the_book() -> None:
    r = reader()
    r.apply(b"1-0", snapshot(1, 10))
    r.apply(b"2-0", diff(2, 10, 11, bids=[["100.5", "0"], ["99", "4"]]))
    r.apply(b"3-0", diff(3, 11, 12, asks=[["101", "0.5"]]))
    assert r.is_synced and r.book.last_update_id == 12
    assert r.book.bids() == [(Decimal("100"), Decimal("2")), (Decimal("99"), Decimal("4"))]
    assert r.book.asks() == [(Decimal("101"), Decimal("0.5"))]


def test_a_missing_entry_a_restarted_publisher_or_a_diff_off_the_book_unsync_it_until_a_whole_book() -> None:
    for broken in (diff(3, 11, 12),                # entry 2 never came (trimmed, dropped)
                   diff(2, 11, 12, epoch="run2"),  # another publisher run
                   diff(2, 9, 12)):                # does not start where the book is
        r = reader()
        r.apply(b"1-0", snapshot(1, 11))
        r.apply(b"2-0", broken)
        assert not r.is_synced and r.gaps == 1
        r.apply(b"3-0", diff(4, 12, 13))  # in line with the broken one, but the book is stale
        assert not r.is_synced
        r.apply(b"4-0", snapshot(9, 20, epoch="run2"))
        assert r.is_synced and r.book.last_update_id == 20


def test_a_bad_entry_is_skipped_and_the_book_waits_for_a_whole_one() -> None:
    r = reader()
    r.apply(b"1-0", snapshot(1, 10))
    r.apply(b"2-0", {b"kind": b"diff", b"body": b"{"})
    assert not r.is_synced and r.malformed == 1
    r.apply(b"3-0", snapshot(3, 10))
    r.apply(b"4-0", diff(4, 10, 11, bids=[["100", "-1"]]))  # a negative size never enters the book
    assert not r.is_synced and r.malformed == 2
    assert [lvl.size for lvl in r.book.bids()] == [Decimal("1"), Decimal("2")]


def test_a_lost_entry_marks_the_book_stale() -> None:
    r = reader()
    r.apply(b"1-0", snapshot(1, 10))
    r.apply(b"2-0", codec.entry(codec.LOST, "run1", 2, {"pair": "BTC-USDT", "prev_id": 10, "update_id": 10}))
    assert not r.is_synced
