"""What only BingX spot has: its documented signing example, sorted parameters, gzip frames with a JSON
ping, depth frames that are whole snapshots, and a listen key on the market host."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, OrderType, OrderUpdate, TradeType, TradeUpdate
from clobconn.core.errors import AuthenticationError
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.registry import get_connector
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.bing_x.auth import BingXAuth
from clobconn.exchange.bing_x.parsers import parse_execution_report
from clobconn.testing import MockVenue
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.suites import eventually

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "bing_x")
API_KEY = "bingx-test-api-key"
API_SECRET = "bingx-test-api-secret-NEVER-LOGGED"
PUBLIC_WS = "/market"
PRIVATE_WS = "/private/market"


# == signing ======================================================================================

def test_the_documented_signing_example_is_reproduced_byte_for_byte() -> None:
    # REST API.md "Signature Description": the order's parameters, the key, the secret and the timestamp
    # of the example; the request it documents is the curl line's URL and header, exactly.
    auth = BingXAuth(SecretStr("Zsm4DcrHBTewmVaElrdwA67PmivPv6VDK6JAkiECZ9QfcUnmn67qjCOgvRuZVOzU"),
                     SecretStr("UuGuyEGt6ZEkpUObCYCmIfh0elYsZVh80jlYwpJuRZEw70t6vomMH7Sjmf94ztSI"),
                     lambda: 1649404670162)
    url = "https://open-api.bingx.com/openApi/spot/v1/trade/order"
    # Given in another order than the venue's: the signer sorts them, as the venue does.
    request = RestRequest("POST", url, "/openApi/spot/v1/trade/order",
                          params={"type": "MARKET", "symbol": "ETHUSDT", "side": "BUY", "quoteOrderQty": 20})
    auth.rest_authenticate(request)
    assert request.url == (f"{url}?quoteOrderQty=20&side=BUY&symbol=ETHUSDT&timestamp=1649404670162&type=MARKET"
                           "&signature=428a3c383bde514baff0d10d3c20e5adfaacaf799e324546dafe5ccc480dd827")
    assert request.headers["X-BX-APIKEY"] == "Zsm4DcrHBTewmVaElrdwA67PmivPv6VDK6JAkiECZ9QfcUnmn67qjCOgvRuZVOzU"
    assert "UuGuy" not in repr(auth)


def test_an_order_the_venue_fills_in_the_execution_report() -> None:
    event = FIXTURES.payload("execution_report", {"client_order_id": "cc1"})["data"]
    update, fill = parse_execution_report("BTC-USDT", event)
    assert isinstance(update, OrderUpdate) and update.new_state is OrderState.PARTIALLY_FILLED
    assert (update.client_order_id, update.exchange_order_id, update.executed_amount) == ("cc1", "4293153",
                                                                                         Decimal("0.4"))
    assert isinstance(fill, TradeUpdate)
    # The fee comes as a signed debit ("-0.0004"): it is charged, never a rebate.
    assert fill.fee.flat_fees[0].amount == Decimal("0.0004") and fill.fill_quote_amount == Decimal("0.04105764")


# == over the loopback venue ======================================================================

@pytest.fixture
async def venue() -> AsyncIterator[MockVenue]:
    mock = MockVenue()
    await mock.start()
    mock.route("GET", "/openApi/swap/v2/server/time", lambda _: MockResponse(FIXTURES.payload("server_time")))
    mock.route("GET", "/openApi/spot/v1/common/symbols", FIXTURES.payload("symbols"))
    mock.route("GET", "/openApi/spot/v1/account/balance", FIXTURES.payload("balance"))
    mock.route("POST", "/openApi/user/auth/userDataStream", FIXTURES.payload("listen_key"))
    mock.route("PUT", "/openApi/user/auth/userDataStream", {})
    # Like the venue, acknowledge every subscription with its id.
    for path in (PUBLIC_WS, PRIVATE_WS):
        mock.on_ws_message(path, lambda m: [{"id": m["id"], "code": 0, "msg": ""}] if isinstance(m, dict) and "id" in m
                           else [])
    try:
        yield mock
    finally:
        await mock.stop()


@pytest.fixture
async def conn(venue: MockVenue) -> AsyncIterator[ExchangeBase]:
    connector = get_connector("bing_x", api_key=API_KEY, api_secret=API_SECRET, trading_pairs=["BTC-USDT"],
                              rest_url=venue.http_url, ws_url=venue.ws_url, private_ws_url=f"{venue.ws_url}/private",
                              fast_poll_interval=3600.0, slow_poll_interval=3600.0, request_timeout=1.0)
    await connector.start()
    try:
        yield connector
    finally:
        await connector.stop()


def gzipped(payload: Any) -> bytes:
    """Every frame the venue sends is gzip-compressed JSON."""
    return gzip.compress(orjson.dumps(payload))


async def push_depth(venue: MockVenue, bids: list[list[str]], asks: list[list[str]]) -> None:
    frame = FIXTURES.payload("depth", {"symbol": "BTC-USDT", "bids": bids, "asks": asks})
    assert await venue.push(PUBLIC_WS, gzipped(frame))


async def test_each_depth_frame_replaces_the_whole_book(venue: MockVenue, conn: ExchangeBase) -> None:
    await venue.wait_for_ws_message(PUBLIC_WS, lambda m: m.get("dataType") == "BTC-USDT@depth100")
    await push_depth(venue, [["100.00", "1.5"], ["99.50", "2"]], [["100.50", "1"], ["101.00", "2.5"]])
    book = conn.get_order_book("BTC-USDT")
    await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="first snapshot")
    # The next frame is the whole book again: levels it leaves out are gone, not kept from the last one.
    await push_depth(venue, [["99.00", "3"]], [["100.25", "0.5"]])
    await eventually(lambda: book.best_ask == Decimal("100.25"), what="second snapshot")
    assert [tuple(level) for level in book.bids()] == [(Decimal("99.00"), Decimal("3"))]
    assert [tuple(level) for level in book.asks()] == [(Decimal("100.25"), Decimal("0.5"))]


async def test_subscribe_frames_are_one_topic_each(venue: MockVenue, conn: ExchangeBase) -> None:
    frames = await venue.wait_for_ws_message(PUBLIC_WS, lambda m: isinstance(m, dict) and "dataType" in m, count=2)
    assert sorted(frame["dataType"] for frame in frames) == ["BTC-USDT@depth100", "BTC-USDT@trade"]
    # Only an unsubscribe names its verb (reqType "unsub").
    assert all("reqType" not in frame and isinstance(frame["id"], str) for frame in frames)


async def test_the_venues_gzipped_ping_is_answered_with_its_id(venue: MockVenue, conn: ExchangeBase) -> None:
    await venue.wait_for_connections(PUBLIC_WS)
    ping = FIXTURES.payload("ping")
    assert await venue.push(PUBLIC_WS, gzipped(ping))
    pongs = await venue.wait_for_ws_message(PUBLIC_WS, lambda m: isinstance(m, dict) and "pong" in m)
    assert pongs == [{"pong": ping["ping"], "time": ping["time"]}]


async def test_the_user_stream_opens_with_a_listen_key_and_subscribes_to_orders_and_balances(
        venue: MockVenue, conn: ExchangeBase) -> None:
    frames = await venue.wait_for_ws_message(PRIVATE_WS, lambda m: isinstance(m, dict), count=2)
    assert frames == [{"id": "orders", "dataType": "spot.executionReport"},
                      {"id": "balances", "dataType": "ACCOUNT_UPDATE"}]
    key = FIXTURES.payload("listen_key")["listenKey"]
    assert venue.endpoint(PRIVATE_WS).connect_paths[0] == f"{PRIVATE_WS}?listenKey={key}"
    # The key is asked for with the API key header alone: no signature, no timestamp.
    request = venue.requests_to("POST", "/openApi/user/auth/userDataStream")[0]
    assert request.headers["X-BX-APIKEY"] == API_KEY and "signature" not in request.query


async def test_signed_calls_send_their_parameters_sorted_by_name(venue: MockVenue, conn: ExchangeBase) -> None:
    # The signature itself is recomputed over the raw request line in tests/core/test_signed_bytes_on_the_wire.py.
    await eventually(lambda: bool(venue.requests_to("GET", "/openApi/spot/v1/account/balance")), what="balances")
    request = venue.requests_to("GET", "/openApi/spot/v1/account/balance")[0]
    names = list(request.query)
    assert names[-1] == "signature" and names[:-1] == sorted(names[:-1])
    assert request.headers["X-BX-APIKEY"] == API_KEY


async def test_a_refusal_in_an_http_200_body_raises_its_typed_error(venue: MockVenue) -> None:
    venue.route("GET", "/openApi/spot/v1/account/balance", FIXTURES.payload("error_signature"))
    connector = get_connector("bing_x", api_key=API_KEY, api_secret=API_SECRET, trading_pairs=["BTC-USDT"],
                              rest_url=venue.http_url, ws_url=venue.ws_url, trading=False)
    try:
        with pytest.raises(AuthenticationError):
            await connector.rest.request("GET", "/openApi/spot/v1/account/balance", signed=True)
    finally:
        await connector.rest.close()


async def test_orders_travel_in_the_query_string_with_the_venues_words(venue: MockVenue, conn: ExchangeBase) -> None:
    venue.route("POST", "/openApi/spot/v1/trade/order", FIXTURES.payload("place_order"))
    await eventually(lambda: "BTC-USDT" in conn.trading_rules, what="trading rules")
    maker = await conn.place_order("BTC-USDT", TradeType.BUY, Decimal("0.5"), OrderType.LIMIT_MAKER, Decimal("99"))
    await conn.place_order("BTC-USDT", TradeType.BUY, Decimal(0), OrderType.MARKET, quote_amount=Decimal("20"))
    first, second = venue.requests_to("POST", "/openApi/spot/v1/trade/order")
    assert first.body == b"" and second.body == b""
    assert {key: first.query[key] for key in ("symbol", "side", "type", "timeInForce", "quantity", "price")} == {
        "symbol": "BTC-USDT", "side": "BUY", "type": "LIMIT", "timeInForce": "POC", "quantity": "0.500000",
        "price": "99.00"}
    assert first.query["newClientOrderId"] == maker.client_order_id
    # The 19-digit order id survives as it was sent, never through a float.
    assert maker.exchange_order_id == "1514090846268424192" and maker.state is OrderState.OPEN
    # A market buy sized in quote sends quoteOrderQty and no quantity, price or timeInForce.
    assert second.query["quoteOrderQty"] == "20" and second.query["type"] == "MARKET"
    assert not {"quantity", "price", "timeInForce"} & set(second.query)
