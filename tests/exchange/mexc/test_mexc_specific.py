"""MEXC spot specifics: signing, the protobuf frames, the diff-depth versions against the snapshot,
the private channels, order parameters and the error table.

Frames are MEXC's documented examples (tests/fixtures/mexc, each naming its doc URL), encoded to
protobuf with the connector's generated module, so every test reads what MEXC puts on the wire.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeType,
    TradeUpdate,
)
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    NotSupported,
    OrderNotFound,
    PermissionDenied,
    error_class_for,
)
from clobconn.core.order_book.messages import BookMessage, PublicTrade
from clobconn.core.order_book.socket_pool import pair_capacity
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.protobuf import protobuf_encoder
from clobconn.core.web.ws import StreamAction
from clobconn.exchange.mexc.auth import MexcAuth
from clobconn.exchange.mexc.constants import ERRORS
from clobconn.exchange.mexc.exchange import MexcExchange
from clobconn.exchange.mexc.order_book_data_source import (
    MexcOrderBookDataSource,
    decode_push,
    parse_snapshot,
)
from clobconn.exchange.mexc.pb.push_pb2 import PushDataV3ApiWrapper
from clobconn.exchange.mexc.user_stream_data_source import MexcUserStreamDataSource
from clobconn.testing.fixtures import FixtureSet

payload = FixtureSet(Path(__file__).parents[2] / "fixtures" / "mexc").payload
encode_push = protobuf_encoder(PushDataV3ApiWrapper)
SECRET = "mexc-test-secret-NEVER-SHOWN-45d0b3c26f2644f19bfb98b07741b2f5"


@pytest.fixture
def conn() -> MexcExchange:
    connector = MexcExchange(api_key="mx0vglTEST", api_secret=SECRET, trading_pairs=["BTC-USDT"])
    connector.symbols = bidict({"BTC-USDT": "BTCUSDT", "MX-USDT": "MXUSDT"})
    return connector


def frame(name: str, **changes: Any) -> Any:
    """A documented example as MEXC sends it (protobuf bytes), decoded as the stream decodes it."""
    document = payload(name)
    body = next(key for key in document if key.startswith(("public", "private")))
    document[body].update(changes)
    return decode_push(encode_push(document))


# == (a) signing ==================================================================================

def test_signature_is_hmac_sha256_hex_over_the_query_as_sent_with_mexcs_key_header() -> None:
    # No worked example is published: the pre-image below is written out by hand from general-info
    # "SIGNED": totalParams is the query string (then the body, empty here), recvWindow and timestamp
    # included, signed with the secret key; the signature is lowercase hex, the key goes in X-MEXC-APIKEY.
    auth = MexcAuth(SecretStr("mx0vglTEST"), SecretStr(SECRET), lambda: 1644489390087, recv_window_ms=5000)
    request = RestRequest("POST", "https://api.mexc.com/api/v3/order", "/api/v3/order", is_auth_required=True,
                          params={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1",
                                  "price": "11"})
    signed = auth.rest_authenticate(request)
    pre_image = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=11&recvWindow=5000&timestamp=1644489390087"
    signature = hmac.new(SECRET.encode(), pre_image.encode(), hashlib.sha256).hexdigest()
    assert signed.url == f"https://api.mexc.com/api/v3/order?{pre_image}&signature={signature}"
    assert signature == signature.lower()
    assert signed.headers == {"X-MEXC-APIKEY": "mx0vglTEST"}
    assert SECRET not in repr(auth) and SECRET not in signed.url


def test_batch_orders_json_is_signed_percent_encoded_in_uppercase() -> None:
    # general-info "SIGNED": in batch calls, special characters are URL-encoded when signing, uppercase only.
    auth = MexcAuth(SecretStr("k"), SecretStr(SECRET), lambda: 1644489390087)
    batch = '[{"symbol":"BTCUSDT","side":"BUY"}]'
    signed = auth.rest_authenticate(RestRequest("POST", "https://h/api/v3/batchOrders", "/api/v3/batchOrders",
                                                params={"batchOrders": batch}, is_auth_required=True))
    pre_image = ("batchOrders=%5B%7B%22symbol%22%3A%22BTCUSDT%22%2C%22side%22%3A%22BUY%22%7D%5D"
                 "&recvWindow=5000&timestamp=1644489390087")
    assert signed.url.startswith(f"https://h/api/v3/batchOrders?{pre_image}&signature=")
    assert signed.url.endswith(hmac.new(SECRET.encode(), pre_image.encode(), hashlib.sha256).hexdigest())


def test_the_connector_never_shows_the_secret(conn: MexcExchange) -> None:
    assert SECRET not in repr(conn) and SECRET not in repr(conn.auth)


# == (b) the book: fromVersion/toVersion against the REST snapshot ================================

SNAPSHOT_ID = 1377043


def synced_book() -> BookSynchronizer:
    sync = BookSynchronizer("BTC-USDT", MexcOrderBookDataSource.sequence_rule)
    assert sync.on_snapshot(parse_snapshot("BTC-USDT", payload("depth_snapshot"))) is SyncResult.APPLIED
    assert sync.book.last_update_id == SNAPSHOT_ID
    return sync


def depth(conn: MexcExchange, first: int, last: int, bid: str = "41.50") -> BookMessage:
    wire = frame("aggre_depth", fromVersion=str(first), toVersion=str(last),
                 bids=[{"price": bid, "quantity": "2"}], asks=[])
    (message,) = MexcOrderBookDataSource(conn).parse("public", wire)
    assert isinstance(message, BookMessage)
    return message


def bid_prices(sync: BookSynchronizer) -> list[Decimal]:
    return [level.price for level in sync.book.bids(10)]


def test_the_versions_are_the_diffs_first_and_last_ids(conn: MexcExchange) -> None:
    assert MexcOrderBookDataSource.sequence_rule is SequenceRule.FIRST_LAST
    (message,) = MexcOrderBookDataSource(conn).parse("public", frame("aggre_depth"))
    assert isinstance(message, BookMessage)
    assert (message.first_id, message.last_id) == (10589632359, 10589632359)
    assert message.asks == [["92877.58", "0.00000000"]] and message.bids == []
    assert message.timestamp == 1736411838.730


def test_the_first_diff_may_straddle_the_snapshot_and_the_next_must_follow_on(conn: MexcExchange) -> None:
    sync = synced_book()
    assert sync.on_diff(depth(conn, SNAPSHOT_ID - 2, SNAPSHOT_ID + 3, bid="41.50")) is SyncResult.APPLIED
    assert sync.book.last_update_id == SNAPSHOT_ID + 3
    assert sync.on_diff(depth(conn, SNAPSHOT_ID + 4, SNAPSHOT_ID + 6, bid="41.60")) is SyncResult.APPLIED
    assert bid_prices(sync)[:2] == [Decimal("41.60"), Decimal("41.50")]


def test_a_diff_the_snapshot_already_covers_is_dropped(conn: MexcExchange) -> None:
    sync = synced_book()
    assert sync.on_diff(depth(conn, SNAPSHOT_ID - 5, SNAPSHOT_ID, bid="41.50")) is SyncResult.STALE
    assert Decimal("41.50") not in bid_prices(sync)


def test_a_first_diff_beyond_the_snapshot_is_a_gap_never_applied(conn: MexcExchange) -> None:
    # Step 6 of MEXC's recipe: fromVersion > lastUpdateId + 1 means the data is discontinuous.
    sync = synced_book()
    assert sync.on_diff(depth(conn, SNAPSHOT_ID + 2, SNAPSHOT_ID + 4, bid="41.50")) is SyncResult.GAP
    assert not sync.is_synced
    assert Decimal("41.50") not in bid_prices(sync)


def test_a_later_diff_that_skips_a_version_is_a_gap_never_applied(conn: MexcExchange) -> None:
    # Step 7: every push must start at the previous toVersion + 1.
    sync = synced_book()
    assert sync.on_diff(depth(conn, SNAPSHOT_ID + 1, SNAPSHOT_ID + 5, bid="41.50")) is SyncResult.APPLIED
    assert sync.on_diff(depth(conn, SNAPSHOT_ID + 7, SNAPSHOT_ID + 9, bid="41.70")) is SyncResult.GAP
    assert not sync.is_synced
    assert Decimal("41.70") not in bid_prices(sync)


# == (c) the public and private frames ============================================================

def test_public_trades_take_the_takers_side_from_trade_type(conn: MexcExchange) -> None:
    (trade,) = MexcOrderBookDataSource(conn).parse("public", frame("aggre_deals"))
    assert isinstance(trade, PublicTrade)
    assert (trade.price, trade.amount, trade.side) == (Decimal("93220.00"), Decimal("0.04438243"), TradeType.SELL)
    assert trade.timestamp == 1736409765.051
    # The documented example predates tradeId: time, price and size stand in for it.
    assert trade.trade_id == "1736409765051:93220.00:0.04438243"
    document = payload("aggre_deals")
    document["publicAggreDeals"]["deals"][0] |= {"tradeType": 1, "tradeId": "9001"}
    (bought,) = MexcOrderBookDataSource(conn).parse("public", decode_push(encode_push(document)))
    assert isinstance(bought, PublicTrade) and (bought.side, bought.trade_id) == (TradeType.BUY, "9001")


def test_control_frames_are_json_and_give_nothing(conn: MexcExchange) -> None:
    source = MexcOrderBookDataSource(conn)
    ack = {"id": 0, "code": 0, "msg": "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"}
    assert list(source.parse("public", ack)) == []
    assert source.subscription_frames("SUBSCRIPTION", "public", ["BTC-USDT"]) == [{
        "method": "SUBSCRIPTION", "params": ["spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT",
                                             "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT"]}]


def test_a_frame_that_is_not_protobuf_raises_so_the_stream_skips_it_as_malformed() -> None:
    with pytest.raises(Exception):  # noqa: B017 - protobuf's DecodeError: the stream counts any as malformed
        decode_push(b"\xff\xff\xff\xff")


def test_the_core_pool_keeps_each_socket_within_mexcs_thirty_subscriptions(conn: MexcExchange) -> None:
    source = conn.order_book_tracker._source
    assert isinstance(source, MexcOrderBookDataSource)
    assert source.max_socket_lifetime == 24 * 3600.0
    capacity = pair_capacity(source.max_subscriptions_per_socket, source.subscriptions_per_pair("public"))
    assert capacity == 15
    conn.symbols = bidict({f"C{i}-USDT": f"C{i}USDT" for i in range(capacity)})
    frames = source.subscribe_payloads("public", list(conn.symbols))
    assert sum(len(f["params"]) for f in frames) == 30


def test_private_order_deal_and_account_frames(conn: MexcExchange) -> None:
    source = MexcUserStreamDataSource(conn)
    (update,) = source.parse(frame("private_orders"))
    assert update == OrderUpdate("MX-USDT", 1736417034.259, OrderState.FILLED, None, "C02__505979017439002624115",
                                 executed_amount=Decimal("1"))
    (fill,) = source.parse(frame("private_deals"))
    assert isinstance(fill, TradeUpdate)
    assert (fill.trade_id, fill.exchange_order_id, fill.fill_price, fill.fill_base_amount, fill.fill_quote_amount) == (
        "505979017439002624X1", "C02__505979017439002624115", Decimal("3.6962"), Decimal("1"), Decimal("3.6962"))
    assert fill.fee.amount_in("MX") == Decimal("0.0003998377369698171")
    (balance,) = source.parse(frame("private_account"))
    assert balance == Balance("USDT", Decimal("21.94210356004384"), Decimal("21.94210356004384"))


@pytest.mark.parametrize(("status", "state"), [(1, OrderState.OPEN), (3, OrderState.PARTIALLY_FILLED),
                                               (4, OrderState.CANCELED), (5, OrderState.CANCELED)])
def test_private_order_statuses(conn: MexcExchange, status: int, state: OrderState) -> None:
    (update,) = MexcUserStreamDataSource(conn).parse(frame("private_orders", status=status))
    assert isinstance(update, OrderUpdate) and update.new_state is state


def test_the_subscription_ack_makes_the_user_stream_live_and_a_refusal_reconnects(conn: MexcExchange) -> None:
    source = MexcUserStreamDataSource(conn)
    assert MexcUserStreamDataSource.confirms_subscription
    assert list(source.parse({"id": 0, "code": 0, "msg": "spot@private.orders.v3.api.pb"})) == [
        StreamAction.SUBSCRIBED]
    assert list(source.parse({"id": 0, "code": 1, "msg": "Not Subscribed successfully!"})) == [
        StreamAction.RECONNECT]


# == (d) orders ===================================================================================

def order(**fields: Any) -> InFlightOrder:
    base: dict[str, Any] = {"client_order_id": "ccM1", "trading_pair": "BTC-USDT", "order_type": OrderType.LIMIT,
                            "trade_type": TradeType.BUY, "amount": Decimal("0.001"), "price": Decimal("60000"),
                            "creation_timestamp": 1.0}
    return InFlightOrder(**(base | fields))


@pytest.mark.parametrize(("fields", "expected_type"), [
    ({}, "LIMIT"),
    ({"time_in_force": TimeInForce.IOC}, "IMMEDIATE_OR_CANCEL"),
    ({"time_in_force": TimeInForce.FOK}, "FILL_OR_KILL"),
    ({"order_type": OrderType.LIMIT_MAKER}, "LIMIT_MAKER"),
])
def test_time_in_force_is_an_order_type_on_mexc(conn: MexcExchange, fields: dict[str, Any],
                                                expected_type: str) -> None:
    params = conn._order_params(order(**fields))
    assert params == {"symbol": "BTCUSDT", "side": "BUY", "type": expected_type, "newClientOrderId": "ccM1",
                      "quantity": "0.001", "price": "60000"}
    assert "timeInForce" not in params


def test_a_market_buy_by_quote_amount_sends_quote_order_qty(conn: MexcExchange) -> None:
    params = conn._order_params(order(order_type=OrderType.MARKET, price=None, quote_amount=Decimal("25.5")))
    assert params == {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "newClientOrderId": "ccM1",
                      "quoteOrderQty": "25.5"}


async def test_batch_answers_map_to_placements_and_typed_refusals(conn: MexcExchange) -> None:
    sent: list[Any] = []

    async def call(endpoint: Any, params: Any = None, data: Any = None) -> Any:
        sent.append(params)
        return payload("batch_orders")

    conn.rest.call = call  # type: ignore[method-assign]
    first, second = await conn._place_orders_batch([order(client_order_id="hio8279hbdsds"),
                                                    order(client_order_id="123456")])
    assert isinstance(first, tuple) and first[0].exchange_order_id == "1196315350023612316"
    assert isinstance(second, InvalidOrder) and second.venue_code == 30002
    assert [o["newClientOrderId"] for o in orjson.loads(sent[0]["batchOrders"])] == ["hio8279hbdsds", "123456"]


async def test_amend_is_refused_naming_the_venue(conn: MexcExchange) -> None:
    with pytest.raises(NotSupported, match="mexc"):
        await conn.amend_order("BTC-USDT", "ccM1", price=Decimal("1"))


@pytest.mark.parametrize(("code", "error"), [
    (700002, AuthenticationError), (10072, AuthenticationError), (700003, InvalidTimestamp),
    (10101, InsufficientFunds), (30004, InsufficientFunds), (30002, InvalidOrder), (30014, BadSymbol),
    (-2011, OrderNotFound), (700007, PermissionDenied), (33333, BadRequest),
])
def test_error_codes(code: int, error: type[Exception]) -> None:
    assert error_class_for(ERRORS, code, "", 400) is error
