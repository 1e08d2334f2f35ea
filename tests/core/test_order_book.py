"""OrderBook readers and BookSynchronizer sequencing, checked against a naive reference book."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from clobconn.core.order_book import (
    BookLevel,
    BookMessage,
    BookMessageType,
    BookSynchronizer,
    OrderBook,
    SequenceRule,
    SyncResult,
)
from clobconn.core.order_book.levels import RawLevel

PAIR = "BTC-USDT"


def make_book(bids: Iterable[tuple[str, str]], asks: Iterable[tuple[str, str]], keep_raw: bool = False,
              update_id: int = 1) -> OrderBook:
    book = OrderBook(PAIR, keep_raw_strings=keep_raw)
    book.apply_snapshot([list(b) for b in bids], [list(a) for a in asks], update_id)
    return book


def levels(*pairs: tuple[str, str]) -> list[BookLevel]:
    return [BookLevel(Decimal(p), Decimal(s)) for p, s in pairs]


# == OrderBook readers ===========================================================================


def test_empty_book_readers() -> None:
    book = OrderBook(PAIR)
    assert book.best_bid is None
    assert book.best_ask is None
    assert book.mid_price is None
    assert book.spread is None
    assert book.is_crossed is False
    assert book.bids() == []
    assert book.asks(5) == []
    assert book.price_for_volume(True, Decimal(1)) is None
    assert book.vwap_for_volume(False, Decimal(1)) is None
    assert book.last_update_id == -1
    assert book.is_synced is False


def test_levels_come_back_sorted_best_first_whatever_the_input_order() -> None:
    book = make_book(
        bids=[("26999.50", "1"), ("27000.00", "0.5"), ("26998", "3"), ("26999.9", "2")],
        asks=[("27003", "1"), ("27000.10", "0.25"), ("27001.5", "4"), ("27000.5", "2")],
    )
    assert book.best_bid == Decimal("27000.00")
    assert book.best_ask == Decimal("27000.10")
    assert book.bids() == levels(("27000.00", "0.5"), ("26999.9", "2"), ("26999.50", "1"), ("26998", "3"))
    assert book.asks() == levels(("27000.10", "0.25"), ("27000.5", "2"), ("27001.5", "4"), ("27003", "1"))
    assert book.bids(2) == levels(("27000.00", "0.5"), ("26999.9", "2"))
    assert book.asks(1) == levels(("27000.10", "0.25"))
    assert book.bids(0) == []
    assert book.asks(100) == book.asks()
    assert book.bid_depth == 4
    assert book.ask_depth == 4
    assert book.snapshot(1) == (levels(("27000.00", "0.5")), levels(("27000.10", "0.25")))


@pytest.mark.parametrize(
    "text",
    ["0.00000123", "27000.10", "27000.00", "0.1", "0.3", "1e-8", "123456.789", "0.00012300", "99999999.99",
     "1234567890.12345"],
)
def test_decimal_readers_equal_the_venue_string(text: str) -> None:
    book = make_book(bids=[(text, text)], asks=[])
    assert book.best_bid == Decimal(text)
    assert book.bids()[0].price == Decimal(text)
    assert book.bids()[0].size == Decimal(text)
    assert isinstance(book.best_bid, Decimal)
    # Equal, not just close: no binary float residue such as 0.1000000000000000055511151231257827.
    assert book.best_bid - Decimal(text) == 0


@given(st.integers(1, 10**15 - 1), st.integers(0, 12), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_any_venue_string_of_up_to_15_significant_digits_round_trips(digits: int, places: int, zeros: int) -> None:
    # A float holds any decimal of up to 15 significant digits; trailing zeros as venues pad them.
    text = format(Decimal(digits).scaleb(-places), "f")
    if zeros:
        text = text + "0" * zeros if "." in text else text + "." + "0" * zeros
    book = make_book(bids=[(text, "1")], asks=[(text, text)])
    assert book.best_bid == Decimal(text)
    assert book.asks()[0] == BookLevel(Decimal(text), Decimal(text))


def test_numbers_and_extra_fields_in_levels_are_accepted() -> None:
    book = OrderBook(PAIR)
    # [price, size, order count] as some venues send, and JSON numbers instead of strings.
    book.apply_snapshot([[100.5, 2, 7]], [["101.25", "0.75", "3"]], 5)
    assert book.bids() == levels(("100.5", "2"))
    assert book.asks() == levels(("101.25", "0.75"))


def test_mid_price_and_spread() -> None:
    book = make_book(bids=[("27000.00", "1")], asks=[("27000.10", "1")])
    assert book.mid_price == Decimal("27000.05")
    assert book.spread == Decimal("0.10")
    tiny = make_book(bids=[("0.00000123", "5")], asks=[("0.00000125", "5")])
    assert tiny.mid_price == Decimal("0.00000124")
    assert tiny.spread == Decimal("0.00000002")
    one_sided = make_book(bids=[("1", "1")], asks=[])
    assert one_sided.mid_price is None
    assert one_sided.spread is None


@pytest.fixture
def depth_book() -> OrderBook:
    return make_book(
        bids=[("99.5", "1"), ("99", "2"), ("98", "5")],
        asks=[("100", "1"), ("100.5", "2"), ("102", "3")],
    )


def test_price_for_volume_walks_the_side_a_market_order_hits(depth_book: OrderBook) -> None:
    # A buy takes the asks: 1 @ 100, then 2 @ 100.5, then into 102.
    assert depth_book.price_for_volume(True, Decimal("0.5")) == Decimal("100")
    assert depth_book.price_for_volume(True, Decimal("1")) == Decimal("100")
    assert depth_book.price_for_volume(True, Decimal("1.01")) == Decimal("100.5")
    assert depth_book.price_for_volume(True, Decimal("3")) == Decimal("100.5")
    assert depth_book.price_for_volume(True, Decimal("6")) == Decimal("102")
    # A sell takes the bids.
    assert depth_book.price_for_volume(False, Decimal("1")) == Decimal("99.5")
    assert depth_book.price_for_volume(False, Decimal("2.5")) == Decimal("99")
    assert depth_book.price_for_volume(False, Decimal("8")) == Decimal("98")


def test_vwap_for_volume_against_hand_computed_values(depth_book: OrderBook) -> None:
    # Buy 2.5: 1 @ 100 + 1.5 @ 100.5 = 250.75 -> 100.3
    assert depth_book.vwap_for_volume(True, Decimal("2.5")) == Decimal("100.3")
    # Buy 6: 100 + 201 + 306 = 607 -> 607/6
    assert depth_book.vwap_for_volume(True, Decimal("6")) == Decimal(607) / Decimal(6)
    # Sell 4: 99.5 + 198 + 98 = 395.5 -> 98.875
    assert depth_book.vwap_for_volume(False, Decimal("4")) == Decimal("98.875")
    assert depth_book.vwap_for_volume(False, Decimal("0.1")) == Decimal("99.5")


def test_thin_book_gives_none(depth_book: OrderBook) -> None:
    assert depth_book.price_for_volume(True, Decimal("6.000001")) is None
    assert depth_book.vwap_for_volume(True, Decimal("100")) is None
    assert depth_book.price_for_volume(False, Decimal("8.5")) is None
    assert depth_book.vwap_for_volume(False, Decimal("9")) is None


def test_non_positive_volume_is_refused(depth_book: OrderBook) -> None:
    with pytest.raises(ValueError, match="positive"):
        depth_book.price_for_volume(True, Decimal(0))
    with pytest.raises(ValueError, match="positive"):
        depth_book.vwap_for_volume(False, Decimal("-1"))


def test_is_crossed() -> None:
    assert make_book([("100", "1")], [("101", "1")]).is_crossed is False
    assert make_book([("101", "1")], [("101", "1")]).is_crossed is True
    assert make_book([("102", "1")], [("101", "1")]).is_crossed is True
    assert make_book([("102", "1")], []).is_crossed is False


def test_deletions_at_the_top_and_in_the_middle() -> None:
    book = make_book(
        bids=[("100", "1"), ("99", "2"), ("98", "3"), ("97", "4")],
        asks=[("101", "1"), ("102", "2"), ("103", "3"), ("104", "4")],
    )
    # Top of both sides.
    book.apply_diff([["100", "0"]], [["101", "0.00000000"]], 2)
    assert book.best_bid == Decimal("99")
    assert book.best_ask == Decimal("102")
    # Middle of both sides.
    book.apply_diff([["98", "0"]], [["103", "0"]], 3)
    assert book.bids() == levels(("99", "2"), ("97", "4"))
    assert book.asks() == levels(("102", "2"), ("104", "4"))
    # A level the book does not have: nothing changes.
    book.apply_diff([["50", "0"]], [["150", "0"]], 4)
    assert book.bids() == levels(("99", "2"), ("97", "4"))
    assert book.asks() == levels(("102", "2"), ("104", "4"))
    # Re-adding a deleted level puts it back in place; an update changes size only.
    book.apply_diff([["100", "5"], ["97", "1"]], [["103", "7"]], 5)
    assert book.bids() == levels(("100", "5"), ("99", "2"), ("97", "1"))
    assert book.asks() == levels(("102", "2"), ("103", "7"), ("104", "4"))
    # Down to empty.
    book.apply_diff([["100", "0"], ["99", "0"], ["97", "0"]], [["102", "0"], ["103", "0"], ["104", "0"]], 6)
    assert book.bids() == []
    assert book.asks() == []
    assert book.best_bid is None


def test_a_snapshot_replaces_everything_and_ids_only_move_forward() -> None:
    book = make_book([("100", "1"), ("99", "1")], [("101", "1")], update_id=10)
    book.apply_diff([["98", "1"]], [], 12, timestamp=5.0)
    assert book.last_update_id == 12
    assert book.timestamp == 5.0
    book.apply_diff([["97", "1"]], [], 11)
    assert book.last_update_id == 12
    book.apply_snapshot([["50", "2"]], [["60", "3"]], 20)
    assert book.bids() == levels(("50", "2"))
    assert book.asks() == levels(("60", "3"))
    assert book.last_update_id == 20


def test_raw_strings_kept_when_asked() -> None:
    book = make_book(
        bids=[("27000.10", "0.50000000"), ("26999.00", "1.00")],
        asks=[("27000.20", "2.10"), ("27001.00", "0.00100000")],
        keep_raw=True,
    )
    assert book.raw_levels(True, 5) == [("27000.10", "0.50000000"), ("26999.00", "1.00")]
    assert book.raw_levels(False, 1) == [("27000.20", "2.10")]
    book.apply_diff([["27000.10", "0"], ["26999.00", "3.50"]], [["27000.20", "0.0"], ["27002.50", "7"]], 2)
    assert book.raw_levels(True, 5) == [("26999.00", "3.50")]
    assert book.raw_levels(False, 5) == [("27001.00", "0.00100000"), ("27002.50", "7")]


def test_raw_strings_refused_when_not_kept() -> None:
    book = make_book([("1", "1")], [("2", "1")])
    with pytest.raises(RuntimeError):
        book.raw_levels(True, 1)


# == BookSynchronizer: deterministic cases ======================================================


def snap(last_id: int, bids: list[RawLevel], asks: list[RawLevel], checksum: int | None = None) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, PAIR, bids, asks, last_id, checksum=checksum)


def diff(last_id: int, bids: list[RawLevel], asks: list[RawLevel], first_id: int | None = None,
         prev_id: int | None = None, checksum: int | None = None) -> BookMessage:
    return BookMessage(BookMessageType.DIFF, PAIR, bids, asks, last_id, first_id=first_id, prev_id=prev_id,
                       checksum=checksum)


def next_diff(after: int, bids: list[RawLevel], asks: list[RawLevel]) -> BookMessage:
    """The diff that directly follows update id ``after``, valid under every rule."""
    return diff(after + 1, bids, asks, first_id=after + 1, prev_id=after)


def test_needs_resync() -> None:
    assert {r for r in SyncResult if r.needs_resync} == {
        SyncResult.GAP, SyncResult.CHECKSUM_MISMATCH, SyncResult.CROSSED, SyncResult.INVALID
    }


@pytest.mark.parametrize("rule", list(SequenceRule))
def test_crossed_book_resyncs_when_asked(rule: SequenceRule) -> None:
    sync = BookSynchronizer(PAIR, rule, resync_on_crossed=True)
    assert sync.on_snapshot(snap(10, [["100", "1"]], [["101", "1"]])) is SyncResult.APPLIED
    result = sync.on_diff(next_diff(10, [["101.5", "2"]], []))
    assert result is SyncResult.CROSSED
    assert sync.is_synced is False
    assert sync.crossed_count == 1
    # The next diff waits for a snapshot.
    assert sync.on_diff(next_diff(11, [["99", "1"]], [])) is SyncResult.BUFFERED


@pytest.mark.parametrize("rule", list(SequenceRule))
def test_crossed_book_kept_when_not_asked(rule: SequenceRule) -> None:
    sync = BookSynchronizer(PAIR, rule, resync_on_crossed=False)
    sync.on_snapshot(snap(10, [["100", "1"]], [["101", "1"]]))
    assert sync.on_diff(next_diff(10, [["101.5", "2"]], [])) is SyncResult.APPLIED
    assert sync.is_synced is True
    assert sync.crossed_count == 1
    assert sync.book.is_crossed is True
    assert sync.book.bids() == levels(("101.5", "2"), ("100", "1"))
    # The stream goes on; the book uncrosses when the venue says so.
    assert sync.on_diff(next_diff(11, [["101.5", "0"]], [])) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("100")
    assert sync.book.spread == Decimal("1")  # uncrossed again


def test_crossed_snapshot_is_refused() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.FIRST_LAST)
    assert sync.on_snapshot(snap(5, [["102", "1"]], [["101", "1"]])) is SyncResult.CROSSED
    assert sync.is_synced is False


def test_replay_that_cannot_bridge_keeps_the_newer_diffs_for_the_next_snapshot() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.FIRST_LAST)
    for message in [
        diff(12, [["100", "1"]], [], first_id=11),
        diff(16, [["99", "2"]], [], first_id=15),   # 13..14 never came
        diff(18, [["98", "3"]], [], first_id=17),
    ]:
        assert sync.on_diff(message) is SyncResult.BUFFERED
    assert sync.on_snapshot(snap(10, [["50", "1"]], [["200", "1"]])) is SyncResult.GAP
    assert sync.is_synced is False
    assert sync.gaps == 1
    # A newer snapshot bridges onto the diffs that were kept.
    assert sync.on_snapshot(snap(15, [["50", "1"]], [["200", "1"]])) is SyncResult.APPLIED
    assert sync.book.is_synced is True
    assert sync.book.last_update_id == 18
    assert sync.book.bids() == levels(("99", "2"), ("98", "3"), ("50", "1"))


def test_buffer_overflow_drops_the_oldest() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.SEQUENCE, max_buffer=3)
    for i in range(11, 16):
        sync.on_diff(diff(i, [[str(i), "1"]], []))
    assert sync.buffer_overflows == 2
    # 11 and 12 were dropped: a snapshot at 10 cannot bridge, one at 12 can.
    assert sync.on_snapshot(snap(10, [], [["100", "1"]])) is SyncResult.GAP
    assert sync.on_snapshot(snap(12, [], [["100", "1"]])) is SyncResult.APPLIED
    assert [lvl.price for lvl in sync.book.bids()] == [Decimal(15), Decimal(14), Decimal(13)]


def test_none_rule_applies_every_diff_even_without_ids() -> None:
    # A venue with no sequence numbers: every message carries id 0.
    sync = BookSynchronizer(PAIR, SequenceRule.NONE)
    assert sync.on_diff(diff(0, [["99", "1"]], [])) is SyncResult.BUFFERED
    assert sync.on_snapshot(snap(0, [["100", "1"]], [["101", "1"]])) is SyncResult.APPLIED
    assert sync.on_diff(diff(0, [["100", "0"]], [])) is SyncResult.APPLIED
    assert sync.on_diff(diff(0, [], [["101", "3"]])) is SyncResult.APPLIED
    assert sync.book.bids() == levels(("99", "1"))
    assert sync.book.asks() == levels(("101", "3"))
    assert sync.gaps == 0


def test_none_rule_keeps_the_newer_of_two_snapshots_whatever_their_order() -> None:
    # A snapshot-only venue stamps each full book with its time: a late, older one must not win.
    sync = BookSynchronizer(PAIR, SequenceRule.NONE)
    assert sync.on_snapshot(snap(2000, [["100", "1"]], [["101", "1"]])) is SyncResult.APPLIED
    assert sync.on_snapshot(snap(1999, [["90", "1"]], [["91", "1"]])) is SyncResult.STALE
    assert sync.book.bids() == levels(("100", "1")) and sync.book.last_update_id == 2000
    # The same time, or a newer one, replaces the book whole.
    assert sync.on_snapshot(snap(2000, [["100", "2"]], [["101", "2"]])) is SyncResult.APPLIED
    assert sync.on_snapshot(snap(2001, [["99", "1"]], [["102", "1"]])) is SyncResult.APPLIED
    assert sync.book.bids() == levels(("99", "1")) and sync.book.asks() == levels(("102", "1"))
    # Once the book is stale (a resync), any snapshot rebuilds it, older or not.
    sync.invalidate()
    assert sync.on_snapshot(snap(5, [["98", "1"]], [["103", "1"]])) is SyncResult.APPLIED
    assert sync.is_synced and sync.book.last_update_id == 5


def test_prev_chain_bridges_a_diff_that_straddles_the_snapshot() -> None:
    # Binance futures: the first diff after the REST snapshot has U <= lastUpdateId <= u.
    sync = BookSynchronizer(PAIR, SequenceRule.PREV_CHAIN)
    sync.on_snapshot(snap(100, [["10", "1"]], [["20", "1"]]))
    assert sync.on_diff(diff(95, [["9", "1"]], [], first_id=90, prev_id=89)) is SyncResult.STALE
    assert sync.on_diff(diff(105, [["11", "1"]], [], first_id=96, prev_id=95)) is SyncResult.APPLIED
    # Once bridged, only the chain counts: a diff straddling the id again is a gap, not a bridge.
    assert sync.on_diff(diff(110, [["12", "1"]], [], first_id=104, prev_id=103)) is SyncResult.GAP
    assert sync.is_synced is False


def test_prev_chain_follows_a_venue_that_restarts_its_ids() -> None:
    # OKX after maintenance: a diff chains to the last id but carries a lower one; the next chains to it.
    sync = BookSynchronizer(PAIR, SequenceRule.PREV_CHAIN)
    sync.on_snapshot(snap(15, [["10", "1"]], [["20", "1"]]))
    assert sync.on_diff(diff(3, [["11", "1"]], [], prev_id=15)) is SyncResult.APPLIED
    assert sync.on_diff(diff(4, [["12", "1"]], [], prev_id=3)) is SyncResult.APPLIED
    assert sync.book.last_update_id == 4 and sync.book.best_bid == Decimal("12")
    assert sync.on_diff(diff(9, [], [], prev_id=7)) is SyncResult.GAP


def test_timestamp_rule_drops_buffered_diffs_at_or_before_the_snapshot_and_replays_the_later() -> None:
    # Bitstamp: diffs carry only a microtimestamp; the REST snapshot carries one too.
    sync = BookSynchronizer(PAIR, SequenceRule.TIMESTAMP)
    for message in [diff(1_000_300, [["103", "1"]], []), diff(1_000_100, [["101", "1"]], []),
                    diff(1_000_200, [["102", "1"]], []), diff(1_000_400, [["104", "1"]], [])]:
        assert sync.on_diff(message) is SyncResult.BUFFERED
    assert sync.on_snapshot(snap(1_000_200, [["100", "1"]], [["110", "1"]])) is SyncResult.APPLIED
    # 100 and 200 are in the snapshot; 300 and 400 came after it, applied in time order.
    assert sync.book.bids() == levels(("104", "1"), ("103", "1"), ("100", "1"))
    assert sync.book.last_update_id == 1_000_400
    # A time in between applies: nothing can tell a missed diff, so time moving forward is all there is.
    assert sync.on_diff(diff(1_000_900, [["105", "1"]], [])) is SyncResult.APPLIED
    assert sync.gaps == 0


def test_timestamp_rule_skips_live_diffs_older_than_a_fresh_snapshot() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.TIMESTAMP)
    sync.on_snapshot(snap(500, [["100", "1"]], [["110", "1"]]))
    # Diffs still in flight when the snapshot was taken: stale, the book unchanged.
    assert sync.on_diff(diff(499, [["101", "1"]], [])) is SyncResult.STALE
    assert sync.on_diff(diff(500, [["101", "1"]], [])) is SyncResult.STALE
    assert sync.book.bids() == levels(("100", "1")) and sync.is_synced


@pytest.mark.parametrize("offset", [0, -1], ids=["repeated", "backwards"])
def test_timestamp_rule_resyncs_when_time_does_not_move_forward(offset: int) -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.TIMESTAMP)
    sync.on_snapshot(snap(500, [["100", "1"]], [["110", "1"]]))
    assert sync.on_diff(diff(600, [["101", "1"]], [])) is SyncResult.APPLIED
    # Once the stream has carried the book on, a diff that is not later than the last is out of order.
    assert sync.on_diff(diff(600 + offset, [["102", "1"]], [])) is SyncResult.GAP
    assert not sync.is_synced and sync.gaps == 1
    assert sync.book.best_bid == Decimal("101")


# == BookSynchronizer: property tests against a naive reference =================================

# The venue's book as a plain dict per side: price string -> size string.
Ref = dict[str, dict[str, str]]
Change = tuple[str, int, str]

GRIDS = {
    "btc": (Decimal("27000.00"), Decimal("0.01"), 2),
    "micro": (Decimal("0.00000120"), Decimal("0.00000001"), 8),
}
SIZES = ["0.00000123", "1", "2.5", "0.10000000", "13.37", "1000", "27000.10"]
DELETES = ["0", "0.00000000", "0.0"]
GRID_LEVELS = 10
DEPTH = 5


def price_text(grid: str, side: str, index: int) -> str:
    base, tick, places = GRIDS[grid]
    # Bids strictly below the base, asks at or above it: the venue's own book never crosses.
    price = base - (index + 1) * tick if side == "bids" else base + index * tick
    return f"{price:.{places}f}"


def apply_changes(ref: Ref, changes: Iterable[tuple[str, str, str]]) -> None:
    for side, price, size in changes:
        if Decimal(size) == 0:
            ref[side].pop(price, None)
        else:
            ref[side][price] = size


def sorted_side(ref: Ref, side: str) -> list[tuple[str, str]]:
    return sorted(ref[side].items(), key=lambda kv: Decimal(kv[0]), reverse=side == "bids")


def checksum_of(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    text = ";".join(f"{p}:{s}" for p, s in bids[:DEPTH]) + "|" + ";".join(f"{p}:{s}" for p, s in asks[:DEPTH])
    return zlib.crc32(text.encode())


def book_checksum(book: OrderBook) -> int:
    return checksum_of(book.raw_levels(True, DEPTH), book.raw_levels(False, DEPTH))


def ref_checksum(ref: Ref) -> int:
    return checksum_of(sorted_side(ref, "bids"), sorted_side(ref, "asks"))


@dataclasses.dataclass
class Timeline:
    """What the venue did: atomic updates 1..n with ids base+1..base+n, grouped into messages."""

    grid: str
    base: int
    states: list[Ref]  # states[k]: the venue's book after k atomic updates (id base + k)
    spans: list[tuple[int, int]]  # the atomic updates (first, last) each message covers
    messages: list[BookMessage]

    @property
    def last(self) -> int:
        return len(self.states) - 1

    def snapshot(self, k: int, with_checksum: bool) -> BookMessage:
        ref = self.states[k]
        return snap(self.base + k, [list(kv) for kv in ref["bids"].items()], [list(kv) for kv in ref["asks"].items()],
                    checksum=ref_checksum(ref) if with_checksum else None)


def draw_timeline(data: st.DataObject, rule: SequenceRule, with_checksum: bool) -> Timeline:
    grid = data.draw(st.sampled_from(sorted(GRIDS)), label="grid")
    change = st.tuples(st.sampled_from(["bids", "asks"]), st.integers(0, GRID_LEVELS - 1),
                       st.sampled_from(SIZES + DELETES))
    initial_changes = data.draw(st.lists(change, max_size=12), label="initial")
    updates: list[list[Change]] = data.draw(st.lists(st.lists(change, min_size=1, max_size=3), min_size=2,
                                                     max_size=24), label="updates")
    base = data.draw(st.integers(0, 10**9), label="base id")

    def resolve(changes: Iterable[Change]) -> list[tuple[str, str, str]]:
        return [(side, price_text(grid, side, i), size) for side, i, size in changes]

    state: Ref = {"bids": {}, "asks": {}}
    apply_changes(state, resolve(initial_changes))
    states = [{"bids": dict(state["bids"]), "asks": dict(state["asks"])}]
    for update in updates:
        apply_changes(state, resolve(update))
        states.append({"bids": dict(state["bids"]), "asks": dict(state["asks"])})

    spans: list[tuple[int, int]] = []
    start = 1
    while start <= len(updates):
        grouped = rule in (SequenceRule.FIRST_LAST, SequenceRule.PREV_CHAIN)
        length = data.draw(st.integers(1, min(3, len(updates) - start + 1)), label="group") if grouped else 1
        spans.append((start, start + length - 1))
        start += length

    messages = []
    for first, last in spans:
        # A diff carries each changed level once, with its final size over the span.
        final: dict[tuple[str, str], str] = {}
        for update in updates[first - 1:last]:
            for side, price, size in resolve(update):
                final.pop((side, price), None)
                final[(side, price)] = size
        bids: list[RawLevel] = [[p, s] for (side, p), s in final.items() if side == "bids"]
        asks: list[RawLevel] = [[p, s] for (side, p), s in final.items() if side == "asks"]
        ids: dict[str, int | None] = {"first_id": None, "prev_id": None}
        if rule in (SequenceRule.FIRST_LAST, SequenceRule.PREV_CHAIN):
            ids["first_id"] = base + first
        if rule is SequenceRule.PREV_CHAIN:
            ids["prev_id"] = base + first - 1
        checksum = ref_checksum(states[last]) if with_checksum else None
        messages.append(diff(base + last, bids, asks, checksum=checksum, **ids))
    return Timeline(grid, base, states, spans, messages)


def expected_verdict(rule: SequenceRule, span: tuple[int, int], current: int, awaiting_bridge: bool) -> SyncResult:
    """Each venue's documented rule for a diff covering ``span`` onto a book at ``current``."""
    first, last = span
    if rule is SequenceRule.NONE:
        return SyncResult.APPLIED
    if rule is SequenceRule.FIRST_LAST:
        # Binance spot: drop u <= lastUpdateId; then U <= lastUpdateId + 1.
        if last <= current:
            return SyncResult.STALE
        return SyncResult.APPLIED if first <= current + 1 else SyncResult.GAP
    if rule is SequenceRule.MONOTONIC:
        # BTC Markets: ids are a clock; older than the book is stale, anything else applies.
        return SyncResult.STALE if last < current else SyncResult.APPLIED
    if rule is SequenceRule.SEQUENCE:
        if last <= current:
            return SyncResult.STALE
        return SyncResult.APPLIED if last == current + 1 else SyncResult.GAP
    if rule is SequenceRule.TIMESTAMP:
        # Bitstamp: a diff at or before the snapshot's time is in it; later, time must move forward.
        if last > current:
            return SyncResult.APPLIED
        return SyncResult.STALE if awaiting_bridge else SyncResult.GAP
    # PREV_CHAIN (Binance futures): pu must equal the previous u; the first diff after a snapshot
    # instead satisfies U <= lastUpdateId <= u.
    if first - 1 == current or (awaiting_bridge and first <= current <= last):
        return SyncResult.APPLIED
    return SyncResult.STALE if last <= current else SyncResult.GAP


def is_crossed(ref: Ref) -> bool:
    bids, asks = sorted_side(ref, "bids"), sorted_side(ref, "asks")
    return bool(bids and asks) and Decimal(bids[0][0]) >= Decimal(asks[0][0])


class Driver:
    """Feeds a timeline to a BookSynchronizer and checks it against the reference after every step.

    ``overlay`` holds bids the venue glitched in (crossing the book) on top of the timeline; a
    snapshot, which carries the venue's corrected book, clears them.
    """

    def __init__(self, rule: SequenceRule, timeline: Timeline, with_checksum: bool, resync_on_crossed: bool) -> None:
        self.rule = rule
        self.tl = timeline
        self.with_checksum = with_checksum
        self.resync_on_crossed = resync_on_crossed
        self.sync = BookSynchronizer(PAIR, rule, checksum=book_checksum if with_checksum else None,
                                     resync_on_crossed=resync_on_crossed)
        self.current = -1  # the atomic update the synced book reflects
        self.awaiting_bridge = True
        self.overlay: dict[str, str] = {}
        self.delivered: list[int] = []
        self.next_index = 0  # the next message the venue sends

    def truth(self, k: int, overlay: dict[str, str] | None = None) -> Ref:
        state = self.tl.states[k]
        return {"bids": {**state["bids"], **(self.overlay if overlay is None else overlay)},
                "asks": dict(state["asks"])}

    def check(self) -> None:
        book = self.sync.book
        ref = self.truth(self.current)
        assert self.sync.is_synced
        assert book.last_update_id == self.tl.base + self.current
        assert book.bids() == [BookLevel(Decimal(p), Decimal(s)) for p, s in sorted_side(ref, "bids")]
        assert book.asks() == [BookLevel(Decimal(p), Decimal(s)) for p, s in sorted_side(ref, "asks")]
        assert book.is_crossed is is_crossed(ref)
        if self.with_checksum:
            # The kept strings are exactly the venue's latest strings per level.
            assert book.raw_levels(True, 2 * GRID_LEVELS) == sorted_side(ref, "bids")
            assert book.raw_levels(False, 2 * GRID_LEVELS) == sorted_side(ref, "asks")

    def lowest_snapshot(self, first_buffered: int) -> int:
        """The oldest snapshot that can bridge onto diffs buffered from message ``first_buffered``."""
        if first_buffered < len(self.tl.spans):
            return self.tl.spans[first_buffered][0] - 1
        return self.tl.last

    def buffer_then_snapshot(self, data: st.DataObject, first: int, buffered: bool = True) -> None:
        """Diffs from message ``first`` arrive while the book is not synced, then a snapshot."""
        count = data.draw(st.integers(0, len(self.tl.messages) - first), label="buffered") if buffered else 0
        indices = list(range(first, first + count))
        lowest = self.lowest_snapshot(first)
        if self.rule is SequenceRule.NONE:
            # Without ids nothing can tell an old diff from a new one: the snapshot precedes them all.
            at = lowest
        else:
            at = data.draw(st.integers(max(lowest, 0), self.tl.last), label="snapshot at")
        for i in data.draw(st.permutations(indices), label="arrival order"):
            assert self.sync.on_diff(self.tl.messages[i]) is SyncResult.BUFFERED
            assert not self.sync.is_synced
            self.delivered.append(i)
        event("snapshot after buffered diffs" if indices else "snapshot")
        assert self.sync.on_snapshot(self.tl.snapshot(at, self.with_checksum)) is SyncResult.APPLIED
        self.current, self.awaiting_bridge, self.overlay = at, True, {}
        for i in sorted(indices, key=lambda i: self.tl.spans[i][1]):
            verdict = expected_verdict(self.rule, self.tl.spans[i], self.current, self.awaiting_bridge)
            assert verdict is not SyncResult.GAP  # by construction the snapshot bridges
            if verdict is SyncResult.APPLIED:
                self.current = max(self.current, self.tl.spans[i][1])
                self.awaiting_bridge = False
        self.next_index = first + count
        self.check()

    def deliver(self, i: int, wrong_checksum: bool = False, glitch: dict[str, str] | None = None) -> SyncResult:
        message = self.tl.messages[i]
        if glitch:
            message = dataclasses.replace(message, bids=message.bids + [list(kv) for kv in glitch.items()])
        if self.with_checksum:
            # The venue's checksum is over its own book, glitches included.
            after = self.truth(self.tl.spans[i][1], {**self.overlay, **(glitch or {})})
            checksum = ref_checksum(after) ^ (0x5A5A5A5A if wrong_checksum else 0)
            message = dataclasses.replace(message, checksum=checksum)
        self.delivered.append(i)
        return self.sync.on_diff(message)

    def step_deliver(self, i: int, glitch: dict[str, str] | None = None) -> SyncResult:
        """Deliver message ``i`` as the venue rules say it lands; CROSSED leaves the book unsynced."""
        verdict = expected_verdict(self.rule, self.tl.spans[i], self.current, self.awaiting_bridge)
        before = self.sync.book.bids(), self.sync.book.asks(), self.sync.book.last_update_id
        crossed_before = self.sync.crossed_count
        if verdict is SyncResult.APPLIED:
            after = self.truth(self.tl.spans[i][1], {**self.overlay, **(glitch or {})})
            if is_crossed(after) and self.resync_on_crossed:
                verdict = SyncResult.CROSSED
        assert self.deliver(i, glitch=glitch) is verdict
        event(f"diff {verdict.value}{' with glitch' if glitch else ''}")
        if verdict is SyncResult.CROSSED:
            assert not self.sync.is_synced
            assert self.sync.crossed_count == crossed_before + 1
            return verdict
        if verdict is SyncResult.APPLIED:
            self.current = max(self.current, self.tl.spans[i][1])
            self.awaiting_bridge = False
            self.overlay.update(glitch or {})
            assert self.sync.crossed_count == crossed_before + int(is_crossed(self.truth(self.current)))
        else:
            assert verdict is SyncResult.STALE
            assert (self.sync.book.bids(), self.sync.book.asks(), self.sync.book.last_update_id) == before
        self.check()
        return verdict


def run_scenario(data: st.DataObject, rule: SequenceRule, with_checksum: bool) -> None:
    tl = draw_timeline(data, rule, with_checksum)
    count = len(tl.messages)
    d = Driver(rule, tl, with_checksum, resync_on_crossed=data.draw(st.booleans(), label="resync on crossed"))
    # A bid above every ask on the grid: it crosses the book whenever the book has an ask.
    crossing_bid = {price_text(tl.grid, "asks", GRID_LEVELS + 5): "0.5"}

    # Subscribe at message j0; some diffs arrive before the snapshot does.
    j0 = data.draw(st.integers(0, count - 1), label="subscribed at")
    d.buffer_then_snapshot(data, j0)

    actions = ["next", "next", "next", "resnapshot", "crossing glitch"]
    if rule not in (SequenceRule.NONE, SequenceRule.TIMESTAMP):
        # Without a sequence a lost diff cannot be seen, and under TIMESTAMP a repeated one is a resync
        # (tested apart).
        actions.append("duplicate")
    if rule not in (SequenceRule.NONE, SequenceRule.TIMESTAMP, SequenceRule.MONOTONIC):
        # A clock's ids cannot show a gap: under MONOTONIC only the checksum catches a lost message.
        actions.append("gap")
    if with_checksum:
        actions.append("bad checksum")
    for _ in range(3 * count):
        x = d.next_index
        if x >= count:
            break
        action = data.draw(st.sampled_from(actions), label="action")
        applicable = tl.spans[x][1] > d.current
        if action == "duplicate" and d.delivered:
            d.step_deliver(data.draw(st.sampled_from(d.delivered), label="duplicate of"))
        elif action == "gap" and applicable and x + 1 < count:
            # Message x is lost: the next one cannot chain on and the book must stop being trusted.
            gaps = d.sync.gaps
            event("gap")
            assert d.deliver(x + 1) is SyncResult.GAP
            assert not d.sync.is_synced
            assert d.sync.gaps == gaps + 1
            d.buffer_then_snapshot(data, x + 2)
        elif action == "bad checksum" and applicable:
            failures = d.sync.checksum_failures
            event("checksum mismatch")
            assert d.deliver(x, wrong_checksum=True) is SyncResult.CHECKSUM_MISMATCH
            assert not d.sync.is_synced
            assert d.sync.checksum_failures == failures + 1
            d.buffer_then_snapshot(data, x + 1)
        elif action == "resnapshot":
            # A fresh snapshot while synced (venues that resend one on resubscribe).
            d.buffer_then_snapshot(data, x, buffered=False)
        else:
            glitch = crossing_bid if action == "crossing glitch" and applicable else None
            verdict = d.step_deliver(x, glitch=glitch)
            if verdict is SyncResult.CROSSED:
                d.buffer_then_snapshot(data, x + 1)
            else:
                d.next_index = x + 1
    d.check()


@pytest.mark.parametrize("with_checksum", [False, True], ids=["plain", "checksum"])
# CONNECTION books have no gap of their own (their socket's numbering is checked instead) and drop what
# they buffered at a snapshot: tests/core/test_connection_sequence.py covers them.
@pytest.mark.parametrize("rule", [rule for rule in SequenceRule if rule is not SequenceRule.CONNECTION],
                         ids=lambda r: r.value)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_synchronizer_matches_reference(rule: SequenceRule, with_checksum: bool, data: st.DataObject) -> None:
    run_scenario(data, rule, with_checksum)


@pytest.mark.parametrize("rule", [SequenceRule.FIRST_LAST, SequenceRule.PREV_CHAIN, SequenceRule.SEQUENCE],
                         ids=lambda r: r.value)
def test_wrong_snapshot_checksum_is_refused(rule: SequenceRule) -> None:
    sync = BookSynchronizer(PAIR, rule, checksum=book_checksum)
    ref: Ref = {"bids": {"100.00": "1"}, "asks": {"101.00": "2"}}
    bad = snap(7, [["100.00", "1"]], [["101.00", "2"]], checksum=ref_checksum(ref) + 1)
    assert sync.on_snapshot(bad) is SyncResult.CHECKSUM_MISMATCH
    assert sync.is_synced is False
    good = dataclasses.replace(bad, checksum=ref_checksum(ref))
    assert sync.on_snapshot(good) is SyncResult.APPLIED
    assert sync.book.is_synced is True
    assert sync.checksum_failures == 1
    # A diff without a checksum field is not checked.
    assert sync.on_diff(next_diff(7, [["99.00", "1"]], [])) is SyncResult.APPLIED
