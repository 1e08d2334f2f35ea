"""What only Bitmart has: its signature (a worked example of the docs), its WebSocket login and its
book's version chain.

https://developer-pro.bitmart.com/en/part2/auth.html (signature), /en/ws/spot_ws/login.html (login),
/en/spot/#public-depth-increase-channel (book).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import SecretStr

from clobconn.core.order_book.sync import BookSynchronizer, ResyncMode, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.bitmart.auth import BitmartAuth
from clobconn.exchange.bitmart.order_book_data_source import BitmartOrderBookDataSource, parse_book

# The docs' example credentials (/en/part2/auth.html, /en/ws/spot_ws/login.html).
API_KEY = "80618e45710812162b04892c7ee5ead4a3cc3e56"
API_SECRET = "6c6c98544461bbe71db2bca4c6d7fd0021e0ba9efc215f9c6ad41852df9d9df9"
MEMO = "test001"
TIMESTAMP = 1589267764859


def docs_auth() -> BitmartAuth:
    return BitmartAuth(SecretStr(API_KEY), SecretStr(API_SECRET), SecretStr(MEMO), lambda: TIMESTAMP)


def test_ws_login_reproduces_the_docs_worked_example() -> None:
    # /en/ws/spot_ws/login.html: echo -n '1589267764859#test001#bitmart.WebSocket' | openssl dgst -sha256 -hmac ...
    assert docs_auth().ws_login_payload() == {"op": "login", "args": [
        API_KEY, "1589267764859", "3ceeb7e1b8cb165a975e28a2e2dfaca4d30b358873c0351c1a071d8c83314556"]}


def test_get_signs_the_query_string_as_sent() -> None:
    # The authentication Q&A's GET example: /v1?contract_id=1&category=1 signs
    # "1589267764859#test001#contract_id=1&category=1" (hex HMAC-SHA256 computed with openssl).
    request = RestRequest("GET", "https://api-cloud.bitmart.com/v1", "/v1", params={"contract_id": 1, "category": 1})
    signed = docs_auth().rest_authenticate(request)
    assert signed.url == "https://api-cloud.bitmart.com/v1?contract_id=1&category=1"
    assert signed.headers == {
        "X-BM-KEY": API_KEY, "X-BM-TIMESTAMP": "1589267764859",
        "X-BM-SIGN": "6d5e774446448073f68e99c28ace86503451bed1fd44e43f80b9b518937c4ef1"}


def test_post_signs_the_json_body_as_sent_and_never_sends_the_memo() -> None:
    # "1589267764859#test001#{"symbol":"BTC_USDT","price":"8600","count":"100"}", the body the docs show.
    request = RestRequest("POST", "https://api-cloud.bitmart.com/v1", "/v1",
                          data={"symbol": "BTC_USDT", "price": "8600", "count": "100"})
    signed = docs_auth().rest_authenticate(request)
    assert signed.data == '{"symbol":"BTC_USDT","price":"8600","count":"100"}'
    assert signed.headers["X-BM-SIGN"] == "b5072c5d3284a0826f47bc196984422c2317e58ebf8bb1933f3d2f9620e9f40f"
    assert MEMO not in repr(signed.headers) and MEMO not in signed.data and MEMO not in repr(docs_auth())


def frame(kind: str, version: int, bids: list[list[str]], asks: list[list[str]]) -> dict[str, object]:
    """One entry of a spot/depth/increase100 push, shaped as the docs' example."""
    return {"asks": asks, "bids": bids, "ms_t": 1700000000000 + version, "symbol": "BTC_USDT", "type": kind,
            "version": version}


def test_book_follows_the_version_chain_and_a_gap_asks_for_a_snapshot() -> None:
    assert BitmartOrderBookDataSource.sequence_rule is SequenceRule.SEQUENCE
    assert BitmartOrderBookDataSource.resync_mode is ResyncMode.RESUBSCRIBE
    sync = BookSynchronizer("BTC-USDT", BitmartOrderBookDataSource.sequence_rule)
    snapshot = parse_book("BTC-USDT", frame("snapshot", 40, [["100.00", "1.5"]], [["100.50", "1.0"]]))
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    # version 41 follows 40: applied; a size of 0 removes the level.
    assert sync.on_diff(parse_book("BTC-USDT", frame("update", 41, [["100.25", "2"]], [["100.50", "0"]]))) \
        is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("100.25") and sync.book.best_ask is None
    # A push that repeats the book's version (no change) is stale, not a gap.
    assert sync.on_diff(parse_book("BTC-USDT", frame("update", 41, [], []))) is SyncResult.STALE
    # version 43 after 41: 42 was lost, the book is out of step until the next snapshot.
    assert sync.on_diff(parse_book("BTC-USDT", frame("update", 43, [["99.00", "1"]], []))) is SyncResult.GAP
    assert not sync.is_synced
    # The resubscribe's snapshot replaces the book whole, whatever version it restarts at.
    assert sync.on_snapshot(parse_book("BTC-USDT", frame("snapshot", 7, [["99.50", "3"]], [["100.75", "1"]]))) \
        is SyncResult.APPLIED
    assert sync.is_synced and sync.book.last_update_id == 7 and sync.book.best_bid == Decimal("99.50")
