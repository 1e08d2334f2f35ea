"""HashKey Global specifics: the signing pre-image, snapshot-only books, stream frames and the error table.

Payloads are the documented shapes in tests/fixtures/hashkey/conformance (each names its doc URL).
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeUpdate
from clobconn.core.errors import AuthenticationError, BadRequest, OrderNotFound, error_class_for
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.hashkey.auth import HashkeyAuth
from clobconn.exchange.hashkey.constants import ERRORS, HEARTBEAT
from clobconn.exchange.hashkey.exchange import HashkeyExchange
from clobconn.exchange.hashkey.order_book_data_source import HashkeyOrderBookDataSource
from clobconn.exchange.hashkey.user_stream_data_source import HashkeyUserStreamDataSource
from clobconn.testing.fixtures import FixtureSet

fixtures = FixtureSet(Path(__file__).parents[2] / "fixtures" / "hashkey" / "conformance")
SECRET = "hk-secret-NEVER-LOGGED"


def make_conn() -> HashkeyExchange:
    conn = HashkeyExchange(api_key="hk-key", api_secret=SECRET, trading_pairs=["BTC-USDT"])
    conn.symbols = bidict({"BTC-USDT": "BTCUSDT"})
    return conn


def test_signature_is_hmac_sha256_hex_over_the_query_written_out_by_hand() -> None:
    # authentication-1: totalParams = query string + body; timestamp (ms) and recvWindow join the
    # parameters before signing; the signature is appended; the key rides in X-HK-APIKEY.
    auth = HashkeyAuth(SecretStr("hk-key"), SecretStr(SECRET), lambda: 1671880913657, recv_window_ms=5000)
    request = RestRequest("POST", "https://api-glb.hashkey.com/api/v1.1/spot/order", "/api/v1.1/spot/order",
                          params={"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "price": "17001",
                                  "quantity": "1", "newClientOrderId": "pl12241234567898"})
    signed = auth.rest_authenticate(request)
    pre_image = ("symbol=BTCUSDT&side=SELL&type=LIMIT&price=17001&quantity=1&newClientOrderId=pl12241234567898"
                 "&recvWindow=5000&timestamp=1671880913657")
    expected = hmac.new(SECRET.encode(), pre_image.encode(), hashlib.sha256).hexdigest()
    assert signed.url == f"https://api-glb.hashkey.com/api/v1.1/spot/order?{pre_image}&signature={expected}"
    assert signed.headers == {"X-HK-APIKEY": "hk-key"}
    assert SECRET not in repr(auth) and "hk-key" not in repr(auth)


def test_every_depth_frame_is_a_snapshot_that_replaces_the_book_and_an_older_one_is_ignored() -> None:
    source = HashkeyOrderBookDataSource(make_conn())
    sync = BookSynchronizer("BTC-USDT", source.sequence_rule)
    assert source.sequence_rule is SequenceRule.NONE

    def frame(time_ms: int, bids: list[list[str]], asks: list[list[str]]) -> object:
        return fixtures.payload("snapshot", {"symbol": "BTCUSDT", "update_id": time_ms, "timestamp_ms": time_ms,
                                             "bids": bids, "asks": asks})

    first, = source.parse("public", frame(1688199202314, [["30000", "1"], ["29990", "2"]], [["30010", "1"]]))
    assert first.type is BookMessageType.SNAPSHOT and first.last_id == 1688199202314
    assert sync.on_snapshot(first) is SyncResult.APPLIED
    # The next frame is the whole book: 29990 is gone because it is absent, not because of a zero size.
    newer, = source.parse("public", frame(1688199202414, [["30001", "0.5"]], [["30011", "2"]]))
    assert sync.on_snapshot(newer) is SyncResult.APPLIED
    assert [tuple(level) for level in sync.book.bids()] == [(Decimal("30001"), Decimal("0.5"))]
    # A late frame stamped before the book's is not allowed to roll it back.
    late, = source.parse("public", frame(1688199202364, [["29000", "9"]], [["29500", "9"]]))
    assert sync.on_snapshot(late) is SyncResult.STALE
    assert sync.book.best_bid == Decimal("30001") and sync.book.last_update_id == 1688199202414


def test_subscriptions_name_one_topic_each_with_the_symbols_comma_separated() -> None:
    conn = make_conn()
    conn.symbols = bidict({"BTC-USDT": "BTCUSDT", "ETH-USDT": "ETHUSDT"})
    source = HashkeyOrderBookDataSource(conn)
    assert source.subscribe_payloads("public", ["BTC-USDT", "ETH-USDT"]) == [
        {"symbol": "BTCUSDT,ETHUSDT", "topic": "depth", "event": "sub", "params": {"binary": False}},
        {"symbol": "BTCUSDT,ETHUSDT", "topic": "trade", "event": "sub", "params": {"binary": False}},
    ]
    assert source.unsubscribe_payloads("public", ["BTC-USDT"])[0]["event"] == "cancel"


def test_pings_carry_the_time_and_the_private_socket_pings_are_answered() -> None:
    assert callable(HEARTBEAT.app_ping_payload)
    assert set(HEARTBEAT.app_ping_payload()) == {"ping"}
    assert HEARTBEAT.reply_to is not None and HEARTBEAT.is_pong is not None
    assert HEARTBEAT.reply_to({"ping": 1748504490208, "channelId": "02ac86"}) == {"pong": 1748504490208}
    assert HEARTBEAT.reply_to({"pong": 1748503865406}) is None
    assert HEARTBEAT.is_pong({"pong": 1748503865406})


def test_a_private_frame_is_an_array_of_events_each_parsed() -> None:
    stream = HashkeyUserStreamDataSource(make_conn())
    values = {"symbol": "BTCUSDT", "client_order_id": "cc1", "exchange_order_id": "1470930457684189696",
              "side": "BUY", "amount": "1", "price": "100", "venue_state": "PARTIALLY_FILLED", "cum_amount": "0.4",
              "cum_quote": "40", "fill_amount": "0.4", "fill_price": "100", "fee": "0.0004", "fee_asset": "BTC",
              "trade_id": "1470930841345513729", "timestamp_ms": 1668693440976, "asset": "USDT",
              "available": "900.25", "locked": "100.25"}
    fill = fixtures.payload("user_fill", values)
    balance = fixtures.payload("user_balance", values)
    ticket = {"e": "ticketInfo", "E": "1668693440976", "s": "BTCUSDT", "q": "0.4", "t": "1668693440899", "p": "100",
              "T": "1470930841345513729", "o": "1470930457684189696", "c": "cc1", "a": "10086", "m": True, "S": "BUY"}
    items = list(stream.parse([*fill, ticket, *balance]))
    update, trade, cash = items
    assert isinstance(update, OrderUpdate) and update.new_state is OrderState.PARTIALLY_FILLED
    assert isinstance(trade, TradeUpdate) and trade.trade_id == "1470930841345513729"
    assert trade.fill_base_amount == Decimal("0.4") and trade.fee.flat_fees[0].amount == Decimal("0.0004")
    assert cash == Balance("USDT", Decimal("1000.50"), Decimal("900.25"))


def test_code_0001_is_a_bad_signature_or_a_bad_field_by_its_message() -> None:
    assert error_class_for(ERRORS, "0001", "Incorrect signature", 400) is AuthenticationError
    assert error_class_for(ERRORS, "0001", "Required field 'quantity' missing or invalid", 400) is BadRequest
    assert error_class_for(ERRORS, "0211", "Order not found", 400) is OrderNotFound
