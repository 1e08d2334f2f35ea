"""Template Exchange specifics: the worked examples of docs/connectors/_template.md, reproduced exactly."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, OrderUpdate, TradeType, TradeUpdate
from clobconn.core.errors import AuthenticationError, BadRequest, InvalidTimestamp, OrderNotFound, error_class_for
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange._template.auth import TemplateAuth
from clobconn.exchange._template.constants import ERRORS
from clobconn.exchange._template.exchange import TemplateExchange
from clobconn.exchange._template.order_book_data_source import book_checksum, parse_book
from clobconn.exchange._template.user_stream_data_source import TemplateUserStreamDataSource
from clobconn.testing.mock_venue import MockResponse, MockVenue

# docs/connectors/_template.md#authentication
DOC_KEY, DOC_SECRET, DOC_TS = "tpl-doc-key-abcdef", "tpl-doc-secret-0123456789", 1700000000000
DOC_BODY = ('{"symbol":"BTC_USDT","side":"buy","type":"limit","size":"0.5","client_id":"tplB1a2b3c",'
            '"price":"99.00","tif":"GTC","post_only":false}')
DOC_POST_SIGN = "9e45e61af82eee6e213cd785436b4395df3d64d56e83044ae8752d3557829e93"
DOC_GET_SIGN = "e8d4ab9c1761966dd8f947948484f43f2d0aa142d07758ecbe812b1b215f11de"
DOC_LOGIN_SIGN = "27bd5d0e988c4cabdb3861ff5a64c1fc1c5e9a1575ae7e5b9894550e491d6910"


def doc_auth() -> TemplateAuth:
    return TemplateAuth(SecretStr(DOC_KEY), SecretStr(DOC_SECRET), lambda: DOC_TS)


def test_rest_signature_matches_the_worked_example() -> None:
    body = {"symbol": "BTC_USDT", "side": "buy", "type": "limit", "size": "0.5", "client_id": "tplB1a2b3c",
            "price": "99.00", "tif": "GTC", "post_only": False}
    request = doc_auth().rest_authenticate(RestRequest("POST", "https://h/v1/orders", "/v1/orders", data=body))
    assert request.data == DOC_BODY, "the body signed must be the body sent"
    assert request.headers == {"Content-Type": "application/json", "TPL-KEY": DOC_KEY,
                               "TPL-SIGN": DOC_POST_SIGN, "TPL-TS": str(DOC_TS)}


def test_get_signature_covers_the_query_sent() -> None:
    request = RestRequest("GET", "https://h/v1/order", "/v1/order",
                          params={"symbol": "BTC_USDT", "order_id": "5012345678"})
    request = doc_auth().rest_authenticate(request)
    assert request.url == "https://h/v1/order?symbol=BTC_USDT&order_id=5012345678" and request.params is None
    assert request.data is None and request.headers["TPL-SIGN"] == DOC_GET_SIGN


def test_login_frame_matches_the_worked_example() -> None:
    assert doc_auth().ws_login_payload() == {"op": "login", "key": DOC_KEY, "ts": DOC_TS, "sign": DOC_LOGIN_SIGN}


def test_auth_repr_names_no_secret() -> None:
    assert DOC_KEY not in repr(doc_auth()) and DOC_SECRET not in repr(doc_auth())


def book(bids: list[list[str]], asks: list[list[str]]) -> OrderBook:
    result = OrderBook("BTC-USDT", keep_raw_strings=True)
    result.apply_snapshot(bids, asks, 1)
    return result


def test_checksum_matches_the_worked_example() -> None:
    snapshot = book([["100.00", "1.5"], ["99.50", "2.0"], ["99.00", "3.0"]],
                    [["100.50", "1.0"], ["101.00", "2.5"], ["101.50", "4.0"]])
    text = "100.00:1.5:100.50:1.0:99.50:2.0:101.00:2.5:99.00:3.0:101.50:4.0"
    assert book_checksum(snapshot) == zlib.crc32(text.encode()) == 784518805
    snapshot.apply_diff([["100.25", "0.5"], ["99.50", "0"]], [["100.50", "0.25"]], 2)
    assert book_checksum(snapshot) == 769491096


def test_checksum_takes_ten_levels_and_continues_the_longer_side() -> None:
    bids = [[f"{90 - i}.10", f"{i + 1}.0"] for i in range(12)]  # "90.10" stays "90.10", not "90.1"
    deep = book(bids, [["91.00", "0.5"], ["92.00", "0.25"]])
    expected = ["90.10:1.0", "91.00:0.5", "89.10:2.0", "92.00:0.25"] + [f"{90 - i}.10:{i + 1}.0" for i in range(2, 10)]
    assert book_checksum(deep) == zlib.crc32(":".join(expected).encode())


def test_sequence_gap_and_stale_updates() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.SEQUENCE)

    def update(seq: int) -> BookMessage:
        return parse_book("BTC-USDT", {"type": "update", "seq": seq, "ts": 0, "bids": [["99", "1"]], "asks": [],
                                       "checksum": 0})

    snapshot = parse_book("BTC-USDT", {"type": "snapshot", "seq": 1000, "ts": 1700000000000, "checksum": 7,
                                       "bids": [["98", "1"]], "asks": [["101", "1"]]})
    assert snapshot.type is BookMessageType.SNAPSHOT and snapshot.checksum == 7 and snapshot.timestamp == 1.7e9
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    assert sync.on_diff(update(1000)) is SyncResult.STALE
    assert sync.on_diff(update(1001)) is SyncResult.APPLIED
    assert sync.on_diff(update(1003)) is SyncResult.GAP


def test_error_table_maps_string_codes() -> None:
    assert error_class_for(ERRORS, "ORDER_NOT_FOUND", "", 200) is OrderNotFound
    assert error_class_for(ERRORS, "TIMESTAMP_EXPIRED", "", 200) is InvalidTimestamp
    assert error_class_for(ERRORS, "INVALID_PARAMETER", "", 200) is BadRequest


@pytest_asyncio.fixture
async def venue() -> AsyncIterator[MockVenue]:
    async with MockVenue() as mock:
        yield mock


async def test_error_in_http_200_body_raises_the_typed_error(venue: MockVenue) -> None:
    conn = TemplateExchange(api_key="k", api_secret="s", rest_url=venue.http_url, ws_url=venue.ws_url)
    conn.symbols = bidict({"BTC-USDT": "BTC_USDT"})
    order = InFlightOrder("tplBx1", "BTC-USDT", OrderType.LIMIT, TradeType.BUY, Decimal("0.5"), 0.0,
                          price=Decimal("99.00"), exchange_order_id="5012345678")
    venue.route("GET", "/v1/order", MockResponse(
        {"ok": False, "error": {"code": "ORDER_NOT_FOUND", "message": "order 5012345678 not found"}}, status=200))
    try:
        with pytest.raises(OrderNotFound) as info:
            await conn._fetch_order_status(order)
    finally:
        await conn.rest.close()
    assert info.value.venue_code == "ORDER_NOT_FOUND" and "5012345678 not found" in str(info.value)
    assert venue.requests_to("GET", "/v1/order")[0].query == {"symbol": "BTC_USDT", "order_id": "5012345678"}


def test_fill_event_carries_the_order_state() -> None:
    conn = TemplateExchange(api_key="k", api_secret="s")
    conn.symbols = bidict({"BTC-USDT": "BTC_USDT"})
    source = TemplateUserStreamDataSource(conn)
    update, fill = source.parse({"channel": "fills", "data": {
        "trade_id": "77001", "order_id": "5012345678", "client_id": "tplB1a2b3c", "symbol": "BTC_USDT",
        "side": "buy", "price": "99.00", "size": "0.25", "fee": "0.00001", "fee_asset": "BTC",
        "liquidity": "taker", "ts": 1700000000000, "order_status": "partial", "order_filled": "0.25"}})
    assert isinstance(update, OrderUpdate)
    assert update.new_state is OrderState.PARTIALLY_FILLED and update.executed_amount == Decimal("0.25")
    assert isinstance(fill, TradeUpdate) and fill.fill_quote_amount == Decimal("24.7500") and fill.is_maker is False


@pytest.mark.parametrize(("code", "raised"), [("INVALID_SIGNATURE", AuthenticationError),
                                              ("MAINTENANCE", ConnectionError)])
async def test_a_refused_login_stops_the_stream_only_for_the_key(code: str, raised: type[Exception]) -> None:
    class Connection:
        async def send(self, frame: Any) -> None:
            pass

        async def receive(self, timeout: float = 10.0) -> Any:
            return {"op": "login", "ok": False, "error": {"code": code, "message": "refused"}}

    source = TemplateUserStreamDataSource(TemplateExchange(api_key="k", api_secret="s"))
    with pytest.raises(raised):
        await source.on_open(Connection())
