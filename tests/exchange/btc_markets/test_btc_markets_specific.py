"""What only BTC Markets has: its signatures (pre-images written out by hand from the venue's rules),
its checksum (the guide's worked example) and its clock-stamped book, on frames captured from the venue.

Sources: the venue's own clients (github.com/BTCMarkets/api-v3-client-python, btcmarkets-node-sdk) for the
signing rule; https://github.com/BTCMarkets/API/wiki/WebSocket-v2 for the subscription; the checksum guide
https://github.com/ngin-io/websocket-checksum; docs/connectors/btc_markets.md for the captured frames.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

import pytest
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.order_book import BookMessageType, BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.btc_markets.auth import BtcMarketsAuth
from clobconn.exchange.btc_markets.order_book_data_source import (
    BtcMarketsOrderBookDataSource,
    book_checksum,
    parse_book,
)

KEY = "a1b2c3d4-e5f6-7890-abcd-ef0123456789"
SECRET_BYTES = b"\x00\x01btcm-secret\xfe\xff" * 4
SECRET = base64.b64encode(SECRET_BYTES).decode()
NOW_MS = 1567334110144


def expected(pre_image: str) -> str:
    """base64(HMAC-SHA512(base64-decoded secret, pre-image)): computed here, not by the connector."""
    return base64.b64encode(hmac.new(SECRET_BYTES, pre_image.encode(), hashlib.sha512).digest()).decode()


def auth() -> BtcMarketsAuth:
    return BtcMarketsAuth(SecretStr(KEY), SecretStr(SECRET), lambda: NOW_MS)


def test_a_post_signs_method_path_timestamp_and_the_body_sent() -> None:
    request = RestRequest("POST", "https://api.btcmarkets.net/v3/orders", "/v3/orders",
                          data={"marketId": "BTC-AUD", "price": "100.12", "amount": "0.0034", "type": "Limit",
                                "side": "Bid"})
    signed = auth().rest_authenticate(request)
    body = '{"marketId":"BTC-AUD","price":"100.12","amount":"0.0034","type":"Limit","side":"Bid"}'
    assert signed.data == body
    assert signed.headers == {"Content-Type": "application/json", "BM-AUTH-APIKEY": KEY,
                              "BM-AUTH-TIMESTAMP": "1567334110144",
                              "BM-AUTH-SIGNATURE": expected("POST/v3/orders1567334110144" + body)}


def test_a_get_signs_the_path_without_its_query_which_is_still_sent() -> None:
    request = RestRequest("GET", "https://api.btcmarkets.net/v3/orders", "/v3/orders",
                          params={"marketId": "BTC-AUD", "status": "open"})
    signed = auth().rest_authenticate(request)
    assert signed.url == "https://api.btcmarkets.net/v3/orders?marketId=BTC-AUD&status=open"
    assert signed.headers["BM-AUTH-SIGNATURE"] == expected("GET/v3/orders1567334110144")


def test_the_private_subscription_signs_the_subscribe_path_a_newline_and_the_timestamp() -> None:
    assert auth().ws_subscribe_fields() == {"key": KEY, "timestamp": "1567334110144",
                                            "signature": expected("/users/self/subscribe\n1567334110144")}


@pytest.mark.parametrize("secret", ["not base64!", "YWJj=ZGVm", "YWJjZA", "a2V5-c2VjcmV0"])
def test_a_secret_that_is_not_base64_is_refused_and_never_shown(secret: str) -> None:
    with pytest.raises(InvalidCredentials, match="not valid base64") as info:
        BtcMarketsAuth(SecretStr(KEY), SecretStr(secret), lambda: NOW_MS)
    assert secret not in str(info.value) and info.value.__cause__ is None


def test_no_secret_in_the_signers_repr() -> None:
    assert repr(auth()) == "BtcMarketsAuth()"


# == the book ====================================================================================

# Captured from the venue (docs/connectors/btc_markets.md#order-book): a snapshot, then deltas.
SNAPSHOT = {"marketId": "BAT-AUD", "snapshot": True, "timestamp": "2026-09-23T04:41:37.492Z",
            "snapshotId": 1790138497492000, "bids": [["0.122", "106796", 1], ["0.1219", "123051.68170631", 1]],
            "asks": [["0.1491", "57263.35531493", 1], ["0.159", "9", 1]], "channel": "orderbookUpdate",
            "messageType": "orderbookUpdate"}
DELTA = {"marketId": "BTC-AUD", "timestamp": "2026-09-23T04:41:37.689Z", "snapshotId": 1790138497689000,
         "bids": [], "asks": [["122861.75", "0", 0]], "messageType": "orderbookUpdate", "checksum": "1114195264"}


def test_the_snapshot_and_a_delta_parse_with_the_clock_as_id_and_the_checksum_as_a_number() -> None:
    snapshot, delta = parse_book("BAT-AUD", SNAPSHOT), parse_book("BTC-AUD", DELTA)
    assert (snapshot.type, snapshot.last_id, snapshot.checksum) == (BookMessageType.SNAPSHOT, 1790138497492000, None)
    assert (delta.type, delta.last_id, delta.checksum) == (BookMessageType.DIFF, 1790138497689000, 1114195264)
    # The id is the timestamp in microseconds.
    assert delta.last_id == round(delta.timestamp * 1_000_000)


def test_the_connectors_checksum_reproduces_the_guides_ten_level_example() -> None:
    """https://github.com/ngin-io/websocket-checksum test/checksum.test.js, orderbook10."""
    sync = BookSynchronizer("BTC-AUD", SequenceRule.MONOTONIC, checksum=book_checksum)
    bids = [["58", "1.9599", 2], ["57.45", "0.01969999", 1], ["57.39", "1.88", 1], ["57.31", "1.48", 1],
            ["57.29", "1.07", 1], ["57.18", "0.384", 1], ["57.14", "0.345", 1], ["57.12", "0.9", 9],
            ["57.1", "1.72", 1], ["56.97", "4.91", 1], ["56.5", "3", 1]]
    asks = [["60", "3", 3], ["60.5", "1", 1], ["61", "3", 3], ["62", "2", 2], ["63", "1", 1], ["66", "0.1", 1],
            ["67", "0.1", 1], ["68", "2", 2], ["69", "1", 1], ["70", "2.1", 3], ["71", "9", 1]]
    snapshot = dict(SNAPSHOT, marketId="BTC-AUD", bids=bids[1:], asks=asks)
    assert sync.on_snapshot(parse_book("BTC-AUD", snapshot)) is SyncResult.APPLIED
    # A delta adds the best bid; only the best ten a side count, so the 11th level of each is left out.
    delta = dict(DELTA, bids=[bids[0]], asks=[], snapshotId=1790138497700000, checksum="1666031697")
    assert sync.on_diff(parse_book("BTC-AUD", delta)) is SyncResult.APPLIED
    assert book_checksum(sync.book) == 1666031697 and sync.book.best_bid == Decimal("58")
    wrong = dict(delta, bids=[["57.45", "0.0197", 1]], snapshotId=1790138497800000)
    assert sync.on_diff(parse_book("BTC-AUD", wrong)) is SyncResult.CHECKSUM_MISMATCH


def test_the_book_follows_the_clock_rule_with_the_venues_checksum() -> None:
    assert BtcMarketsOrderBookDataSource.sequence_rule is SequenceRule.MONOTONIC
    sync = BookSynchronizer("BAT-AUD", BtcMarketsOrderBookDataSource.sequence_rule, checksum=book_checksum)
    assert sync.on_snapshot(parse_book("BAT-AUD", SNAPSHOT)) is SyncResult.APPLIED
    earlier = dict(DELTA, marketId="BAT-AUD", snapshotId=1790138497400000, asks=[["0.1491", "0", 0]],
                   checksum="1")
    assert sync.on_diff(parse_book("BAT-AUD", earlier)) is SyncResult.STALE
    assert sync.book.best_ask == Decimal("0.1491")
