"""The XRP Ledger connector against the documented examples and a loopback rippled that verifies what it
is sent (clobconn/testing/rippled.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from xrpl.core import keypairs
from xrpl.core.binarycodec import encode, encode_for_signing
from xrpl.models.transactions import OfferCreate, Transaction
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, TimeInForce, TradeType
from clobconn.core.errors import (
    BadSymbol,
    InsufficientFunds,
    InvalidCredentials,
    InvalidOrder,
    InvalidOrderArgument,
    NotSupported,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderRuleViolation,
)
from clobconn.core.registry import get_connector
from clobconn.core.xrpl.amounts import ROUND_CEILING, Asset, ledger_amount, parse_pair
from clobconn.core.xrpl.signing import XrplWallet
from clobconn.exchange.xrpl.exchange import XrplExchange
from clobconn.exchange.xrpl.parsers import account_events, book_levels, token_balances
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.helpers import eventually, state_of
from clobconn.testing.mock_venue import MockVenue
from clobconn.testing.rippled import RippledNode, Validation

FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "xrpl")
SEED = "sn3nxiW7v8KXzPzAqzyHXbSSKNuN9"
ADDRESS = "rMCcNuTcajgw7YTgBy1sys3b89QqjUrMpH"
ISSUER = "rhub8VRN55s94qWKDv6jmDy1pUykJzF3wq"
PAIR = f"XRP-USD.{ISSUER}"
USD = {"currency": "USD", "issuer": ISSUER}


def order_of(pair: str, side: TradeType, amount: str, sequence: str, cid: str = "xr1") -> InFlightOrder:
    return InFlightOrder(cid, pair, OrderType.LIMIT, side, Decimal(amount), 0.0, price=Decimal(1),
                         exchange_order_id=sequence, state=OrderState.PENDING_CREATE)


# == the documented examples ======================================================================

def test_the_documented_offer_create_signature_verifies_and_hashes_as_documented() -> None:
    answer = FIXTURES.payload("tx_offer_create")["result"]
    fields = {k: v for k, v in answer["tx_json"].items() if k not in ("ledger_index", "ctid", "date")}
    signature = fields.pop("TxnSignature")
    assert keypairs.is_valid_message(bytes.fromhex(encode_for_signing(fields)), bytes.fromhex(signature),
                                     fields["SigningPubKey"])
    assert Transaction.from_xrpl({**fields, "TxnSignature": signature}).get_hash() == answer["hash"]
    # One changed digit and it no longer verifies: the check the loopback node makes can fail.
    tampered = {**fields, "Fee": "13"}
    assert not keypairs.is_valid_message(bytes.fromhex(encode_for_signing(tampered)), bytes.fromhex(signature),
                                         fields["SigningPubKey"])


def test_the_documented_offer_create_rests_and_its_replaced_offer_is_cancelled_without_a_fill() -> None:
    answer = FIXTURES.payload("tx_offer_create")["result"]
    pair = "XRP-CNY.rKiCet8SdvWxPXnAgYarFUXMh1zCPz432Y"
    new = order_of(pair, TradeType.SELL, "15000", "5037710", "new")
    old = order_of(pair, TradeType.SELL, "15000", "5037708", "old")
    orders = {"5037710": new, "5037708": old}
    events = account_events(answer, "rhhh49pFH96roGyuC4E5P4CHaNjS1k8gzM", orders.get)
    states = {(e.client_order_id, e.new_state) for e in events}
    assert states == {("new", OrderState.OPEN), ("old", OrderState.CANCELED)}
    assert all(not hasattr(e, "trade_id") for e in events)


def test_documented_book_offers_become_levels_priced_in_the_quote() -> None:
    offers = FIXTURES.payload("book_offers")["result"]["offers"]
    issuer = "rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B"
    bids, asks = book_levels(f"EUR.{issuer}-USD.{issuer}", offers)
    assert bids == []
    # TakerPays / TakerGets: 27.05340557506234 USD for 17.90363633316433 EUR.
    assert [Decimal(p) for p, _ in asks] == [Decimal("1.51105647320088"), Decimal("1.65")]
    assert Decimal(asks[0][1]) == Decimal("17.90363633316433")
    # The same offers seen from the other side of the pair are bids on it, sized in its base.
    bids, asks = book_levels(f"USD.{issuer}-EUR.{issuer}", offers)
    assert asks == [] and Decimal(bids[1][1]) == Decimal("4.19552633596446")


def test_documented_trust_lines_are_balances_named_code_dot_issuer() -> None:
    lines = FIXTURES.payload("account_lines")["result"]["lines"]
    balances = {b.asset: b.total for b in token_balances(lines)}
    assert balances["MXN.rHpXfibHgSb64n8kK9QWDpdbfqSpYbM9a4"] == Decimal("481.992867407479")
    assert all(total >= 0 for total in balances.values())


# == assets and amounts ===========================================================================

def test_pairs_name_issued_tokens_by_code_and_issuer() -> None:
    assert parse_pair(PAIR) == (Asset("XRP"), Asset("USD", ISSUER))
    hex_code = "0158415500000000C1F76FF6ECB0BAC600000000"
    assert parse_pair(f"{hex_code}.{ISSUER}-XRP")[0].currency == hex_code
    for bad in ("XRP-USD", f"XRP-USD.{ISSUER[:-1]}x", "XRP-XRP", f"XRP-XRP.{ISSUER}", f"XRP-US.{ISSUER}"):
        with pytest.raises(BadSymbol):
            parse_pair(bad)


def test_amounts_are_exact_drops_and_fifteen_significant_digits() -> None:
    assert ledger_amount(Asset("XRP"), Decimal("1.5"), "amount", PAIR) == "1500000"
    with pytest.raises(InvalidOrderArgument, match="drops"):
        ledger_amount(Asset("XRP"), Decimal("0.0000001"), "amount", PAIR)
    usd = Asset("USD", ISSUER)
    assert ledger_amount(usd, Decimal("1.23456789012345"), "amount", PAIR)["value"] == "1.23456789012345"
    with pytest.raises(InvalidOrderArgument, match="15 significant"):
        ledger_amount(usd, Decimal("1.234567890123456"), "amount", PAIR)
    # A derived amount rounds the way asked, to 15 digits.
    assert ledger_amount(usd, Decimal("1.234567890123451"), "price", PAIR, ROUND_CEILING)["value"] == \
        "1.23456789012346"


def test_a_bad_seed_is_refused_without_naming_it() -> None:
    with pytest.raises(InvalidCredentials) as info:
        XrplWallet(SecretStr("sNotAValidSeedAtAll1234567890"), "xrpl")
    assert "sNotAValid" not in str(info.value)
    assert SEED not in repr(XrplWallet(SecretStr(SEED), "xrpl"))


# == against the loopback node ====================================================================

class TestAgainstNode:
    venue: MockVenue
    node: RippledNode
    conn: XrplExchange

    @pytest_asyncio.fixture(autouse=True)
    async def _node(self) -> AsyncIterator[None]:
        self.venue = MockVenue()
        await self.venue.start()
        self.node = RippledNode(self.venue)
        self.node.add_account(ADDRESS, sequence=7, owner_count=1,
                              lines=[{"account": ISSUER, "balance": "50", "currency": "USD", "limit": "1000"}])
        self.node.offers = [
            {"Account": ISSUER, "Sequence": 1, "TakerGets": "20000000", "TakerPays": {**USD, "value": "11"}},
            {"Account": ISSUER, "Sequence": 2, "TakerGets": {**USD, "value": "4.5"}, "TakerPays": "10000000"},
        ]
        conn = get_connector("xrpl", seed=SEED, trading_pairs=[PAIR], node_url=self.venue.http_url,
                             node_ws_url=self.venue.ws_url, fast_poll_interval=3600.0, slow_poll_interval=3600.0,
                             request_timeout=1.0)
        assert isinstance(conn, XrplExchange)
        self.conn = conn
        await conn.start()
        await conn.wait_ready(timeout=5)
        try:
            yield
        finally:
            await conn.stop()
            await self.venue.stop()

    async def place(self, side: TradeType = TradeType.BUY, amount: str = "10", price: str = "0.5",
                    tif: TimeInForce | None = None) -> InFlightOrder:
        return await self.conn.place_order(PAIR, side, Decimal(amount), OrderType.LIMIT, Decimal(price),
                                           time_in_force=tif)

    async def test_the_book_comes_from_the_snapshot_and_is_refreshed_at_each_ledger_close(self) -> None:
        book = self.conn.get_order_book(PAIR)
        assert book.best_ask == Decimal("0.55") and book.best_bid == Decimal("0.45")
        self.node.offers[0]["TakerPays"] = {**USD, "value": "12"}
        await self.node.close_ledger()
        await eventually(lambda: book.best_ask == Decimal("0.6"), what="the book refreshed at the ledger close")
        assert book.is_synced

    async def test_balances_hold_xrp_above_the_reserve_and_the_trust_lines(self) -> None:
        assert self.conn.get_balance("XRP") == Decimal(100)
        # 1 XRP base reserve and 0.2 for the one object the account owns.
        assert self.conn.get_available_balance("XRP") == Decimal("98.8")
        assert self.conn.get_balance(f"USD.{ISSUER}") == Decimal(50)

    async def test_an_offer_is_signed_submitted_once_and_final_only_when_validated(self) -> None:
        order = await self.place()
        assert order.state is OrderState.PENDING_CREATE and order.exchange_order_id == "7"
        [sent] = self.node.submitted
        assert sent.fields["TransactionType"] == "OfferCreate" and sent.fields["Sequence"] == 7
        assert sent.fields["TakerPays"] == "10000000" and sent.fields["TakerGets"] == {**USD, "value": "5"}
        assert sent.fields["LastLedgerSequence"] == self.node.ledger_index + 20
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.OPEN, what="the validated offer")
        assert len(self.node.submitted) == 1

    async def test_concurrent_orders_take_consecutive_sequences(self) -> None:
        orders = await asyncio.gather(*(self.place(amount=str(n)) for n in (1, 2, 3)))
        assert sorted(int(o.exchange_order_id or 0) for o in orders) == [7, 8, 9]
        assert self.node.refused_signatures == 0 and len(self.node.submitted) == 3

    async def test_a_tec_result_in_the_validated_ledger_fails_the_order(self) -> None:
        self.node.validation = Validation.FAIL
        order = await self.place()
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.FAILED, what="the failed offer")
        assert "tecUNFUNDED_OFFER" in (order.failure_reason or "")

    async def test_a_delayed_validation_keeps_the_order_pending_until_it_comes(self) -> None:
        self.node.validation = Validation.DELAYED
        order = await self.place()
        await self.node.close_ledger()
        await self.conn._reconcile_order(order)
        assert order.state is OrderState.PENDING_CREATE
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.OPEN, what="the late validation")

    async def test_past_its_last_ledger_an_unvalidated_order_fails_and_is_never_resubmitted(self) -> None:
        self.node.validation = Validation.NEVER
        order = await self.place()
        for _ in range(20):
            await self.node.close_ledger()
        await self.conn._reconcile_order(order)
        assert order.state is OrderState.PENDING_CREATE
        await self.node.close_ledger()
        await self.conn._reconcile_order(order)
        assert order.state is OrderState.FAILED and "LastLedgerSequence" in (order.failure_reason or "")
        assert len(self.node.submitted) == 1

    async def test_a_lost_submit_answer_is_settled_by_the_ledger_and_the_sequence_read_again(self) -> None:
        self.node.submit_delay = 1.5
        with pytest.raises(OrderOutcomeUnknown):
            await self.place()
        [order] = self.conn.in_flight_orders.values()
        assert order.outcome_unknown and order.exchange_order_id == "7"
        self.node.submit_delay = 0.0
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.OPEN, what="the order found in the ledger")
        assert len(self.node.submitted) == 1
        second = await self.place()
        assert second.exchange_order_id == "8"
        reads = [r for r in self.venue.requests if r.json and r.json["method"] == "account_info"
                 and r.json["params"][0]["ledger_index"] == "current"]
        assert len(reads) == 2

    async def test_a_partial_crossing_fills_once_whichever_path_brings_it(self) -> None:
        def crossed(fields: dict[str, Any]) -> dict[str, Any]:
            # Our buy of 10 XRP at 0.5 takes 4 XRP for 1.8 USD from the issuer's offer; 6 XRP rest.
            return {"AffectedNodes": [
                {"ModifiedNode": {"LedgerEntryType": "Offer", "FinalFields": {
                    "Account": ISSUER, "Sequence": 1, "TakerGets": "16000000", "TakerPays": {**USD, "value": "9.2"}},
                    "PreviousFields": {"TakerGets": "20000000", "TakerPays": {**USD, "value": "11"}}}},
                {"CreatedNode": {"LedgerEntryType": "Offer", "NewFields": {
                    "Account": ADDRESS, "Sequence": fields["Sequence"], "TakerGets": {**USD, "value": "3"},
                    "TakerPays": "6000000"}}}]}
        self.node.meta_hook = crossed
        order = await self.place()
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.PARTIALLY_FILLED, what="the partial crossing")
        [fill] = order.fills.values()
        assert fill.fill_base_amount == Decimal(4) and fill.fill_quote_amount == Decimal("1.8")
        assert fill.fill_price == Decimal("0.45") and fill.is_maker is False
        for fill in await self.conn._fetch_order_fills(order):
            self.conn.orders.process_trade_update(fill)
        assert len(order.fills) == 1 and order.executed_amount_base == Decimal(4)

    async def test_a_resting_offer_fills_as_maker_then_ends_filled(self) -> None:
        order = await self.place()
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.OPEN)
        ours = {"Account": ADDRESS, "Sequence": 7}
        taker = {"Account": ISSUER, "TransactionType": "OfferCreate", "Sequence": 50, "date": 800_000_000}
        partial = {"type": "transaction", "validated": True, "hash": "A" * 64, "tx_json": taker, "meta": {
            "TransactionResult": "tesSUCCESS", "AffectedNodes": [{"ModifiedNode": {"LedgerEntryType": "Offer",
                "FinalFields": {**ours, "TakerGets": {**USD, "value": "2"}, "TakerPays": "4000000"},
                "PreviousFields": {"TakerGets": {**USD, "value": "5"}, "TakerPays": "10000000"}}}]}}
        await self.venue.push("/", partial)
        await self.venue.push("/", partial)  # the same transaction twice: one fill
        await eventually(lambda: state_of(order) is OrderState.PARTIALLY_FILLED)
        rest = {**partial, "hash": "B" * 64, "meta": {"TransactionResult": "tesSUCCESS", "AffectedNodes": [
            {"DeletedNode": {"LedgerEntryType": "Offer", "FinalFields": {**ours, "TakerGets": {**USD, "value": "0"},
                                                                          "TakerPays": "0"},
                             "PreviousFields": {"TakerGets": {**USD, "value": "2"}, "TakerPays": "4000000"}}}]}}
        await self.venue.push("/", rest)
        await eventually(lambda: state_of(order) is OrderState.FILLED)
        assert [f.fill_base_amount for f in order.fills.values()] == [Decimal(6), Decimal(4)]
        assert all(f.is_maker for f in order.fills.values())

    async def test_a_cancel_is_an_offer_cancel_and_final_when_the_ledger_removes_the_offer(self) -> None:
        order = await self.place()
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.OPEN)
        assert await self.conn.cancel_order(PAIR, order.client_order_id) is False
        cancel = self.node.submitted[-1]
        assert cancel.fields["TransactionType"] == "OfferCancel" and cancel.fields["OfferSequence"] == 7
        assert cancel.fields["Sequence"] == 8
        self.node.meta_hook = lambda fields: {"AffectedNodes": [{"DeletedNode": {"LedgerEntryType": "Offer",
            "FinalFields": {"Account": ADDRESS, "Sequence": 7, "TakerGets": {**USD, "value": "5"},
                            "TakerPays": "10000000"}}}]}
        await self.node.close_ledger()
        await eventually(lambda: state_of(order) is OrderState.CANCELED, what="the validated cancel")

    async def test_bad_input_is_refused_before_anything_is_signed_or_sent(self) -> None:
        sent = len(self.venue.requests)
        with pytest.raises(OrderRuleViolation):
            await self.place(amount="0.0000001")  # less than a drop
        with pytest.raises(BadSymbol):
            await self.conn.place_order(f"XRP-EUR.{ISSUER}", TradeType.BUY, Decimal(1), OrderType.LIMIT, Decimal(1))
        with pytest.raises(NotSupported):
            await self.conn.place_order(PAIR, TradeType.BUY, Decimal(1), OrderType.MARKET)
        assert len(self.venue.requests) == sent and self.node.submitted == []

    async def test_the_quote_amount_rounds_to_the_ledger_never_against_the_limit_price(self) -> None:
        await self.place(amount="3", price="0.1234567890123456789")
        await self.place(side=TradeType.SELL, amount="3", price="0.1234567890123456789")
        buy, sell = (s.fields for s in self.node.submitted)
        # A buy gives at most price x size; a sell asks at least that, each to 15 significant digits.
        assert buy["TakerGets"]["value"] == "0.370370367037037" and sell["TakerPays"]["value"] == "0.370370367037038"

    async def test_a_token_without_a_trust_line_is_refused_with_a_clear_error(self) -> None:
        self.conn._trust_lines = set()
        with pytest.raises(InvalidOrder, match="no trust line to USD"):
            await self.place()
        assert self.node.submitted == []

    async def test_an_account_at_its_reserve_is_refused_a_resting_offer(self) -> None:
        self.node.accounts[ADDRESS].balance_drops = 1_300_000
        await self.conn._update_balances()
        with pytest.raises(InsufficientFunds, match="reserve"):
            await self.place()
        assert self.node.submitted == []

    async def test_a_past_sequence_is_read_again_from_the_node(self) -> None:
        await self.place()
        self.node.accounts[ADDRESS].sequence = 10  # another client of the account used 8 and 9
        with pytest.raises(OrderRejected, match="tefPAST_SEQ"):
            await self.place()
        order = await self.place()
        assert order.exchange_order_id == "10" and [s.fields["Sequence"] for s in self.node.submitted] == [7, 10]

    async def test_the_node_refuses_a_blob_not_signed_by_the_account(self) -> None:
        other = Wallet.from_seed("snoPBrXtMeMyMHUVTgbuqAfg1SUTb")
        tx = OfferCreate(account=ADDRESS, taker_gets="1", taker_pays={**USD, "value": "1"}, sequence=7, fee="10",
                         signing_pub_key=other.public_key, last_ledger_sequence=self.node.ledger_index + 5)
        result = self.node._submit({"tx_blob": encode(sign(tx, other).to_xrpl())})
        assert result["status"] == "error" and self.node.refused_signatures == 1

    async def test_a_refusal_on_submit_fails_the_order_with_the_mapped_error(self) -> None:
        self.node.submit_answers = ["temBAD_OFFER"]
        with pytest.raises(InvalidOrder, match="temBAD_OFFER"):
            await self.place()
        [order] = self.conn.in_flight_orders.values() or self.conn.orders.finished.values()
        assert order.state is OrderState.FAILED
        # Not applied, so its Sequence is still the next one.
        assert (await self.place()).exchange_order_id == "7"

    async def test_the_seed_is_never_in_logs_reprs_or_errors(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        self.node.submit_answers = ["temBAD_OFFER"]
        with pytest.raises(InvalidOrder) as info:
            await self.place()
        await self.place()
        await self.node.close_ledger()
        connections = self.venue.connections("/")
        await self.venue.drop("/")  # the account stream subscribes again
        await self.venue.wait_for_connections("/", count=connections + 2, timeout=8)
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], what="the account stream back")
        texts = [caplog.text, repr(self.conn), repr(self.conn.config), str(self.conn.config), repr(self.conn.auth),
                 self.conn.config.model_dump_json(), str(info.value), repr(info.value), repr(info.value.request)]
        for text in texts:
            assert SEED not in text
        # The seed did sign what the node received, so the check above was not vacuous.
        assert self.node.submitted[0].fields["Account"] == ADDRESS and self.node.refused_signatures == 0
