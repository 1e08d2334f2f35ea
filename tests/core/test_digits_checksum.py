"""core/order_book/checksums.py against the worked examples of BTC Markets' checksum guide
(https://github.com/ngin-io/websocket-checksum, README and test/checksum.test.js), and the level counts."""

from __future__ import annotations

import pytest

from clobconn.core.order_book.checksums import digits_crc32, level_counts, level_counts_of, level_digits
from clobconn.core.order_book.order_book import OrderBook


@pytest.mark.parametrize(("value", "digits"), [
    ("0.1234", "1234"), ("0.00001234", "1234"), ("32.00001234", "3200001234"), ("0", ""), ("0.0", ""),
    ("1.0", "10"), ("1.00", "100"), ("16000.0", "160000"), ("0.0019", "19"), ("1.01", "101"),
])
def test_level_digits_drop_the_point_then_the_leading_zeros(value: str, digits: str) -> None:
    assert level_digits(value) == digits


@pytest.mark.parametrize(("bids", "asks", "checksum"), [
    ([["15977.45", "0.00620606"], ["15977.44", "0.1"], ["15977.4", "0.35"]],
     [["16015.39", "0.15"], ["16015.4", "1.73639097"], ["16015.56", "2"]], 2863372953),
    ([], [["16015.39", "0.15"]], 3417282216),
    ([], [], 0),
    ([["0.99", "1"]], [["1.01", "2"]], 2111165642),
    ([["10.01", "1"]], [], 429948050),
    ([], [["1", "100"], ["2", "100"], ["3", "100"]], 158396744),
    ([], [["1", "99.9"]], 334011253),
    ([["58", "1.9599", 2], ["57.45", "0.01969999", 1], ["57.39", "1.88", 1], ["57.31", "1.48", 1],
      ["57.29", "1.07", 1], ["57.18", "0.384", 1], ["57.14", "0.345", 1], ["57.12", "0.9", 9], ["57.1", "1.72", 1],
      ["56.97", "4.91", 1]],
     [["60", "3", 3], ["60.5", "1", 1], ["61", "3", 3], ["62", "2", 2], ["63", "1", 1], ["66", "0.1", 1],
      ["67", "0.1", 1], ["68", "2", 2], ["69", "1", 1], ["70", "2.1", 3]], 1666031697),
])
def test_the_guides_worked_examples(bids: list[list[object]], asks: list[list[object]], checksum: int) -> None:
    assert digits_crc32((bids, asks)) == checksum


def test_level_counts_are_the_books_side_depths_as_one_number() -> None:
    # The check of a venue whose diffs carry each side's level count (Cube), not a CRC.
    book = OrderBook("X-Y")
    book.apply_snapshot([(100.0, 1.0), (99.0, 2.0)], [(101.0, 1.0)], 1)
    assert level_counts(book) == level_counts_of(2, 1) != level_counts_of(1, 2)
