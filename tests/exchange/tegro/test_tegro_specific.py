"""What only Tegro has: server-built typed data checked before signing, orders known by their hash, a
wallet that signs orders and cancels, and the venue's create-order example reproduced.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from clobconn.core.data_types import OrderType, TradeType
from clobconn.core.errors import ExchangeError, InsufficientAllowance, InvalidArgument
from clobconn.core.evm.receipts import TransactionReverted, TransactionUnconfirmed
from clobconn.core.evm.signing import recover_typed_data_signer, typed_data_digest
from clobconn.core.evm.typed_data import TypedDataMismatch
from clobconn.testing.evm_node import EvmNode, Mining, selector
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import eventually
from tests.exchange.tegro.conformance_hooks import (
    ADDRESS,
    EXCHANGE_CONTRACT,
    TYPED_CANCEL_PATH,
    TYPED_ORDER_PATH,
    TegroLoopback,
    typed_order,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tegro"


def test_the_create_order_example_hash_is_the_eip712_digest_of_its_order() -> None:
    # The venue's example: the order_hash it returns is the digest the wallet signs, so the connector can
    # hold the venue to it.
    example = FixtureSet(FIXTURES).payload("create_order_example")
    limit_order, typed = example["limit_order"], example["sign_data"]
    assert "0x" + typed_data_digest(typed).hex() == limit_order["order_hash"]
    assert orjson.loads(limit_order["raw_order_data"]) == typed["message"]


class TestTegroSpecific(TegroLoopback):
    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        return TegroLoopback.extract_order_fields(self, request)

    def generated(self) -> list[dict[str, Any]]:
        """The typed data the loopback venue built, in order, as the connector received it."""
        return self._generated

    def serve_typed_orders(self, **overrides: Any) -> None:
        self._generated: list[dict[str, Any]] = []

        def answer(request: RecordedRequest) -> MockResponse:
            built = typed_order(self.fixtures, request, **overrides)
            self._generated.append(built["data"])
            return MockResponse(built)

        self.venue.route("POST", TYPED_ORDER_PATH, answer)

    async def test_an_order_is_signed_by_the_wallet_and_placed_as_the_venue_built_it(self) -> None:
        self.serve_typed_orders()
        client_id = await self.open_order(trade_type=TradeType.SELL)
        (generated,) = self.generated()
        request = self.venue.requests_to("POST", TYPED_ORDER_PATH)[-1].json
        assert request == {"chain_id": 8453, "wallet_address": ADDRESS, "market_symbol": "WETH_USDC", "side": "sell",
                           "price": 2700.0, "amount": 0.1}
        body = self.placements()[-1].json
        assert recover_typed_data_signer(generated["sign_data"], body["signature"]) == ADDRESS
        limit_order = generated["limit_order"]
        for field in ("order_hash", "raw_order_data", "base_asset", "quote_asset", "side", "market_id"):
            assert body[field] == limit_order[field], field
        assert body["signed_order_type"] == "tegro" and body["chain_id"] == 8453
        # The order's hash stands for the client order id Tegro does not have.
        assert self.conn.client_id_of(body["order_hash"]) == client_id

    @pytest.mark.parametrize(("field", "value"), [
        ("price", "2700000001"),
        ("totalQuantity", "1000000000000000000"),
        ("isBuy", False),
        ("maker", "0x3da2b15eB80B1F7d499D18b6f0B671C838E64Cb3"),
        ("baseToken", "0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf"),
    ])
    async def test_typed_data_that_differs_from_the_request_is_never_signed(self, field: str, value: Any) -> None:
        self.serve_typed_orders(**{field: value})
        with pytest.raises(TypedDataMismatch, match=f"message.{field}"):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert self.generated(), "the venue was asked"
        assert not self.placements(), "a mismatched order reached orders/place"

    @pytest.mark.parametrize(("path", "value"), [("chainId", 84532), ("verifyingContract", ADDRESS)])
    async def test_a_domain_for_another_chain_or_contract_is_never_signed(self, path: str, value: Any) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            built = typed_order(self.fixtures, request)
            built["data"]["sign_data"]["domain"][path] = value
            return MockResponse(built)

        self.venue.route("POST", TYPED_ORDER_PATH, answer)
        with pytest.raises(TypedDataMismatch, match=f"domain.{path}"):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert not self.placements()

    async def test_a_hash_or_raw_order_that_is_not_the_signed_order_is_refused(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            built = typed_order(self.fixtures, request)
            built["data"]["limit_order"]["order_hash"] = "0x" + "ab" * 32
            return MockResponse(built)

        self.venue.route("POST", TYPED_ORDER_PATH, answer)
        with pytest.raises(TypedDataMismatch, match="differs"):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert not self.placements()

    async def test_insufficient_allowance_says_to_approve_and_sends_no_approval(self) -> None:
        self.serve("place_order", MockResponse({"message": "insufficient allowance"}, status=400))
        with pytest.raises(InsufficientAllowance, match=r"approve_token"):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert len(self.placements()) == 1

    async def test_a_cancel_signs_the_venues_cancel_data_with_the_wallet(self) -> None:
        client_id = await self.open_order()
        order = self.conn.orders.find(client_id)
        assert order is not None
        self.serve("cancel_order", self.reply("cancel_order", self.order_vars(client_id)))
        assert await self.conn.cancel_order(self.trading_pair, client_id)
        asked = self.venue.requests_to("POST", TYPED_CANCEL_PATH)[-1].json
        assert asked == {"order_ids": [order.exchange_order_id], "user_address": ADDRESS.lower()}
        typed = self.fixtures.payload("cancel_typed_data", {"chain_id": 8453, "contract": EXCHANGE_CONTRACT,
                                                            "maker": ADDRESS})["data"]["sign_data"]
        body = self.venue.requests_to(*self.routes["cancel_order"])[-1].json
        assert recover_typed_data_signer(typed, body["Signature"]) == ADDRESS
        assert body["order_ids"] == [order.exchange_order_id]

    async def test_balances_are_the_portfolio_less_what_open_orders_hold(self) -> None:
        assert self.conn.get_balance("USDC") == Decimal("1000.5")
        assert self.conn.get_available_balance("USDC") == Decimal("900.25")

    async def test_a_reconnect_resyncs_the_book_from_a_fresh_depth_snapshot(self) -> None:
        # No id shows a lost diff: a dropped socket is the one disorder the book can see.
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"]))
        await self.venue.drop(self.public_ws_path)
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
        await eventually(lambda: self.conn.get_order_book(self.trading_pair).is_synced, what="resynced")
        book = self.conn.get_order_book(self.trading_pair)
        await self.push_diff([("100.10", "1")], [], 0, book.last_update_id, 0)
        await eventually(lambda: book.best_bid == Decimal("100.10"), what="a diff at the book's time applied")


USDC = "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913"


class TestTegroApprovals(TegroLoopback):
    """ERC-20 approvals through the loopback Base node, which decodes each transaction, recovers its
    sender and checks its chain id and nonce."""

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        return TegroLoopback.extract_order_fields(self, request)

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        return super().connector_config(node_url=f"{self.venue.http_url}/rpc", **overrides)

    @pytest.fixture(autouse=True)
    def _node(self, _conformance_venue: None) -> None:
        self.node = EvmNode(self.venue, chain_id=8453)

    def rpc_requests(self) -> list[RecordedRequest]:
        return self.venue.requests_to("POST", "/rpc")

    async def test_an_approval_is_one_approve_call_signed_by_the_wallet_for_the_exchange_contract(self) -> None:
        tx_hash = await self.conn.approve_token("USDC", Decimal("250.5"))
        [tx] = self.node.sent
        assert (tx.tx_hash, tx.sender, tx.chain_id, tx.nonce) == (tx_hash, ADDRESS, 8453, 0)
        assert tx.to.lower() == USDC and tx.selector == selector("approve(address,uint256)")
        # 250.5 USDC in the token's 6 decimals, for the contract that verifies the orders.
        assert tx.arguments(["address", "uint256"]) == (EXCHANGE_CONTRACT.lower(), 250_500_000)

    async def test_approvals_take_the_wallets_next_nonces_from_the_node(self) -> None:
        self.node.set_nonce(ADDRESS, 7)
        await self.conn.approve_token("USDC", Decimal(1))
        await self.conn.approve_token("WETH", Decimal("0.5"))
        assert [(tx.nonce, tx.to.lower()) for tx in self.node.sent] == [
            (7, USDC), (8, "0x4200000000000000000000000000000000000006")]
        assert self.node.sent[1].arguments(["address", "uint256"])[1] == 5 * 10**17

    async def test_a_reverted_approval_raises_and_an_unmined_one_is_unconfirmed_not_resent(self) -> None:
        self.node.mining = Mining.REVERT
        with pytest.raises(TransactionReverted):
            await self.conn.approve_token("USDC", Decimal(1))
        self.node.mining = Mining.NEVER
        with pytest.raises(TransactionUnconfirmed):
            await self.conn.approve_token("USDC", Decimal(2), timeout=0.3)
        assert [tx.nonce for tx in self.node.sent] == [0, 1]

    @pytest.mark.parametrize(("token", "amount", "field"), [
        ("USDC", Decimal(0), "amount"),
        ("USDC", Decimal(-1), "amount"),
        ("USDC", Decimal("0.0000001"), "amount"),  # finer than USDC's 6 decimals
        ("USDC", Decimal("NaN"), "amount"),
        ("USDC", 5, "amount"),
        ("DOGE", Decimal(1), "token"),
    ])
    async def test_bad_input_is_refused_before_anything_reaches_the_node(self, token: str, amount: Any,
                                                                          field: str) -> None:
        with pytest.raises(InvalidArgument) as info:
            await self.conn.approve_token(token, amount)
        assert info.value.field == field
        assert not self.rpc_requests() and not self.node.sent

    async def test_placing_an_order_never_approves(self) -> None:
        await self.open_order()
        assert not self.rpc_requests()

    async def test_the_allowance_is_read_from_the_token_in_its_decimals(self) -> None:
        def allowance(data: bytes) -> bytes:
            assert abi_decode(["address", "address"], data[4:]) == (ADDRESS.lower(), EXCHANGE_CONTRACT.lower())
            return abi_encode(["uint256"], [1_234_567])

        self.node.on_call(USDC, "allowance(address,address)", allowance)
        assert await self.conn.allowance("USDC") == Decimal("1.234567")

    async def test_a_node_of_another_chain_is_refused_before_signing(self) -> None:
        self.node.chain_id = 1
        with pytest.raises(ExchangeError, match="serves chain 1, not 8453"):
            await self.conn.approve_token("USDC", Decimal(1))
        assert not self.node.sent
