"""What only Bybit's protocol has: its signing pre-images, the WS auth frame, and book sequencing by ``u``.

The v5 guide (https://bybit-exchange.github.io/docs/v5/guide#create-a-request) shows the strings to
sign but not the secret behind its example signatures, so the signatures here are checked against
those pre-images written out by hand.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

import orjson
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, OrderUpdate, TradeUpdate
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.bybit.auth import BybitAuth
from clobconn.exchange.bybit.order_book_data_source import parse_book, parse_trade
from clobconn.exchange.bybit.parsers import parse_coin, parse_fill_event
from clobconn.testing.fixtures import FixtureSet

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "bybit")
SECRET = "bybit-test-secret"


def hmac_hex(pre_image: str) -> str:
    return hmac.new(SECRET.encode(), pre_image.encode(), hashlib.sha256).hexdigest()


def auth_at(millis: int) -> BybitAuth:
    return BybitAuth(SecretStr("XXXXXXXXXX"), SecretStr(SECRET), lambda: millis)


def test_get_signature_covers_timestamp_key_window_and_query_string() -> None:
    request = RestRequest("GET", "https://api.bybit.com/v5/order/realtime", "/v5/order/realtime",
                          params={"category": "option", "symbol": "BTC-29JUL22-25000-C"}, is_auth_required=True)
    signed = auth_at(1658384314791).rest_authenticate(request)
    # The guide's GET pre-image, character for character.
    assert signed.headers["X-BAPI-SIGN"] == hmac_hex(
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C")
    assert signed.url == "https://api.bybit.com/v5/order/realtime?category=option&symbol=BTC-29JUL22-25000-C"
    assert signed.params is None
    assert signed.headers["X-BAPI-API-KEY"] == "XXXXXXXXXX"
    assert signed.headers["X-BAPI-TIMESTAMP"] == "1658384314791"
    assert signed.headers["X-BAPI-RECV-WINDOW"] == "5000"


def test_post_signature_covers_the_json_body_sent() -> None:
    request = RestRequest("POST", "https://api.bybit.com/v5/order/create", "/v5/order/create",
                          data={"category": "option"}, is_auth_required=True)
    signed = auth_at(1658385579423).rest_authenticate(request)
    # The guide's POST pre-image; the body is the compact JSON actually sent (the guide's has a space).
    assert signed.data == '{"category":"option"}'
    assert signed.headers["X-BAPI-SIGN"] == hmac_hex('1658385579423XXXXXXXXXX5000{"category":"option"}')
    assert signed.headers["Content-Type"] == "application/json"


def test_ws_auth_frame_signs_get_realtime_and_expires() -> None:
    frame = auth_at(1662350390000).ws_login_payload()
    expires = 1662350400000  # the clock plus ten seconds, an integer of milliseconds as in the docs
    assert frame == {"op": "auth", "args": ["XXXXXXXXXX", expires, hmac_hex(f"GET/realtime{expires}")]}
    assert orjson.loads(orjson.dumps(frame))["args"][1] == expires


def test_auth_repr_names_no_secret() -> None:
    assert SECRET not in repr(auth_at(0)) and "XXXXXXXXXX" not in repr(auth_at(0))


def book(update_id: int, kind: str, bids: list[list[str]], asks: list[list[str]]) -> dict[str, object]:
    return {"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1687940967466,
            "data": {"s": "BTCUSDT", "b": bids, "a": asks, "u": update_id, "seq": 1}}


def test_documented_snapshot_and_delta_parse() -> None:
    snapshot = parse_book("BTC-USDT", FIXTURES.payload("orderbook_snapshot"))
    assert snapshot.type is BookMessageType.SNAPSHOT and snapshot.last_id == 18521288
    assert snapshot.bids == [["16493.50", "0.006"], ["16493.00", "0.100"]]
    delta = parse_book("BTC-USDT", FIXTURES.payload("orderbook_delta"))
    assert delta.type is BookMessageType.DIFF and delta.last_id == 177400507
    assert delta.timestamp == 1687940967.466 and ["30240.00", "0"] in delta.bids


def test_deltas_apply_in_u_order_and_zero_sizes_delete() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.SEQUENCE)
    assert sync.on_snapshot(parse_book("BTC-USDT", book(100, "snapshot", [["10.0", "1"], ["9.5", "2"]],
                                                        [["10.5", "1"]]))) is SyncResult.APPLIED
    assert sync.on_diff(parse_book("BTC-USDT", book(101, "delta", [["9.5", "0"], ["10.1", "3"]], []))) \
        is SyncResult.APPLIED
    assert sync.on_diff(parse_book("BTC-USDT", book(101, "delta", [["10.2", "9"]], []))) is SyncResult.STALE
    assert [(p, s) for p, s in sync.book.bids()] == [(Decimal("10.1"), Decimal("3")), (Decimal("10.0"), Decimal("1"))]
    assert sync.book.last_update_id == 101


def test_a_missing_u_is_a_gap() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.SEQUENCE)
    sync.on_snapshot(parse_book("BTC-USDT", book(100, "snapshot", [["10.0", "1"]], [["10.5", "1"]])))
    assert sync.on_diff(parse_book("BTC-USDT", book(102, "delta", [["10.1", "1"]], []))) is SyncResult.GAP
    assert not sync.is_synced and sync.gaps == 1


def test_a_new_snapshot_resets_the_book_even_with_a_lower_u() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.SEQUENCE)
    sync.on_snapshot(parse_book("BTC-USDT", book(500, "snapshot", [["10.0", "1"], ["9.0", "1"]], [["11.0", "1"]])))
    sync.on_snapshot(parse_book("BTC-USDT", book(40, "snapshot", [["8.0", "2"]], [["8.5", "2"]])))
    assert [str(level.price) for level in sync.book.bids()] == ["8.0"]
    assert sync.book.last_update_id == 40
    assert sync.on_diff(parse_book("BTC-USDT", book(41, "delta", [["8.1", "1"]], []))) is SyncResult.APPLIED


def test_u_equal_one_after_a_restart_replaces_the_book() -> None:
    # A restarted service numbers from 1 again; that message overwrites the book whatever its type.
    restart = parse_book("BTC-USDT", book(1, "delta", [["7.0", "1"]], [["7.5", "1"]]))
    assert restart.type is BookMessageType.SNAPSHOT
    sync = BookSynchronizer("BTC-USDT", SequenceRule.SEQUENCE)
    sync.on_snapshot(parse_book("BTC-USDT", book(900, "snapshot", [["10.0", "1"]], [["10.5", "1"]])))
    sync.on_snapshot(restart)
    assert sync.book.best_bid == Decimal("7.0") and sync.book.last_update_id == 1
    assert sync.on_diff(parse_book("BTC-USDT", book(2, "delta", [["7.1", "1"]], []))) is SyncResult.APPLIED


def test_public_trade_taker_side_and_id() -> None:
    trade = parse_trade("BTC-USDT", FIXTURES.payload("public_trade")["data"][0])
    assert trade.trade_id == "20f43950-d8dd-5b31-9112-a178eb6023af"
    assert trade.price == Decimal("16578.50") and trade.amount == Decimal("0.001")
    assert trade.side.value == "BUY" and trade.timestamp == 1672304486.865


def test_documented_execution_is_a_fill_of_a_filled_order() -> None:
    row = FIXTURES.payload("execution_event")["data"][0]
    update, fill = parse_fill_event("BTC-USDT", row, "USDT")
    assert isinstance(update, OrderUpdate) and isinstance(fill, TradeUpdate)
    # leavesQty "0": nothing is left, so the order is filled.
    assert update.new_state is OrderState.FILLED and update.exchange_order_id == row["orderId"]
    assert update.client_order_id is None  # the example's orderLinkId is ""
    assert fill.trade_id == "0ab1bdf7-4219-438b-b30a-32ec863018f7" and fill.is_maker is False
    assert (fill.fill_price, fill.fill_base_amount, fill.fill_quote_amount) == (
        Decimal("95900.1"), Decimal("0.5"), Decimal("47950.05"))
    assert fill.fee.amount_in("USDT") == Decimal("26.3725275") and fill.fill_timestamp == 1746270400.353
    partial = parse_fill_event("BTC-USDT", {**row, "leavesQty": "0.2"}, "USDT")[0]
    assert isinstance(partial, OrderUpdate) and partial.new_state is OrderState.PARTIALLY_FILLED
    # Without leavesQty the fill alone is reported: no state is guessed.
    assert [type(item) for item in parse_fill_event("BTC-USDT", {**row, "leavesQty": ""}, "USDT")] == [TradeUpdate]


def test_documented_wallet_coin_with_empty_margin_fields() -> None:
    coin = FIXTURES.payload("wallet_event")["data"][0]["coin"][0]
    balance = parse_coin(coin)
    assert balance.asset == "BTC" and balance.total == Decimal("0.00102964")
    assert balance.available == Decimal("0.00102964")
    assert parse_coin({**coin, "locked": "0.0001", "totalOrderIM": "0.00002"}).available == Decimal("0.00090964")
