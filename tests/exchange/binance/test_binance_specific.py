"""Binance spot specifics: documented signing vectors, book sequencing, parsers and the error table.

Payloads are the documented examples in tests/fixtures/binance (each names its doc URL).
"""

from __future__ import annotations

import copy
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from bidict import bidict
from pydantic import SecretStr
from yarl import URL

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
    BadSymbol,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    OrderNotFound,
    OrderRejected,
    RateLimitExceeded,
    RequestTimeout,
    error_class_for,
)
from clobconn.core.order_book.messages import BookMessage, PublicTrade
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.core.venue import Feature
from clobconn.core.web.auth import RestRequest, encode_query
from clobconn.core.web.numbers import fmt
from clobconn.core.web.ws import StreamAction
from clobconn.exchange.binance.auth import BinanceAuth, sign
from clobconn.exchange.binance.constants import ERRORS, SPEC
from clobconn.exchange.binance.exchange import BinanceExchange, order_update, trade_update
from clobconn.exchange.binance.order_book_data_source import (
    DEPTH_FRAMES,
    BinanceOrderBookDataSource,
    DepthUpdate,
    parse_diff,
    parse_snapshot,
)
from clobconn.exchange.binance.user_stream_data_source import BinanceUserStreamDataSource
from clobconn.testing.fixtures import FixtureSet

payload = FixtureSet(Path(__file__).parents[2] / "fixtures" / "binance").payload


# https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security (SIGNED example, HMAC)
DOC_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_PAYLOAD = ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
               "&recvWindow=5000&timestamp=1499827319559")
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
DOC_ORDER = {"symbol": "LTCBTC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1", "price": "0.1"}


def doc_auth(timestamp: int) -> BinanceAuth:
    return BinanceAuth(SecretStr(DOC_API_KEY), SecretStr(DOC_SECRET), lambda: timestamp, recv_window_ms=5000)


SECRET = "s3cr3t-value"


@pytest.fixture
def conn() -> BinanceExchange:
    connector = BinanceExchange(api_key="key", api_secret=SECRET, trading_pairs=["ETH-BTC"])
    connector.symbols = bidict({"ETH-BTC": "ETHBTC", "BNB-BTC": "BNBBTC", "LTC-BNB": "LTCBNB", "LTC-BTC": "LTCBTC",
                                "BTC-USDT": "BTCUSDT"})
    return connector


def tracked(conn: BinanceExchange, **kwargs: Any) -> InFlightOrder:
    fields: dict[str, Any] = {"client_order_id": "ccB1", "trading_pair": "ETH-BTC", "order_type": OrderType.LIMIT,
                              "trade_type": TradeType.BUY, "amount": Decimal("1"), "price": Decimal("0.05"),
                              "creation_timestamp": 1.0}
    order = InFlightOrder(**(fields | kwargs))
    conn.orders.start_tracking(order)
    return order


def calls_to(conn: BinanceExchange, answers: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Replace the connector's REST calls with answers by path (a value, or a function of the params)."""
    calls: list[tuple[str, dict[str, Any]]] = []

    async def fake_call(endpoint: Any, params: dict[str, Any] | None = None, data: Any = None) -> Any:
        calls.append((endpoint.limit_id, dict(params or {})))
        answer = answers[endpoint.path]
        return answer(params) if callable(answer) else answer

    conn.rest.call = fake_call  # type: ignore[method-assign]
    return calls


# == (a) signing ==================================================================================

def test_raw_signature_reproduces_the_documented_hmac_example() -> None:
    assert sign(DOC_SECRET, DOC_PAYLOAD) == DOC_SIGNATURE


def test_non_ascii_example_is_percent_encoded_before_signing() -> None:
    # The doc's symbol is six full-width digits, U+FF11..U+FF16.
    query = encode_query({"symbol": "\uff11\uff12\uff13\uff14\uff15\uff16", "side": "BUY", "type": "LIMIT",
                          "timeInForce": "GTC", "quantity": "1", "price": "0.1", "recvWindow": 5000,
                          "timestamp": 1499827319559})
    assert query.startswith("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY")
    assert sign(DOC_SECRET, query) == "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"


def test_rest_authenticate_reproduces_the_documented_signature_with_a_fixed_timestamp() -> None:
    request = RestRequest("POST", "https://api.binance.com/api/v3/order", "/api/v3/order", params=dict(DOC_ORDER),
                          is_auth_required=True)
    signed = doc_auth(1499827319559).rest_authenticate(request)
    assert signed.headers == {"X-MBX-APIKEY": DOC_API_KEY}
    # The finished URL, sent as it is: the signed payload followed by the signature.
    assert signed.params is None
    assert signed.url == f"https://api.binance.com/api/v3/order?{DOC_PAYLOAD}&signature={DOC_SIGNATURE}"


def test_ws_api_signature_reproduces_the_documented_example() -> None:
    # https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
    params = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01000000",
              "price": "52000.00", "recvWindow": 100}
    signed = doc_auth(1645423376532).ws_signed_params(params)
    assert signed["apiKey"] == DOC_API_KEY
    assert signed["timestamp"] == 1645423376532
    assert signed["signature"] == "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"


def test_the_connector_signs_with_its_synced_clock_and_never_shows_the_secret(conn: BinanceExchange) -> None:
    # The venue's clock runs a day ahead of ours.
    conn.time_sync.add_sample(server_time=time.time() + 86_400, sent_at=time.time(), received_at=time.time())
    assert conn.auth is not None
    signed = conn.auth.rest_authenticate(RestRequest("GET", "u", "/api/v3/account", params={}))
    timestamp = int(URL(signed.url).query["timestamp"])
    assert abs(timestamp - (time.time() + 86_400) * 1000) < 5_000
    assert SECRET not in repr(conn) and SECRET not in repr(conn.auth) and SECRET not in signed.url


# == (b) order book sequencing ====================================================================

def diff(first: int, last: int) -> BookMessage:
    event = copy.deepcopy(payload("depth_diff_event"))
    event["U"], event["u"] = first, last
    return parse_diff("BNB-BTC", event)


def synced_book() -> BookSynchronizer:
    # The doc's snapshot and diff prices are unrelated examples (they cross): sequencing is under test.
    sync = BookSynchronizer("BNB-BTC", SPEC_RULE, resync_on_crossed=False)
    assert sync.on_snapshot(parse_snapshot("BNB-BTC", payload("depth_snapshot"))) is SyncResult.APPLIED
    return sync


SPEC_RULE = BinanceExchange.order_book_data_source_class.sequence_rule
SNAPSHOT_ID = 1027024


def test_a_diff_straddling_last_update_id_is_applied() -> None:
    sync = synced_book()
    assert sync.on_diff(diff(SNAPSHOT_ID - 3, SNAPSHOT_ID + 2)) is SyncResult.APPLIED
    assert sync.book.last_update_id == SNAPSHOT_ID + 2
    assert Decimal("0.0024") in [level.price for level in sync.book.bids(5)]
    assert sync.on_diff(diff(SNAPSHOT_ID + 3, SNAPSHOT_ID + 9)) is SyncResult.APPLIED


def test_an_older_diff_is_dropped() -> None:
    sync = synced_book()
    assert sync.on_diff(diff(SNAPSHOT_ID - 10, SNAPSHOT_ID)) is SyncResult.STALE
    assert sync.book.last_update_id == SNAPSHOT_ID
    assert Decimal("0.0024") not in [level.price for level in sync.book.bids(5)]


def test_a_gap_in_update_ids_is_detected() -> None:
    sync = synced_book()
    assert sync.on_diff(diff(SNAPSHOT_ID + 1, SNAPSHOT_ID + 5)) is SyncResult.APPLIED
    assert sync.on_diff(diff(SNAPSHOT_ID + 7, SNAPSHOT_ID + 8)) is SyncResult.GAP
    assert not sync.is_synced


def test_stream_parsing_subscriptions_and_control_frames(conn: BinanceExchange) -> None:
    source = BinanceOrderBookDataSource(conn)
    (message,) = source.parse("public", payload("depth_diff_event"))
    assert isinstance(message, BookMessage)
    assert (message.trading_pair, message.first_id, message.last_id, message.prev_id) == ("BNB-BTC", 157, 160, None)
    assert message.bids == [["0.0024", "10"]] and message.asks == [["0.0026", "100"]]
    (trade,) = source.parse("public", {"stream": "bnbbtc@trade", "data": payload("trade_event")})
    assert trade == PublicTrade("BNB-BTC", "12345", Decimal("0.001"), Decimal("100"), TradeType.SELL, 1672515782.136)
    assert list(source.parse("public", payload("subscribe_response"))) == []
    assert list(source.parse("public", {"e": "depthUpdate", "s": "XYZBTC"})) == []
    first, second = source.subscribe_payloads("public", ["ETH-BTC"]), source.unsubscribe_payloads("public", ["ETH-BTC"])
    assert first == [{"method": "SUBSCRIBE", "params": ["ethbtc@depth@100ms", "ethbtc@trade"], "id": 1}]
    assert second == [{"method": "UNSUBSCRIBE", "params": ["ethbtc@depth@100ms", "ethbtc@trade"], "id": 2}]


def test_a_depth_frame_decoded_typed_parses_as_its_dict_does(conn: BinanceExchange) -> None:
    source = BinanceOrderBookDataSource(conn)
    documented = payload("depth_diff_event")
    frame = DEPTH_FRAMES(orjson.dumps(documented).decode())  # Binance's compact text, "e" first
    assert isinstance(frame, DepthUpdate)
    (typed,) = source.parse("public", frame)
    (plain,) = source.parse("public", documented)
    assert isinstance(typed, BookMessage) and isinstance(plain, BookMessage)
    assert [list(level) for level in typed.bids] == plain.bids and [list(level) for level in typed.asks] == plain.asks
    typed.bids, typed.asks = plain.bids, plain.asks
    assert typed == plain
    assert list(source.parse("public", DEPTH_FRAMES(orjson.dumps({**documented, "s": "XYZBTC"}).decode()))) == []


def test_a_depth_frame_beyond_the_documented_types_is_left_to_the_dict_path() -> None:
    # An id past 64 bits, a number where Binance sends a string: orjson's reading, then the usual checks.
    for change in ({"u": 2**63}, {"b": [["0.0024", True]]}, {"E": "1672515782136"}):
        frame = orjson.dumps({**payload("depth_diff_event"), **change}).decode()
        assert DEPTH_FRAMES(frame) == orjson.loads(frame)


async def test_public_socket_urls_follow_the_configured_hosts() -> None:
    conn = BinanceExchange(ws_url="ws://127.0.0.1:9/", trading=False)
    spec = await BinanceOrderBookDataSource(conn).connect_spec("public")
    assert spec.url == "ws://127.0.0.1:9/ws"
    user = BinanceExchange(api_key="k", api_secret="s", private_ws_url="ws://127.0.0.1:8")
    user_spec = await BinanceUserStreamDataSource(user).connect_spec()
    assert user_spec.url == "ws://127.0.0.1:8/ws-api/v3"
    assert BinanceExchange().private_ws_url == "wss://ws-api.binance.com:443"


# == (c) parsers ==================================================================================

async def test_trading_rules_from_exchange_info_filters(conn: BinanceExchange) -> None:
    info = payload("exchange_info")
    halted = copy.deepcopy(info["symbols"][0]) | {"symbol": "XRPBTC", "baseAsset": "XRP", "status": "BREAK"}
    info["symbols"].append(halted)
    calls_to(conn, {"/api/v3/exchangeInfo": info})
    rules = dict(await conn._fetch_trading_rules())
    assert set(rules) == {"ETHBTC", "BNBBTC"}
    eth = rules["ETHBTC"]
    assert eth.trading_pair == "ETH-BTC"
    assert eth.min_price_increment == Decimal("0.00000100")
    assert (eth.min_order_size, eth.max_order_size) == (Decimal("0.00100000"), Decimal("100000.00000000"))
    assert eth.min_base_amount_increment == Decimal("0.00100000")
    assert (eth.min_notional, eth.max_notional, eth.min_notional_applies_to_market) == (
        Decimal("0.00100000"), None, True)
    assert eth.supported_order_types == frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET})
    bnb = rules["BNBBTC"]
    assert (bnb.min_notional, bnb.max_notional, bnb.min_notional_applies_to_market) == (
        Decimal("10.00000000"), Decimal("10000.00000000"), False)
    assert bnb.min_market_order_size == Decimal("0.00100000")


def test_execution_report_new_is_an_order_update(conn: BinanceExchange) -> None:
    source = BinanceUserStreamDataSource(conn)
    (update,) = source.parse(payload("execution_report"))
    assert update == OrderUpdate("ETH-BTC", 1499405658.657, OrderState.OPEN, "mUvoqJxFIILMdfAW5iGSOW", "4293153",
                                 executed_amount=Decimal("0.00000000"))


def test_execution_report_trade_is_an_order_update_and_a_fill(conn: BinanceExchange) -> None:
    source = BinanceUserStreamDataSource(conn)
    update, fill = source.parse({"subscriptionId": 0, "event": payload("execution_report_trade")})
    assert isinstance(update, OrderUpdate) and isinstance(fill, TradeUpdate)
    assert (update.new_state, update.executed_amount) == (OrderState.PARTIALLY_FILLED, Decimal("2.00000000"))
    assert (fill.trade_id, fill.trading_pair, fill.client_order_id, fill.exchange_order_id) == (
        "7", "LTC-BNB", "8LGC97RRgNPVQk979VIhjt", "32")
    assert (fill.fill_price, fill.fill_base_amount, fill.fill_quote_amount) == (
        Decimal("1.00000000"), Decimal("2.00000000"), Decimal("2.00000000"))
    assert fill.fee.amount_in("BNB") == Decimal("0.00100000")
    assert fill.is_maker is False


def test_a_cancel_report_names_the_original_client_order_id(conn: BinanceExchange) -> None:
    source = BinanceUserStreamDataSource(conn)
    event = copy.deepcopy(payload("execution_report"))
    event["event"] |= {"x": "CANCELED", "X": "CANCELED", "c": "cancelRequestId", "C": "mUvoqJxFIILMdfAW5iGSOW"}
    (update,) = source.parse(event)
    assert (update.new_state, update.client_order_id) == (OrderState.CANCELED, "mUvoqJxFIILMdfAW5iGSOW")


def test_account_events_and_stream_control(conn: BinanceExchange) -> None:
    source = BinanceUserStreamDataSource(conn)
    assert list(source.parse(payload("outbound_account_position"))) == [
        Balance("ETH", Decimal("10000.000000"), Decimal("10000.000000"))]
    # A balanceUpdate is a delta; the absolute figures come in outboundAccountPosition.
    assert list(source.parse(payload("balance_update"))) == []
    # The subscription's answer is read by on_open; one arriving later changes nothing.
    assert list(source.parse(payload("ws_api_user_stream_subscribe_response"))) == []
    assert list(source.parse(payload("event_stream_terminated"))) == [StreamAction.RECONNECT]
    assert list(source.parse(payload("ws_api_error_response"))) == [StreamAction.RECONNECT]


async def test_user_stream_subscribes_with_a_signature_on_open(conn: BinanceExchange) -> None:
    sent: list[Any] = []

    class Connection:
        async def send(self, frame: Any) -> None:
            sent.append(frame)

        async def receive(self, timeout: float = 10.0) -> Any:
            return payload("ws_api_user_stream_subscribe_response")

    source = BinanceUserStreamDataSource(conn)
    await source.on_open(Connection())
    (frame,) = sent
    assert frame["method"] == "userDataStream.subscribe.signature"
    assert set(frame["params"]) == {"apiKey", "timestamp", "signature"}
    assert frame["params"]["apiKey"] == "key"


@pytest.mark.parametrize(("code", "message", "status", "raised"), [
    (-2015, "Invalid API-key, IP, or permissions for action.", 401, AuthenticationError),
    (-1022, "Signature for this request is not valid.", 400, AuthenticationError),
    # Not the credentials: the stream reconnects with its backoff.
    (-1008, "Server is currently overloaded with other requests. Please try again in a few minutes.", 503,
     ConnectionError),
])
async def test_a_refused_subscription_stops_the_stream_only_for_the_credentials(
        conn: BinanceExchange, code: int, message: str, status: int, raised: type[Exception]) -> None:
    class Connection:
        async def send(self, frame: Any) -> None:
            pass

        async def receive(self, timeout: float = 10.0) -> Any:
            return {"id": 1, "status": status, "error": {"code": code, "msg": message}}

    with pytest.raises(raised):
        await BinanceUserStreamDataSource(conn).on_open(Connection())


def test_full_order_ack_carries_its_fills(conn: BinanceExchange) -> None:
    update, fills = conn._placement("BTC-USDT", payload("order_ack_full"))
    assert (update.new_state, update.client_order_id, update.exchange_order_id) == (
        OrderState.FILLED, "6gCrw2kRUAF9CvJDGP16IP", "28")
    assert [f.trade_id for f in fills] == ["56", "57", "58", "59", "60"]
    assert sum(f.fill_base_amount for f in fills) == Decimal("10")
    assert fills[1].fill_quote_amount == Decimal("3999.00000000") * Decimal("5.00000000")
    assert fills[1].fee.amount_in("USDT") == Decimal("19.99500000")


def test_rest_order_and_trade_objects() -> None:
    cancelled = order_update("LTC-BTC", payload("cancel_order"))
    assert (cancelled.new_state, cancelled.client_order_id, cancelled.exchange_order_id) == (
        OrderState.CANCELED, "myOrder1", "4")
    queried = order_update("LTC-BTC", payload("order_query"))
    assert (queried.new_state, queried.client_order_id, queried.update_timestamp) == (
        OrderState.OPEN, "myOrder1", 1499827319.559)
    (row,) = payload("my_trades")
    fill = trade_update("BNB-BTC", row, "ccB1")
    assert (fill.trade_id, fill.exchange_order_id, fill.fill_quote_amount, fill.is_maker) == (
        "28457", "100234", Decimal("48.000012"), False)
    assert fill.fee.amount_in("BNB") == Decimal("10.10000000")


async def test_cancel_all_reports_orders_and_order_list_legs(conn: BinanceExchange) -> None:
    calls = calls_to(conn, {"/api/v3/openOrders": payload("cancel_all")})
    updates = await conn._cancel_all_orders("BTC-USDT")
    assert calls == [("DELETE /api/v3/openOrders", {"symbol": "BTCUSDT"})]
    assert [u.client_order_id for u in updates] == [
        "E6APeyTJvkMvLMYMqu1KQ4", "A3EF2HCwxgZPFMrfwbgrhv", "CwOOIPHSmYywx6jZX77TdL", "461cPg51vQjV3zIMOXNz39"]
    assert {u.new_state for u in updates} == {OrderState.CANCELED}


async def test_balances_from_account(conn: BinanceExchange) -> None:
    calls = calls_to(conn, {"/api/v3/account": payload("account")})
    balances = await conn._fetch_balances()
    assert calls == [("GET /api/v3/account", {"omitZeroBalances": "true"})]
    assert balances[0] == Balance("BTC", Decimal("4723846.89208129"), Decimal("4723846.89208129"))


def test_order_parameters_per_type(conn: BinanceExchange) -> None:
    limit = conn._order_params(tracked(conn, time_in_force=TimeInForce.IOC, amount=Decimal("1E+1")))
    assert limit == {"symbol": "ETHBTC", "side": "BUY", "type": "LIMIT", "newClientOrderId": "ccB1",
                     "newOrderRespType": "FULL", "quantity": "10", "price": "0.05", "timeInForce": "IOC"}
    maker = conn._order_params(tracked(conn, order_type=OrderType.LIMIT_MAKER))
    assert maker["type"] == "LIMIT_MAKER" and "timeInForce" not in maker
    market = conn._order_params(tracked(conn, order_type=OrderType.MARKET, price=None, quote_amount=Decimal("25")))
    assert market["quoteOrderQty"] == "25" and "quantity" not in market and "price" not in market
    assert fmt(Decimal("1E-7")) == "0.0000001"


async def test_cancel_and_status_name_the_order_by_id_once_known(conn: BinanceExchange) -> None:
    calls = calls_to(conn, {"/api/v3/order": payload("cancel_order")})
    order = tracked(conn)
    await conn._fetch_order_status(order)
    order.exchange_order_id = "4"
    await conn._cancel_order(order)
    assert calls == [("GET /api/v3/order", {"symbol": "ETHBTC", "origClientOrderId": "ccB1"}),
                     ("DELETE /api/v3/order", {"symbol": "ETHBTC", "orderId": "4"})]


async def test_amend_is_a_cancel_replace_that_sends_the_replacements_id(conn: BinanceExchange) -> None:
    conn.trading_rules = {"ETH-BTC": conn._symbol_rule(payload("exchange_info")["symbols"][0])}
    template = payload("cancel_replace")

    def answer(params: dict[str, Any]) -> Any:
        # The venue echoes the replacement's client order id.
        return template | {"newOrderResponse": template["newOrderResponse"] | {
            "clientOrderId": params["newClientOrderId"]}}

    calls = calls_to(conn, {"/api/v3/order/cancelReplace": answer})
    old = tracked(conn, exchange_order_id="9", state=OrderState.OPEN)
    new = await conn.amend_order("ETH-BTC", "ccB1", price=Decimal("0.02"))
    ((limit_id, params),) = calls
    assert limit_id == "POST /api/v3/order/cancelReplace"
    assert params["cancelReplaceMode"] == "STOP_ON_FAILURE"
    assert (params["cancelOrderId"], params["price"], params["quantity"]) == ("9", "0.02000000", "1.00000000")
    assert params["newClientOrderId"] == new.client_order_id != old.client_order_id
    assert old.state is OrderState.CANCELED
    assert (new.state, new.exchange_order_id) == (OrderState.OPEN, "10")


# == (d) errors ===================================================================================

@pytest.mark.parametrize(("code", "message", "expected"), [
    (-1021, "Timestamp for this request is outside of the recvWindow.", InvalidTimestamp),
    (-1003, "Too much request weight used", RateLimitExceeded),
    (-1007, "Timeout waiting for response from backend server. Send status unknown", RequestTimeout),
    (-1013, "Filter failure: LOT_SIZE", InvalidOrder),
    (-1121, "Invalid symbol.", BadSymbol),
    (-2010, "Account has insufficient balance for requested action.", InsufficientFunds),
    (-2010, "Duplicate order sent.", DuplicateClientOrderId),
    (-2010, "Order would immediately match and take.", OrderRejected),
    (-2011, "Unknown order sent.", OrderNotFound),
    (-2013, "Order does not exist.", OrderNotFound),
    (-2015, "Invalid API-key, IP, or permissions for action.", AuthenticationError),
    (-1022, "Signature for this request is not valid.", AuthenticationError),
])
def test_error_codes_map_to_typed_errors(code: int, message: str, expected: type) -> None:
    assert error_class_for(ERRORS, code, message, 400) is expected


@pytest.mark.parametrize(("fixture", "expected"), [
    ("error_insufficient_balance", InsufficientFunds),
    ("error_invalid_symbol", BadSymbol),
    ("error_unknown_order", OrderNotFound),
    # cancelReplace: the failing step's nested error decides.
    ("cancel_replace_failure", OrderNotFound),
    ("cancel_replace_partial_failure", OrderRejected),
])
def test_documented_error_bodies_map_to_typed_errors(conn: BinanceExchange, fixture: str, expected: type) -> None:
    extracted = conn._extract_error(400, payload(fixture))
    assert extracted is not None
    code, message = extracted
    assert error_class_for(ERRORS, code, message, 400) is expected


def test_spec_features_and_client_order_ids() -> None:
    assert {Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.MARKET_QUOTE_AMOUNT} <= SPEC.features
    assert Feature.BATCH_ORDERS not in SPEC.features
    client_id = SPEC.client_order_id.generate(TradeType.BUY)
    assert 0 < len(client_id) <= 36 and client_id.isalnum()
