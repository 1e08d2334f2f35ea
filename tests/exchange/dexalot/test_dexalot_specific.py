"""What only Dexalot has: the x-signature proof, bytes32 ids, EVM-unit books and contract events, and the
trader events and REST rows parsed from the docs' own examples (tests/fixtures/dexalot, each with its URL)."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from clobconn.core.data_types import OrderState
from clobconn.core.errors import InvalidCredentials, InvalidOrderArgument
from clobconn.core.evm.signing import recover_personal_signer
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.dexalot.auth import DexalotAuth
from clobconn.exchange.dexalot.order_book_data_source import parse_book
from clobconn.exchange.dexalot.parsers import (
    TRADE_PAIRS,
    Market,
    from_bytes32,
    listed_fills,
    listed_order,
    order_id_hex,
    parse_pairs,
    receipt_events,
    stream_balance,
    stream_fills,
    stream_order,
    to_bytes32,
)
from clobconn.testing.fixtures import FixtureSet

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "dexalot")
KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
AVAX_USDC = Market("AVAX/USDC", "AVAX-USDC", "AVAX", "USDC", 18, 6, 2)
ALOT_USDC = Market("ALOT/USDC", "ALOT-USDC", "ALOT", "USDC", 18, 6, 4)


def test_x_signature_is_the_wallet_signing_dexalot() -> None:
    auth = DexalotAuth(SecretStr(KEY))
    request = auth.rest_authenticate(RestRequest("GET", "https://x/privapi/signed/orders", "/privapi/signed/orders",
                                                 params={"pair": "ALOT/USDC", "category": 0}))
    address, signature = request.headers["x-signature"].split(":")
    assert address == auth.address
    assert recover_personal_signer("dexalot", signature) == auth.address
    assert auth.ws_login_payload() == {"type": "tradereventsubscribe", "signature": request.headers["x-signature"]}
    assert KEY[2:] not in repr(auth) and auth.address in repr(auth)


def test_a_bad_private_key_is_refused_naming_the_format_never_the_key() -> None:
    with pytest.raises(InvalidCredentials, match="64 hex digits") as info:
        DexalotAuth(SecretStr("not-a-key-SECRET"))
    assert "SECRET" not in str(info.value)


def test_ids_and_symbols_are_bytes32() -> None:
    assert to_bytes32("ccB1abc", "client_order_id") == b"ccB1abc".ljust(32, b"\0")
    assert from_bytes32("0x" + b"ccB1abc".ljust(32, b"\0").hex()) == "ccB1abc"
    assert order_id_hex(b"\x63\xc1\x4c\xb7") == "0x" + "00" * 28 + "63c14cb7"
    with pytest.raises(InvalidOrderArgument, match="client_order_id"):
        to_bytes32("x" * 33, "client_order_id")


def test_pairs_parse_to_rules_from_the_display_decimals() -> None:
    ((market, rule),) = parse_pairs(FIXTURES.payload("pairs"))
    assert (market.trading_pair, market.symbol, market.base_decimals, market.quote_decimals) == (
        "ALOT-AVAX", "ALOT/AVAX", 18, 18)
    assert rule.min_price_increment == Decimal("0.0001") and rule.min_base_amount_increment == Decimal("0.1")
    assert rule.min_notional == Decimal("0.3") and rule.max_notional == Decimal(4000)


def test_units_are_exact_or_refused() -> None:
    assert AVAX_USDC.price_units(Decimal("20.01")) == 20_010_000
    assert AVAX_USDC.amount_units(Decimal("0.5")) == 5 * 10**17
    with pytest.raises(InvalidOrderArgument, match="price"):
        AVAX_USDC.price_units(Decimal("20.0000001"))


def test_order_book_frame_levels_come_from_evm_units() -> None:
    message = parse_book(AVAX_USDC, FIXTURES.payload("order_books")["data"])
    assert [[Decimal(p), Decimal(s)] for p, s in message.bids] == [[Decimal("20"), Decimal("1.5")],
                                                                  [Decimal("19.99"), Decimal(2)]]
    assert [[Decimal(p), Decimal(s)] for p, s in message.asks] == [[Decimal("20.01"), Decimal("0.5")]]
    empty = parse_book(AVAX_USDC, {"buyBook": [{"prices": "", "quantities": ""}], "sellBook": []})
    assert empty.bids == [] and empty.asks == []


def test_trader_events_from_the_docs() -> None:
    order = stream_order(ALOT_USDC, FIXTURES.payload("order_status_event")["data"])
    assert order.new_state is OrderState.CANCELED and order.executed_amount == Decimal(31)
    assert order.exchange_order_id == "0x" + "00" * 28 + "62c14ea5"
    maker = "0x051A4F1EBFb2d57D3655581c64979FBe5dDF5C71"
    (fill,) = stream_fills(ALOT_USDC, maker, FIXTURES.payload("execution_event")["data"])
    # The taker bought, so the maker sold: its fee is in the quote it received.
    assert fill.is_maker and fill.trade_id == "1673612966" and fill.fee.amount_in("USDC") == Decimal("0.0052")
    assert fill.exchange_order_id == "0x" + "00" * 28 + "63c14e1d" and fill.fill_quote_amount == Decimal("5.2018")
    balance = stream_balance(FIXTURES.payload("transaction_event")["data"])
    assert (balance.asset, balance.total, balance.available) == ("ALOT", Decimal("2199.49"), Decimal("2199.49"))


def test_rest_rows_from_the_docs() -> None:
    row = listed_order(ALOT_USDC, FIXTURES.payload("orders")["rows"][0])
    assert row.new_state is OrderState.OPEN and row.exchange_order_id.endswith("63c14cb7")
    (fill,) = listed_fills(ALOT_USDC, "mine", FIXTURES.payload("executions"))
    assert fill.fee.amount_in("USDC") == Decimal("0.1162") and fill.is_maker is False


def _order_struct(client_id: str, status: int, filled: int = 0) -> tuple[object, ...]:
    return (b"\0" * 28 + b"\x00\x00\x00\x07", to_bytes32(client_id, "id"), to_bytes32("AVAX/USDC", "pair"), 20_000_000,
            0, 10**18, filled, 0, "0x" + "ab" * 20, 0, 1, 0, status, 5, 5)


def test_receipt_events_give_our_orders_and_fills() -> None:
    me, other = "0x" + "ab" * 20, "0x" + "cd" * 20
    ours = TRADE_PAIRS.encode_log("OrderStatusChanged", version=2, traderaddress=me,
                                  pair=to_bytes32("AVAX/USDC", "pair"), order=_order_struct("ccBmine", 3, 10**18),
                                  previousUpdateBlock=0, code=b"\0" * 32)
    theirs = TRADE_PAIRS.encode_log("OrderStatusChanged", version=2, traderaddress=other,
                                    pair=to_bytes32("AVAX/USDC", "pair"), order=_order_struct("x", 0),
                                    previousUpdateBlock=0, code=b"\0" * 32)
    executed = TRADE_PAIRS.encode_log(
        "Executed", version=1, pair=to_bytes32("AVAX/USDC", "pair"), price=20_000_000, quantity=10**18,
        makerOrder=b"\0" * 31 + b"\x01", takerOrder=b"\0" * 28 + b"\x00\x00\x00\x07", feeMaker=2_000,
        feeTaker=10**15, takerSide=0, execId=99, addressMaker=other, addressTaker=me)
    orders, fills = receipt_events(AVAX_USDC, me, [theirs, ours, executed], 1.0)
    ((struct, code),) = orders
    assert from_bytes32(struct["clientOrderId"]) == "ccBmine" and struct["status"] == 3 and code == ""
    (fill,) = fills
    # We took as a buyer: a taker's fee is in the base it received, in the base's 18 decimals.
    assert (fill.trade_id, fill.fill_price, fill.fill_base_amount, fill.is_maker) == ("99", Decimal(20), 1, False)
    assert fill.fee.amount_in("AVAX") == Decimal("0.001") and fill.exchange_order_id.endswith("07")


def test_order_side_of_an_execution_with_ourselves_counts_twice() -> None:
    me = "0x" + "ab" * 20
    data = {**FIXTURES.payload("execution_event")["data"], "addressMaker": me, "addressTaker": me.upper()[:2] + me[2:]}
    sides = [(f.is_maker, f.fee.flat_fees[0].token) for f in stream_fills(ALOT_USDC, me, data)]
    assert sides == [(True, "USDC"), (False, "ALOT")]


def test_private_key_never_logged_by_the_auth(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    auth = DexalotAuth(SecretStr(KEY))
    auth.rest_authenticate(RestRequest("GET", "https://x/p", "/p"))
    assert KEY[2:] not in caplog.text
