"""The shared spot conformance suite, run against the Dexalot connector over a loopback venue and a loopback
EVM node (tests/exchange/dexalot/chain.py bridges the chain to the scenarios' routes):
- the venue's REST (pairs, tokens, environments, deployment, signed orders and executions) and its one
  WebSocket path, served twice here (the user stream on its own URL) so that the scenarios tell the sockets apart;
- orders, cancels, order states and balances on the chain: transactions the node decodes and checks, their
  receipts' events scripted per scenario; ``eth_call`` results likewise;
- the book: whole books in EVM units (``format_levels`` writes them), no sequence.
Then what only an on-chain venue has: the nonce sequence, the chain id and contracts read from the REST, receipts
late, reverted or never mined.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import ClobconnError, InsufficientFunds, OrderOutcomeUnknown
from clobconn.core.events import EventType
from clobconn.core.evm.receipts import TransactionReverted
from clobconn.core.evm.signing import EvmSigner, recover_personal_signer
from clobconn.exchange.dexalot.constants import STATUSES
from clobconn.exchange.dexalot.parsers import TRADE_PAIRS, order_id_hex, to_bytes32
from clobconn.testing.evm_node import Mining
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import SECRETS, SpotConformanceSuite
from tests.exchange.dexalot.chain import DexalotChain, order_id, units

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dexalot"
PRIVATE_KEY = "0x" + "5e" * 32
ADDRESS = EvmSigner(SecretStr(PRIVATE_KEY), "test").address
CHAIN_ID = 432201  # the environments fixture's L1
TRADE_PAIRS_ADDRESS = "0xaa3891FEa80967b57AAA4E962d1b07BCEe0b5394"  # the deployment fixtures'
PORTFOLIO_ADDRESS = "0xb54859290619630212D4BBAba47066BEE9654076"
DECIMALS = {"AVAX": 18, "USDC": 6, "ALOT": 18, "ARB": 18}
WS_PATH = "/api/ws"
USER_PREFIX = "/user"


class TestDexalotSpotConformance(SnapshotBookScenarios, SpotConformanceSuite):
    connector_id = "dexalot"
    fixture_dir = FIXTURES
    trading_pair = "AVAX-USDC"
    second_trading_pair = "ALOT-USDC"
    routes: ClassVar[dict[str, tuple[str, str]]] = {
        "server_time": ("GET", "/privapi/trading/environments"),
        "trading_rules": ("GET", "/privapi/trading/pairs"),
        "balances": ("POST", "/chain/getBalances"),
        "place_order": ("POST", "/chain/addOrderList"),
        "cancel_order": ("POST", "/chain/cancelOrderList"),
        "cancel_all": ("POST", "/chain/cancelOrderList"),
        "order_status": ("POST", "/chain/getOrderByClientOrderId"),
        "order_fills": ("GET", "/privapi/signed/executions"),
        "open_orders": ("GET", "/privapi/signed/orders"),
        "order_history": ("GET", "/privapi/signed/orders"),
    }
    route_filters: ClassVar[dict[str, Any]] = {
        "open_orders": lambda request: request.query.get("category") == "0",
        "order_history": lambda request: request.query.get("category") == "3",
    }
    public_ws_path = WS_PATH
    user_ws_path = USER_PREFIX + WS_PATH
    snapshots_are_ordered = False  # orderBooks frames carry neither id nor time
    venue_states: ClassVar[dict[OrderState, str]] = {
        OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIAL", OrderState.FILLED: "FILLED",
        OrderState.CANCELED: "CANCELED", OrderState.FAILED: "REJECTED"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule: ClassVar[dict[str, Any]] = {
        "min_order_size": Decimal("0.001"), "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.001"), "min_notional": Decimal(5), "max_notional": Decimal(50000)}
    expected_balances: ClassVar[dict[str, tuple[Decimal, Decimal]]] = {
        "AVAX": (Decimal("1.5"), Decimal("1.5")), "USDC": (Decimal("1000.5"), Decimal("900.25"))}
    chain: DexalotChain

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # A wallet key, not the suite's placeholder secret (which no EVM key parses from).
        overrides.setdefault("api_secret", PRIVATE_KEY)
        config = super().connector_config(**overrides)
        return {**config, "private_ws_url": self.venue.ws_url + USER_PREFIX, "rpc_url": self.chain.url,
                "receipt_timeout": 1.0}

    def extra_routes(self, venue: MockVenue) -> None:
        self.chain = DexalotChain(venue, CHAIN_ID, TRADE_PAIRS_ADDRESS, PORTFOLIO_ADDRESS, DECIMALS)
        venue.route("GET", "/privapi/trading/tokens", lambda _: self.reply("tokens"))
        for contract_type, fixture in (("TradePairs", "deployment_tradepairs"), ("Portfolio", "deployment_portfolio")):
            venue.route("GET", "/privapi/trading/deployment", lambda _, name=fixture: self.reply(name),
                        when=lambda request, wanted=contract_type: request.query.get("contracttype") == wanted)

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        order = request.json["orders"][0]
        return {"price": order["price"], "amount": order["amount"], "client_order_id": order["client_order_id"]}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables["address"] = ADDRESS
        variables["client_order_id_hex"] = "0x" + to_bytes32(str(variables["client_order_id"]), "id").hex()
        variables["exchange_order_id_hex"] = order_id_hex(order_id(variables["exchange_order_id"]))
        variables["status_id"] = STATUSES.index(variables["venue_state"])
        return variables

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        """A WsSinglebook: prices (USDC, 6 decimals) and quantities (18) in EVM units, comma-joined. A value that
        is no number stays as it is, for the scenarios that send bad ones."""
        def evm(value: Any, decimals: int) -> str:
            try:
                return str(units(value, decimals))
            except Exception:
                return str(value)
        return [{"prices": ",".join(evm(p, 6) for p, _ in levels),
                 "quantities": ",".join(evm(s, 18) for _, s in levels)}]

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        # A book subscription is answered with the whole book.
        if path == WS_PATH and isinstance(message, dict) and message.get("type") == "subscribe":
            return [self.fixtures.payload("snapshot", self.vars(symbol=message["pair"]))]
        return []

    def refuse_user_login(self) -> None:
        pytest.skip("Dexalot documents no answer to a tradereventsubscribe whose signature it refuses")

    # == what the shared scenarios check with an API key: Dexalot has a private key and a signature =============

    def secret_values(self) -> tuple[str, ...]:
        return (*SECRETS, PRIVATE_KEY, PRIVATE_KEY[2:])

    def credentials_used(self, ws_path: str | None = None) -> bool:
        if ws_path is None:
            # The wallet did sign: the node recovered its address from the transaction.
            return bool(self.chain.sent) and self.chain.sent[-1].sender == ADDRESS
        frames = self.venue.endpoint(ws_path).sessions[-1]
        if not frames or frames[0].get("type") != "tradereventsubscribe":
            return False
        address, signature = frames[0]["signature"].split(":")
        return address == ADDRESS and recover_personal_signer("dexalot", signature) == ADDRESS


    async def test_unknown_placement_listed_as_open_is_not_lost(self) -> None:
        # The suite's own, with Dexalot's ids: an exchange id is a bytes32, written 0x-hex.
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        exchange_id = str(int(self.exchange_order_id) + 79)
        self.serve_listings({"client_order_id": client_id, "exchange_order_id": exchange_id, "state": OrderState.OPEN})
        self.pass_acceptance_deadline()
        for _ in range(self.conn.spec.lost_order_threshold):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN and order.exchange_order_id == order_id_hex(order_id(exchange_id))
        assert not self.events(EventType.ORDER_LOST)

    # == on chain ==========================================================================================

    async def test_orders_are_transactions_to_the_tradepairs_of_the_venues_deployment(self) -> None:
        client_id = await self.open_order()
        (tx,) = self.chain.transactions_to(TRADE_PAIRS_ADDRESS)
        assert (tx.sender, tx.chain_id, tx.gas) == (ADDRESS, CHAIN_ID, 700_000)
        (new,) = TRADE_PAIRS.decode_call("addOrderList", tx.data)["_orders"]
        assert new == {"clientOrderId": to_bytes32(client_id, "id"), "tradePairId": to_bytes32("AVAX/USDC", "pair"),
                       "price": 99_000_000, "quantity": 5 * 10**17, "traderaddress": ADDRESS.lower(), "side": 0,
                       "type1": 1, "type2": 0, "stp": 3}
        # Balances came from the PortfolioSub the deployment names, for this wallet.
        balance_calls = [data for to, data in self.chain.contract_calls if to == PORTFOLIO_ADDRESS.lower()]
        assert balance_calls and balance_calls[0][4:36].endswith(bytes.fromhex(ADDRESS[2:]))

    async def test_concurrent_orders_take_one_nonce_each(self) -> None:
        ids = iter(range(900, 1000))
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, str(next(ids)), None)))
        orders = await asyncio.gather(*(self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount,
                                                              OrderType.LIMIT, self.order_price) for _ in range(5)))
        assert all(o.state is OrderState.OPEN for o in orders)
        assert sorted(tx.nonce for tx in self.chain.sent) == [0, 1, 2, 3, 4] and not self.chain.refused

    @pytest.mark.no_connector
    async def test_a_restart_goes_on_from_the_chains_nonce(self) -> None:
        self.chain.set_nonce(ADDRESS, 41)
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "950", None)))
        conn = self.make_connector()
        try:
            await conn.start()
            await conn.wait_ready(timeout=10)
            await conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                   self.order_price)
        finally:
            await conn.stop()
        assert [tx.nonce for tx in self.chain.sent] == [41] and not self.chain.refused

    async def test_a_late_receipt_still_acknowledges_the_order(self) -> None:
        self.chain.mining, self.chain.mine_after_polls = Mining.DELAYED, 1
        client_id = await self.open_order()
        assert self.conn.in_flight_orders[client_id].exchange_order_id == order_id_hex(order_id("5012345679"))
        assert self.chain.sent[-1].polls >= 2

    async def test_a_reverted_transaction_fails_the_order(self) -> None:
        self.chain.mining = Mining.REVERT
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "960", None)))
        with pytest.raises(TransactionReverted):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert [e.client_order_id for e in self.events(EventType.ORDER_FAILED)] and not self.conn.in_flight_orders

    async def test_never_mined_is_unknown_then_found_on_chain_and_never_resent(self) -> None:
        self.chain.mining = Mining.NEVER
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "970", None)))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        client_id = info.value.client_order_id
        self.serve("order_status", self.reply("order_status", {"client_order_id": client_id,
                                                               "exchange_order_id": "970"}))
        await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN and order.exchange_order_id == order_id_hex(order_id("970"))
        (status_call,) = self.venue.requests_to(*self.routes["order_status"])[-1:]
        assert status_call.json == {"trader": ADDRESS.lower(), "client_order_id": client_id}
        assert len(self.chain.sent) == 1, "a transaction with no receipt is never sent again"

    async def test_cancel_before_the_exchange_id_is_by_client_id_and_later_by_order_id(self) -> None:
        client_id = await self.open_order()
        order = self.conn.in_flight_orders[client_id]
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        await self.conn.cancel_order(self.trading_pair, client_id)
        (request,) = self.venue.requests_to(*self.routes["cancel_order"])
        assert request.json["order_ids"] == [order.exchange_order_id]
        assert self.chain.sent[-1].gas == 500_000

    async def test_bad_input_is_refused_before_anything_is_signed(self) -> None:
        sent = len(self.chain.sent)
        with pytest.raises(ClobconnError):
            self.conn.buy(self.trading_pair, Decimal("-1"), OrderType.LIMIT, self.order_price)
        with pytest.raises(ClobconnError):
            self.conn.buy("NOPE-USDC", self.order_amount, OrderType.LIMIT, self.order_price)
        await asyncio.sleep(0.05)
        assert len(self.chain.sent) == sent and not self.chain.refused

    async def test_signed_rest_calls_carry_the_wallets_proof(self) -> None:
        client_id = await self.open_order()
        order = self.conn.orders.find(client_id)
        assert order is not None
        self.serve("order_fills", self.reply("order_fills", self.order_vars(client_id)))
        await self.conn.order_lifecycle.fetch_fills(order)
        (request,) = self.venue.requests_to(*self.routes["order_fills"])
        address, signature = request.headers["x-signature"].split(":")
        assert address == ADDRESS and recover_personal_signer("dexalot", signature) == ADDRESS
        assert request.query["orderid"] == order.exchange_order_id

    async def test_amend_is_one_cancel_add_list_transaction(self) -> None:
        client_id = await self.open_order()
        old = self.conn.in_flight_orders[client_id]
        self.venue.route("POST", "/chain/cancelAddList",
                         lambda req: self.reply("place_order", self._ack_vars(req, "990", None)))
        new = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.50"))
        (request,) = self.venue.requests_to("POST", "/chain/cancelAddList")
        assert request.json["order_ids"] == [old.exchange_order_id]
        assert request.json["orders"][0]["client_order_id"] == new.client_order_id != client_id
        assert request.json["orders"][0]["price"] == "98.5"
        assert new.state is OrderState.OPEN and new.exchange_order_id == order_id_hex(order_id("990"))
        assert client_id not in self.conn.in_flight_orders and self.chain.sent[-1].gas == 1_200_000
