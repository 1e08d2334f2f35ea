"""What only AscendEx has: its signing examples, its seqnum-chained depth, its account-group paths and
its order ids built from the client's id."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr

from clobconn.core.data_types import OrderType, TradeType
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.venue import ClientOrderIdRule
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.ascendex.auth import AscendexAuth, pre_image
from clobconn.exchange.ascendex.constants import SPEC
from clobconn.exchange.ascendex.order_book_data_source import AscendexOrderBookDataSource, parse_book
from clobconn.exchange.ascendex.parsers import parse_order_event
from clobconn.testing.fixtures import FixtureSet

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "ascendex")

# https://ascendex.github.io/ascendex-pro-api/#sign-a-request: the docs' key, secret and timestamp.
DOC_KEY = "CEcrjGyipqt0OflgdQQSRGdrDXdDUY2x"
DOC_SECRET = "hV8FgjyJtpvVeAcMAgzgAFQCN36wmbWuN7o3WPcYcYhFd8qvE43gzFGVsFcCqMNk"


def doc_auth(timestamp_ms: int = 1608133910000) -> AscendexAuth:
    return AscendexAuth(SecretStr(DOC_KEY), SecretStr(DOC_SECRET), lambda: timestamp_ms)


def signed(path: str, method: str = "GET") -> dict[str, str]:
    request = doc_auth().rest_authenticate(RestRequest(method, f"https://ascendex.com{path}", path))
    return request.headers


def test_the_docs_signing_example_is_reproduced_exactly() -> None:
    # bash and python examples: "1608133910000+info" -> /pwaAgWZQ1Xd/J4yZ4ReHSPQxd3ORP/YR8TvAttqqYM=
    assert signed("/api/pro/v1/info") == {"x-auth-key": DOC_KEY, "x-auth-timestamp": "1608133910000",
                                          "x-auth-signature": "/pwaAgWZQ1Xd/J4yZ4ReHSPQxd3ORP/YR8TvAttqqYM="}
    # The java example signs "user/info" at 1562952827927.
    assert doc_auth(1562952827927).headers("user/info")["x-auth-signature"] == (
        "vBZf8OQuiTJIVbNpNHGY3zcUsK5gJpwb5lgCgarpxYI=")


def test_a_private_call_signs_its_name_without_the_group_or_the_account_category() -> None:
    # Written out by hand from each endpoint's "Prehash String": <timestamp>+order/hist/current.
    assert pre_image(1608133910000, "order/hist/current") == "1608133910000+order/hist/current"
    expected = doc_auth().headers("order/hist/current")["x-auth-signature"]
    assert signed("/6/api/pro/v1/cash/order/hist/current")["x-auth-signature"] == expected
    assert signed("/6/api/pro/v1/cash/order", "DELETE")["x-auth-signature"] == doc_auth().headers("order")[
        "x-auth-signature"]
    assert expected != doc_auth().headers("cash/order/hist/current")["x-auth-signature"]


def test_the_stream_auth_op_signs_timestamp_plus_stream() -> None:
    frame = doc_auth().ws_login_payload()
    assert frame == {"op": "auth", "id": "login", "t": 1608133910000, "key": DOC_KEY,
                     "sig": doc_auth().headers("stream")["x-auth-signature"]}
    assert DOC_SECRET not in repr(frame) and DOC_SECRET not in repr(doc_auth())


def test_depth_seqnum_must_rise_by_one_and_a_gap_asks_for_a_resync() -> None:
    assert AscendexOrderBookDataSource.sequence_rule is SequenceRule.SEQUENCE
    snapshot = parse_book(BookMessageType.SNAPSHOT, "ASD-USDT", FIXTURES.payload("depth_snapshot")["data"])
    diff_data = FIXTURES.payload("depth")["data"]
    sync = BookSynchronizer("ASD-USDT", AscendexOrderBookDataSource.sequence_rule)
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED and sync.book.last_update_id == 3167819629
    # seqnum + 1 carries on from the snapshot ...
    assert sync.on_diff(parse_book(BookMessageType.DIFF, "ASD-USDT", diff_data)) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("0.06740") and sync.book.best_ask == Decimal("0.06758")
    # ... an older one is already in the book, and one that skips a seqnum is a gap: resync.
    assert sync.on_diff(parse_book(BookMessageType.DIFF, "ASD-USDT", diff_data)) is SyncResult.STALE
    skipped = {**diff_data, "seqnum": 3167819632}
    result = sync.on_diff(parse_book(BookMessageType.DIFF, "ASD-USDT", skipped))
    assert result is SyncResult.GAP and result.needs_resync and not sync.is_synced


def test_client_order_ids_fit_the_venues_id_rule_and_end_in_random_characters() -> None:
    # "id": letters and digits, at most 32 characters; the venue's order id takes the last 9, so 9 or more.
    rule = SPEC.client_order_id
    ids = [rule.generate(TradeType.BUY) for _ in range(200)]
    assert all(9 <= len(i) <= 32 and i.isalnum() for i in ids)
    assert len({i[-9:] for i in ids}) == len(ids), "the last 9 characters are what the venue keeps"
    assert rule == ClientOrderIdRule(max_length=32, prefix="cc")
    assert OrderType.LIMIT_MAKER in SPEC.order_types


def test_an_order_message_carries_the_order_and_both_balances() -> None:
    data = FIXTURES.payload("order_message")["data"]
    update, base, quote = parse_order_event("BTC-USDT", data, None)
    assert update.exchange_order_id == "s16ef210b1a50866943712bfaf1584b" and update.executed_amount == 0
    assert (base.asset, base.total, base.available) == ("BTC", Decimal("2006.5974027"), Decimal("2006.5974027"))
    assert (quote.asset, quote.total, quote.available) == ("USDT", Decimal("860.23"), Decimal("793.23"))
