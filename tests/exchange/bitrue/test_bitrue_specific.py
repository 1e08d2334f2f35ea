"""Bitrue specifics: the documented signing example, whole-book depth pushes, gzip frames, the listen
key's own host, and the stream's numeric events. Payloads are the examples of
https://github.com/Bitrue-exchange/Spot-official-api-docs (the conformance fixtures name their anchors).
"""

from __future__ import annotations

import gzip
from decimal import Decimal

import orjson
import pytest
from pydantic import SecretStr

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeUpdate
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    InsufficientFunds,
    InvalidTimestamp,
    OrderNotFound,
    error_class_for,
)
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.core.registry import get_connector
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.ws import Compression, decompress
from clobconn.exchange.bitrue.auth import BitrueAuth
from clobconn.exchange.bitrue.constants import (
    ERRORS,
    USER_HEARTBEAT,
    reply_to_market_ping,
    reply_to_user_ping,
    user_keepalive,
)
from clobconn.exchange.bitrue.order_book_data_source import BitrueOrderBookDataSource, parse_depth, symbol_of_channel
from clobconn.exchange.bitrue.parsers import parse_balance_event, parse_order_event
from clobconn.exchange.bitrue.user_stream_data_source import BitrueUserStreamDataSource

# "SIGNED Endpoint Examples for POST /api/v1/order", example 1 (as a query string).
DOC_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_QUERY = ("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
             "&timestamp=1499827319559")
DOC_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

# "Response of DEPTH message pushing".
DOC_DEPTH = {"ts": 1663815268584, "channel": "market_btcusdt_simple_depth_step0",
             "tick": {"buys": [["18619.40", "0.0013"], ["1000.00", "0.0020"]],
                      "asks": [["18620.32", "0.0220"], ["606500.00", "0.0001"]]}}
# "Order Update": the order event example.
DOC_ORDER_EVENT = {
    "e": "executionReport", "I": "209818131719847936", "E": 1499405658658, "u": 123456, "s": "ETHBTC",
    "c": "mUvoqJxFIILMdfAW5iGSOW", "S": 1, "o": 1, "q": "1.00000000", "p": "0.10264410", "x": 1, "X": 1,
    "i": 4293153, "l": "0.00000000", "L": "0.00000000", "n": "0", "N": None, "T": 1499405658657, "t": -1,
    "O": 1499405658657, "z": "0.00000000", "Y": "0.00000000", "C": "test"}


def test_signature_reproduces_the_documented_query_string_example() -> None:
    auth = BitrueAuth(SecretStr(DOC_KEY), SecretStr(DOC_SECRET), lambda: 1499827319559, recv_window_ms=5000)
    params = {"symbol": "LTCBTC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1",
              "price": "0.1"}
    request = auth.rest_authenticate(RestRequest("POST", "https://openapi.bitrue.com/api/v1/order",
                                                 "/api/v1/order", params=params))
    assert request.url == f"https://openapi.bitrue.com/api/v1/order?{DOC_QUERY}&signature={DOC_SIGNATURE}"
    assert request.headers == {"X-MBX-APIKEY": DOC_KEY}
    assert DOC_SECRET not in repr(auth) and DOC_KEY not in repr(auth)


def test_the_documented_depth_push_is_a_whole_book_stamped_with_its_ts() -> None:
    assert symbol_of_channel(DOC_DEPTH["channel"]) == "BTCUSDT"
    assert symbol_of_channel("market_btcusdt_depth_step1") is None
    message = parse_depth("BTC-USDT", DOC_DEPTH)
    assert message.type is BookMessageType.SNAPSHOT and message.last_id == 1663815268584
    assert message.timestamp == pytest.approx(1663815268.584)
    sync = BookSynchronizer("BTC-USDT", BitrueOrderBookDataSource.sequence_rule)
    assert sync.on_snapshot(message) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("18619.40") and sync.book.best_ask == Decimal("18620.32")
    # The next push replaces everything; a late, older one changes nothing.
    newer = {**DOC_DEPTH, "ts": DOC_DEPTH["ts"] + 100, "tick": {"buys": [["18600.00", "1"]], "asks": []}}
    assert sync.on_snapshot(parse_depth("BTC-USDT", newer)) is SyncResult.APPLIED
    assert [level.price for level in sync.book.bids()] == [Decimal("18600.00")] and not sync.book.asks()
    assert sync.on_snapshot(message) is SyncResult.STALE
    assert sync.book.best_bid == Decimal("18600.00") and sync.book.last_update_id == 1663815268684


def test_market_frames_are_gzip_and_the_venue_ping_is_answered() -> None:
    frame = gzip.compress(orjson.dumps(DOC_DEPTH))
    assert orjson.loads(decompress(frame, Compression.GZIP)) == DOC_DEPTH
    assert reply_to_market_ping({"ping": "1663815268584"}) == {"pong": "1663815268584"}
    assert reply_to_market_ping(DOC_DEPTH) is None
    assert reply_to_user_ping({"event": "ping", "ts": "1635221621062"}) == {"event": "pong", "ts": "1635221621062"}
    # Our own keep-alive on the user socket, within the venue's 10 minutes.
    assert USER_HEARTBEAT.app_ping is not None and USER_HEARTBEAT.app_ping < 600
    keepalive = user_keepalive()
    assert keepalive["event"] == "pong" and keepalive["ts"].isdigit()


async def test_public_socket_is_gzip_and_subscribes_per_symbol() -> None:
    conn = get_connector("bitrue", trading_pairs=["BTC-USDT"])
    conn.symbols["BTC-USDT"] = "BTCUSDT"
    source = BitrueOrderBookDataSource(conn)
    spec = await source.connect_spec("public")
    assert spec.url == "wss://ws.bitrue.com/market/ws" and spec.compression is Compression.GZIP
    assert source.subscribe_payloads("public", ["BTC-USDT"]) == [
        {"event": "sub", "params": {"cb_id": "btcusdt", "channel": "market_btcusdt_simple_depth_step0"}}]
    assert source.unsubscribe_payloads("public", ["BTC-USDT"])[0]["event"] == "unsub"
    assert list(source.parse("public", {"channel": "market_btcusdt_simple_depth_step0", "cb_id": "btcusdt",
                                        "event_rep": "subed", "status": "ok", "ts": 1663815268584})) == []
    await conn.rest.close()


def test_the_listen_key_lives_on_its_own_host_unless_the_connector_is_pointed_elsewhere() -> None:
    live = get_connector("bitrue", api_key="k", api_secret="s")
    assert BitrueUserStreamDataSource(live).key_host() == "https://open.bitrue.com"
    assert live.rest_url == "https://openapi.bitrue.com" and live.private_ws_url == "wss://wsapi.bitrue.com"
    mocked = get_connector("bitrue", api_key="k", api_secret="s", rest_url="http://127.0.0.1:9")
    assert BitrueUserStreamDataSource(mocked).key_host() == "http://127.0.0.1:9"
    assert BitrueUserStreamDataSource.key_from({"msg": "succ", "code": 200, "data": {"listenKey": "abc"}},
                                               "listenKey") == "abc"
    with pytest.raises(ConnectionError):
        BitrueUserStreamDataSource.key_from({"msg": "fail", "code": -1022}, "listenKey")


def test_the_documented_order_event_reads_its_numeric_fields() -> None:
    [update] = parse_order_event("ETH-BTC", DOC_ORDER_EVENT)
    assert isinstance(update, OrderUpdate)
    # C is the id we sent; c is the venue's.
    assert (update.client_order_id, update.exchange_order_id, update.new_state) == ("test", "4293153", OrderState.OPEN)
    fill = {**DOC_ORDER_EVENT, "x": 3, "X": 3, "l": "0.4", "L": "0.1026", "n": "0.0001", "N": "eth", "t": 77,
            "z": "0.4"}
    update, trade = parse_order_event("ETH-BTC", fill)
    assert isinstance(update, OrderUpdate) and update.new_state is OrderState.PARTIALLY_FILLED
    assert isinstance(trade, TradeUpdate) and trade.trade_id == "77"
    assert trade.fill_quote_amount == Decimal("0.04104") and trade.fee.flat_fees[0].token == "ETH"


def test_a_balance_entry_missing_free_or_locked_keeps_the_last_known_one() -> None:
    # Hummingbot saw trades send entries with only F or only L; the docs' example has both.
    known = {"USDT": Balance("USDT", Decimal("40"), Decimal("30")), "ETH": Balance("ETH", Decimal("1"), Decimal("1"))}
    event = {"e": "BALANCE", "x": "OutboundAccountPositionTradeEvent", "E": 1704524454000, "B": [
        {"a": "usdt", "F": "33.18", "T": 1704524454000, "f": "13.30", "t": 0},
        {"a": "eth", "T": 0, "L": "0.25", "l": "-0.006", "t": 1704524454000},
        {"a": "btr", "L": "1", "T": 0}]}
    assert parse_balance_event(event, known.get) == [Balance("USDT", Decimal("43.18"), Decimal("33.18")),
                                                     Balance("ETH", Decimal("1.25"), Decimal("1"))]


@pytest.mark.parametrize(("code", "message", "expected"), [
    (-1022, "Invalid signature or Invalid timestamp or Unauthorized for API.", AuthenticationError),
    (-1022, "Timestamp for this request is outside of the recvWindow.", InvalidTimestamp),
    (-1102, "Mandatory parameter is missing or illegal.", BadRequest),
    (-1121, "Invalid symbol name given.", BadSymbol),
    (-2010, "Order placement rejected: insufficient balance.", InsufficientFunds),
    (-2013, "Could not find order information for given order ID.", OrderNotFound),
])
def test_error_table(code: int, message: str, expected: type[Exception]) -> None:
    assert error_class_for(ERRORS, code, message, 400) is expected
