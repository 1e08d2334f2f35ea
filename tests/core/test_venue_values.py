"""Values from a venue that no book, order, fill or balance may hold, and resyncs that must end (issue 11)."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    OrderState,
    OrderUpdate,
    Position,
    PositionSide,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.order_book import BookMessage, BookMessageType, BookSynchronizer, OrderBook, SequenceRule, SyncResult
from clobconn.core.order_book.levels import InvalidBookMessage, parse_levels
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.validation import RejectionLog, problem_with

PAIR = "BTC-USDT"
FAR_FUTURE = 1_000_001_000

BAD_LEVELS: list[Any] = [
    ["NaN", "1"], ["100", "NaN"], ["nan", "0"], ["100", "-1"], ["-100", "1"], ["0", "1"], ["1e400", "1"],
    ["100", "1e400"], ["inf", "1"], ["100", "-inf"], [float("nan"), 1], [True, "1"], ["100", False],
    ["101.00", None], [None, "1"], ["abc", "1"], ["100"], [], "100", {"p": "100", "s": "1"}, None,
    [Decimal("NaN"), "1"], [Decimal("sNaN"), "1"], [10**400, "1"], [["100"], "1"],
]


def snapshot_book() -> OrderBook:
    book = OrderBook(PAIR)
    book.apply_snapshot([["100.00", "1.5"], ["99.50", "2"]], [["100.50", "1"]], 10)
    return book


def levels_of(book: OrderBook) -> tuple[list[Any], list[Any]]:
    return book.bids(), book.asks()


# == levels =======================================================================================


@pytest.mark.parametrize("level", BAD_LEVELS, ids=repr)
def test_a_bad_level_refuses_the_whole_diff_and_leaves_the_book_as_it_was(level: Any) -> None:
    book = snapshot_book()
    before = levels_of(book)
    with pytest.raises(InvalidBookMessage):
        book.apply_diff([["100.25", "3"], level], [["100.50", "0"]], 11)
    assert levels_of(book) == before and book.last_update_id == 10
    # Every reader still works.
    assert book.best_bid == Decimal("100.00") and book.mid_price is not None
    assert book.price_for_volume(True, Decimal("0.5")) == Decimal("100.50")


@pytest.mark.parametrize("level", BAD_LEVELS, ids=repr)
def test_a_snapshot_with_one_bad_level_changes_nothing(level: Any) -> None:
    book = snapshot_book()
    before = levels_of(book)
    with pytest.raises(InvalidBookMessage):
        book.apply_snapshot([["101.00", "1"]], [["102", "1"], level], 20)
    assert levels_of(book) == before and book.last_update_id == 10


def test_levels_container_must_be_a_list() -> None:
    for container in (None, "100,1", {"100": "1"}):
        with pytest.raises(InvalidBookMessage):
            parse_levels(container, "bid")  # type: ignore[arg-type]


def test_numbers_of_every_venue_shape_are_accepted() -> None:
    assert parse_levels([["100.5", "2"], [100.5, 2], [101, 0], (Decimal("99.5"), Decimal("0.001")),
                         ["1e2", "0.0", "extra", 7]], "bid") == [
        (100.5, 2.0), (100.5, 2.0), (101.0, 0.0), (99.5, 0.001), (100.0, 0.0)]


def test_sequence_ids_must_be_ints_not_bools_or_strings() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.FIRST_LAST)
    sync.on_snapshot(BookMessage(BookMessageType.SNAPSHOT, PAIR, [["100", "1"]], [["101", "1"]], 10))
    for message in (
        BookMessage(BookMessageType.DIFF, PAIR, [["100.5", "1"]], [], "11"),  # type: ignore[arg-type]
        BookMessage(BookMessageType.DIFF, PAIR, [["100.5", "1"]], [], True),
        BookMessage(BookMessageType.DIFF, PAIR, [["100.5", "1"]], [], 11, first_id=11.0),  # type: ignore[arg-type]
        BookMessage(BookMessageType.DIFF, PAIR, [["100.5", "1"]], [], 11, prev_id="10"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidBookMessage):
            sync.on_diff(message)
    assert sync.book.best_bid == Decimal("100") and sync.book.last_update_id == 10 and sync.is_synced


def test_a_bad_diff_is_not_buffered_either() -> None:
    sync = BookSynchronizer(PAIR, SequenceRule.FIRST_LAST)
    with pytest.raises(InvalidBookMessage):
        sync.on_diff(BookMessage(BookMessageType.DIFF, PAIR, [["NaN", "1"]], [], 11, first_id=11))
    assert sync.on_snapshot(BookMessage(BookMessageType.SNAPSHOT, PAIR, [["100", "1"]], [["101", "1"]], 10)) \
        is SyncResult.APPLIED
    assert sync.book.bid_depth == 1


def test_a_checksum_book_keeps_the_venue_strings_of_checked_levels() -> None:
    book = OrderBook(PAIR, keep_raw_strings=True)
    book.apply_snapshot([["100.00", "1.50", "0", "2"]], [["100.50", "1"]], 1)
    book.apply_diff([["99.90", "2"], ["100.00", "0"]], [], 2)
    assert book.raw_levels(True, 5) == [("99.90", "2")]
    with pytest.raises(InvalidBookMessage):
        book.apply_diff([["99.80", "NaN"]], [], 3)
    assert book.raw_levels(True, 5) == [("99.90", "2")]


# == a poisoned resync ends =======================================================================


def ids_for(rule: SequenceRule, last_id: int) -> dict[str, Any]:
    """A diff covering exactly ``last_id`` under ``rule``."""
    if rule is SequenceRule.FIRST_LAST:
        return {"first_id": last_id}
    if rule is SequenceRule.PREV_CHAIN:
        return {"first_id": last_id, "prev_id": last_id - 1}
    return {}


def diff(rule: SequenceRule, last_id: int, bids: list[Any]) -> BookMessage:
    return BookMessage(BookMessageType.DIFF, PAIR, bids, [], last_id, **ids_for(rule, last_id))


def snap(last_id: int) -> BookMessage:
    return BookMessage(BookMessageType.SNAPSHOT, PAIR, [["100", "1"]], [["101", "1"]], last_id)


RULES = [SequenceRule.FIRST_LAST, SequenceRule.PREV_CHAIN, SequenceRule.SEQUENCE]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.value)
def test_a_far_future_diff_buffered_during_a_snapshot_is_dropped_by_the_next_one(
        rule: SequenceRule, caplog: pytest.LogCaptureFixture) -> None:
    sync = BookSynchronizer(PAIR, rule)
    sync.snapshot_requested()
    # While the first snapshot is in flight: a genuine diff and a poisoned one.
    assert sync.on_diff(diff(rule, 11, [["99", "1"]])) is SyncResult.BUFFERED
    assert sync.on_diff(diff(rule, FAR_FUTURE, [["98", "1"]])) is SyncResult.BUFFERED
    # The first snapshot cannot tell a poisoned diff from one it is too old for: it asks for another.
    assert sync.on_snapshot(snap(10)) is SyncResult.GAP
    sync.snapshot_requested()
    assert sync.on_diff(diff(rule, 12, [["97", "1"]])) is SyncResult.BUFFERED
    # The poisoned diff was here before the second snapshot was asked for, which still cannot reach
    # it though the chain bridged the snapshot: no snapshot ever will, so it goes.
    with caplog.at_level(logging.WARNING):
        assert sync.on_snapshot(snap(11)) is SyncResult.APPLIED
    assert "no snapshot can reach" in caplog.text
    assert sync.is_synced and sync.unreachable_dropped == 1 and sync.book.last_update_id == 12
    assert [level.price for level in sync.book.bids()] == [Decimal(100), Decimal(97)]
    assert sync.on_diff(diff(rule, 13, [["96", "1"]])) is SyncResult.APPLIED


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.value)
def test_the_last_attempt_drops_what_no_snapshot_bridges(rule: SequenceRule) -> None:
    sync = BookSynchronizer(PAIR, rule)
    sync.snapshot_requested()
    sync.on_diff(diff(rule, FAR_FUTURE, [["98", "1"]]))
    # A quiet market: nothing bridges the snapshot, so only the bounded loop's last try can end it.
    for _ in range(3):
        sync.snapshot_requested()
        assert sync.on_snapshot(snap(10)) is SyncResult.GAP
    assert sync.on_snapshot(snap(10), drop_unreachable=True) is SyncResult.APPLIED
    assert sync.is_synced and sync.book.bids()[0].price == Decimal(100) and sync.book.bid_depth == 1
    assert sync.on_diff(diff(rule, 11, [["99", "1"]])) is SyncResult.APPLIED


def test_a_diff_the_snapshot_is_merely_too_old_for_is_kept() -> None:
    # A lagging snapshot: the buffered diffs chain among themselves but start after it. Waiting for
    # a newer snapshot is right; nothing is dropped.
    rule = SequenceRule.FIRST_LAST
    sync = BookSynchronizer(PAIR, rule)
    sync.snapshot_requested()
    for i in (14, 15):
        sync.on_diff(diff(rule, i, [[str(80 + i), "1"]]))
    sync.snapshot_requested()
    assert sync.on_snapshot(snap(10)) is SyncResult.GAP and sync.unreachable_dropped == 0
    assert sync.on_snapshot(snap(13)) is SyncResult.APPLIED and sync.book.last_update_id == 15


# == records ======================================================================================

NOW = 1_700_000_000.0
GOOD_FILL = TradeUpdate("77001", PAIR, Decimal("100.5"), Decimal("0.5"), Decimal("50.25"),
                        TradeFee.flat("BTC", Decimal("-0.0001")), NOW, "cid-1", "5012")


@pytest.mark.parametrize("item", [
    OrderUpdate(PAIR, NOW, OrderState.OPEN, "cid-1", "5012", executed_amount=Decimal(0)),
    GOOD_FILL,
    Balance("USDT", Decimal("1000.5"), Decimal("0")),
    Position(PAIR, PositionSide.BOTH, Decimal("-0.25"), Decimal("101.5"), Decimal("-3.2"), Decimal(10),
             mark_price=Decimal("100"), liquidation_price=Decimal("0")),
    FundingInfo(PAIR, Decimal("100.2"), Decimal("100.25"), NOW, Decimal("-0.0001")),
    PublicTrade(PAIR, "1", Decimal("100.75"), Decimal("0.3"), TradeType.BUY, NOW),
], ids=lambda item: type(item).__name__)
def test_good_records_pass(item: object) -> None:
    assert problem_with(item) is None


def replace(item: Any, **changes: Any) -> Any:
    return dataclasses.replace(item, **changes)


@pytest.mark.parametrize("item, field", [
    (OrderUpdate(PAIR, NOW, OrderState.OPEN, "cid-1", executed_amount=Decimal("NaN")), "executed_amount"),
    (OrderUpdate(PAIR, NOW, OrderState.OPEN, ["cid-1"]), "client_order_id"),  # type: ignore[arg-type]
    (OrderUpdate(PAIR, NOW, OrderState.OPEN, "cid-1", 5012), "exchange_order_id"),  # type: ignore[arg-type]
    (OrderUpdate(PAIR, float("nan"), OrderState.OPEN, "cid-1"), "update_timestamp"),
    (OrderUpdate(PAIR, NOW, "OPEN", "cid-1"), "new_state"),  # type: ignore[arg-type]
    (replace(GOOD_FILL, fill_base_amount=Decimal("-0.5")), "fill_base_amount"),
    (replace(GOOD_FILL, fill_base_amount=Decimal("NaN")), "fill_base_amount"),
    (replace(GOOD_FILL, fill_price=Decimal("0")), "fill_price"),
    (replace(GOOD_FILL, fill_price=Decimal("Infinity")), "fill_price"),
    (replace(GOOD_FILL, fill_quote_amount=1), "fill_quote_amount"),
    (replace(GOOD_FILL, fee=TradeFee.flat("BTC", Decimal("NaN"))), "fee"),
    (replace(GOOD_FILL, trade_id=77001), "trade_id"),
    (replace(GOOD_FILL, is_maker="yes"), "is_maker"),
    (Balance("USDT", Decimal("NaN"), Decimal("1")), "total"),
    (Balance("USDT", Decimal("1"), Decimal("-1")), "available"),
    (Position(PAIR, PositionSide.BOTH, Decimal("sNaN"), Decimal(1), Decimal(0), Decimal(1)), "amount"),
    (Position(PAIR, PositionSide.BOTH, Decimal(1), Decimal(-1), Decimal(0), Decimal(1)), "entry_price"),
    (FundingInfo(PAIR, Decimal(1), Decimal("Infinity"), NOW, Decimal(0)), "mark_price"),
    (FundingInfo(PAIR, Decimal(1), Decimal(1), NOW, Decimal("NaN")), "rate"),
    (PublicTrade(PAIR, "1", Decimal("-100"), Decimal(1), TradeType.BUY, NOW), "price"),
    (PublicTrade(PAIR, "1", Decimal("100"), Decimal(1), TradeType.BUY, True), "timestamp"),  # type: ignore[arg-type]
])
def test_bad_records_are_named_by_their_field(item: object, field: str) -> None:
    problem = problem_with(item)
    assert problem is not None and problem.startswith(f"{field}:")


def test_a_flood_of_rejections_is_counted_but_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = RejectionLog("binance", interval=10.0, clock=lambda: now[0])
    bad = Balance("USDT", Decimal("NaN"), Decimal(0))
    with caplog.at_level(logging.WARNING, logger="clobconn.core.validation"):
        assert all(not log.accept(bad, "user stream") for _ in range(50))
        assert log.accept(Balance("USDT", Decimal(1), Decimal(0)), "user stream")
        log.reject("public", "BTC-USDT diff", "bid level ['NaN', '1']")
        now[0] = 11.0
        log.reject("user stream", "Balance", "total: NaN is not finite")
    assert log.count == 52 and log.by_channel == {"user stream": 51, "public": 1}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert warnings[0].startswith("binance user stream: skipped a Balance") and "NaN is not finite" in warnings[0]
    assert warnings[2].endswith("49 more skipped since the last report")
