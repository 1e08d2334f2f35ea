"""OKX specifics: signing, the login frame, book sequencing and the checksum, from the v5 docs.

OKX documents the signing pre-image but no signature for a known secret, so the pre-images below are
written out by hand from the rules (#overview-rest-authentication-signature) and the expected value is
base64(HMAC-SHA256) computed here. The checksum examples (#...-ws-order-book-channel, "Calculate
Checksum") give the checked strings, which are matched exactly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from datetime import UTC, datetime
from decimal import Decimal

from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, OrderUpdate, TradeUpdate
from clobconn.core.errors import InsufficientFunds, OrderNotFound, error_class_for
from clobconn.core.order_book.checksums import interleaved_levels, signed_crc32
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.ws import StreamAction
from clobconn.exchange.okx.auth import OkxAuth, iso_timestamp
from clobconn.exchange.okx.constants import ERRORS
from clobconn.exchange.okx.exchange import OkxExchange, parse_instrument
from clobconn.exchange.okx.order_book_data_source import (
    OkxOrderBookDataSource,
    book_checksum,
    parse_book,
)
from clobconn.exchange.okx.user_stream_data_source import OkxUserStreamDataSource

# The docs' example secret and timestamp (#overview-rest-authentication-signature); key and passphrase ours.
DOC_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
DOC_TS = "2020-12-08T09:08:57.715Z"
DOC_TS_MS = int(datetime(2020, 12, 8, 9, 8, 57, 715000, tzinfo=UTC).timestamp() * 1000)
KEY, PASSPHRASE = "okx-test-key", "okx-test-passphrase"


def b64_hmac(pre_image: str) -> str:
    return base64.b64encode(hmac.new(DOC_SECRET.encode(), pre_image.encode(), hashlib.sha256).digest()).decode()


def doc_auth(demo: bool = False) -> OkxAuth:
    return OkxAuth(SecretStr(KEY), SecretStr(DOC_SECRET), SecretStr(PASSPHRASE), lambda: DOC_TS_MS, demo)


def test_timestamp_is_iso_8601_utc_with_milliseconds() -> None:
    assert iso_timestamp(DOC_TS_MS) == DOC_TS
    assert iso_timestamp(1_700_000_000_007) == "2023-11-14T22:13:20.007Z"


def test_get_signature_covers_the_query_as_part_of_the_path() -> None:
    # The docs' own example: sign(timestamp + 'GET' + '/api/v5/account/balance?ccy=BTC').
    request = doc_auth().rest_authenticate(RestRequest("GET", "https://h/api/v5/account/balance",
                                                       "/api/v5/account/balance", params={"ccy": "BTC"}))
    assert request.url == "https://h/api/v5/account/balance?ccy=BTC" and request.params is None
    assert request.headers == {
        "OK-ACCESS-KEY": KEY, "OK-ACCESS-TIMESTAMP": DOC_TS, "OK-ACCESS-PASSPHRASE": PASSPHRASE,
        "OK-ACCESS-SIGN": b64_hmac("2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"),
    }
    # Computed once with Python's hashlib from the pre-image above; pinned so an encoding change cannot pass.
    assert request.headers["OK-ACCESS-SIGN"] == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="


def test_post_signature_covers_the_body_sent() -> None:
    # The docs' body example, sent and signed as compact JSON.
    body = {"instId": "BTC-USDT", "lever": "5", "mgnMode": "isolated"}
    request = doc_auth().rest_authenticate(RestRequest("POST", "https://h/api/v5/account/set-leverage",
                                                       "/api/v5/account/set-leverage", data=body))
    sent = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'
    assert request.data == sent and request.headers["Content-Type"] == "application/json"
    assert request.headers["OK-ACCESS-SIGN"] == b64_hmac(f"{DOC_TS}POST/api/v5/account/set-leverage{sent}")


def test_demo_trading_adds_the_simulated_trading_header() -> None:
    request = doc_auth(demo=True).rest_authenticate(RestRequest("GET", "https://h/x", "/x"))
    assert request.headers["x-simulated-trading"] == "1"
    conn = OkxExchange(api_key="k", api_secret="s", passphrase="p", domain="demo")
    assert conn.is_demo and conn.rest_url == "https://openapi.okx.com" and conn.ws_url == "wss://wspap.okx.com:8443"


def test_login_frame_signs_get_users_self_verify_in_seconds() -> None:
    frame = doc_auth().ws_login_payload()
    timestamp = str(DOC_TS_MS // 1000)
    assert frame == {"op": "login", "args": [{
        "apiKey": KEY, "passphrase": PASSPHRASE, "timestamp": timestamp,
        "sign": b64_hmac(f"{timestamp}GET/users/self/verify")}]}


def test_auth_repr_names_no_secret() -> None:
    text = repr(doc_auth())
    assert KEY not in text and DOC_SECRET not in text and PASSPHRASE not in text


# == checksum (#order-book-trading-market-data-ws-order-book-channel, "Calculate Checksum") ======

def test_checksum_strings_match_the_documented_examples() -> None:
    more = interleaved_levels([["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]],
                           [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]], 25)
    assert more == "3366.1:7:3366.8:9:3366:6:3368:8"
    fewer = interleaved_levels([["3366.1", "7", "0", "3"]],
                            [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"], ["3372", "8", "3", "4"]], 25)
    assert fewer == "3366.1:7:3366.8:9:3368:8:3372:8"


def test_checksum_is_a_signed_crc32_of_the_book_as_the_venue_wrote_it() -> None:
    book = OrderBook("BTC-USDT", keep_raw_strings=True)
    book.apply_snapshot([["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]],
                        [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]], 1)
    unsigned = zlib.crc32(b"3366.1:7:3366.8:9:3366:6:3368:8")
    assert unsigned >= 2**31 and book_checksum(book) == unsigned - 2**32 == -1881014294
    assert signed_crc32("3366.1:7:3366.8:9:3368:8:3372:8") == 831078360


def test_checksum_takes_25_levels_a_side() -> None:
    bids = [[f"{1000 - i}.5", "1", "0", "1"] for i in range(30)]
    asks = [[f"{2000 + i}.25", "2", "0", "1"] for i in range(26)]
    expected = ":".join(f"{1000 - i}.5:1:{2000 + i}.25:2" for i in range(25))
    assert interleaved_levels(bids, asks, 25) == expected


# == sequencing (#order-book-trading-market-data-ws-order-book-channel, "Sequence ID") ============

def update(prev: int, seq: int, bids: list[list[str]] | None = None, checksum: int = 0) -> dict[str, object]:
    return {"asks": [], "bids": bids or [], "ts": "1597026383085", "checksum": checksum, "prevSeqId": prev,
            "seqId": seq}


def test_documented_sequence_example_snapshot_update_heartbeat_reset() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.PREV_CHAIN, checksum=book_checksum)
    snapshot = parse_book("BTC-USDT", "snapshot", {
        "asks": [["8476.98", "415", "0", "13"]], "bids": [["8476.97", "256", "0", "12"]], "ts": "1597026383085",
        "checksum": signed_crc32("8476.97:256:8476.98:415"), "prevSeqId": -1, "seqId": 10})
    assert snapshot.type is BookMessageType.SNAPSHOT and snapshot.prev_id == -1 and snapshot.timestamp == 1597026383.085
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    # 1. normal update
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(10, 15, [["8476.5", "1", "0", "1"]]))) \
        is SyncResult.APPLIED
    # 2. no update for a while: empty levels, prevSeqId == seqId == the last id
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(15, 15))) is SyncResult.APPLIED
    assert sync.book.best_bid == Decimal("8476.97") and sync.book.last_update_id == 15
    # 3. sequence reset after maintenance: seqId < prevSeqId, still chained to the last id
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(15, 3, [["8476.6", "2", "0", "1"]]))) \
        is SyncResult.APPLIED
    assert sync.book.last_update_id == 3
    # 4. the next update chains to the lower id
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(3, 5, [["8476.5", "0", "0", "0"]]))) \
        is SyncResult.APPLIED
    assert [level.price for level in sync.book.bids()] == [Decimal("8476.97"), Decimal("8476.6")]
    # A broken chain is a gap: the book is no longer trusted and the tracker resubscribes.
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(7, 9))) is SyncResult.GAP
    assert not sync.is_synced and sync.gaps == 1


def test_zero_checksum_is_not_checked_but_a_wrong_one_is() -> None:
    # Since 2026-06-23 the venue sends checksum 0 on books: it means "nothing to verify".
    assert parse_book("BTC-USDT", "update", update(1, 2)).checksum is None
    sync = BookSynchronizer("BTC-USDT", SequenceRule.PREV_CHAIN, checksum=book_checksum)
    sync.on_snapshot(parse_book("BTC-USDT", "snapshot", {**update(-1, 1, [["10", "1"]]), "asks": [["11", "1"]]}))
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(1, 2, [["10.5", "1"]]))) is SyncResult.APPLIED
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(2, 3, [["10.6", "1"]], checksum=12345))) \
        is SyncResult.CHECKSUM_MISMATCH


def connector() -> OkxExchange:
    conn = OkxExchange(api_key="k", api_secret="s", passphrase="p")
    conn.symbols = bidict({"BTC-USDT": "BTC-USDT"})
    return conn


def test_public_frames_and_parsing() -> None:
    source = OkxOrderBookDataSource(connector())
    assert source.subscribe_payloads("public", ["BTC-USDT"]) == [{"op": "subscribe", "args": [
        {"channel": "books", "instId": "BTC-USDT"}, {"channel": "trades", "instId": "BTC-USDT"}]}]
    trades = list(source.parse("public", {"arg": {"channel": "trades", "instId": "BTC-USDT"}, "data": [
        {"instId": "BTC-USDT", "tradeId": "130639474", "px": "42219.9", "sz": "0.12060306", "side": "sell",
         "ts": "1630048897897", "count": "3", "source": "0", "seqId": 1234}]}))
    assert len(trades) == 1 and trades[0].price == Decimal("42219.9") and trades[0].side.value == "SELL"
    for control in ({"event": "subscribe", "arg": {"channel": "books", "instId": "BTC-USDT"}, "connId": "x"},
                    {"event": "error", "code": "60012", "msg": "Invalid request", "connId": "x"},
                    {"arg": {"channel": "books", "instId": "XRP-USDT"}, "action": "update", "data": []}):
        assert list(source.parse("public", control)) == []


# == errors in HTTP 200 bodies and per-order sCode ================================================

def test_error_extraction_reads_the_code_and_each_orders_scode() -> None:
    conn = connector()
    refused = {"code": "1", "msg": "", "data": [{"clOrdId": "a", "ordId": "", "sCode": "51008", "sMsg": "no money"}]}
    assert conn._extract_error(200, refused) == ("51008", "no money")
    assert conn._extract_error(200, {"code": "51603", "msg": "Order does not exist.", "data": []}) == (
        "51603", "Order does not exist.")
    batch = {"code": "2", "msg": "", "data": [{"sCode": "0", "sMsg": ""}, {"sCode": "51008", "sMsg": "x"}]}
    assert conn._extract_error(200, batch) is None
    assert conn._extract_error(200, {"code": "0", "msg": "", "data": []}) is None
    assert error_class_for(ERRORS, "51008", "", 200) is InsufficientFunds
    assert error_class_for(ERRORS, "51400", "", 200) is OrderNotFound


def test_instrument_rule_and_states() -> None:
    rule = parse_instrument({"baseCcy": "BTC", "quoteCcy": "USDT", "minSz": "0.00001", "maxLmtSz": "9999999999",
                             "tickSz": "0.1", "lotSz": "0.00000001", "maxMktSz": ""})
    assert (rule.trading_pair, rule.min_order_size, rule.min_price_increment) == ("BTC-USDT", Decimal("0.00001"),
                                                                                    Decimal("0.1"))
    assert rule.min_base_amount_increment == Decimal("0.00000001") and rule.min_notional == 0


# == the private stream ===========================================================================

def order_push(**fields: str) -> dict[str, object]:
    data = {"instId": "BTC-USDT", "ordId": "452197707845865472", "clOrdId": "", "state": "filled",
            "accFillSz": "0.001", "uTime": "1654084353264", "tradeId": "242589207", "fillPx": "31527.1",
            "fillSz": "0.001", "fillTime": "1654084353263", "fillFee": "-0.02522168", "fillFeeCcy": "USDT",
            "execType": "M"}
    data.update(fields)
    return {"arg": {"channel": "orders", "instType": "SPOT", "instId": "BTC-USDT"}, "data": [data]}


def test_order_push_carries_state_then_fill_with_a_positive_fee() -> None:
    source = OkxUserStreamDataSource(connector())
    update, fill = source.parse(order_push())
    assert isinstance(update, OrderUpdate) and update.new_state is OrderState.FILLED
    assert update.client_order_id is None and update.executed_amount == Decimal("0.001")
    assert isinstance(fill, TradeUpdate) and fill.trade_id == "242589207" and fill.is_maker is True
    assert fill.fee.flat_fees[0].token == "USDT" and fill.fee.flat_fees[0].amount == Decimal("0.02522168")
    # A maker rebate comes positive from the venue: it is a negative fee.
    _, rebate = source.parse(order_push(fillFee="0.0001", fillFeeCcy="BTC"))
    assert isinstance(rebate, TradeUpdate) and rebate.fee.amount_in("BTC") == Decimal("-0.0001")
    # A state change without a fill (placed, cancelled) carries no trade.
    only = list(source.parse(order_push(state="live", tradeId="", fillSz="0", accFillSz="0")))
    assert len(only) == 1 and isinstance(only[0], OrderUpdate) and only[0].new_state is OrderState.OPEN


def test_private_control_frames() -> None:
    source = OkxUserStreamDataSource(connector())
    assert list(source.parse({"event": "error", "code": "60009", "msg": "Login failed."})) == [StreamAction.RECONNECT]
    notice = {"event": "notice", "code": "64008", "msg": "The connection will soon be closed for a service upgrade."}
    assert list(source.parse(notice)) == [StreamAction.RECONNECT]
    assert list(source.parse({"event": "subscribe", "arg": {"channel": "orders", "instType": "SPOT"}})) == [
        StreamAction.SUBSCRIBED]
    assert list(source.parse({"event": "subscribe", "arg": {"channel": "account"}})) == []
