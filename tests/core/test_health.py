"""Health a strategy can see: the tracker's sync transitions, the HealthMonitor, book age, mark PnL."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from clobconn.core.data_types import FundingInfo, Position, PositionSide
from clobconn.core.events import (
    BookSyncedEvent,
    BookSyncLostEvent,
    ConnectorDownEvent,
    ConnectorReadyEvent,
    EventBus,
    EventType,
)
from clobconn.core.health import HealthMonitor
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.socket_pool import PooledSocket
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.perpetual_base import PerpetualDerivativeBase, unrealized_pnl
from clobconn.core.registry import get_connector


def snapshot(pair: str, last_id: int) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, pair, [["100", "1"]], [["101", "1"]], last_id)


def diff(pair: str, first_id: int, last_id: int) -> BookMessage:
    return BookMessage(BookMessageType.DIFF, pair, [["100", "2"]], [], last_id, first_id=first_id)


class SnapshotSource:
    """Just what the tracker asks of a data source when it resyncs by REST snapshot."""

    sequence_rule = SequenceRule.FIRST_LAST
    resync_mode = ResyncMode.REST_SNAPSHOT
    book_stream = "public"
    book_depth = None

    def __init__(self) -> None:
        self.next_id = 50
        self.fetched = asyncio.Event()
        # The tracker names the connector in what it logs.
        self.connector = SimpleNamespace(name="test")

    def checksum(self) -> None:
        return None

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        self.fetched.set()
        return snapshot(trading_pair, self.next_id)


def no_session() -> Any:
    """These tests open no socket."""
    return None


def make_tracker(changes: list[tuple[str, bool, str]], pairs: Sequence[str] = ("BTC-USDT",)) -> OrderBookTracker:
    source: Any = SnapshotSource()
    tracker = OrderBookTracker(source, session=no_session, on_sync_change=lambda *change: changes.append(change))
    for pair in pairs:
        tracker.syncs[pair] = tracker._new_sync(pair)
    return tracker


# == the tracker reports each transition once ====================================================

async def test_tracker_reports_first_sync_gap_and_recovery_once_each() -> None:
    changes: list[tuple[str, bool, str]] = []
    tracker = make_tracker(changes)
    tracker._on_book_message(diff("BTC-USDT", 9, 11), "public")  # buffered before any snapshot: no change
    assert changes == []
    tracker._on_book_message(snapshot("BTC-USDT", 10), "public")
    assert changes == [("BTC-USDT", True, "")]
    tracker._on_book_message(diff("BTC-USDT", 12, 12), "public")  # applied: still synced
    tracker._on_book_message(diff("BTC-USDT", 20, 21), "public")  # a gap: lost, a snapshot is fetched
    tracker._on_book_message(diff("BTC-USDT", 22, 23), "public")  # buffered while resyncing: nothing new
    assert changes == [("BTC-USDT", True, ""), ("BTC-USDT", False, "gap")]
    source: Any = tracker._source
    await asyncio.wait_for(source.fetched.wait(), 1)
    for _ in range(3):
        await asyncio.sleep(0)
    assert changes[2:] == [("BTC-USDT", True, "")]
    await tracker.stop()


def test_tracker_reports_a_disconnect_once_per_synced_book() -> None:
    changes: list[tuple[str, bool, str]] = []
    tracker = make_tracker(changes, pairs=("BTC-USDT", "ETH-USDT"))
    tracker._on_book_message(snapshot("BTC-USDT", 10), "public")
    changes.clear()
    # The one socket both books are fed by.
    socket = PooledSocket("public", "public#1", ["BTC-USDT", "ETH-USDT"])
    for pair in socket.pairs:
        tracker._book_owner[pair] = socket
    tracker._on_disconnect(socket)
    tracker._on_disconnect(socket)  # already out of sync: not news
    # ETH-USDT never synced, so it was not lost.
    assert changes == [("BTC-USDT", False, "disconnected")]


# == the monitor =================================================================================

class Inputs:
    def __init__(self) -> None:
        self.down: list[str] = ["order book BTC-USDT"]

    def __call__(self) -> list[str]:
        return list(self.down)


@pytest.fixture
def bus_events() -> tuple[EventBus, list[Any]]:
    bus, seen = EventBus(), []
    for event_type in EventType:
        bus.add_listener(event_type, seen.append)
    return bus, seen


async def test_connector_events_once_per_transition_and_coalesced_per_loop_pass(
        bus_events: tuple[EventBus, list[Any]], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="clobconn.core.health")
    bus, seen = bus_events
    inputs = Inputs()
    monitor = HealthMonitor("venue", bus, inputs)
    inputs.down = []
    monitor.book_sync_changed("BTC-USDT", True, "")
    monitor.check_soon()
    await asyncio.sleep(0)
    assert [type(e) for e in seen] == [BookSyncedEvent, ConnectorReadyEvent]
    # A dropped socket loses both books in one callback: one CONNECTOR_DOWN naming both.
    inputs.down = ["order book BTC-USDT", "order book ETH-USDT"]
    monitor.book_sync_changed("BTC-USDT", False, "disconnected")
    monitor.book_sync_changed("ETH-USDT", False, "disconnected")
    await asyncio.sleep(0)
    lost = [e for e in seen if isinstance(e, BookSyncLostEvent)]
    assert [(e.trading_pair, e.reason) for e in lost] == [("BTC-USDT", "disconnected"), ("ETH-USDT", "disconnected")]
    down = [e for e in seen if isinstance(e, ConnectorDownEvent)]
    assert len(down) == 1 and down[0].down == ("order book BTC-USDT", "order book ETH-USDT")
    assert down[0].reason == "order book BTC-USDT, order book ETH-USDT"
    monitor.check()  # still down: nothing new
    inputs.down = []
    monitor.book_sync_changed("BTC-USDT", True, "")
    monitor.book_sync_changed("ETH-USDT", True, "")
    await asyncio.sleep(0)
    assert [type(e) for e in seen][-3:] == [BookSyncedEvent, BookSyncedEvent, ConnectorReadyEvent]
    assert sum(isinstance(e, ConnectorReadyEvent) for e in seen) == 2
    log = caplog.text
    assert "BTC-USDT book out of sync (disconnected)" in log
    assert "BTC-USDT book synced again after" in log and "connector ready again after" in log
    assert "connector down (order book BTC-USDT, order book ETH-USDT)" in log


async def test_muted_monitor_publishes_nothing_and_reset_starts_over(bus_events: tuple[EventBus, list[Any]]) -> None:
    bus, seen = bus_events
    inputs = Inputs()
    inputs.down = []
    monitor = HealthMonitor("venue", bus, inputs)
    monitor.check()
    assert len(seen) == 1 and monitor.ready
    monitor.muted = True  # stopping
    inputs.down = ["user stream"]
    monitor.book_sync_changed("BTC-USDT", False, "disconnected")
    monitor.check_soon()
    await asyncio.sleep(0)
    assert len(seen) == 1
    monitor.reset()
    inputs.down = []
    monitor.check()  # a restart is ready again, and says so
    assert [type(e) for e in seen] == [ConnectorReadyEvent, ConnectorReadyEvent]


# == book age ====================================================================================

def test_book_age_is_set_by_every_update_even_without_a_venue_timestamp() -> None:
    book = OrderBook("BTC-USDT")
    assert book.age == math.inf and book.last_update_time is None
    book.apply_snapshot([["100", "1"]], [["101", "1"]], 1)  # no venue timestamp
    assert book.timestamp == 0.0 and book.age < 0.5
    time.sleep(0.05)
    assert book.age >= 0.05
    book.apply_diff([["100", "2"]], [], 2, timestamp=1_700_000_000.0)
    assert book.timestamp == 1_700_000_000.0  # the venue's clock, kept apart
    assert book.age < 0.05
    assert book.last_update_time is not None and abs(book.last_update_time - time.time()) < 0.05


# == mark-price PnL ==============================================================================

@pytest.mark.parametrize(("side", "amount", "expected"), [
    (PositionSide.BOTH, "0.5", "50"),     # one-way long
    (PositionSide.BOTH, "-0.5", "-50"),   # one-way short: the sign says so
    (PositionSide.LONG, "0.5", "50"),
    (PositionSide.SHORT, "-0.5", "-50"),  # hedge short, signed by the venue
    (PositionSide.SHORT, "0.5", "-50"),   # hedge short, unsigned by the venue: the side says so
])
def test_unrealized_pnl_of_a_linear_contract(side: PositionSide, amount: str, expected: str) -> None:
    position = Position("BTC-USDT", side, Decimal(amount), Decimal("25000"), Decimal(0), Decimal(10))
    assert unrealized_pnl(position, Decimal("25100")) == Decimal(expected)


# == positions follow the mark (the core's logic, on any perpetual connector, offline) ===========

def test_positions_follow_the_mark_and_an_update_without_one_is_priced_at_the_last() -> None:
    perp = get_connector("binance_perpetual", trading_pairs=["BTC-USDT"])
    assert isinstance(perp, PerpetualDerivativeBase)
    updates: list[Any] = []
    perp.add_listener(EventType.POSITION_UPDATED, updates.append)
    perp._on_funding_info(FundingInfo("BTC-USDT", Decimal("25049"), Decimal("25050"), 0.0, Decimal("0.0001")))
    # A REST row brings its own mark, PnL and liquidation price: the venue's figures stand.
    polled = Position("BTC-USDT", PositionSide.BOTH, Decimal("0.5"), Decimal("25000"), Decimal("19.99"),
                      Decimal(10), mark_price=Decimal("25040"), liquidation_price=Decimal("20000"))
    perp._on_position(polled)
    assert perp.get_position("BTC-USDT") == polled
    # A stream update after a fill has neither mark nor liquidation price, and a PnL of another moment.
    perp._on_position(Position("BTC-USDT", PositionSide.BOTH, Decimal("0.6"), Decimal("25010"), Decimal("-0.085"),
                               Decimal(10)))
    position = perp.get_position("BTC-USDT")
    assert position is not None
    assert (position.mark_price, position.liquidation_price) == (Decimal("25050"), Decimal("20000"))
    assert position.unrealized_pnl == Decimal("0.6") * 40
    # A NaN mark prices nothing; a new mark reprices, once; the same mark again is not news.
    perp._on_funding_info(FundingInfo("BTC-USDT", Decimal("25049"), Decimal("NaN"), 0.0, Decimal("0.0001")))
    assert perp.get_position("BTC-USDT") == position
    before = len(updates)
    for _ in range(2):
        perp._on_funding_info(FundingInfo("BTC-USDT", Decimal("25059"), Decimal("25060"), 0.0, Decimal("0.0001")))
    position = perp.get_position("BTC-USDT")
    assert position is not None and position.unrealized_pnl == Decimal("0.6") * 50
    assert [e.position for e in updates[before:]] == [position]
