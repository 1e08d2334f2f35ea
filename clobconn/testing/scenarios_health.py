"""Conformance scenarios for health a strategy can see (issue 11), mixed into the shared suites.

``HealthScenarios`` (every connector): book sync loss and recovery as BOOK_SYNC_LOST/BOOK_SYNCED,
connector readiness as CONNECTOR_DOWN/CONNECTOR_READY, each published once per transition, and
the book's age. ``PerpetualHealthScenarios``: positions follow the mark price stream.

The suite that inherits these supplies the machinery declared below (the loopback venue, the
connector, the recorded events and the push helpers).
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_types import Position
from clobconn.core.events import EventType
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase, PerpetualSuiteBase

HEALTH_EVENTS = frozenset({EventType.BOOK_SYNC_LOST, EventType.BOOK_SYNCED, EventType.CONNECTOR_DOWN,
                           EventType.CONNECTOR_READY})
# Long enough to tell a book that is updating from one that is not, short enough for a unit test.
QUIET = 0.3


class HealthScenarios(ConformanceSuiteBase):
    def health_events_since(self, mark: int) -> list[Any]:
        return [e for e in self.recorded[mark:] if e.type in HEALTH_EVENTS]

    def health_kinds_since(self, mark: int) -> list[EventType]:
        return [e.type for e in self.health_events_since(mark)]

    async def settled_health_mark(self) -> int:
        """Where the recorded events stand once start-up's health events are in (READY is published
        one loop pass after the last input turned ready, so it may trail wait_ready)."""
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(0), what="CONNECTOR_READY")
        await asyncio.sleep(0.05)
        return len(self.recorded)

    async def test_first_sync_and_readiness_reported_once(self) -> None:
        await self.settled_health_mark()
        events = self.health_events_since(0)
        assert [e.type for e in events] == [EventType.BOOK_SYNCED, EventType.CONNECTOR_READY], events
        assert events[0].trading_pair == self.trading_pair
        assert self.conn.health() == []

    async def test_public_drop_reports_book_lost_and_connector_down_then_recovery(self) -> None:
        mark = await self.settled_health_mark()
        await self.venue.drop(self.public_ws_path)
        await eventually(lambda: EventType.CONNECTOR_DOWN in self.health_kinds_since(mark), what="CONNECTOR_DOWN")
        lost, down = self.health_events_since(mark)
        assert (lost.type, lost.trading_pair, lost.reason) == (
            EventType.BOOK_SYNC_LOST, self.trading_pair, "disconnected")
        assert f"order book {self.trading_pair}" in down.down and down.reason == ", ".join(down.down)
        assert not self.conn.ready and f"order book {self.trading_pair}" in self.conn.health()
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), timeout=10,
                         what="CONNECTOR_READY after the resync")
        await asyncio.sleep(0.1)
        assert self.health_kinds_since(mark) == [EventType.BOOK_SYNC_LOST, EventType.CONNECTOR_DOWN,
                                                 EventType.BOOK_SYNCED, EventType.CONNECTOR_READY]
        assert self.conn.get_order_book(self.trading_pair).is_synced and self.conn.health() == []

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        mark = await self.settled_health_mark()
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)
        await eventually(lambda: EventType.BOOK_SYNCED in self.health_kinds_since(mark), what="BOOK_SYNCED")
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), what="ready again")
        await asyncio.sleep(0.1)
        events = self.health_events_since(mark)
        assert [e.type for e in events] == [EventType.BOOK_SYNC_LOST, EventType.CONNECTOR_DOWN,
                                            EventType.BOOK_SYNCED, EventType.CONNECTOR_READY], events
        assert events[0].reason == "gap" and events[2].trading_pair == self.trading_pair

    async def test_book_age_grows_while_quiet_and_resets_on_a_diff(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        await asyncio.sleep(QUIET)
        assert book.age >= QUIET
        updated = book.last_update_time
        assert updated is not None and time.time() - updated >= QUIET
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5")], [], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="diff applied")
        assert book.age < QUIET
        assert abs(time.time() - (book.last_update_time or 0.0)) < QUIET

    async def test_user_stream_drop_reports_connector_down_then_ready(self) -> None:
        mark = await self.settled_health_mark()
        await self.venue.drop(self.user_ws_path)
        await eventually(lambda: EventType.CONNECTOR_DOWN in self.health_kinds_since(mark), what="CONNECTOR_DOWN")
        assert self.health_events_since(mark)[0].down == ("user stream",)
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), timeout=10,
                         what="CONNECTOR_READY after the user stream is back")
        await asyncio.sleep(0.1)
        assert self.health_kinds_since(mark) == [EventType.CONNECTOR_DOWN, EventType.CONNECTOR_READY]


class PerpetualHealthScenarios(PerpetualSuiteBase):
    # Whether the user stream's position message carries the venue's mark price (and PnL at it).
    user_position_has_mark: ClassVar[bool] = False

    def position(self) -> Position:
        position = self.perp.get_position(self.trading_pair)
        assert position is not None, "no position"
        return position

    def serve_polled_mark(self, mark: str) -> None:
        """For a venue that streams no mark: have its funding-info read answer with this mark."""
        self.serve("funding_info", lambda _: self.reply("funding_info", {"mark_price": mark}))

    async def push_mark(self, mark: str) -> None:
        """Push a mark price (or, where nothing streams it, serve it to the funding-info poll and wake
        the poll) and wait until the connector took it in (a new FundingInfo, even if equal)."""
        before = self.perp.funding_info.get(self.trading_pair)
        if self.perp.funding_info_poll_interval is not None:
            self.serve_polled_mark(mark)
            self.perp.tasks.wake("funding_info")
        else:
            await self.push_public("mark_price", mark_price=mark)
        await eventually(lambda: self.perp.funding_info.get(self.trading_pair) is not before, what=f"mark {mark}")
        assert self.perp.funding_info[self.trading_pair].mark_price == Decimal(mark)

    async def test_position_follows_the_mark_price(self) -> None:
        await self.perp._update_positions()
        pair, amount, entry = self.expected_position
        assert pair == self.trading_pair
        updates = len(self.events(EventType.POSITION_UPDATED))
        await self.push_mark("123.45")
        position = self.position()
        assert position.mark_price == Decimal("123.45")
        assert position.unrealized_pnl == amount * (Decimal("123.45") - entry)
        published = self.events(EventType.POSITION_UPDATED)[updates:]
        assert [e.position for e in published] == [position]
        # The same mark again: nothing changed, nothing published.
        await self.push_mark("123.45")
        assert len(self.events(EventType.POSITION_UPDATED)) == updates + 1

    async def test_streamed_position_keeps_mark_and_liquidation_then_follows(self) -> None:
        await self.perp._update_positions()  # REST: mark and liquidation price
        assert self.position().liquidation_price is not None
        await self.push_mark("25050.5")
        await self.push_user("user_position", position_amount="0.5", entry_price="25000.5")
        await eventually(lambda: self.position().amount == Decimal("0.5"), what="streamed position")
        position = self.position()
        assert position.mark_price is not None and position.liquidation_price is not None
        if not self.user_position_has_mark:
            # Priced at the last mark, not at whatever the venue's message said its PnL was.
            assert position.mark_price == Decimal("25050.5")
            assert position.unrealized_pnl == Decimal("0.5") * (Decimal("25050.5") - Decimal("25000.5"))
        await self.push_mark("25100.5")
        await eventually(lambda: self.position().mark_price == Decimal("25100.5"), what="position at the new mark")
        assert self.position().unrealized_pnl == Decimal("0.5") * (Decimal("25100.5") - Decimal("25000.5"))
