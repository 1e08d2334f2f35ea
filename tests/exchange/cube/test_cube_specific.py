"""Cube specifics: the signature, the protobuf book frames and their level-count check, the integer
units (scalers), numeric client order ids, and the order socket's frames.

Frames are built from the venue's schema (market_data.proto, trade.proto, as published in
https://github.com/cubexch/ws-api) and encoded with the connector's generated modules, so every test
reads what Cube puts on the wire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import sys
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InvalidCredentials, InvalidOrderArgument, MissingExtra
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.core.registry import connector_class, get_connector
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.numbers import from_units, to_units
from clobconn.core.web.protobuf import protobuf_encoder
from clobconn.core.web.ws import StreamAction
from clobconn.exchange.cube.auth import CubeAuth, sign, signing_pre_image
from clobconn.exchange.cube.constants import SPEC
from clobconn.exchange.cube.exchange import CubeExchange
from clobconn.exchange.cube.order_book_data_source import decode_md
from clobconn.exchange.cube.parsers import Asset, Market, fee_paid, raw_units, socket_fill
from clobconn.exchange.cube.pb.market_data_pb2 import MdMessages
from clobconn.exchange.cube.pb.trade_pb2 import Bootstrap, OrderResponse
from clobconn.exchange.cube.user_stream_data_source import OrderSocketDecoder

encode_md = protobuf_encoder(MdMessages)
# The secret and timestamp of the docs' worked example (trade.proto, "Credentials").
DOC_SECRET = "cafecafecafecafecafecafecafecafecafecafecafecafecafecafecafecafe"
DOC_TIMESTAMP = 1706546268
DOC_SIGNATURE = "tmtSP4NIzTLXyVUHIOfinotGnPWyfM8JefxivBdSjc8="
ETH = Asset(2, "ETH", 18)
USDC = Asset(7, "USDC", 6)
# ETHUSDC: base lot 10^15 wei (0.001 ETH), quote lot 10 (0.00001 USDC): a price tick of 0.01.
MARKET = Market(100006, "ETHUSDC", "ETH-USDC", ETH, USDC, Decimal("0.01"), Decimal("0.001"), Decimal("0.00001"))


@pytest.fixture
def conn() -> CubeExchange:
    connector = CubeExchange(api_key="k", api_secret=DOC_SECRET, trading_pairs=["ETH-USDC"])
    connector.markets = {MARKET.trading_pair: MARKET}
    connector.markets_by_id = {MARKET.market_id: MARKET}
    connector.assets = {ETH.asset_id: ETH, USDC.asset_id: USDC}
    return connector


# == signing ======================================================================================

def test_the_signature_reproduces_the_documented_example() -> None:
    assert sign(bytes.fromhex(DOC_SECRET), DOC_TIMESTAMP) == DOC_SIGNATURE


def test_the_pre_image_is_cube_xyz_then_the_seconds_as_eight_little_endian_bytes() -> None:
    # 1706546268 = 0x65B7D45C, least significant byte first, padded to eight bytes.
    pre_image = b"cube.xyz" + bytes([0x5C, 0xD4, 0xB7, 0x65, 0x00, 0x00, 0x00, 0x00])
    assert signing_pre_image(DOC_TIMESTAMP) == pre_image
    expected = base64.b64encode(hmac.new(bytes.fromhex(DOC_SECRET), pre_image, hashlib.sha256).digest()).decode()
    assert sign(bytes.fromhex(DOC_SECRET), DOC_TIMESTAMP) == expected


def test_rest_headers_carry_the_key_the_signature_and_its_timestamp() -> None:
    auth = CubeAuth(SecretStr("api-key-uuid"), SecretStr(DOC_SECRET), lambda: DOC_TIMESTAMP + 0.9)
    request = auth.rest_authenticate(RestRequest("GET", "https://api.cube.exchange/ir/v0/users/subaccounts",
                                                 "/ir/v0/users/subaccounts", is_auth_required=True))
    assert request.headers == {"x-api-key": "api-key-uuid", "x-api-signature": DOC_SIGNATURE,
                               "x-api-timestamp": str(DOC_TIMESTAMP)}
    assert auth.credentials() == {"access_key_id": "api-key-uuid", "signature": DOC_SIGNATURE,
                                  "timestamp": str(DOC_TIMESTAMP)}


@pytest.mark.parametrize("secret", ["not-hex-at-all", "cafe" * 8, "cafe" * 17])
def test_a_secret_that_is_not_32_hex_bytes_is_refused_at_construction(secret: str) -> None:
    with pytest.raises(InvalidCredentials, match="32 bytes in hex") as info:
        get_connector("cube", api_key="k", api_secret=secret, trading_pairs=["ETH-USDC"])
    assert secret not in str(info.value)


def test_the_connector_never_shows_the_secret(conn: CubeExchange) -> None:
    assert DOC_SECRET not in repr(conn) and DOC_SECRET not in repr(conn.auth)


def test_importing_cube_without_the_protobuf_runtime_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [module for module in sys.modules if module.startswith("clobconn.exchange.cube")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google.protobuf", None)
    with pytest.raises(MissingExtra, match=r"Cube connector .* pip install 'clobconn\[protobuf\]'"):
        importlib.import_module("clobconn.exchange.cube.exchange")
    with pytest.raises(MissingExtra, match="Cube"):
        connector_class("cube")


# == integer units ================================================================================

def test_prices_and_quantities_round_trip_exactly_through_the_markets_units() -> None:
    assert MARKET.price_units(Decimal("3012.34")) == 301234
    assert MARKET.price(301234) == Decimal("3012.34")
    assert MARKET.quantity_units(Decimal("1.234")) == 1234
    assert MARKET.quantity("1234") == Decimal("1.234")
    # The same value however it is written, and exact at any size a uint64 holds.
    assert MARKET.price_units(Decimal("3012.3400")) == 301234
    big = Decimal("123456789012345.67")
    assert MARKET.price(MARKET.price_units(big)) == big


@pytest.mark.parametrize("value", ["3012.345", "0", "-1", "1e30"])
def test_a_price_off_the_tick_or_outside_a_uint64_is_refused_never_rounded(value: str) -> None:
    with pytest.raises(InvalidOrderArgument, match="not a whole number") as info:
        to_units(Decimal(value), Decimal("0.01"), "price", "ETH-USDC")
    assert info.value.field == "price"


def test_units_of_a_tick_with_many_places_stay_exact() -> None:
    tick = Decimal("0.00000001")
    assert to_units(Decimal("0.12345678"), tick, "amount", "X-Y") == 12345678
    assert from_units(12345678, tick) == Decimal("0.12345678")


def test_a_balance_is_256_bit_raw_units_over_the_assets_decimals() -> None:
    words = {"word0": str(2**64 - 1), "word1": "2", "word2": "0", "word3": "0"}
    assert raw_units(words) == 2 * 2**64 + 2**64 - 1
    assert ETH.from_raw(raw_units({"word0": "1500000000000000000"})) == Decimal("1.5")


def test_client_order_ids_are_numbers_a_uint64_holds() -> None:
    rule = SPEC.client_order_id
    for trade_type, lead in ((TradeType.BUY, "1"), (TradeType.SELL, "2")):
        client_id = rule.generate(trade_type)
        assert client_id.isdigit() and client_id[0] == lead and int(client_id) < 2**63
        assert rule.is_valid(client_id)
    assert not rule.is_valid("ccB123") and not rule.is_valid("1" * 20)


# == the book =====================================================================================

def md_frame(*entries: dict[str, Any]) -> Any:
    return decode_md(encode_md({"messages": list(entries)}))


def level(price: int, quantity: int, side: str, op: str | None = None) -> dict[str, Any]:
    entry = {"price": str(price), "quantity": str(quantity), "side": side}
    return entry | ({"op": op} if op else {})


def test_a_chunked_snapshot_is_one_book_once_its_last_chunk_comes(conn: CubeExchange) -> None:
    source = conn.order_book_tracker._source
    first = md_frame({"market_id": "100006", "mbp_snapshot": {
        "levels": [level(300000, 1500, "BID"), level(300050, 1000, "ASK")], "chunk": 0, "num_chunks": 2}})
    assert list(source.parse("public", first)) == []
    last = md_frame({"market_id": "100006", "mbp_snapshot": {
        "levels": [level(299950, 2000, "BID")], "chunk": 1, "num_chunks": 2}})
    (snapshot,) = source.parse("public", last)
    assert isinstance(snapshot, BookMessage) and snapshot.type is BookMessageType.SNAPSHOT
    assert snapshot.bids == [["3000.00", "1.500"], ["2999.50", "2.000"]] and snapshot.asks == [["3000.50", "1.000"]]


def test_a_chunk_out_of_order_breaks_the_snapshot_and_reconnects(conn: CubeExchange) -> None:
    source = conn.order_book_tracker._source
    stray = md_frame({"market_id": "100006", "mbp_snapshot": {"levels": [], "chunk": 1, "num_chunks": 2}})
    assert list(source.parse("public", stray)) == [StreamAction.RECONNECT]


def test_diffs_apply_by_level_and_their_side_counts_check_the_book(conn: CubeExchange) -> None:
    source = conn.order_book_tracker._source
    sync = BookSynchronizer("ETH-USDC", source.sequence_rule, checksum=source.checksum())
    snapshot = md_frame({"market_id": "100006", "mbp_snapshot": {"levels": [
        level(300000, 1500, "BID"), level(299950, 2000, "BID"), level(300050, 1000, "ASK")],
        "chunk": 0, "num_chunks": 1}})
    (message,) = source.parse("public", snapshot)
    assert isinstance(message, BookMessage) and sync.on_snapshot(message) is SyncResult.APPLIED
    diff = md_frame({"market_id": "100006", "mbp_diff": {"diffs": [
        level(300010, 500, "BID", "REPLACE"), level(299950, 0, "BID", "REMOVE"), level(300050, 250, "ASK", "REPLACE")],
        "total_bid_levels": 2, "total_ask_levels": 1}})
    (message,) = source.parse("public", diff)
    assert isinstance(message, BookMessage) and message.type is BookMessageType.DIFF
    assert sync.on_diff(message) is SyncResult.APPLIED
    assert [(lv.price, lv.size) for lv in sync.book.bids()] == [(Decimal("3000.10"), Decimal("0.5")),
                                                               (Decimal("3000.00"), Decimal("1.5"))]
    assert [(lv.price, lv.size) for lv in sync.book.asks()] == [(Decimal("3000.50"), Decimal("0.25"))]
    # A diff lost in between shows as counts the book does not have: the book resyncs.
    after_a_lost_one = md_frame({"market_id": "100006", "mbp_diff": {"diffs": [level(300020, 100, "BID", "REPLACE")],
                                                                       "total_bid_levels": 4, "total_ask_levels": 1}})
    (message,) = source.parse("public", after_a_lost_one)
    assert isinstance(message, BookMessage) and sync.on_diff(message) is SyncResult.CHECKSUM_MISMATCH
    assert not sync.is_synced


def test_public_trades_take_the_aggressors_side_and_the_markets_units(conn: CubeExchange) -> None:
    source = conn.order_book_tracker._source
    trades = md_frame({"market_id": "100006", "trades": {"trades": [
        {"tradeId": "9", "price": "300000", "aggressing_side": "AGGRESSING_IMPLIED_ASK", "fill_quantity": "25",
         "transact_time": "1710314637443860607", "resting_exchange_order_id": "1",
         "aggressing_exchange_order_id": "2"}]}})
    (trade,) = source.parse("public", trades)
    assert trade == PublicTrade("ETH-USDC", "9", Decimal("3000.00"), Decimal("0.025"), TradeType.SELL,
                                1710314637.4438605)


def test_a_heartbeat_or_another_markets_message_gives_nothing(conn: CubeExchange) -> None:
    source = conn.order_book_tracker._source
    assert list(source.parse("public", md_frame({"heartbeat": {"request_id": "0", "timestamp": "1"}}))) == []
    other = md_frame({"market_id": "999", "mbp_diff": {"diffs": [], "total_bid_levels": 0, "total_ask_levels": 0}})
    assert list(source.parse("public", other)) == []


# == the order socket =============================================================================

def test_the_order_socket_reads_bootstrap_frames_until_done_then_responses() -> None:
    decode = OrderSocketDecoder()
    bootstrap, response = protobuf_encoder(Bootstrap), protobuf_encoder(OrderResponse)
    assert "bootstrap" in decode(bootstrap({"resting": {"orders": []}}))
    assert decode(bootstrap({"done": {"latest_transact_time": "1"}}))["bootstrap"]["done"]
    heartbeat = decode(response({"heartbeat": {"request_id": "0", "timestamp": "5"}}))
    assert heartbeat == {"response": {"heartbeat": {"request_id": "0", "timestamp": "5"}}}


def test_a_fill_gives_the_trade_its_fee_and_the_orders_state() -> None:
    fill = {"msg_seq_num": "1", "market_id": "100006", "client_order_id": "1123", "exchange_order_id": "77",
            "fill_price": "300000", "fill_quantity": "500", "leaves_quantity": "0", "fill_quote_quantity": "150000000",
            "transact_time": "1710314637443860607", "subaccount_id": "8", "cumulative_quantity": "1000",
            "side": "ASK", "aggressor_indicator": True, "fee_ratio": {"mantissa": "11", "exponent": -4},
            "trade_id": "5"}
    trade, update = socket_fill(MARKET, fill)
    assert (trade.fill_price, trade.fill_base_amount, trade.fill_quote_amount) == (
        Decimal("3000.00"), Decimal("0.5"), Decimal("1500"))
    # An ask receives the quote: 1500 USDC at 11 pips.
    assert trade.fee.flat_fees[0].token == "USDC" and trade.fee.flat_fees[0].amount == Decimal("1.65")
    assert trade.is_maker is False and trade.trade_id == "5:300000:500"
    assert update.new_state is OrderState.FILLED and update.executed_amount == Decimal("1")


def test_a_fee_is_rounded_down_to_the_assets_raw_unit() -> None:
    # The docs' example: 5 BTC at 11 pips is 550 000 satoshi; a fraction of a raw unit is dropped.
    btc = Asset(1, "BTC", 8)
    assert fee_paid(btc, Decimal(5), {"mantissa": "11", "exponent": -4}) == Decimal("0.0055")
    assert fee_paid(btc, Decimal("0.00000001"), {"mantissa": "11", "exponent": -4}) == Decimal("0E-8")
