"""The snapshot-only book model: venues whose depth stream sends the whole book each time (Bitrue,
BingX, HashKey) yield SNAPSHOT messages under ``SequenceRule.NONE``.

Each snapshot replaces the book at once; one older than the book (by id, or by the venue's
timestamp when there are no ids) is refused; age, sync events and disconnects behave as for diff books.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from types import SimpleNamespace
from typing import Any, ClassVar, cast

import aiohttp
import pytest

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, ResyncMode, SequenceRule, SyncResult
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.web.ws import ConnectSpec
from clobconn.testing import MockVenue

PAIR = "BTC-USDT"
PATH = "/depth"


def snapshot(bids: list[list[str]], last_id: int = 0, timestamp: float = 0.0) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, PAIR, bids, [["200", "1"]], last_id, timestamp=timestamp)


def synced_sync() -> BookSynchronizer:
    sync = BookSynchronizer(PAIR, SequenceRule.NONE)
    assert sync.on_snapshot(snapshot([["100", "1"], ["99", "2"]], last_id=10, timestamp=1000.0)) is SyncResult.APPLIED
    return sync


# == the synchroniser ============================================================================

def test_each_snapshot_replaces_the_whole_book() -> None:
    sync = synced_sync()
    assert sync.on_snapshot(snapshot([["98", "5"]], last_id=11)) is SyncResult.APPLIED
    # Nothing of the first snapshot survives the second.
    assert sync.book.bid_levels() == [(98.0, 5.0)]
    assert sync.book.last_update_id == 11 and sync.is_synced


def test_a_snapshot_with_a_lower_id_does_not_replace_a_newer_book() -> None:
    sync = synced_sync()
    before = sync.book.bid_levels()
    assert sync.on_snapshot(snapshot([["50", "1"]], last_id=9)) is SyncResult.STALE
    assert sync.book.bid_levels() == before
    assert sync.book.last_update_id == 10 and sync.is_synced


def test_without_ids_an_older_timestamp_does_not_replace_a_newer_book() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.NONE)
    sync.on_snapshot(snapshot([["100", "1"]], timestamp=1000.0))
    assert sync.on_snapshot(snapshot([["50", "1"]], timestamp=999.0)) is SyncResult.STALE
    assert sync.book.bid_levels() == [(100.0, 1.0)]
    assert sync.on_snapshot(snapshot([["101", "1"]], timestamp=1001.0)) is SyncResult.APPLIED
    assert sync.book.bid_levels() == [(101.0, 1.0)]


def test_after_a_disconnect_any_snapshot_rebuilds_the_book() -> None:
    # The venue may have restarted its ids: an unsynced book takes the first snapshot it gets.
    sync = synced_sync()
    sync.invalidate()
    assert sync.on_snapshot(snapshot([["50", "1"]], last_id=3)) is SyncResult.APPLIED
    assert sync.book.bid_levels() == [(50.0, 1.0)] and sync.is_synced


# == the tracker over a socket ===================================================================

class SnapshotOnlySource(OrderBookDataSource):
    """A depth stream of whole books, each with the venue's version number."""

    sequence_rule: ClassVar[SequenceRule] = SequenceRule.NONE
    resync_mode: ClassVar[ResyncMode] = ResyncMode.RESUBSCRIBE

    def __init__(self, venue: MockVenue) -> None:
        super().__init__(cast(Any, SimpleNamespace(name="snapshots")))
        self.venue = venue

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(self.venue.ws_url + PATH)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        return [{"op": verb, "args": list(trading_pairs)}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if isinstance(message, dict) and "version" in message:
            yield BookMessage(BookMessageType.SNAPSHOT, message["pair"], message["bids"], message["asks"],
                              message["version"])


def frame(version: int, bid: str) -> dict[str, Any]:
    return {"pair": PAIR, "version": version, "bids": [[bid, "1"]], "asks": [["200", "1"]]}


async def eventually(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; a guard against hanging, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def tracked(venue: MockVenue, http_session: aiohttp.ClientSession) -> AsyncIterator[
        tuple[OrderBookTracker, list[tuple[str, bool, str]]]]:
    changes: list[tuple[str, bool, str]] = []
    tracker = OrderBookTracker(SnapshotOnlySource(venue), session=lambda: http_session,
                               on_sync_change=lambda *change: changes.append(change))
    await tracker.start([PAIR])
    await venue.wait_for_connections(PATH)
    await venue.wait_for_ws_message(PATH, lambda message: message.get("op") == "subscribe")
    yield tracker, changes
    await tracker.stop()


async def test_stream_snapshots_sync_age_and_order_the_book(
        venue: MockVenue, tracked: tuple[OrderBookTracker, list[tuple[str, bool, str]]]) -> None:
    tracker, changes = tracked
    book = tracker.order_book(PAIR)
    assert not book.is_synced and book.age == float("inf")

    await venue.push(PATH, frame(5, "100"))
    await eventually(lambda: book.is_synced, what="the first snapshot")
    assert changes == [(PAIR, True, "")]
    first_applied = book.applied_at

    await venue.push(PATH, frame(4, "90"))  # overtaken on the way: refused
    await asyncio.sleep(0.05)
    assert book.last_update_id == 5 and book.bid_levels() == [(100.0, 1.0)]
    assert book.applied_at == first_applied
    await venue.push(PATH, frame(6, "101"))
    await eventually(lambda: book.last_update_id == 6, what="the newer snapshot")
    assert book.bid_levels() == [(101.0, 1.0)]
    assert book.applied_at > first_applied
    assert changes == [(PAIR, True, "")]
    assert tracker.resyncs == 0


async def test_a_disconnect_unsyncs_the_book_until_the_next_snapshot(
        venue: MockVenue, tracked: tuple[OrderBookTracker, list[tuple[str, bool, str]]]) -> None:
    tracker, changes = tracked
    book = tracker.order_book(PAIR)
    await venue.push(PATH, frame(5, "100"))
    await eventually(lambda: book.is_synced, what="the first snapshot")

    await venue.drop(PATH)
    await eventually(lambda: not book.is_synced, what="the book marked stale")
    assert changes[-1] == (PAIR, False, "disconnected")
    await venue.wait_for_connections(PATH, count=2)
    await venue.wait_for_ws_message(PATH, lambda message: message.get("op") == "subscribe", count=2)
    await asyncio.sleep(0.05)
    assert not book.is_synced  # reconnected, but no snapshot yet

    # The venue restarted its versions: the first snapshot after the reconnect is taken all the same.
    await venue.push(PATH, frame(1, "102"))
    await eventually(lambda: book.is_synced, what="the next snapshot")
    assert changes[-1] == (PAIR, True, "")
    assert book.bid_levels() == [(102.0, 1.0)]


async def test_a_socket_replaced_at_its_lifetime_keeps_the_book_synced(
        venue: MockVenue, http_session: aiohttp.ClientSession) -> None:
    source = SnapshotOnlySource(venue)
    source.max_socket_lifetime = 0.5  # type: ignore[misc]
    changes: list[tuple[str, bool, str]] = []
    tracker = OrderBookTracker(source, session=lambda: http_session,
                               on_sync_change=lambda *change: changes.append(change))
    await tracker.start([PAIR])
    try:
        await venue.wait_for_ws_message(PATH, lambda message: message.get("op") == "subscribe")
        versions: list[int] = []
        loop = asyncio.get_running_loop()
        until = loop.time() + 1.2
        version = 0
        while loop.time() < until:
            version += 1
            await venue.push(PATH, frame(version, str(100 + version % 7)))
            await asyncio.sleep(0.005)
            if tracker.order_book(PAIR).is_synced:
                versions.append(tracker.order_book(PAIR).last_update_id)
        await eventually(lambda: tracker.order_book(PAIR).last_update_id == version, what="the last snapshot")
        assert tracker.rollovers >= 1 and venue.connections(PATH) >= 2
        assert tracker.forced_handovers == 0
        # Synced once, never lost, and never taken back to an older snapshot.
        assert changes == [(PAIR, True, "")]
        assert versions == sorted(versions)
    finally:
        await tracker.stop()
