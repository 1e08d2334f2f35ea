"""dYdX v4 over a loopback indexer (REST and WS) and a loopback validator node that decodes every transaction,
checks its signature against the key it names, its chain id, account number and sequence (CosmosNodeMock)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from v4_proto.dydxprotocol.clob.tx_pb2 import MsgCancelOrder, MsgPlaceOrder

from clobconn.core.cosmos.signing import CosmosSigner
from clobconn.core.data_types import Balance, OrderState, OrderType, TradeType
from clobconn.core.errors import (
    AuthenticationError,
    InvalidArgument,
    InvalidCredentials,
    OrderOutcomeUnknown,
    OrderRuleViolation,
)
from clobconn.core.events import EventType
from clobconn.core.registry import get_connector
from clobconn.core.web.ws import StreamAction
from clobconn.derivative.dydx_v4_perpetual import constants as dydx_constants
from clobconn.derivative.dydx_v4_perpetual.derivative import DydxV4PerpetualDerivative
from clobconn.derivative.dydx_v4_perpetual.user_stream_data_source import DydxV4PerpetualUserStreamDataSource
from clobconn.testing.cosmos_node import CosmosNodeMock, NodeAccount, short_term_only
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.helpers import eventually
from clobconn.testing.mock_venue import MockVenue

# The BIP-39 test phrase: its account at m/44'/118'/0'/0/0 is cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4, and
# dydx19rl4cm2hmr8afy4kldpxz3fka4jguq0a4erelz with dYdX's prefix, in Cosmos wallet libraries' test vectors
# (cosmjs-derived ones among them; the same address as Keplr shows for it): never fund it.
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
FIXTURES = FixtureSet(Path(__file__).parents[2] / "fixtures" / "dydx_v4_perpetual")
WS_PATH = "/v4/ws"
CHAIN = "dydx-mainnet-1"


def subscribed_to(channel: str) -> Any:
    return lambda session: any(isinstance(m, dict) and m.get("channel") == channel for m in session)


class Harness:
    def __init__(self, venue: MockVenue) -> None:
        self.venue = venue
        self.address = CosmosSigner(SecretStr(MNEMONIC), "dydx", "test").address
        self.node = CosmosNodeMock(venue, CHAIN, "dydx", skips_sequence=short_term_only)
        self.node.accounts[self.address] = NodeAccount(number=77, sequence=5)
        self.message_ids = itertools.count(1)
        self.orders: list[dict[str, Any]] = []
        venue.route("GET", "/v4/perpetualMarkets", FIXTURES.payload("markets"))
        venue.route("GET", "/v4/addresses/{address}/subaccountNumber/{number}",
                    FIXTURES.payload("subaccount", {"address": self.address}))
        venue.route("GET", "/v4/perpetualPositions", FIXTURES.payload("positions"))
        venue.route("GET", "/v4/fundingPayments", FIXTURES.payload("funding_payments"))
        venue.route("GET", "/v4/orders", lambda _: self.orders_answer())
        venue.route("GET", "/v4/fills", {"fills": []})
        venue.on_ws_connect(WS_PATH, lambda _: [{"type": "connected", "connection_id": "c1", "message_id": 0}])
        venue.on_ws_message(WS_PATH, self.reply)

    def orders_answer(self) -> Any:
        from clobconn.testing.mock_venue import MockResponse
        return MockResponse(self.orders)

    def reply(self, message: Any) -> list[Any]:
        if not isinstance(message, dict) or message.get("type") != "subscribe":
            return []
        channel = message["channel"]
        if channel == "v4_orderbook":
            return [FIXTURES.payload("book_subscribed", {"message_id": next(self.message_ids)})]
        if channel == "v4_subaccounts":
            return [FIXTURES.payload("account_subscribed", {"address": self.address})]
        return [{"type": "subscribed", "message_id": next(self.message_ids), "channel": channel,
                 "id": message["id"], "contents": {"trades": []}}]

    async def push_book(self, bids: list[list[str]], asks: list[list[str]], skip: int = 0) -> None:
        for _ in range(skip):
            next(self.message_ids)
        variables = {"message_id": next(self.message_ids), "bids": bids, "asks": asks}
        frame = FIXTURES.payload("book_channel_data", variables)
        await self.venue.push_where(WS_PATH, frame, subscribed_to("v4_orderbook"))

    def connector(self, **config: Any) -> DydxV4PerpetualDerivative:
        conn = get_connector("dydx_v4_perpetual", mnemonic=MNEMONIC, trading_pairs=["BTC-USD"],
                             rest_url=f"{self.venue.http_url}/v4", ws_url=f"{self.venue.ws_url}{WS_PATH}",
                             node_url=self.node.url, **config)
        assert isinstance(conn, DydxV4PerpetualDerivative)
        return conn


@pytest_asyncio.fixture
async def harness() -> AsyncIterator[Harness]:
    async with MockVenue() as venue:
        yield Harness(venue)


@pytest_asyncio.fixture
async def conn(harness: Harness) -> AsyncIterator[DydxV4PerpetualDerivative]:
    connector = harness.connector()
    async with connector:
        yield connector


def placements(harness: Harness) -> list[MsgPlaceOrder]:
    return [m for tx in harness.node.accepted for m in tx.messages if isinstance(m, MsgPlaceOrder)]


# == keys and transactions ========================================================================

def test_a_bad_mnemonic_is_refused_without_repeating_it(caplog: pytest.LogCaptureFixture) -> None:
    words = "abandon abandon abandon secretword"
    with pytest.raises(InvalidCredentials) as refused:
        get_connector("dydx_v4_perpetual", mnemonic=words)
    assert "secretword" not in str(refused.value) and "BIP-39" in str(refused.value)


def test_the_mnemonic_never_shows_in_reprs() -> None:
    conn = get_connector("dydx_v4_perpetual", mnemonic=MNEMONIC)
    for text in (repr(conn), repr(conn.config), repr(conn.auth), str(conn.config.model_dump())):
        assert "abandon" not in text


# == quantums and subticks ========================================================================

async def test_quantums_and_subticks_are_exact_and_off_unit_values_refused(conn: DydxV4PerpetualDerivative) -> None:
    # BTC-USD: atomicResolution -10 (a quantum is 1e-10 BTC), quantumConversionExponent -9: a subtick is
    # 1e-5 USD per BTC, so a 1 USD tick is 100000 subticks (subticksPerTick).
    assert conn.quantums("BTC-USD", Decimal("0.0011")) == 11_000_000
    assert conn.subticks("BTC-USD", Decimal("65432")) == 6_543_200_000
    assert conn.subticks("BTC-USD", Decimal("1")) == 100_000
    with pytest.raises(InvalidArgument):
        conn.quantums("BTC-USD", Decimal("1E-11"))


# == orders as transactions =======================================================================

async def test_a_resting_limit_order_is_a_long_term_transaction_that_takes_a_sequence(
        harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    order = await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.0011"), OrderType.LIMIT, Decimal("65000"))
    (tx,) = harness.node.accepted
    (placed,) = placements(harness)
    body = placed.order
    assert (tx.address, tx.sequence) == (conn.address, 5) and harness.node.accounts[conn.address].sequence == 6
    assert (body.order_id.subaccount_id.owner, body.order_id.subaccount_id.number) == (conn.address, 0)
    assert (body.order_id.client_id, body.order_id.order_flags, body.order_id.clob_pair_id) == (
        int(order.client_order_id), 64, 0)
    assert (body.side, body.quantums, body.subticks, body.time_in_force) == (1, 11_000_000, 6_500_000_000, 0)
    assert body.WhichOneof("good_til_oneof") == "good_til_block_time" and not body.reduce_only
    assert order.state is OrderState.OPEN and 0 < int(order.client_order_id) < 2**32


async def test_a_market_order_is_short_term_good_til_block_and_consumes_no_sequence(
        harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    await eventually(lambda: conn.get_order_book("BTC-USD").is_synced, what="book")
    await conn.place_order("BTC-USD", TradeType.SELL, Decimal("0.001"), OrderType.MARKET)
    (body,) = (m.order for m in placements(harness))
    assert body.order_id.order_flags == 0 and body.good_til_block == harness.node.height + 20
    # IOC, at the best bid (28194) less 5%, on the 1 USD tick, rounded away from the book.
    assert (body.time_in_force, body.side, body.subticks) == (1, 2, 2_678_400_000)
    assert harness.node.accounts[conn.address].sequence == 5


async def test_concurrent_long_term_orders_never_share_a_sequence(
        harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    await asyncio.gather(*(conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT,
                                            Decimal(60000 + i)) for i in range(4)))
    assert sorted(tx.sequence for tx in harness.node.accepted) == [5, 6, 7, 8] and not harness.node.refused


async def test_a_sequence_taken_elsewhere_is_read_again_and_the_order_sent_once_more(
        harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
    harness.node.accounts[conn.address].sequence += 3  # another client of the account sent three
    await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60001"))
    assert [code for code, _ in harness.node.refused] == [32]
    assert [tx.sequence for tx in harness.node.accepted] == [5, 9]


async def test_a_refused_signature_is_an_authentication_error(harness: Harness) -> None:
    # A connector that signs for another chain: the node cannot verify it (code 4).
    conn = harness.connector(chain_id="dydx-testnet-4")
    conn.trading_rules.clear()
    await conn._update_trading_rules()
    with pytest.raises(AuthenticationError):
        await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
    assert [code for code, _ in harness.node.refused] == [4] and not harness.node.accepted
    await conn.stop()


async def test_a_node_of_another_chain_is_refused_at_start(harness: Harness) -> None:
    conn = harness.connector(chain_id="dydx-testnet-4")
    with pytest.raises(AuthenticationError, match="serves dydx-mainnet-1"):
        await conn.start()


async def test_bad_orders_are_refused_before_anything_is_signed(harness: Harness) -> None:
    async with harness.connector(strict_quantize=True) as conn:
        with pytest.raises(OrderRuleViolation):
            await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.00015"), OrderType.LIMIT, Decimal("60000"))
        with pytest.raises(OrderRuleViolation):
            await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000.5"))
        with pytest.raises(InvalidArgument):
            await conn.set_leverage("BTC-USD", Decimal("25"))  # initialMarginFraction 0.05: at most 20
        assert await conn.set_leverage("BTC-USD", Decimal("20")) == Decimal("20")
    assert not harness.venue.requests_to("POST", "/cosmos/tx/v1beta1/txs")


async def test_cancel_is_a_transaction_with_the_orders_flags(harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    order = await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
    await conn.cancel_order("BTC-USD", order.client_order_id)
    cancel = harness.node.accepted[-1].messages[0]
    assert isinstance(cancel, MsgCancelOrder)
    assert (cancel.order_id.client_id, cancel.order_id.order_flags) == (int(order.client_order_id), 64)
    assert cancel.WhichOneof("good_til_oneof") == "good_til_block_time"
    assert harness.node.accepted[-1].sequence == 6 and not harness.venue.requests_to("GET", "/v4/orders")


async def test_an_order_is_cancelled_with_the_flags_its_id_was_made_of(harness: Harness) -> None:
    async with harness.connector(short_term_orders=True) as conn:
        order = await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
        assert order.exchange_order_id == conn.indexer_order_id("BTC-USD", order.client_order_id, 0)
        # As after a restart with resting orders long-term again: the order's id still says it was short-term.
        conn.config = conn.config.model_copy(update={"short_term_orders": False})
        await conn.cancel_order("BTC-USD", order.client_order_id)
    cancel = harness.node.accepted[-1].messages[0]
    assert isinstance(cancel, MsgCancelOrder) and cancel.order_id.order_flags == 0
    assert cancel.good_til_block == harness.node.height + 20 and not harness.venue.requests_to("GET", "/v4/orders")
    assert harness.node.accounts[conn.address].sequence == 5  # short-term: no sequence taken


def test_the_indexer_ids_are_the_uuids_of_the_identities() -> None:
    """websocket-documentation.md's v4_subaccounts example: dydx1zsw8fczav25uvc8rg3zcv6zy9j7yhnktpq374m/0 is
    subaccountId db535c19-b298-5ee8-bb59-e96c659a8bd4; an order's id hashes that id with its own identity."""
    namespace = dydx_constants.INDEXER_UUID_NAMESPACE
    subaccount = uuid.uuid5(namespace, "dydx1zsw8fczav25uvc8rg3zcv6zy9j7yhnktpq374m-0")
    assert str(subaccount) == "db535c19-b298-5ee8-bb59-e96c659a8bd4"
    conn = get_connector("dydx_v4_perpetual", mnemonic=MNEMONIC, trading_pairs=["BTC-USD"])
    assert isinstance(conn, DydxV4PerpetualDerivative)
    conn.markets["BTC-USD"] = {"clobPairId": "0"}
    mine = uuid.uuid5(namespace, f"{conn.address}-0")
    assert conn.indexer_order_id("BTC-USD", "42", 64) == str(uuid.uuid5(namespace, f"{mine}-42-0-64"))
    assert conn.indexer_order_id("BTC-USD", "42", 0) != conn.indexer_order_id("BTC-USD", "42", 64)


# == the indexer: book, account, positions, funding ================================================

async def test_a_crossed_book_is_reported_and_rebuilt(harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    book = conn.get_order_book("BTC-USD")
    await eventually(lambda: book.is_synced, what="book")
    lost: list[Any] = []
    conn.add_listener(EventType.BOOK_SYNC_LOST, lost.append)
    await harness.push_book([["28200", "1"]], [])  # a bid above the best ask (28195)
    await eventually(lambda: bool(lost), what="the crossed book reported")
    assert lost[0].reason == "crossed"
    # It resubscribes: the fresh snapshot is in step again.
    await eventually(lambda: book.is_synced and book.best_bid == Decimal("28194"), what="rebuilt")
    sent = [m for m in harness.venue.endpoint(WS_PATH).received if isinstance(m, dict)]
    assert {"type": "unsubscribe", "channel": "v4_orderbook", "id": "BTC-USD"} in sent


async def test_a_skipped_message_id_resyncs_the_book(harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    book = conn.get_order_book("BTC-USD")
    await eventually(lambda: book.is_synced, what="book")
    await harness.push_book([["28190", "0"]], [["28195", "1.5"]])
    await eventually(lambda: book.asks()[0].size == Decimal("1.5"), what="a diff applied")
    lost: list[Any] = []
    conn.add_listener(EventType.BOOK_SYNC_LOST, lost.append)
    await harness.push_book([["28100", "1"]], [], skip=1)
    await eventually(lambda: bool(lost) and lost[0].reason == "gap", what="the gap reported")


async def test_the_account_stream_fills_an_order(harness: Harness, conn: DydxV4PerpetualDerivative) -> None:
    # The subscription's answer: the subaccount's equity and free collateral, and that the stream is live.
    answer = FIXTURES.payload("account_subscribed", {"address": conn.address})
    source = DydxV4PerpetualUserStreamDataSource(conn)
    assert list(source.parse(answer)) == [StreamAction.SUBSCRIBED, Balance("USDC", Decimal("100000"), Decimal("99000"))]
    order = await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("65000"))
    # The indexer names the order by the id the connector gave it at placement.
    frame = FIXTURES.payload("account_channel_data", {"address": conn.address, "client_id": order.client_order_id,
                                                      "order_id": order.exchange_order_id})
    await harness.venue.push_where(WS_PATH, frame, subscribed_to("v4_subaccounts"))
    await eventually(lambda: order.state is OrderState.FILLED, what="filled")
    (fill,) = order.fills.values()
    assert (fill.fill_price, fill.fill_base_amount, fill.is_maker) == (Decimal("65000"), Decimal("0.001"), True)
    assert order.exchange_order_id == conn.indexer_order_id("BTC-USD", order.client_order_id, 64)


async def test_positions_funding_info_and_payments(conn: DydxV4PerpetualDerivative) -> None:
    await conn._update_positions()
    position = conn.get_position("BTC-USD")
    assert position is not None and (position.amount, position.entry_price) == (Decimal("-0.25"), Decimal("65100.5"))
    info = conn.get_funding_info("BTC-USD")
    assert info is not None and (info.mark_price, info.rate) == (Decimal("65000.12"), Decimal("0.00001"))
    await conn._update_funding_payments()
    (payment,) = conn.funding_payments
    assert (payment.amount, payment.asset, payment.rate, payment.payment_id) == (
        Decimal("0.1625"), "USDC", Decimal("0.00001"), "950")


async def test_the_mnemonic_never_reaches_the_logs(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with harness.connector() as conn:
        await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
    assert caplog.records and not any("abandon" in r.getMessage() for r in caplog.records)


async def test_a_broadcast_without_answer_leaves_the_order_unknown_and_the_sequence_read_again(
        harness: Harness) -> None:
    async with harness.connector(request_timeout=0.5) as conn:
        harness.node.delay = 1.0  # the node takes the transaction, but answers too late
        with pytest.raises(OrderOutcomeUnknown):
            await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60000"))
        await eventually(lambda: len(harness.node.accepted) == 1, what="the late transaction accepted")
        harness.node.delay = 0.0
        accounts = len(harness.venue.requests_to("GET", f"/cosmos/auth/v1beta1/accounts/{conn.address}"))
        await conn.place_order("BTC-USD", TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, Decimal("60001"))
        # Never re-sent; the next order read the sequence the late one took, and was not refused for it.
        assert [tx.sequence for tx in harness.node.accepted] == [5, 6] and not harness.node.refused
        assert len(harness.venue.requests_to("GET", f"/cosmos/auth/v1beta1/accounts/{conn.address}")) == accounts + 1


async def test_a_subaccount_other_than_zero_is_followed_and_traded(harness: Harness) -> None:
    async with harness.connector(subaccount_number=3) as conn:
        await conn.place_order("BTC-USD", TradeType.SELL, Decimal("0.001"), OrderType.LIMIT_MAKER, Decimal("70000"))
        body = placements(harness)[0].order
        assert (body.order_id.subaccount_id.number, body.time_in_force) == (3, 2)  # TIME_IN_FORCE_POST_ONLY
        subscribe = [m for m in harness.venue.endpoint(WS_PATH).received
                     if isinstance(m, dict) and m.get("channel") == "v4_subaccounts"]
        assert subscribe == [{"type": "subscribe", "channel": "v4_subaccounts", "id": f"{conn.address}/3"}]
        balance_query = harness.venue.requests_to("GET", "/v4/addresses/{address}/subaccountNumber/{number}")[0]
        assert balance_query.path == f"/v4/addresses/{conn.address}/subaccountNumber/3"
        assert harness.venue.requests_to("GET", "/v4/perpetualPositions")[0].query["subaccountNumber"] == "3"
    with pytest.raises(ValueError):
        harness.connector(subaccount_number=-1)
