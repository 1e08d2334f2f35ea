"""The shared perpetual conformance suite, run against the dYdX v4 connector over a loopback indexer and a loopback
validator node (tests/derivative/dydx_v4_perpetual/node.py bridges the node's broadcasts to the scenarios' routes):
- markets, the subaccount, orders, fills, positions and funding from the indexer's REST (``/v4``);
- orders and cancels: ``MsgPlaceOrder`` / ``MsgCancelOrder`` transactions the node decodes and verifies, whose
  scripted answer is the node's refusal or what the indexer then reports on ``v4_subaccounts``;
- the book: ``v4_orderbook`` on the indexer's socket, numbered per connection (``message_id``); the account
  stream on its own URL here (the indexer serves it on the same socket), so that the scenarios tell them apart.
The account is the mnemonic's: the suite's API key and secret are no dYdX credentials.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr
from v4_proto.dydxprotocol.clob.order_pb2 import Order
from v4_proto.dydxprotocol.clob.tx_pb2 import MsgPlaceOrder

from clobconn.core.cosmos.signing import CosmosSigner
from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InvalidArgument, InvalidOrder
from clobconn.derivative.dydx_v4_perpetual.constants import INDEXER_UUID_NAMESPACE
from clobconn.derivative.dydx_v4_perpetual.derivative import DydxV4PerpetualDerivative
from clobconn.testing.cosmos_node import NodeAccount
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import SECRETS, PerpetualConformanceSuite
from tests.derivative.dydx_v4_perpetual.node import BridgedNode

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dydx_v4_perpetual"
# The BIP-39 test phrase (see test_dydx_v4_perpetual_specific.py): never fund it.
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
ADDRESS = CosmosSigner(SecretStr(MNEMONIC), "dydx", "test").address
CHAIN = "dydx-mainnet-1"
WS_PATH = "/v4/ws"
ACCOUNT_PATH = "/v4/ws/account"
ACCOUNT_NUMBER, FIRST_SEQUENCE = 77, 5


class TestDydxV4PerpetualConformance(PerpetualConformanceSuite):
    connector_id = "dydx_v4_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "ETH-USD"
    second_trading_pair = "BTC-USD"
    routes: ClassVar[dict[str, tuple[str, str]]] = {
        "server_time": ("GET", "/v4/time"),
        "trading_rules": ("GET", "/v4/perpetualMarkets"),
        "funding_info": ("GET", "/v4/perpetualMarkets"),
        "balances": ("GET", "/v4/addresses/{address}/subaccountNumber/{number}"),
        "place_order": ("POST", "/chain/place_order"),
        "cancel_order": ("POST", "/chain/cancel_order"),
        # No cancel-all: each order is cancelled by its own transaction.
        "cancel_all": ("POST", "/chain/cancel_order"),
        "order_status": ("GET", "/v4/orders/{order_id}"),
        "order_fills": ("GET", "/v4/fills"),
        "open_orders": ("GET", "/v4/orders"),
        "order_history": ("GET", "/v4/orders"),
        "positions": ("GET", "/v4/perpetualPositions"),
        "funding_payments": ("GET", "/v4/fundingPayments"),
        # dYdX has no leverage setting (see test_set_leverage): nothing asks for one.
        "set_leverage": ("POST", "/unrequested/set_leverage"),
    }
    route_filters: ClassVar[dict[str, Any]] = {
        "funding_info": lambda request: "ticker" in request.query,
        "open_orders": lambda request: request.query.get("status") == "OPEN",
        "order_history": lambda request: "status" not in request.query,
    }
    public_ws_path = WS_PATH
    user_ws_path = ACCOUNT_PATH
    # The indexer's statuses: a partly filled order is OPEN with its totalFilled.
    venue_states: ClassVar[dict[OrderState, str]] = {
        OrderState.OPEN: "OPEN", OrderState.PARTIALLY_FILLED: "OPEN", OrderState.FILLED: "FILLED",
        OrderState.CANCELED: "CANCELED", OrderState.FAILED: "CANCELED"}
    rejected_error = InvalidOrder
    order_price = Decimal("99.5")
    order_amount = Decimal("0.5")
    expected_rule: ClassVar[dict[str, Any]] = {
        "min_order_size": Decimal("0.000001"), "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.000001")}
    # The subaccount's equity and free collateral, in USDC.
    expected_balances: ClassVar[dict[str, tuple[Decimal, Decimal]]] = {"USDC": (Decimal("1000.5"), Decimal("900.25"))}
    expected_position = ("ETH-USD", Decimal("-0.25"), Decimal("101.5"))
    node: BridgedNode

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # The account's mnemonic, not the suite's placeholder secret (which is no BIP-39 phrase).
        overrides.setdefault("api_secret", MNEMONIC)
        config = super().connector_config(**overrides)
        return {**config, "rest_url": self.venue.http_url + "/v4", "ws_url": self.venue.ws_url + WS_PATH,
                "private_ws_url": self.venue.ws_url + ACCOUNT_PATH, "node_url": self.node.url}

    def extra_routes(self, venue: MockVenue) -> None:
        markets = FixtureSet(self.fixture_dir / "conformance").payload("trading_rules")["markets"]
        self.node = BridgedNode(venue, CHAIN, markets, ACCOUNT_PATH, self._pending)
        self.node.accounts[ADDRESS] = NodeAccount(number=ACCOUNT_NUMBER, sequence=FIRST_SEQUENCE)

    def _pending(self, client_order_id: str) -> bool:
        order = self.conn.orders.find(client_order_id) if hasattr(self, "conn") else None
        return order is not None and order.state in (OrderState.PENDING_CREATE, OrderState.PENDING_CANCEL)

    @property
    def symbol(self) -> str:
        # A market's ticker is its pair's name ("ETH-USD"): known before the connector has its markets.
        return self.trading_pair

    @property
    def dydx(self) -> DydxV4PerpetualDerivative:
        assert isinstance(self.conn, DydxV4PerpetualDerivative)
        return self.conn

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict) or message.get("type") != "subscribe":
            return []
        if message.get("channel") == "v4_subaccounts":
            return [self.fixtures.payload("user_subscribed", self.vars())]
        if message.get("channel") == "v4_trades":
            # Answered after the book's subscription, both in one run of the connection's numbers: the recent
            # trades, then the book (the snapshot's message_id is the book's id).
            variables = self.vars(symbol=message["id"])
            return [self.fixtures.payload("trades_subscribed", variables), self.fixtures.payload("snapshot", variables)]
        return []

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # On dYdX an order's id is its identity's UUID: the indexer can name it by no other.
        order = self.conn.orders.find(str(variables["client_order_id"])) if hasattr(self, "conn") else None
        if order is not None:
            variables["exchange_order_id"] = self.dydx._exchange_id(order)
        moment = datetime.fromtimestamp(int(variables["timestamp_ms"]) / 1000, UTC)
        variables["iso_time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        variables["good_til_time"] = "2099-01-01T00:00:00.000Z"
        variables["address"] = ADDRESS
        variables["subaccount_uuid"] = str(uuid.uuid5(INDEXER_UUID_NAMESPACE, f"{ADDRESS}-0"))
        variables["trades_message_id"] = int(variables["update_id"]) - 1
        # A subscription's book writes its levels as {"price", "size"}, channel data as [price, size].
        for side in ("bids", "asks"):
            variables[f"level_objects_{side}"] = [{"price": p, "size": s} for p, s in variables[side]]
        return variables

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        sent = request.json
        return {"price": sent.get("price"), "amount": sent.get("amount"), "client_order_id": sent["client_order_id"]}

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.json["reduce_only"] is True

    def refuse_user_login(self) -> None:
        pytest.skip("dydx_v4_perpetual has no user-stream login: v4_subaccounts is public, subscribed by address")

    # == what the shared scenarios check with an API key: dYdX has a mnemonic and signed transactions ========

    def secret_values(self) -> tuple[str, ...]:
        return (*SECRETS, MNEMONIC)

    def credentials_used(self, ws_path: str | None = None) -> bool:
        if ws_path is None:
            # The mnemonic's key did sign: the node verified a transaction's signature against it.
            return self.node.verified > 0
        # The account stream has no login: it is public, subscribed by the mnemonic's address.
        frames = self.venue.endpoint(ws_path).sessions[-1]
        return any(f.get("channel") == "v4_subaccounts" and f.get("id") == f"{ADDRESS}/0" for f in frames)

    # == what dYdX does its own way ===========================================================================

    async def test_place_market_order(self) -> None:
        # A market order is a short-term IOC order at a worst price: the best ask (100.50) plus 5%, on the tick.
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "503", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        assert order.exchange_order_id == self.dydx.indexer_order_id(self.trading_pair, order.client_order_id, 0)
        sent = self.placements()[-1].json
        assert (sent["price"], sent["time_in_force"], sent["order_flags"]) == ("105.53", Order.TIME_IN_FORCE_IOC, 0)
        assert sent["good_til_block"] == self.node.height + 20

    async def test_set_leverage(self) -> None:
        # No leverage setting: within the market's most (1 / initialMarginFraction, 20 here) it is the
        # strategy's own sizing, recorded and never sent.
        applied = await self.perp.set_leverage(self.trading_pair, self.leverage)
        assert applied == self.leverage and self.perp.get_leverage(self.trading_pair) == self.leverage
        assert not self.venue.requests_to(*self.routes["set_leverage"])
        await self.refused(InvalidArgument, "leverage", self.perp.set_leverage, self.trading_pair, Decimal(25))

    async def test_leverage_given_as_a_string_or_float(self) -> None:
        assert await self.perp.set_leverage(self.trading_pair, str(self.leverage)) == self.leverage
        assert await self.perp.set_leverage(self.trading_pair, float(self.leverage)) == self.leverage
        assert not self.venue.requests_to(*self.routes["set_leverage"])

    async def test_balance_update_via_user_stream(self) -> None:
        pytest.skip("dydx_v4_perpetual streams no balance: v4_subaccounts' channel data carries the USDC asset "
                    "position, not the equity and free collateral that GET /addresses/.../subaccountNumber gives")

    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self) -> None:
        pytest.skip("dydx_v4_perpetual streams no balance (see test_balance_update_via_user_stream)")

    async def test_streamed_position_keeps_mark_and_liquidation_then_follows(self) -> None:
        pytest.skip("dydx_v4_perpetual's indexer states no liquidation price for a position")

    def listed_exchange_id(self, client_order_id: str, listed: str) -> str:
        # The indexer names an order by its identity's UUID, whatever id a scenario suggests.
        return self.dydx.indexer_order_id(self.trading_pair, client_order_id, 64)

    # == on chain ==========================================================================================

    async def test_an_order_is_a_transaction_the_node_verified_and_named_before_the_indexer_reports_it(
            self) -> None:
        # Nothing scripted: the node takes the transaction, and the indexer has not reported the order yet.
        placed = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                             self.order_price)
        client_id = placed.client_order_id
        assert placed.state is OrderState.OPEN
        (tx,) = self.node.accepted
        (message,) = tx.messages
        assert isinstance(message, MsgPlaceOrder) and (tx.address, tx.sequence) == (ADDRESS, FIRST_SEQUENCE)
        order_id = message.order.order_id
        assert (order_id.subaccount_id.owner, order_id.client_id, order_id.clob_pair_id, order_id.order_flags) == (
            ADDRESS, int(client_id), 1, 64)
        # ETH-USD: 0.5 in quantums of 1e-9, 99.5 in subticks of 1e-6 USDC.
        assert (message.order.quantums, message.order.subticks) == (500_000_000, 99_500_000)
        assert self.node.accounts[ADDRESS].sequence == FIRST_SEQUENCE + 1
        order = self.conn.in_flight_orders[client_id]
        assert order.exchange_order_id == self.dydx.indexer_order_id(self.trading_pair, client_id, 64)

    async def test_a_refused_placement_leaves_its_sequence_to_the_next(self) -> None:
        self.serve("place_order", self.reply("place_order_rejected"))
        with pytest.raises(InvalidOrder):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        await self.open_order()
        assert [tx.sequence for tx in self.node.accepted] == [FIRST_SEQUENCE] and not self.node.refused

    async def test_a_placement_with_a_lost_answer_is_never_resent_and_the_next_reads_the_sequence_again(
            self) -> None:
        client_id = await self.place_with_lost_answer()
        # The node took it (and its sequence); the next transaction goes with the node's sequence, read again.
        await self.open_order()
        assert [tx.sequence for tx in self.node.accepted] == [FIRST_SEQUENCE, FIRST_SEQUENCE + 1]
        assert not self.node.refused
        sent = [r.json["client_order_id"] for r in self.placements()]
        assert sent.count(client_id) == 1

    async def test_a_cancel_names_the_order_and_its_flags(self) -> None:
        client_id = await self.open_order()
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        assert await self.conn.cancel_order(self.trading_pair, client_id)
        (request,) = self.venue.requests_to(*self.routes["cancel_order"])
        assert (request.json["client_order_id"], request.json["order_flags"], request.json["owner"]) == (
            client_id, 64, ADDRESS)
        assert [tx.sequence for tx in self.node.accepted] == [FIRST_SEQUENCE, FIRST_SEQUENCE + 1]

    async def test_an_unknown_placement_is_looked_up_by_the_id_its_identity_gives(self) -> None:
        client_id = await self.place_with_lost_answer()
        order = self.conn.in_flight_orders[client_id]
        assert order.exchange_order_id is None
        self.serve("order_status", lambda _: self.reply("order_status", {"client_order_id": client_id}))
        await self.conn._update_order_status()
        expected = self.dydx.indexer_order_id(self.trading_pair, client_id, 64)
        assert self.venue.requests_to(*self.routes["order_status"])[-1].path == f"/v4/orders/{expected}"
        assert order.state is OrderState.OPEN and order.exchange_order_id == expected
