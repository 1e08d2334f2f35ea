"""Shared scenarios: values a venue must never get into a book, an order, a fill or a balance (issue 11).

Every connector's book is fed the values a fuzzer found getting through (a NaN price, ``["NaN","0"]``,
a negative size, ``1e400``, a negative price, a boolean, a ``null`` size in a snapshot, a far-future
id while a snapshot is in flight), each followed by a valid diff; the book must then equal what the
venue's valid messages imply, be synced, and every read must work. The user stream is fed a NaN or
negative balance, fill and executed amount, each followed by a valid one that must land.

A bad message is either refused by the core's validation (counted in ``rejected_messages``) or, where
a connector's parser cannot read it at all, skipped as a malformed frame; both are "logged and
skipped", and the scenarios accept either.
"""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from clobconn.core.data_types import OrderState
from clobconn.core.events import EventType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import ResyncMode
from clobconn.testing.helpers import eventually
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suite_base import ConformanceSuiteBase

FAR_FUTURE = 1_000_001_000

# (scenario, bid levels of the bad diff)
BAD_DIFFS: list[tuple[str, list[tuple[Any, Any]]]] = [
    ("nan price", [("NaN", "1")]),
    ("nan price, zero size", [("NaN", "0")]),
    ("negative size", [("100.10", "-1")]),
    ("1e400 size", [("100.10", "1e400")]),
    ("infinite price", [("Infinity", "1")]),
    ("negative price", [("-100.10", "1")]),
    ("boolean level", [(True, True)]),
]


def assert_book_readable(book: OrderBook) -> None:
    """Every reader works and gives only finite, positive prices and finite, non-negative sizes."""
    for level in book.bids() + book.asks():
        assert level.price.is_finite() and level.price > 0, level
        assert level.size.is_finite() and level.size >= 0, level
    for value in (book.best_bid, book.best_ask, book.mid_price, book.spread):
        assert value is None or value.is_finite()
    for is_buy in (True, False):
        book.price_for_volume(is_buy, Decimal("0.01"))
        book.vwap_for_volume(is_buy, Decimal("0.01"))
    for price in (book.best_bid_float(), book.best_ask_float()):
        assert price is None or math.isfinite(price)


class VenueValueScenarios(ConformanceSuiteBase):
    """Values a venue must never get into a book, an order or a balance, pushed on every stream."""

    # Where a venue signs a fill's size by its side (Gate.io futures), a negative size is not bad.
    fill_sign_is_side: ClassVar[bool] = False

    # == the machinery ============================================================================

    @property
    def _book(self) -> OrderBook:
        return self.conn.get_order_book(self.trading_pair)

    @property
    def _resyncs_by_rest(self) -> bool:
        return self.conn.order_book_tracker._source.resync_mode is ResyncMode.REST_SNAPSHOT

    def _skipped_public(self) -> int:
        """Public messages refused for a value, or frames skipped as unreadable."""
        tracker = self.conn.order_book_tracker
        return tracker.rejected_messages + sum(r.malformed_frames for r in tracker.runners.values())

    async def _valid_diff_lands(self) -> None:
        """Once synced again, the venue's next valid diff gives exactly the book it implies."""
        book = self._book
        await eventually(lambda: book.is_synced, what="book synced again")
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5"), ("99.50", "0")], [("100.50", "0.25")], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="the valid diff applied")
        self.assert_book([("100.25", "0.5"), ("100.00", "1.5"), ("99.00", "3.0")],
                         [("100.50", "0.25"), ("101.00", "2.5"), ("101.50", "4.0")])
        assert book.is_synced
        assert_book_readable(book)

    # == book =====================================================================================

    @pytest.mark.parametrize("bids", [bids for _, bids in BAD_DIFFS], ids=[name for name, _ in BAD_DIFFS])
    async def test_a_diff_with_a_bad_value_is_skipped_and_the_book_resynced(self, bids: list[tuple[Any, Any]]) -> None:
        book = self._book
        skipped = self._skipped_public()
        last = book.last_update_id
        # checksum=0 keeps a venue's fixture from computing a checksum over the bad levels.
        await self.push_diff(bids, [], last + 1, last + 1, last, checksum=0)
        await eventually(lambda: self._skipped_public() > skipped, what="the bad diff skipped")
        assert_book_readable(book)
        await self._valid_diff_lands()

    async def test_a_snapshot_with_a_null_size_is_skipped_whole(self) -> None:
        book = self._book
        skipped = self._skipped_public()
        bad = self.format_levels([("100.00", "1.5"), ("99.50", None)])  # type: ignore[list-item]
        if self._resyncs_by_rest:
            # The next snapshot the venue serves has the bad level; the one after is sound.
            self.serve("snapshot", self.reply("snapshot", {"bids": bad}), lambda _: self.reply("snapshot"))
            last = book.last_update_id
            await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)  # a gap: resync
        else:
            await self.push_public("snapshot", bids=bad, update_id=self.snapshot_id + 50, checksum=0)
        await eventually(lambda: self._skipped_public() > skipped, timeout=10, what="the bad snapshot skipped")
        assert_book_readable(book)
        await eventually(lambda: book.is_synced, timeout=10, what="synced from a sound snapshot")
        await self._valid_diff_lands()

    async def test_a_far_future_diff_during_a_snapshot_does_not_poison_the_resync(self) -> None:
        if not self._resyncs_by_rest:
            pytest.skip("the venue's snapshot comes on the stream, after every diff it buffered")
        book = self._book
        release = asyncio.Event()

        async def slow_snapshot(_: RecordedRequest) -> MockResponse:
            await release.wait()
            return self.reply("snapshot")

        self.serve("snapshot", slow_snapshot)
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"]))
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)  # gap -> resync
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
        await self.push_diff([("98.00", "7")], [], FAR_FUTURE, FAR_FUTURE, FAR_FUTURE - 1)
        await asyncio.sleep(0.05)
        release.set()
        await eventually(lambda: book.is_synced, timeout=10, what="the resync converged")
        assert Decimal("98.00") not in [level.price for level in book.bids()]
        await self._valid_diff_lands()

    # == user stream ==============================================================================
    # Each bad message is followed by a valid one: the stream is ordered, so once the valid one has
    # landed the bad one has been dealt with, whether refused by validation, skipped as unreadable,
    # or ignored by a parser that never turns it into a record.

    async def _push_bad_user(self, fixture: str, **variables: Any) -> None:
        try:
            await self.push_user(fixture, **variables)
        except ValueError as exc:
            # The fixture writes the field as a JSON integer (contracts): NaN cannot be sent at all.
            pytest.skip(f"the venue cannot send this value in {fixture}: {exc}")

    @pytest.mark.parametrize("total", ["NaN", "-5"])
    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self, total: str) -> None:
        quote = self.trading_pair.split("-")[1]
        await self._push_bad_user("user_balance", asset=quote, total=total, available=total, locked="0")
        await self.push_user("user_balance", asset=quote, total="1234.5", available="1200.5", locked="34")
        await eventually(lambda: self.conn.get_balance(quote) == Decimal("1234.5"), what="the valid balance")
        for event in self.events(EventType.BALANCE_UPDATED):
            assert event.balance.total.is_finite() and event.balance.total >= 0, event
            assert event.balance.available.is_finite() and event.balance.available >= 0, event

    @pytest.mark.parametrize("amount", ["NaN", "-0.25"])
    async def test_a_bad_fill_amount_is_skipped_and_the_next_fill_lands(self, amount: str) -> None:
        if amount.startswith("-") and self.fill_sign_is_side:
            pytest.skip("the venue's fill size is signed by side: a negative one is a sell")
        client_id = await self.open_order()
        half = self.order_amount / 2
        await self._push_bad_user("user_fill", **self.order_vars(
            client_id, state=OrderState.PARTIALLY_FILLED, fill_amount=amount, cum_amount=half, trade_id="61"))
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED,
                                                             fill_amount=half, cum_amount=half, trade_id="62"))
        await eventually(lambda: bool(self.events(EventType.ORDER_FILLED)), what="the valid fill")
        await asyncio.sleep(0.05)
        fills = [e.trade for e in self.events(EventType.ORDER_FILLED)]
        assert [f.trade_id for f in fills] == ["62"] and fills[0].fill_base_amount == half
        order = self.conn.orders.find(client_id)
        assert order is not None and order.executed_amount_base == half

    @pytest.mark.parametrize("executed", ["NaN", "-0.5"])
    async def test_a_bad_executed_amount_is_skipped_and_the_next_update_lands(self, executed: str) -> None:
        client_id = await self.open_order()
        runner = self.conn._user_stream
        assert runner is not None
        unhandled = runner.malformed_frames
        # Refused by validation, not by an exception from inside the order tracker.
        await self._push_bad_user("user_order", **self.order_vars(client_id, state=OrderState.FILLED,
                                                                  cum_amount=Decimal(executed)))
        await self.push_user("user_order", **self.order_vars(client_id, state=OrderState.CANCELED))
        await eventually(lambda: bool(self.events(EventType.ORDER_CANCELLED)), what="the valid update")
        assert [e.client_order_id for e in self.events(EventType.ORDER_CANCELLED)] == [client_id]
        order = self.conn.orders.find(client_id)
        assert order is not None and order.state is OrderState.CANCELED
        assert order.reported_executed_amount is None or order.reported_executed_amount.is_finite()
        assert not self.events(EventType.ORDER_FILLED) and not self.events(EventType.ORDER_COMPLETED)
        assert runner.malformed_frames == unhandled
