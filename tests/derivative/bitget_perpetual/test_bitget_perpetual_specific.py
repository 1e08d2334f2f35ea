"""Bitget's own rules, checked without a venue: the signing pre-image, the WebSocket login, the book's
checksum over the documented examples, and its ``seq`` rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib

import pytest
from pydantic import SecretStr, ValidationError

from clobconn.core.order_book.checksums import interleaved_checksum
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.derivative.bitget_perpetual.auth import BitgetAuth
from clobconn.derivative.bitget_perpetual.constants import DEMO_HEADERS, ERRORS, HEARTBEAT, SPEC
from clobconn.derivative.bitget_perpetual.derivative import BitgetPerpetualDerivative, parse_contract
from clobconn.derivative.bitget_perpetual.order_book_data_source import BitgetPerpetualOrderBookDataSource, parse_book

KEY, SECRET, PASSPHRASE = "bg_key", "bg-secret-NEVER-LOGGED", "bg-passphrase"
# https://www.bitget.com/api-doc/common/signature, "Sample Code": its timestamp, as it is printed there.
DOC_TS = 16273667805456


def b64_hmac(pre_image: str) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), pre_image.encode(), hashlib.sha256).digest()).decode()


def doc_auth(demo: bool = False) -> BitgetAuth:
    return BitgetAuth(SecretStr(KEY), SecretStr(SECRET), SecretStr(PASSPHRASE), lambda: DOC_TS,
                      DEMO_HEADERS if demo else None)


# == signing (common/signature) ===================================================================

def test_get_signs_the_documented_pre_image_with_its_query() -> None:
    request = doc_auth().rest_authenticate(RestRequest("GET", "https://h/api/mix/v2/market/depth",
                                                       "/api/mix/v2/market/depth",
                                                       params={"limit": "20", "symbol": "BTCUSDT"}))
    # The docs' content to be signed, written out: timestamp + METHOD + requestPath + "?" + queryString.
    assert request.headers == {
        "ACCESS-KEY": KEY, "ACCESS-TIMESTAMP": str(DOC_TS), "ACCESS-PASSPHRASE": PASSPHRASE,
        "ACCESS-SIGN": b64_hmac("16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"),
    }
    assert request.url == "https://h/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"


def test_post_signs_the_documented_body_as_sent() -> None:
    body = {"productType": "usdt-futures", "symbol": "BTCUSDT", "size": "8", "marginMode": "crossed",
            "side": "buy", "orderType": "limit", "clientOid": "channel#123456"}
    request = doc_auth().rest_authenticate(RestRequest("POST", "https://h/api/v2/mix/order/place-order",
                                                       "/api/v2/mix/order/place-order", data=body))
    documented = ('16273667805456POST/api/v2/mix/order/place-order{"productType":"usdt-futures","symbol":"BTCUSDT",'
                  '"size":"8","marginMode":"crossed","side":"buy","orderType":"limit","clientOid":"channel#123456"}')
    assert request.headers["ACCESS-TIMESTAMP"] + "POST/api/v2/mix/order/place-order" + request.data == documented
    assert request.headers["ACCESS-SIGN"] == b64_hmac(documented)
    assert request.headers["Content-Type"] == "application/json"


def test_login_frame_signs_get_user_verify_in_seconds() -> None:
    # common/websocket-intro: sign(timestamp + "GET" + "/user/verify"); its example timestamp has 10 digits.
    frame = doc_auth().ws_login_payload()
    timestamp = str(DOC_TS // 1000)
    assert frame == {"op": "login", "args": [{"apiKey": KEY, "passphrase": PASSPHRASE, "timestamp": timestamp,
                                              "sign": b64_hmac(f"{timestamp}GET/user/verify")}]}


def test_demo_trading_adds_paptrading_and_uses_the_demo_socket_host() -> None:
    request = doc_auth(demo=True).rest_authenticate(RestRequest("GET", "https://h/x", "/x"))
    assert request.headers["paptrading"] == "1"
    conn = BitgetPerpetualDerivative(api_key=KEY, api_secret=SECRET, passphrase=PASSPHRASE, domain="demo")
    assert conn.rest_url == "https://api.bitget.com" and conn.ws_url == "wss://wspap.bitget.com"
    assert conn.auth is not None and "paptrading" in conn.auth.rest_authenticate(RestRequest("GET", "u", "/u")).headers
    assert "paptrading" not in doc_auth().rest_authenticate(RestRequest("GET", "u", "/u")).headers


def test_auth_repr_names_no_secret() -> None:
    text = repr(doc_auth(demo=True))
    assert KEY not in text and SECRET not in text and PASSPHRASE not in text


# == product types, contracts =====================================================================

def test_usdc_m_is_the_same_api_with_another_product_type_and_coin_m_is_refused() -> None:
    usdc = BitgetPerpetualDerivative(product_type="USDC-FUTURES")
    assert (usdc.product_type, usdc.margin_coin) == ("USDC-FUTURES", "USDC")
    assert BitgetPerpetualDerivative().product_type == "USDT-FUTURES"
    # Coin-M is inverse: the core's linear positions would price it wrong.
    with pytest.raises(ValidationError, match="product_type"):
        BitgetPerpetualDerivative(product_type="COIN-FUTURES")


def test_contract_tick_is_price_end_step_at_price_place() -> None:
    # market/Get-All-Symbols-Contracts: pricePlace 1, priceEndStep 5 -> prices step by 0.5.
    rule = parse_contract({"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "minTradeNum": "0.001",
                           "priceEndStep": "5", "pricePlace": "1", "sizeMultiplier": "0.001",
                           "minTradeUSDT": "5", "maxOrderQty": "", "maxMarketOrderQty": "220"})
    assert str(rule.min_price_increment) == "0.5" and rule.max_order_size is None
    assert rule.max_market_order_size == 220 and rule.min_notional == 5


def test_text_ping_every_30_seconds_answered_by_pong() -> None:
    assert (HEARTBEAT.app_ping, HEARTBEAT.app_ping_payload) == (30.0, "ping")
    assert HEARTBEAT.is_pong is not None and HEARTBEAT.is_pong("pong") and not HEARTBEAT.is_pong({"event": "pong"})


@pytest.mark.parametrize(("code", "name"), [("40009", "AuthenticationError"), ("40012", "AuthenticationError"),
                                            ("40008", "InvalidTimestamp"), ("43012", "InsufficientFunds"),
                                            ("40768", "OrderNotFound"), ("40020", "BadRequest"),
                                            ("22034", "InvalidOrder"), ("429", "RateLimitExceeded")])
def test_error_table(code: str, name: str) -> None:
    assert ERRORS[code].__name__ == name
    assert SPEC.needs_passphrase and not SPEC.amend_in_place


# == the book: checksum (websocket/public/Order-Book-Channel, "Checksum") ========================

def book(bids: list[list[str]], asks: list[list[str]]) -> OrderBook:
    result = OrderBook("BTC-USDT", keep_raw_strings=True)
    result.apply_snapshot(bids, asks, 1)
    return result


def signed(text: str) -> int:
    value = zlib.crc32(text.encode())
    return value - 2**32 if value >= 2**31 else value


def test_checksum_over_the_documented_examples() -> None:
    checksum = BitgetPerpetualOrderBookDataSource(BitgetPerpetualDerivative()).checksum()
    # 1. both sides deeper than shown: bid1:ask1:bid2:ask2.
    deep = book([["43231.1", "4"], ["43231", "6"]], [["43232.8", "9"], ["43232.9", "8"]])
    assert checksum(deep) == signed("43231.1:4:43232.8:9:43231:6:43232.9:8")
    # 2. one side shorter: the other continues alone.
    short = book([["3366.1", "7"]], [["3366.8", "9"], ["3368", "8"], ["3372", "8"]])
    assert checksum(short) == signed("3366.1:7:3366.8:9:3368:8:3372:8") == 831078360


def test_checksum_uses_the_strings_as_sent_and_25_levels_a_side() -> None:
    # "If price is '0.5000', DO NOT calculate the checksum by '0.5'".
    checksum = BitgetPerpetualOrderBookDataSource(BitgetPerpetualDerivative()).checksum()
    assert checksum(book([["0.5000", "1.0"]], [])) == signed("0.5000:1.0")
    bids = [[f"{100 - i}.5", "1"] for i in range(30)]
    asks = [[f"{200 + i}.5", "2"] for i in range(27)]
    expected = ":".join(f"{100 - i}.5:1:{200 + i}.5:2" for i in range(25))
    assert checksum(book(bids, asks)) == signed(expected)


# == the book: seq ================================================================================

def update(seq: int, bids: list[list[str]], checksum: int = 0) -> dict[str, object]:
    return {"asks": [], "bids": bids, "checksum": checksum, "seq": seq, "ts": "1695716059516"}


def test_seq_may_skip_but_never_go_back_and_the_checksum_catches_what_it_cannot() -> None:
    sync = BookSynchronizer("BTC-USDT", SequenceRule.TIMESTAMP, checksum=interleaved_checksum(25))
    snapshot = parse_book("BTC-USDT", "snapshot", {"asks": [["27000.5", "8.760"]], "bids": [["27000.0", "2.710"]],
                                                   "checksum": 0, "seq": 123, "ts": "1695716059516"})
    # The snapshot's checksum is 0: nothing to check.
    assert snapshot.checksum is None and sync.on_snapshot(snapshot) is SyncResult.APPLIED
    after = signed("26999.5:1.460:27000.5:8.760")
    # seq "increases when the order book is updated": 123 -> 130 is no gap.
    diff = parse_book("BTC-USDT", "update", update(130, [["27000.0", "0"], ["26999.5", "1.460"]], after))
    assert sync.on_diff(diff) is SyncResult.APPLIED
    # Out of order (a lower seq): the book can no longer be trusted.
    assert sync.on_diff(parse_book("BTC-USDT", "update", update(127, [["26999.0", "1"]]))) is SyncResult.GAP
    assert not sync.is_synced
    # A diff lost on the way leaves the venue's checksum unmatched: resynced too.
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    lost = parse_book("BTC-USDT", "update", update(140, [["26999.5", "1.460"]], after))
    assert sync.on_diff(lost) is SyncResult.CHECKSUM_MISMATCH and sync.checksum_failures == 1
