"""The book's sides are cut into blocks of prices and sizes (order_book._Side): with tiny blocks, so that
every update splits, empties or crosses a block, the book must read exactly like a plain sorted model."""

from __future__ import annotations

import random

import pytest

from clobconn.core.order_book import order_book as order_book_module
from clobconn.core.order_book.order_book import OrderBook


def _model_levels(side: dict[float, float], is_bid: bool, depth: int | None) -> list[tuple[float, float]]:
    ordered = sorted(side.items(), reverse=is_bid)
    return ordered if depth is None else ordered[:depth]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocked_sides_read_like_a_sorted_model(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    monkeypatch.setattr(order_book_module, "_MAX_BLOCK", 4)
    rng = random.Random(seed)
    book = OrderBook("BTC-USDT")
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for step in range(3_000):
        if step % 500 == 0:
            # A snapshot now and then, in the venue's best-first order.
            bids = {float(100 - d): float(rng.randint(1, 9)) for d in range(rng.randint(0, 40))}
            asks = {float(101 + d): float(rng.randint(1, 9)) for d in range(rng.randint(0, 40))}
            book.apply_snapshot([[str(p), str(s)] for p, s in _model_levels(bids, True, None)],
                                [[str(p), str(s)] for p, s in _model_levels(asks, False, None)], step)
        diff_bids = [(float(100 - rng.randint(0, 60)), float(rng.choice((0, 0, 1, 2, 3)))) for _ in range(5)]
        diff_asks = [(float(101 + rng.randint(0, 60)), float(rng.choice((0, 0, 1, 2, 3)))) for _ in range(5)]
        book.apply_diff([[str(p), str(s)] for p, s in diff_bids], [[str(p), str(s)] for p, s in diff_asks], step)
        for side, levels in ((bids, diff_bids), (asks, diff_asks)):
            for price, size in levels:
                if size == 0.0:
                    side.pop(price, None)
                else:
                    side[price] = size
        if step % 97 == 0:
            depth = rng.randint(0, 30)
            book.truncate(depth)
            bids = dict(_model_levels(bids, True, depth))
            asks = dict(_model_levels(asks, False, depth))
        depth = rng.choice((None, 0, 1, 3, 7, 50))
        assert book.bid_levels(depth) == _model_levels(bids, True, depth)
        assert book.ask_levels(depth) == _model_levels(asks, False, depth)
        assert book.best_bid_float() == (max(bids) if bids else None)
        assert book.best_ask_float() == (min(asks) if asks else None)
        assert (book.bid_depth, book.ask_depth) == (len(bids), len(asks))


def test_a_snapshot_naming_a_price_twice_keeps_the_later_level() -> None:
    # A snapshot is built in one sort, not level by level: the levels still apply in the venue's
    # order, so a repeated price takes its last size, and a last size of zero leaves it out.
    book = OrderBook("BTC-USDT")
    book.apply_snapshot([["100", "1"], ["99", "2"], ["100", "3"], ["98", "4"], ["98", "0"]],
                        [["101", "0"], ["102", "5"], ["101", "6"]], 1)
    assert book.bid_levels() == [(100.0, 3.0), (99.0, 2.0)]
    assert book.ask_levels() == [(101.0, 6.0), (102.0, 5.0)]
