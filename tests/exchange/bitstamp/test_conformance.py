"""The shared spot conformance suite, run against the Bitstamp connector over a loopback venue.

Bitstamp's diffs carry no sequence, only a microtimestamp (the suite's ids are written into it): a
skipped id is invisible, so the suite's "gap" scenarios are rewritten here with the only disorder the
venue can show, a diff whose time goes backwards. Bitstamp has no balance channel and no server-time
endpoint; those scenarios are skipped with that reason.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from clobconn.core.data_types import OrderState
from clobconn.core.events import EventType
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import SpotConformanceSuite, eventually, state_of
from tests.exchange.bitstamp.conformance_hooks import NO_BALANCE_CHANNEL, BitstampVenue


class TestBitstampConformance(BitstampVenue, SpotConformanceSuite):
    # == the venue's differences ====================================================================

    async def test_balance_update_via_user_stream(self) -> None:
        pytest.skip(NO_BALANCE_CHANNEL)

    @pytest.mark.parametrize("total", ["NaN", "-5"])
    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self, total: str) -> None:
        pytest.skip(NO_BALANCE_CHANNEL)

    async def test_timestamp_error_resyncs_clock_and_retries_once(self) -> None:
        pytest.skip("Bitstamp documents no server-time endpoint to re-sync the clock from")

    async def test_timestamp_refusal_takes_a_fresh_clock_offset(self, caplog: pytest.LogCaptureFixture) -> None:
        pytest.skip("Bitstamp documents no server-time endpoint to re-sync the clock from")

    async def test_a_far_future_diff_during_a_snapshot_does_not_poison_the_resync(self) -> None:
        pytest.skip("Bitstamp's diffs carry a time, not a sequence: a far-future time is just a later diff")

    async def _out_of_order(self) -> None:
        """The one disorder Bitstamp's diffs can show: after a diff, one whose time goes backwards."""
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_diff([("100.05", "1")], [], last + 10, last + 10, last + 9)
        await eventually(lambda: book.last_update_id == last + 10, what="the forward diff applied")
        await self.push_diff([("100.10", "1")], [], last + 5, last + 5, last + 4)

    async def test_book_gap_triggers_resync(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"]))
        await self._out_of_order()
        await eventually(lambda: self.conn.order_book_tracker.resyncs >= 1, what="resync")
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
        await eventually(lambda: book.is_synced, what="book synced again")
        assert book.best_bid == Decimal("100.00")

    async def test_diffs_during_snapshot_are_buffered_and_replayed(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        release = asyncio.Event()
        new = book.last_update_id + 100

        async def slow_snapshot(_: RecordedRequest) -> MockResponse:
            await release.wait()
            return self.reply("snapshot", {"update_id": new})

        self.serve("snapshot", slow_snapshot)
        await self._out_of_order()
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=2)
        await self.push_diff([("98.00", "7")], [], new - 1, new - 1, new - 2)  # before the snapshot: dropped
        await self.push_diff([("97.00", "7")], [], new, new, new - 1)  # at the snapshot's time: dropped
        await self.push_diff([("100.20", "2")], [], new + 1, new + 1, new)
        await self.push_diff([("100.30", "3")], [], new + 2, new + 2, new + 1)
        await asyncio.sleep(0.05)
        assert not book.is_synced
        release.set()
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.30"), what="replayed diffs")
        assert book.last_update_id == new + 2
        prices = [level.price for level in book.bids()]
        assert Decimal("98.00") not in prices and Decimal("97.00") not in prices

    async def test_a_snapshot_with_a_null_size_is_skipped_whole(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        rejected = self.conn.order_book_tracker.rejected_messages
        bad = self.format_levels([("100.00", "1.5"), ("99.50", None)])  # type: ignore[list-item]
        self.serve("snapshot", self.reply("snapshot", {"bids": bad}), lambda _: self.reply("snapshot"))
        await self._out_of_order()
        await eventually(lambda: self.conn.order_book_tracker.rejected_messages > rejected, timeout=10,
                         what="the bad snapshot skipped")
        await eventually(lambda: book.is_synced, timeout=10, what="synced from a sound snapshot")
        assert book.best_bid == Decimal("100.00")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        mark = await self.settled_health_mark()
        await self._out_of_order()
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), what="ready again")
        await asyncio.sleep(0.1)
        events = self.health_events_since(mark)
        assert [e.type for e in events] == [EventType.BOOK_SYNC_LOST, EventType.CONNECTOR_DOWN,
                                            EventType.BOOK_SYNCED, EventType.CONNECTOR_READY], events
        # The synchroniser reports time going backwards as it reports a gap.
        assert events[0].reason == "gap" and events[2].trading_pair == self.trading_pair

    async def test_partial_fills_accumulate(self) -> None:
        # A Bitstamp trade event carries no order state: the venue sends order_changed on
        # private-my_orders beside it, and that is what says "partially filled".
        client_id = await self.open_order()
        half = self.order_amount / 2
        partial = self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED, fill_amount=half, cum_amount=half,
                                  trade_id="81")
        await self.push_user("user_fill", **partial)
        await self.push_user("user_order", **partial)
        await eventually(lambda: len(self.events(EventType.ORDER_FILLED)) == 1, what="first fill")
        order = self.conn.in_flight_orders[client_id]
        await eventually(lambda: order.state is OrderState.PARTIALLY_FILLED, what="order_changed applied")
        assert order.executed_amount_base == half
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.FILLED, fill_amount=half,
                                                             cum_amount=self.order_amount, trade_id="82"))
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="ORDER_COMPLETED")
        assert state_of(order) is OrderState.FILLED and order.executed_amount_base == self.order_amount
