"""The socket pool per stream: a cap on subscriptions per socket, and sockets replaced before their lifetime ends.

A fake venue on the loopback MockVenue keeps one update id per pair and sends each pair's diffs
only to the sockets subscribed to it, as a venue does; the tracker under test is the real one.
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

PATH = "/pool"
ASK = ["2000", "1"]
# Bid prices a diff may touch: the book stays small however long a test runs.
SLOTS = 20


async def eventually(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; a guard against hanging, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def subscribed_pairs(session: Sequence[Any]) -> set[str]:
    """The pairs a socket is subscribed to, from the frames it sent."""
    pairs: set[str] = set()
    for message in session:
        if isinstance(message, dict) and message.get("op") == "subscribe":
            pairs.update(message["args"])
        elif isinstance(message, dict) and message.get("op") == "unsubscribe":
            pairs.difference_update(message["args"])
    return pairs


class FakeVenue:
    """One update id per pair; each diff sets one bid level (price by id, size the id)."""

    def __init__(self, venue: MockVenue, snapshots_on_stream: bool) -> None:
        self.venue = venue
        self.ids: dict[str, int] = {}
        self.bids: dict[str, dict[str, str]] = {}
        if snapshots_on_stream:
            venue.on_ws_message(PATH, self._snapshot_on_subscribe)

    def _snapshot_on_subscribe(self, message: Any) -> list[Any]:
        if isinstance(message, dict) and message.get("op") == "subscribe":
            return [self.snapshot_frame(pair) for pair in message["args"]]
        return []

    def snapshot_frame(self, pair: str) -> dict[str, Any]:
        levels = self.bids.setdefault(pair, {})
        return {"type": "snapshot", "pair": pair, "u": self.ids.setdefault(pair, 1),
                "bids": [[price, size] for price, size in levels.items()], "asks": [ASK]}

    async def publish(self, pair: str) -> None:
        update_id = self.ids[pair] = self.ids.setdefault(pair, 1) + 1
        level = [str(1000 + update_id % SLOTS), str(update_id)]
        self.bids.setdefault(pair, {})[level[0]] = level[1]
        frame = {"type": "diff", "pair": pair, "U": update_id, "u": update_id, "bids": [level], "asks": [ASK]}
        await self.venue.push_where(PATH, frame, lambda session: pair in subscribed_pairs(session))

    def book_bids(self, pair: str) -> dict[float, float]:
        return {float(price): float(size) for price, size in self.bids.get(pair, {}).items()}


class PoolSource(OrderBookDataSource):
    """A venue that allows 4 subscriptions per socket, with depth and trades for each pair: 2 pairs a socket."""

    sequence_rule: ClassVar[SequenceRule] = SequenceRule.FIRST_LAST
    resync_mode: ClassVar[ResyncMode] = ResyncMode.REST_SNAPSHOT
    max_subscriptions_per_socket: ClassVar[int | None] = 4

    def __init__(self, venue: MockVenue, fake: FakeVenue) -> None:
        super().__init__(cast(Any, SimpleNamespace(name="pool")))
        self.venue = venue
        self.fake = fake

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(self.venue.ws_url + PATH)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        return [{"op": verb, "args": list(trading_pairs)}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if isinstance(message, dict) and "pair" in message:
            kind = BookMessageType.SNAPSHOT if message["type"] == "snapshot" else BookMessageType.DIFF
            yield BookMessage(kind, message["pair"], message["bids"], message["asks"], message["u"],
                              first_id=message.get("U"))

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        frame = self.fake.snapshot_frame(trading_pair)
        return BookMessage(BookMessageType.SNAPSHOT, trading_pair, frame["bids"], frame["asks"], frame["u"])


class StreamSnapshotSource(PoolSource):
    """A venue that sends the book on the stream when a pair is subscribed (Bybit, OKX)."""

    resync_mode: ClassVar[ResyncMode] = ResyncMode.RESUBSCRIBE


class PerPairSocketSource(StreamSnapshotSource):
    """A socket per pair whose URL names it, and a book resynced by connecting again (Cube)."""

    max_subscriptions_per_socket: ClassVar[int | None] = 1
    resync_mode: ClassVar[ResyncMode] = ResyncMode.RECONNECT

    def subscriptions_per_pair(self, stream: str) -> int:
        return 1

    async def connect_spec_for(self, stream: str, trading_pairs: Sequence[str]) -> ConnectSpec:
        return ConnectSpec(f"{self.venue.ws_url}{PATH}?pair={trading_pairs[0]}")


class RecordingSync(BookSynchronizer):
    """Notes where each snapshot left the book and each diff applied on top, in order."""

    def __init__(self, trading_pair: str, rule: SequenceRule) -> None:
        super().__init__(trading_pair, rule)
        self.log: list[tuple[str, int]] = []

    def on_snapshot(self, message: BookMessage, drop_unreachable: bool = False) -> SyncResult:
        result = super().on_snapshot(message, drop_unreachable)
        if result is SyncResult.APPLIED:
            self.log.append(("synced at", self.book.last_update_id))
        return result

    def on_diff(self, message: BookMessage) -> SyncResult:
        result = super().on_diff(message)
        if result is SyncResult.APPLIED:
            self.log.append(("diff", message.last_id))
        return result


class RecordingTracker(OrderBookTracker):
    def _new_sync(self, trading_pair: str) -> BookSynchronizer:
        return RecordingSync(trading_pair, self._source.sequence_rule)


def assert_contiguous(log: list[tuple[str, int]]) -> None:
    """Every applied diff is the one right after the book's state: none lost, none applied twice."""
    at = None
    for what, update_id in log:
        if what == "diff":
            assert at is not None and update_id == at + 1, f"diff {update_id} applied on a book at {at}: {log}"
        at = update_id


Setup = tuple[RecordingTracker, FakeVenue, list[tuple[str, bool, str]]]


@pytest.fixture
async def make_tracker(venue: MockVenue, http_session: aiohttp.ClientSession) -> AsyncIterator[
        Callable[..., Setup]]:
    trackers: list[OrderBookTracker] = []

    def make(source_type: type[PoolSource] = PoolSource, lifetime: float | None = None) -> Setup:
        fake = FakeVenue(venue, snapshots_on_stream=source_type.resync_mode in (ResyncMode.RESUBSCRIBE,
                                                                                ResyncMode.RECONNECT))
        source = source_type(venue, fake)
        source.max_socket_lifetime = lifetime  # type: ignore[misc]
        changes: list[tuple[str, bool, str]] = []
        tracker = RecordingTracker(source, session=lambda: http_session,
                                   on_sync_change=lambda *change: changes.append(change))
        trackers.append(tracker)
        return tracker, fake, changes

    yield make
    for tracker in trackers:
        await tracker.stop()


def live_subscriptions(venue: MockVenue) -> list[set[str]]:
    return [subscribed_pairs(session) for ws, session in venue.endpoint(PATH).live if not ws.closed]


PAIRS = ["A-USDT", "B-USDT", "C-USDT", "D-USDT", "E-USDT"]


async def test_pairs_are_spread_over_as_many_sockets_as_the_cap_needs(make_tracker: Callable[..., Setup],
                                                                      venue: MockVenue) -> None:
    tracker, _, _ = make_tracker()
    await tracker.start(PAIRS)
    await eventually(lambda: tracker.ready, what="every book synced")
    # 4 subscriptions a socket, 2 per pair: 5 pairs need 3 sockets, none carrying more than 2 pairs.
    subscriptions = live_subscriptions(venue)
    assert len(subscriptions) == 3
    assert all(len(pairs) <= 2 for pairs in subscriptions)
    assert set().union(*subscriptions) == set(PAIRS)
    assert len(tracker.runners) == 3


async def test_add_and_remove_pairs_across_sockets(make_tracker: Callable[..., Setup], venue: MockVenue) -> None:
    tracker, fake, _ = make_tracker()
    await tracker.start(PAIRS[:2])
    await eventually(lambda: tracker.ready, what="books synced")
    assert venue.connections(PATH) == 1

    # The first socket is full: a third pair opens a second socket, which subscribes it alone.
    await tracker.add_trading_pair("C-USDT")
    await eventually(lambda: len(live_subscriptions(venue)) == 2 and tracker.ready, what="a second socket")
    assert sorted(map(sorted, live_subscriptions(venue))) == [["A-USDT", "B-USDT"], ["C-USDT"]]

    # Removing a pair unsubscribes it on its own socket; the room it leaves takes the next pair.
    await tracker.remove_trading_pair("A-USDT")
    await tracker.add_trading_pair("D-USDT")
    await eventually(lambda: sorted(map(sorted, live_subscriptions(venue))) == [["B-USDT", "D-USDT"], ["C-USDT"]],
                     what="A unsubscribed and D on the first socket")
    assert venue.connections(PATH) == 2
    await eventually(lambda: tracker.ready, what="D synced")
    await fake.publish("D-USDT")
    await eventually(lambda: tracker.order_book("D-USDT").last_update_id == fake.ids["D-USDT"], what="D's diff")

    # A socket left with no pair is closed.
    await tracker.remove_trading_pair("C-USDT")
    await eventually(lambda: len(live_subscriptions(venue)) == 1, what="the empty socket closed")
    assert len(tracker.runners) == 1


async def test_a_dropped_socket_loses_only_its_own_books(make_tracker: Callable[..., Setup], venue: MockVenue) -> None:
    tracker, fake, changes = make_tracker()
    await tracker.start(PAIRS[:4])
    await eventually(lambda: tracker.ready, what="books synced")
    changes.clear()

    assert await venue.drop_where(PATH, lambda session: "A-USDT" in subscribed_pairs(session)) == 1
    await eventually(lambda: len(changes) >= 2, what="the dropped socket's books reported lost")
    lost = sorted(pair for pair, synced, _ in changes if not synced)
    assert lost == ["A-USDT", "B-USDT"]
    assert all(reason == "disconnected" for _, synced, reason in changes if not synced)
    assert tracker.order_book("C-USDT").is_synced and tracker.order_book("D-USDT").is_synced
    # The other socket still feeds its books while the dropped one reconnects.
    await fake.publish("C-USDT")
    await eventually(lambda: tracker.order_book("C-USDT").last_update_id == fake.ids["C-USDT"], what="C's diff")
    await eventually(lambda: tracker.ready, what="A and B synced again")
    assert venue.connections(PATH) == 3


@pytest.mark.parametrize("source_type", [PoolSource, StreamSnapshotSource], ids=["rest_snapshot", "stream_snapshot"])
async def test_rollover_keeps_every_book_synced_and_the_ids_contiguous(
        make_tracker: Callable[..., Setup], venue: MockVenue, source_type: type[PoolSource]) -> None:
    lifetime = 1.5
    tracker, fake, changes = make_tracker(source_type, lifetime=lifetime)
    pairs = PAIRS[:3]
    await tracker.start(pairs)
    await eventually(lambda: tracker.ready, what="books synced")
    assert all(synced for _, synced, _ in changes)
    first_sockets = venue.connections(PATH)
    assert first_sockets == 2

    # Diffs flow on every pair through two lifetimes: each socket is replaced at least once.
    loop = asyncio.get_running_loop()
    until = loop.time() + 2.2 * lifetime
    while loop.time() < until:
        for pair in pairs:
            await fake.publish(pair)
        await asyncio.sleep(0.005)
    for pair in pairs:
        await eventually(lambda pair=pair: tracker.order_book(pair).last_update_id == fake.ids[pair],  # type: ignore[misc]
                         what=f"{pair} caught up")

    assert tracker.rollovers >= first_sockets
    assert venue.connections(PATH) >= 2 * first_sockets
    await eventually(lambda: len(live_subscriptions(venue)) == first_sockets, what="the replaced sockets closed")
    # Every book moved over on a message that carried it on, not at the deadline.
    assert tracker.forced_handovers == 0
    # No moment unsynced, no resync, and every diff applied exactly once in order.
    assert [change for change in changes if not change[1]] == []
    assert tracker.resyncs == 0
    for pair in pairs:
        sync = cast(RecordingSync, tracker.syncs[pair])
        assert sync.gaps == 0
        assert_contiguous(sync.log)
        assert dict(tracker.order_book(pair).bid_levels()) == fake.book_bids(pair)


async def test_the_old_socket_keeps_its_books_while_the_replacement_cannot_connect(
        make_tracker: Callable[..., Setup], venue: MockVenue) -> None:
    lifetime = 0.5
    tracker, fake, changes = make_tracker(lifetime=lifetime)
    await tracker.start(["A-USDT"])
    await eventually(lambda: tracker.ready, what="the book synced")
    venue.refuse_connections(PATH)
    # Past the hand-over deadline the replacement is still refused: the old socket feeds on.
    await asyncio.sleep(lifetime * 1.2)
    await fake.publish("A-USDT")
    await eventually(lambda: tracker.order_book("A-USDT").last_update_id == fake.ids["A-USDT"],
                     what="the diff through the old socket")
    assert tracker.rollovers == 0 and tracker.forced_handovers == 0

    venue.refuse_connections(PATH, refuse=False)
    await eventually(lambda: tracker.rollovers == 1, what="the rollover once the replacement connects")
    await venue.wait_for_ws_message(PATH, lambda message: message.get("op") == "subscribe", count=2)
    await fake.publish("A-USDT")
    await eventually(lambda: tracker.order_book("A-USDT").last_update_id == fake.ids["A-USDT"],
                     what="the diff through the replacement")
    assert [change for change in changes if not change[1]] == []


async def test_each_socket_connects_to_the_url_its_pairs_give(make_tracker: Callable[..., Setup],
                                                               venue: MockVenue) -> None:
    tracker, _, _ = make_tracker(PerPairSocketSource)
    await tracker.start(PAIRS[:3])
    await eventually(lambda: tracker.ready, what="every book synced")
    assert sorted(venue.endpoint(PATH).connect_paths) == [f"{PATH}?pair={pair}" for pair in PAIRS[:3]]
    await tracker.add_trading_pair(PAIRS[3])
    await eventually(lambda: tracker.ready, what="the added pair's book synced")
    assert venue.endpoint(PATH).connect_paths[-1] == f"{PATH}?pair={PAIRS[3]}"


async def test_a_reconnect_resync_opens_that_books_socket_again_and_no_other(make_tracker: Callable[..., Setup],
                                                                             venue: MockVenue) -> None:
    tracker, fake, changes = make_tracker(PerPairSocketSource)
    await tracker.start(PAIRS[:2])
    await eventually(lambda: tracker.ready, what="books synced")
    changes.clear()
    fake.ids["A-USDT"] += 1  # the venue moves on without us: the next diff leaves a gap
    await fake.publish("A-USDT")
    await eventually(lambda: ("A-USDT", False, "gap") in changes, what="the gap reported")
    await eventually(lambda: tracker.ready, what="A synced again")
    paths = venue.endpoint(PATH).connect_paths
    assert paths.count(f"{PATH}?pair=A-USDT") == 2 and paths.count(f"{PATH}?pair=B-USDT") == 1
    assert tracker.order_book("A-USDT").last_update_id == fake.ids["A-USDT"]
