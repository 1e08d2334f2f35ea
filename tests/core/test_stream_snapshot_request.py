"""Snapshots asked for on the book's own socket (``ResyncMode.STREAM_REQUEST``, HTX's mbp ``req``).

The source subscribes, then sends a request frame on the same socket; the venue answers on the
stream, and diffs that came meanwhile are buffered and replayed onto the answer. A gap asks again
on the same socket, silence asks again after ``snapshot_request_timeout``, and a reconnect asks on
the new socket. No REST snapshot is ever fetched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import aiohttp
import pytest

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.web.ws import ConnectSpec
from clobconn.testing import MockVenue
from clobconn.testing.helpers import eventually

PAIR = "BTC-USDT"
PATH = "/feed"


class Connector:
    name = "stream-request-test"


class RequestingSource(OrderBookDataSource):
    """Diffs chained by ``prev``; the snapshot is asked for with ``{"req": pair}`` and comes as ``rep``."""

    sequence_rule = SequenceRule.PREV_CHAIN
    resync_mode = ResyncMode.STREAM_REQUEST
    snapshot_request_timeout: ClassVar[float] = 0.3

    def __init__(self, url: str) -> None:
        super().__init__(Connector())  # type: ignore[arg-type]
        self.url = url

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=self.url)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        return [{verb: pair} for pair in trading_pairs]

    def snapshot_request_frames(self, trading_pair: str) -> list[Any]:
        return [{"req": trading_pair}]

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        raise AssertionError("a STREAM_REQUEST source is never asked for a REST snapshot")

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if "rep" in message:
            yield BookMessage(BookMessageType.SNAPSHOT, message["rep"], message["bids"], message["asks"],
                              message["seq"])
        elif "ch" in message:
            yield BookMessage(BookMessageType.DIFF, message["ch"], message["bids"], [], message["seq"],
                              prev_id=message["prev"])


def requests(venue: MockVenue) -> list[Any]:
    return [frame for frame in venue.endpoint(PATH).received if "req" in frame]


def diff(seq: int, bids: list[list[str]]) -> dict[str, Any]:
    return {"ch": PAIR, "seq": seq, "prev": seq - 1, "bids": bids}


def answer(seq: int, bid: str = "100") -> dict[str, Any]:
    return {"rep": PAIR, "seq": seq, "bids": [[bid, "1"]], "asks": [["200", "1"]]}


@pytest.fixture
async def make_tracker(venue: MockVenue, http_session: aiohttp.ClientSession) -> AsyncIterator[
        Callable[[], OrderBookTracker]]:
    trackers: list[OrderBookTracker] = []

    def make() -> OrderBookTracker:
        tracker = OrderBookTracker(RequestingSource(f"{venue.ws_url}{PATH}"), session=lambda: http_session,
                                   snapshot_retry_delay=0.01)
        trackers.append(tracker)
        return tracker

    yield make
    for tracker in trackers:
        await tracker.stop()


async def test_the_snapshot_is_asked_for_on_the_socket_after_subscribing(
        venue: MockVenue, make_tracker: Callable[[], OrderBookTracker]) -> None:
    tracker = make_tracker()
    await tracker.start([PAIR])
    await venue.wait_for_ws_message(PATH, lambda frame: "req" in frame)
    # Subscribed first, so every diff after the snapshot's moment is already on its way.
    assert venue.endpoint(PATH).received[:2] == [{"subscribe": PAIR}, {"req": PAIR}]
    # Diffs before the answer are buffered; the one the answer already holds is stale, the next ones chain.
    for frame in (diff(10, [["99", "1"]]), diff(11, [["101", "2"]]), diff(12, [["102", "3"]])):
        await venue.push(PATH, frame)
    await venue.push(PATH, answer(10))
    book = tracker.order_book(PAIR)
    await eventually(lambda: book.is_synced, what="synced from the answer")
    assert book.last_update_id == 12 and book.best_bid == Decimal("102")
    assert Decimal("99") not in [level.price for level in book.bids()]


async def synced_at_10(venue: MockVenue, make_tracker: Callable[[], OrderBookTracker]) -> OrderBookTracker:
    """A tracker whose first request was answered with the book at 10."""
    tracker = make_tracker()
    await tracker.start([PAIR])
    await venue.wait_for_ws_message(PATH, lambda frame: "req" in frame)
    await venue.push(PATH, answer(10))
    await eventually(lambda: tracker.order_book(PAIR).is_synced, what="first sync")
    return tracker


async def test_a_gap_asks_again_on_the_same_socket(venue: MockVenue,
                                                   make_tracker: Callable[[], OrderBookTracker]) -> None:
    tracker = await synced_at_10(venue, make_tracker)
    book = tracker.order_book(PAIR)
    await venue.push(PATH, diff(13, [["105", "1"]]))  # 11 and 12 were lost
    await eventually(lambda: len(requests(venue)) == 2, what="a second request")
    assert not book.is_synced and tracker.resyncs == 1
    await venue.push(PATH, diff(14, [["106", "1"]]))  # buffered until the answer
    await venue.push(PATH, answer(13, bid="104"))
    await eventually(lambda: book.is_synced, what="synced again")
    assert book.last_update_id == 14 and book.best_bid == Decimal("106")
    assert venue.connections(PATH) == 1


async def test_an_unanswered_request_is_made_again(venue: MockVenue,
                                                   make_tracker: Callable[[], OrderBookTracker]) -> None:
    tracker = make_tracker()
    await tracker.start([PAIR])
    await venue.wait_for_ws_message(PATH, lambda frame: "req" in frame, count=2, timeout=3)
    await venue.push(PATH, answer(5))
    await eventually(lambda: tracker.order_book(PAIR).is_synced, what="synced from the second request's answer")


async def test_a_reconnect_asks_on_the_new_socket(venue: MockVenue,
                                                  make_tracker: Callable[[], OrderBookTracker]) -> None:
    tracker = await synced_at_10(venue, make_tracker)
    book = tracker.order_book(PAIR)
    await venue.drop(PATH)
    await venue.wait_for_connections(PATH, count=2)
    await eventually(lambda: len(venue.endpoint(PATH).sessions) == 2 and {"req": PAIR} in
                     venue.endpoint(PATH).sessions[1], what="asked on the new socket")
    assert not book.is_synced
    await venue.push(PATH, answer(20))
    await eventually(lambda: book.is_synced and book.last_update_id == 20, what="synced on the new socket")
