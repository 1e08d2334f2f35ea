"""What only NDAX has: its signature pre-image, the AlphaPoint frame, and Level 2 entries.

Sources: https://apidoc.ndax.io/ (#authenticateuser, #subscribelevel2), the frame as
https://github.com/NDAXlO/ndax-api-documentation#websocket-api describes it, and the Level2UpdateEvent
example of the AlphaPoint docs (https://github.com/alphapoint/slate, _api_users_user_subscribelevel2.md).
"""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.exchange.ndax.auth import NdaxAuth, sign
from clobconn.exchange.ndax.frames import MessageType, RequestNumbers, read_frame, request_frame
from clobconn.exchange.ndax.order_book_data_source import parse_book, parse_trade

# The docs' Level2UpdateEvent example, {0: 1, 1: 1, 2: 1534865075981, ...} as the array NDAX sends:
# MDUpdateId 1, one account, at 1534865075981 ms, ActionType 0 (new), last trade 6415.01, one order,
# price 6399.79, instrument 1, quantity 1.49364749, side 0 (bid).
DOC_EVENT = [1, 1, 1534865075981, 0, 6415.01, 1, 6399.79, 1, 1.49364749, 0]


def test_the_signature_is_hex_hmac_sha256_of_nonce_user_id_and_key() -> None:
    # The pre-image written out by hand: nonce "2247733562", user id "96", key "28c68ac3fcfafc3d4e8d653fe57e5baf"
    # (the docs' AuthenticateUser values) concatenated with nothing between them.
    pre_image = b"22477335629628c68ac3fcfafc3d4e8d653fe57e5baf"
    expected = hmac.new(b"my-secret", pre_image, hashlib.sha256).hexdigest()
    assert sign("my-secret", "2247733562", "96", "28c68ac3fcfafc3d4e8d653fe57e5baf") == expected
    auth = NdaxAuth(SecretStr("28c68ac3fcfafc3d4e8d653fe57e5baf"), SecretStr("my-secret"), SecretStr("96"),
                    lambda: 2247733562)
    assert auth.credentials() == {"APIKey": "28c68ac3fcfafc3d4e8d653fe57e5baf", "Signature": expected,
                                  "UserId": "96", "Nonce": "2247733562"}
    # A second call in the same millisecond still gets a larger nonce.
    assert auth.credentials()["Nonce"] == "2247733563"
    assert "my-secret" not in repr(auth)


@pytest.mark.parametrize("user_id", ["", "0", "ninety-six", "-96", "9.6"])
def test_a_user_id_that_is_not_a_positive_integer_is_refused(user_id: str) -> None:
    with pytest.raises(InvalidCredentials, match="positive integer") as info:
        NdaxAuth(SecretStr("key"), SecretStr("NEVER-LOGGED"), SecretStr(user_id), lambda: 1)
    assert "NEVER-LOGGED" not in str(info.value)


def test_a_request_frame_carries_its_payload_as_a_json_string_and_even_numbers() -> None:
    numbers = RequestNumbers()
    first = request_frame(numbers(), "SubscribeLevel2", {"OMSId": 1, "InstrumentId": 1, "Depth": 200})
    assert first == {"m": 0, "i": 2, "n": "SubscribeLevel2", "o": '{"OMSId":1,"InstrumentId":1,"Depth":200}'}
    assert [numbers(), numbers()] == [4, 6]


def test_a_received_frame_is_decoded_once_more_for_its_payload() -> None:
    frame = read_frame({"m": 3, "i": 9, "n": "Level2UpdateEvent", "o": "[[1,1,1534865075981,0,6415.01,1,6399.79,1,"
                                                                        "1.49364749,0]]"})
    assert frame is not None and frame.kind is MessageType.EVENT and frame.payload == [DOC_EVENT]
    # An error's description may be plain text in o: kept as text.
    error = read_frame({"m": 5, "i": 4, "n": "SendOrder", "o": "Endpoint Not Found"})
    assert error is not None and error.kind is MessageType.ERROR and error.payload == "Endpoint Not Found"
    for not_a_frame in ({"m": 6, "i": 1, "n": "x", "o": "{}"}, {"m": True, "i": 1, "n": "x", "o": "{}"},
                        {"unexpected": ["shape"]}, "{not json", {"m": 1, "i": "2", "n": "Ping", "o": "{}"}):
        assert read_frame(not_a_frame) is None


def test_the_documented_event_is_one_new_bid_with_its_id_and_time() -> None:
    message = parse_book(BookMessageType.DIFF, "BTC-CAD", [DOC_EVENT])
    assert message.bids == [[6399.79, 1.49364749]] and message.asks == []
    assert message.last_id == 1 and message.timestamp == 1534865075.981


def test_action_types_new_update_delete_and_ids_that_only_rise() -> None:
    def entry(md_id: int, action: int, price: float, quantity: float, side: int) -> list[float | int]:
        return [md_id, 1, 1534865075981, action, 6415.01, 1, price, 1, quantity, side]

    sync = BookSynchronizer("BTC-CAD", SequenceRule.MONOTONIC)
    book: OrderBook = sync.book
    snapshot = parse_book(BookMessageType.SNAPSHOT, "BTC-CAD", [entry(10, 0, 6399.79, 1.5, 0),
                                                                  entry(10, 0, 6401.0, 2.0, 1)])
    sync.on_snapshot(snapshot)
    # 1 update sets the level's quantity; 0 new adds a level; ids may skip (12 after 10).
    assert sync.on_diff(parse_book(BookMessageType.DIFF, "BTC-CAD", [
        entry(12, 1, 6399.79, 0.5, 0), entry(12, 0, 6400.5, 3.0, 1)])) is SyncResult.APPLIED
    assert [(float(p), float(s)) for p, s in book.bids()] == [(6399.79, 0.5)]
    assert [(float(p), float(s)) for p, s in book.asks()] == [(6400.5, 3.0), (6401.0, 2.0)]
    # 2 deletes the level whatever quantity the entry carries.
    assert sync.on_diff(parse_book(BookMessageType.DIFF, "BTC-CAD", [entry(13, 2, 6400.5, 3.0, 1)])) \
        is SyncResult.APPLIED
    assert [float(p) for p, _ in book.asks()] == [6401.0]
    # An event older than the book was overtaken: dropped, the book unchanged and still synced.
    assert sync.on_diff(parse_book(BookMessageType.DIFF, "BTC-CAD", [entry(11, 2, 6401.0, 0, 1)])) \
        is SyncResult.STALE
    assert [float(p) for p, _ in book.asks()] == [6401.0] and sync.is_synced


def test_a_trade_entry_is_the_takers_side() -> None:
    # https://github.com/NDAXlO/ndax-api-documentation#executed-trades: TakerSide 1 is a sell.
    trade = parse_trade("BTC-CAD", [1713390, 1, 0.25643269, 6419.77, 203100209, 203101083, 1534863262000, 2, 1, 0, 0])
    assert (trade.trade_id, str(trade.price), str(trade.amount), trade.side.name, trade.timestamp) == (
        "1713390", "6419.77", "0.25643269", "SELL", 1534863262.0)
