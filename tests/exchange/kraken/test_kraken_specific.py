"""Kraken-only rules: the documented API-Sign example, the nonce, the secret's format, the v2 book
checksum's documented example, and the asset aliases."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

import clobconn
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    InsufficientFunds,
    InvalidCredentials,
    InvalidTimestamp,
    OrderNotFound,
    RateLimitExceeded,
    error_class_for,
)
from clobconn.core.order_book.checksums import digits_crc32, level_digits
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.kraken import auth as kraken_auth
from clobconn.exchange.kraken.auth import KrakenAuth, NonceClock, sign
from clobconn.exchange.kraken.constants import ERRORS
from clobconn.exchange.kraken.exchange import parse_asset_pair
from clobconn.exchange.kraken.order_book_data_source import book_checksum, parse_book
from clobconn.exchange.kraken.parsers import common_asset, decode_frame

# https://docs.kraken.com/api/docs/guides/spot-rest-auth#examples
DOC_SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
DOC_NONCE = 1616492376594
DOC_BODY = "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
DOC_SIGNATURE = "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="

# https://docs.kraken.com/api/docs/guides/spot-ws-book-v2 (the worked example: a snapshot and its checksum),
# as the venue writes it: numbers, with the trailing zeros the checksum covers.
DOC_SNAPSHOT = """{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",
"bids":[{"price":45283.5,"qty":0.10000000},{"price":45283.4,"qty":1.54582015},{"price":45282.1,"qty":0.10000000},
{"price":45281.0,"qty":0.10000000},{"price":45280.3,"qty":1.54592586},{"price":45279.0,"qty":0.07990000},
{"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.30000000},{"price":45277.3,"qty":1.54602737},
{"price":45276.6,"qty":0.15445238}],
"asks":[{"price":45285.2,"qty":0.00100000},{"price":45286.4,"qty":1.54571953},{"price":45286.6,"qty":1.54571109},
{"price":45289.6,"qty":1.54560911},{"price":45290.2,"qty":0.15890660},{"price":45291.8,"qty":1.54553491},
{"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.35380000},{"price":45297.5,"qty":0.09945542},
{"price":45299.5,"qty":0.18772827}],"checksum":3310070434}]}"""
DOC_ASKS = ("45285210000045286415457195345286615457110945289615456091145290215890660452918154553491"
            "452947445474945296135380000452975994554245299518772827")


def doc_snapshot(decode: Callable[[str], Any] = decode_frame) -> BookMessage:
    frame = decode(DOC_SNAPSHOT)
    return parse_book("BTC-USD", frame["type"], frame["data"][0])


# == signing ======================================================================================

def test_api_sign_reproduces_the_documented_example() -> None:
    assert sign(kraken_auth.decode_secret(SecretStr(DOC_SECRET)), "/0/private/AddOrder", DOC_NONCE,
                DOC_BODY) == DOC_SIGNATURE


def test_the_signed_request_carries_the_documented_body_and_signature() -> None:
    nonces = NonceClock()
    nonces._last = DOC_NONCE - 1
    auth = KrakenAuth(SecretStr("key"), SecretStr(DOC_SECRET), nonces)
    request = RestRequest("POST", "https://api.kraken.com/0/private/AddOrder", "/0/private/AddOrder",
                          data={"ordertype": "limit", "pair": "XBTUSD", "price": "37500", "type": "buy",
                                "volume": "1.25"}, form=True)
    # The clock reads as the example's moment, so the nonce is the example's.
    original = kraken_auth.time.time_ns
    kraken_auth.time.time_ns = lambda: (DOC_NONCE - 10) * 1000  # type: ignore[assignment]
    try:
        auth.rest_authenticate(request)
    finally:
        kraken_auth.time.time_ns = original  # type: ignore[assignment]
    assert request.data == DOC_BODY
    assert request.headers == {"API-Key": "key", "API-Sign": DOC_SIGNATURE,
                               "Content-Type": "application/x-www-form-urlencoded"}


def _nonce_of(auth: KrakenAuth) -> int:
    request = RestRequest("POST", "u", "/0/private/Balance", form=True)
    auth.rest_authenticate(request)
    return int(str(request.data).removeprefix("nonce="))


def test_the_nonce_rises_strictly_across_auth_objects_and_a_clock_stepped_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = KrakenAuth(SecretStr("k"), SecretStr(DOC_SECRET)), KrakenAuth(SecretStr("k"), SecretStr(DOC_SECRET))
    nonces = [_nonce_of(first), _nonce_of(second), _nonce_of(first)]
    # Many in the same microsecond, then the wall clock set back an hour: still rising.
    monkeypatch.setattr(kraken_auth.time, "time_ns", lambda: 1_700_000_000_000_000_000)
    nonces += [_nonce_of(second) for _ in range(3)]
    monkeypatch.setattr(kraken_auth.time, "time_ns", lambda: 1_700_000_000_000_000_000 - 3600 * 10**9)
    nonces.append(_nonce_of(first))
    assert all(later > earlier for earlier, later in itertools.pairwise(nonces)), nonces


def test_a_restarted_process_starts_above_what_it_sent_before() -> None:
    # A new process has a new clock object: its first nonce is the time in microseconds, which is above
    # every nonce the previous process sent at an earlier time.
    before = NonceClock().next()
    assert NonceClock().next() > before


def test_a_secret_that_is_not_base64_is_refused_at_construction_without_showing_it() -> None:
    secret = "not-base64-secret!!"
    with pytest.raises(InvalidCredentials) as info:
        clobconn.get_connector("kraken", api_key="k", api_secret=secret, trading_pairs=["BTC-USD"])
    assert "base64" in str(info.value) and secret not in str(info.value) and secret not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_error_strings_map_to_typed_errors() -> None:
    expected = {"EAPI:Invalid key": AuthenticationError, "EAPI:Invalid signature": AuthenticationError,
                "EAPI:Invalid nonce": InvalidTimestamp, "EOrder:Insufficient funds": InsufficientFunds,
                "EGeneral:Invalid arguments": BadRequest, "EOrder:Unknown order": OrderNotFound,
                "EAPI:Rate limit exceeded": RateLimitExceeded}
    for code, error in expected.items():
        assert error_class_for(ERRORS, code, code, 200) is error, code


# == the book =====================================================================================

def test_book_checksum_reproduces_the_documented_example() -> None:
    sync = BookSynchronizer("BTC-USD", SequenceRule.NONE, checksum=book_checksum, max_depth=10)
    assert sync.on_snapshot(doc_snapshot()) is SyncResult.APPLIED
    assert book_checksum(sync.book) == 3310070434
    asks = sync.book.raw_levels(False, 10)
    assert "".join(level_digits(price) + level_digits(qty) for price, qty in asks) == DOC_ASKS


def test_numbers_decoded_as_floats_would_lose_the_digits_the_checksum_covers() -> None:
    # Why the connector decodes v2 frames itself: orjson makes 0.10000000 the float 0.1.
    sync = BookSynchronizer("BTC-USD", SequenceRule.NONE, checksum=book_checksum)
    assert sync.on_snapshot(doc_snapshot(orjson.loads)) is SyncResult.CHECKSUM_MISMATCH


def _crc(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> int:
    return digits_crc32((asks, bids))


def test_an_update_with_a_wrong_checksum_asks_for_a_resync_and_a_right_one_applies() -> None:
    sync = BookSynchronizer("BTC-USD", SequenceRule.NONE, checksum=book_checksum, max_depth=10)
    sync.on_snapshot(doc_snapshot())
    level = decode_frame('{"price":45283.6,"qty":0.50000000}')
    insert = [(level["price"], level["qty"])]
    assert sync.on_diff(BookMessage(BookMessageType.DIFF, "BTC-USD", insert, [], 0, checksum=1)) \
        is SyncResult.CHECKSUM_MISMATCH and not sync.is_synced
    sync.on_snapshot(doc_snapshot())
    asks, bids = sync.book.raw_levels(False, 10), sync.book.raw_levels(True, 10)
    # The venue's book after the insert: the new best bid, and its 10th bid (45276.6) out of scope.
    venue_bids = [("45283.6", "0.50000000"), *bids[:9]]
    assert sync.on_diff(BookMessage(BookMessageType.DIFF, "BTC-USD", insert, [], 0,
                                    checksum=_crc(asks, venue_bids))) is SyncResult.APPLIED
    # The best bid goes: the venue's top 10 is now 9 bids (it sends no qty 0 for 45276.6, long gone from
    # its book). A book that kept 45276.6 would fail here.
    removal = [(level["price"], 0)]
    assert sync.on_diff(BookMessage(BookMessageType.DIFF, "BTC-USD", removal, [], 0,
                                    checksum=_crc(asks, bids[:9]))) is SyncResult.APPLIED
    assert sync.book.bid_depth == 9


# == names ========================================================================================

def test_asset_aliases_map_once_for_rest_and_ws() -> None:
    altnames = {"XXBT": "XBT", "ZUSD": "USD", "XXDG": "XDG", "XETH": "ETH"}
    assert [common_asset(code, altnames) for code in ("XXBT", "ZUSD", "XXDG", "XETH", "USDT")] == [
        "BTC", "USD", "DOGE", "ETH", "USDT"]
    # v2 names are already the common ones, and the venue's short codes map too.
    assert [common_asset(code) for code in ("BTC", "XBT", "XDG", "USD")] == ["BTC", "BTC", "DOGE", "USD"]
    symbol, rule = parse_asset_pair({"wsname": "XDG/USD", "ordermin": "50", "tick_size": "0.0000001",
                                     "pair_decimals": 7, "lot_decimals": 8, "costmin": "0.5"}, altnames)
    assert (symbol, rule.trading_pair) == ("DOGE/USD", "DOGE-USD")
