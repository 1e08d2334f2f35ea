"""What only HTX has: signature version 2 (REST) and 2.1 (/ws/v2 auth), the mbp book synced from a
``req`` on its own socket, and its two heartbeats.

The docs' signing walk-through prints the pre-image of a worked example but not the secret its result
(4F65x5A2bLyMWVQj3Aqp+B4w+ivaA7n5Oi2SuYtCJ9o=) was made with, so the pre-image is reproduced exactly
and the signature is checked as base64 HMAC-SHA256 of it under a secret of ours.
"""

from __future__ import annotations

import calendar
import gzip
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
import pytest
from pydantic import SecretStr

from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.tracker import OrderBookTracker
from clobconn.core.web.auth import RestRequest, hmac_sha256_base64
from clobconn.exchange.htx.auth import HtxAuth, pre_image
from clobconn.exchange.htx.constants import answer_ping
from clobconn.exchange.htx.order_book_data_source import HtxOrderBookDataSource
from clobconn.testing import MockVenue
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.helpers import eventually

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "htx")
SECRET = "b0xxxxxx-c6xxxxxx-94xxxxxx-dxxxx"
DOC_KEY = "e2xxxxxx-99xxxxxx-84xxxxxx-7xxxx"


def epoch_ms(utc: str) -> int:
    return calendar.timegm(time.strptime(utc, "%Y-%m-%dT%H:%M:%S")) * 1000


def auth(key: str, utc: str) -> HtxAuth:
    return HtxAuth(SecretStr(key), SecretStr(SECRET), lambda: epoch_ms(utc), "api.huobi.pro")


# == signing ======================================================================================

# https://huobiapi.github.io/docs/spot/v1/en/#signature-authentication, steps 1 to 6, written out.
DOC_QUERY = (f"AccessKeyId={DOC_KEY}&SignatureMethod=HmacSHA256&SignatureVersion=2&Timestamp=2017-05-11T15%3A19%3A30"
             "&order-id=1234567890")
DOC_PRE_IMAGE = f"GET\napi.huobi.pro\n/v1/order/orders\n{DOC_QUERY}"


def test_the_rest_pre_image_is_the_docs_worked_example() -> None:
    request = RestRequest("GET", "https://api.huobi.pro/v1/order/orders", "/v1/order/orders",
                          params={"order-id": "1234567890"})
    auth(DOC_KEY, "2017-05-11T15:19:30").rest_authenticate(request)
    query, _, signature = request.url.split("?", 1)[1].rpartition("&Signature=")
    # Sorted by ASCII (upper case first), ":" encoded as %3A, the signature appended last, URL-encoded.
    assert query == DOC_QUERY
    assert signature == quote(hmac_sha256_base64(SECRET, DOC_PRE_IMAGE), safe="")
    assert pre_image("GET", "API.huobi.pro", "/v1/order/orders", {"order-id": "1234567890", "AccessKeyId": DOC_KEY,
                     "SignatureMethod": "HmacSHA256", "SignatureVersion": "2",
                     "Timestamp": "2017-05-11T15:19:30"}) == DOC_PRE_IMAGE


def test_a_post_signs_the_auth_parameters_only_and_sends_its_body_as_json() -> None:
    body = {"account-id": "100009", "amount": "10.1", "price": "100.1", "symbol": "ethusdt", "type": "buy-limit"}
    request = RestRequest("POST", "https://api.huobi.pro/v1/order/orders/place", "/v1/order/orders/place",
                          data=dict(body))
    auth(DOC_KEY, "2017-05-11T15:19:30").rest_authenticate(request)
    query, _, signature = request.url.split("?", 1)[1].rpartition("&Signature=")
    assert query == DOC_QUERY.removesuffix("&order-id=1234567890")
    expected = hmac_sha256_base64(SECRET, f"POST\napi.huobi.pro\n/v1/order/orders/place\n{query}")
    assert signature == quote(expected, safe="")
    assert orjson.loads(request.data) == body


def test_the_ws_auth_request_is_signed_as_a_get_of_ws_v2_with_version_2_1() -> None:
    # The docs' example: GET\napi.huobi.pro\n/ws/v2\naccessKey=...&signatureMethod=HmacSHA256&
    # signatureVersion=2.1&timestamp=2019-12-05T11%3A53%3A03 (authType is not signed).
    key = "0664b695-rfhfg2mkl3-abbf6c5d-49810"
    frame = auth(key, "2019-12-05T11:53:03").ws_login_payload()
    documented = FIXTURES.payload("ws_auth")
    assert frame.keys() == documented.keys() and frame["params"].keys() == documented["params"].keys()
    assert (frame["action"], frame["ch"], frame["params"]["authType"]) == ("req", "auth", "api")
    text = (f"GET\napi.huobi.pro\n/ws/v2\naccessKey={key}&signatureMethod=HmacSHA256&signatureVersion=2.1"
            "&timestamp=2019-12-05T11%3A53%3A03")
    assert frame["params"]["signature"] == hmac_sha256_base64(SECRET, text)
    assert frame["params"]["timestamp"] == "2019-12-05T11:53:03"  # the JSON value is not URL-encoded


def test_the_signer_names_no_secret() -> None:
    signer = auth(DOC_KEY, "2017-05-11T15:19:30")
    assert SECRET not in repr(signer) and DOC_KEY not in repr(signer)


# == heartbeats ===================================================================================

def test_both_pings_are_answered_with_what_they_carry() -> None:
    # Public sockets: {"ping": n} -> {"pong": n}. /ws/v2: action ping -> action pong echoing data.ts.
    assert answer_ping({"ping": 1492420473027}) == {"pong": 1492420473027}
    assert answer_ping({"action": "ping", "data": {"ts": 1575537778295}}) == {"action": "pong",
                                                                              "data": {"ts": 1575537778295}}
    assert answer_ping({"action": "push", "ch": "orders#btcusdt", "data": {}}) is None


# == the mbp book =================================================================================

class Connector:
    name = "htx"

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url

    def exchange_symbol(self, trading_pair: str) -> str:
        return trading_pair.replace("-", "").lower()

    def trading_pair_of(self, symbol: str) -> str | None:
        return "BTC-USDT" if symbol == "btcusdt" else None


def test_the_docs_payloads_parse() -> None:
    source = HtxOrderBookDataSource(Connector("wss://api.huobi.pro"))  # type: ignore[arg-type]
    (snapshot,) = source.parse("book", FIXTURES.payload("mbp_refresh"))
    assert (snapshot.type, snapshot.last_id, len(snapshot.bids), len(snapshot.asks)) == (
        BookMessageType.SNAPSHOT, 100020142010, 5, 5)
    (diff,) = source.parse("book", FIXTURES.payload("mbp_update"))
    assert (diff.type, diff.last_id, diff.prev_id, diff.bids) == (BookMessageType.DIFF, 100020146795, 100020146794, [])
    assert diff.asks == [[645.14, 26.75597395914065]] and diff.timestamp == 1573199608.679


def gzipped(payload: Any) -> bytes:
    return gzip.compress(orjson.dumps(payload))


def update(seq: int, prev: int, bids: list[list[float]]) -> dict[str, Any]:
    return {"ch": "market.btcusdt.mbp.150", "ts": 1573199608679,
            "tick": {"seqNum": seq, "prevSeqNum": prev, "bids": bids, "asks": []}}


@pytest.fixture
async def tracker() -> AsyncIterator[tuple[OrderBookTracker, MockVenue]]:
    async with MockVenue() as venue, aiohttp.ClientSession() as session:
        book_tracker = OrderBookTracker(HtxOrderBookDataSource(Connector(venue.ws_url)),  # type: ignore[arg-type]
                                        session=lambda: session)
        try:
            yield book_tracker, venue
        finally:
            await book_tracker.stop()


async def test_a_gap_in_the_prev_seq_num_chain_asks_for_the_refresh_again_on_feed(
        tracker: tuple[OrderBookTracker, MockVenue]) -> None:
    books, venue = tracker
    await books.start(["BTC-USDT"])
    requests = await venue.wait_for_ws_message("/feed", lambda frame: "req" in frame)
    assert requests[0]["req"] == "market.btcusdt.mbp.150"
    # The venue's frames are gzip; it pings, and the socket answers.
    await venue.push("/feed", gzipped({"ping": 1492420473027}))
    await venue.wait_for_ws_message("/feed", lambda frame: frame == {"pong": 1492420473027})
    refresh = FIXTURES.payload("mbp_refresh")
    await venue.push("/feed", gzipped(refresh))
    book = books.order_book("BTC-USDT")
    await eventually(lambda: book.is_synced, what="synced from the req answer")
    assert book.best_bid == Decimal("618.37") and book.best_ask == Decimal("650.59")
    await venue.push("/feed", gzipped(update(100020142011, 100020142010, [[618.5, 1.0]])))
    await eventually(lambda: book.best_bid == Decimal("618.5"), what="a chained update applied")
    # The docs' update names 100020146794 as its previous message: the ones between were lost.
    await venue.push("/feed", gzipped(FIXTURES.payload("mbp_update")))
    await venue.wait_for_ws_message("/feed", lambda frame: "req" in frame, count=2)
    assert not book.is_synced and books.resyncs == 1
    refresh["data"]["seqNum"] = 100020146795
    await venue.push("/feed", gzipped(refresh))
    await venue.push("/feed", gzipped(update(100020146796, 100020146795, [[619.0, 2.0]])))
    await eventually(lambda: book.is_synced and book.last_update_id == 100020146796, what="synced again")
    assert book.best_bid == Decimal("619.0")
    assert venue.connections("/feed") == 1
