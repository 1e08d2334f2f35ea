"""The shared spot conformance suite, run against the Vertex connector over a loopback venue.

The mock plays Vertex's gateway and archive: every query is GET /query told apart by its ``type``, every execute
POST /execute told apart by its one key, every archive call POST /archive by its key and filter. Prices and
amounts are X18 integers (``template_vars`` converts the scenarios' decimals). Every execute the mock receives
has its EIP-712 signature checked: the signer recovered from it must be the configured key's wallet.
The public and private streams share the gateway's /subscribe path; the private one is served apart here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_account import Account

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.core.events import EventType
from clobconn.core.evm.signing import recover_typed_data_signer, typed_data_digest
from clobconn.exchange.vertex.auth import sender_bytes32, typed_data
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import SECRETS, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "vertex"
# A throwaway key made for these tests only.
PRIVATE_KEY = "0x" + "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
WALLET = Account.from_key(PRIVATE_KEY).address
SENDER = sender_bytes32(WALLET, "default")
CHAIN_ID, ENDPOINT = 42161, "0xbbee07b3e8121227afcfe1e2b82772246226128e"
BOOKS = {3: "0x1c6281a78aa0ed88949c319cba5f0f0de2ce8353", 1: "0x70e5911371472e406f1291c621d1c8f207764d73"}
PRODUCTS = {"WETH-USDC": 3, "WBTC-USDC": 1}
ASSET_PRODUCTS = {"USDC": 0, "WETH": 3, "WBTC": 1}
ON_BOOK = (OrderState.OPEN, OrderState.PARTIALLY_FILLED)
EXECUTE_STRUCTS = {"place_order": "Order", "cancel_orders": "Cancellation",
                   "cancel_product_orders": "CancellationProducts"}


def x18(value: Any) -> Any:
    """A decimal as the venue's X18 string; anything else (a scenario's bad value) as it is."""
    if isinstance(value, bool) or value is None:
        return value
    number = Decimal(str(value))
    return str(int(number.scaleb(18))) if number.is_finite() else str(value)


def query(kind: str) -> Any:
    return lambda request: request.query.get("type") == kind


def execute(kind: str) -> Any:
    return lambda request: kind in (request.json or {})


def archive(kind: str, by: str) -> Any:
    return lambda request: by in (request.json or {}).get(kind, {})


def execute_typed_data(request: RecordedRequest) -> tuple[dict[str, Any], str]:
    """The EIP-712 typed data an execute's signature covers, rebuilt from its body, and the signature."""
    ((kind, body),) = request.json.items()
    if kind == "place_order":
        message, contract = body["order"], BOOKS[body["product_id"]]
    else:
        message, contract = body["tx"], ENDPOINT
    typed = {name: (int(value) if name in ("priceX18", "amount", "expiration", "nonce") else value)
             for name, value in message.items()}
    return typed_data(EXECUTE_STRUCTS[kind], typed, contract, CHAIN_ID), body["signature"]


def execute_signer(request: RecordedRequest) -> str:
    """The wallet whose key signed an execute, recovered from its EIP-712 signature."""
    return recover_typed_data_signer(*execute_typed_data(request))


class TestVertexSpotConformance(SpotConformanceSuite):
    connector_id = "vertex"
    fixture_dir = FIXTURES
    trading_pair = "WETH-USDC"
    second_trading_pair = "WBTC-USDC"
    routes = {
        "server_time": ("GET", "/unused/server-time"),
        "trading_rules": ("GET", "/query"), "balances": ("GET", "/query"), "snapshot": ("GET", "/query"),
        "order_status": ("GET", "/query"), "open_orders": ("GET", "/query"),
        "place_order": ("POST", "/execute"), "cancel_order": ("POST", "/execute"), "cancel_all": ("POST", "/execute"),
        "order_fills": ("POST", "/archive"), "order_history": ("POST", "/archive"),
    }
    route_filters = {
        "trading_rules": query("symbols"), "balances": query("subaccount_info"), "snapshot": query("market_liquidity"),
        "order_status": query("order"), "open_orders": query("subaccount_orders"),
        "place_order": execute("place_order"), "cancel_order": execute("cancel_orders"),
        "cancel_all": execute("cancel_product_orders"),
        "order_fills": archive("matches", "subaccount"), "order_history": archive("orders", "subaccount"),
    }
    public_ws_path = "/subscribe"
    user_ws_path = "/private/subscribe"
    # Vertex's order_update says placed, filled or cancelled, without the filled amount: fills come with theirs.
    stream_order_updates = False
    # position_change carries the balance only: nothing says how much open orders hold (they lock none).
    stream_balance_has_available = False
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "ended",
                    OrderState.CANCELED: "ended"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "5012345678"
    order_price = Decimal("2000.1")
    order_amount = Decimal("0.5")
    expected_rule = {"min_order_size": Decimal("0.1"), "min_price_increment": Decimal("0.1"),
                     "min_base_amount_increment": Decimal("0.01")}
    # USDC and WETH as held; WBTC's negative balance is a borrow, held as none.
    expected_balances = {"USDC": (Decimal("1000.5"), Decimal("1000.5")), "WETH": (Decimal("1.5"), Decimal("1.5"))}
    archived_vars: dict[str, Any] | None = None

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # The account is the key's own wallet (no linked signer), and the archive has its own host.
        overrides.setdefault("api_key", None)
        overrides.setdefault("api_secret", PRIVATE_KEY)
        overrides.setdefault("archive_url", f"{self.venue.http_url}/archive")
        overrides.setdefault("private_ws_url", f"{self.venue.ws_url}/private")
        return super().connector_config(**overrides)

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/query", lambda _: self.reply("contracts"), when=query("contracts"))
        # An order off the book: the archive, asked by digest, has what the last order_status fixture says.
        venue.route("POST", "/archive", lambda _: MockResponse(
            self.fixtures.payload("order_archived", self.archived_vars) if self.archived_vars else {"orders": []}),
            when=archive("orders", "digests"))

    def reply(self, fixture: str, variables: dict[str, Any] | None = None, delay: float = 0.0) -> MockResponse:
        if fixture in ("order_status", "order_not_found"):
            values = self.vars(**(variables or {}))
            self.archived_vars = values if fixture == "order_status" and values["state"] not in ON_BOOK else None
        return super().reply(fixture, variables, delay)

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        order = request.json["place_order"]["order"]
        return {"price": str(Decimal(order["priceX18"]).scaleb(-18)),
                "amount": str(abs(Decimal(order["amount"])).scaleb(-18)), "client_order_id": order["nonce"]}

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [[x18(price), x18(size)] for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # The venue names an order by its EIP-712 digest: the digest of the order placed with that client order id
        # (its nonce), computed here from the request; an order never placed gets one made of its exchange id.
        exchange_id = str(variables["exchange_order_id"])
        variables["digest"] = self.placed_digest(str(variables["client_order_id"])) or (
            "0x" + int(exchange_id).to_bytes(32, "big").hex() if exchange_id.isdigit() else exchange_id)
        variables["sender"] = SENDER
        amount, cumulative = Decimal(str(variables["amount"])), Decimal(str(variables["cum_amount"]))
        left = Decimal(0) if variables["state"] is OrderState.FILLED else max(amount - cumulative, Decimal(0))
        variables |= {"price_x18": x18(variables["price"]), "amount_x18": x18(amount), "cum_x18": x18(cumulative),
                      "unfilled_x18": x18(left), "remaining_x18": x18(left),
                      "cum_quote_x18": x18(cumulative * Decimal(str(variables["price"]))),
                      "fill_price_x18": x18(variables["fill_price"]), "fill_amount_x18": x18(variables["fill_amount"]),
                      "quote_x18": x18(variables["quote_amount"]), "fee_x18": x18(variables["fee"]),
                      "timestamp_ns": int(variables["timestamp_ms"]) * 1_000_000,
                      "total_x18": x18(variables["total"]), "asset_product": ASSET_PRODUCTS[variables["asset"]]}
        on_book = variables["state"] in ON_BOOK
        variables["query_status"] = "success" if on_book else "failure"
        variables["query_error"] = "" if on_book else "Order with the provided digest could not be found"
        variables["order_reason"] = {OrderState.OPEN: "placed", OrderState.CANCELED: "cancelled"}.get(
            variables["state"], "filled")
        return variables

    def placed_digest(self, client_order_id: str) -> str | None:
        if not hasattr(self, "conn"):
            return None
        for request in self.placements():
            if request.json["place_order"]["order"]["nonce"] == client_order_id:
                return "0x" + typed_data_digest(execute_typed_data(request)[0]).hex()
        return None

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if isinstance(message, dict) and message.get("method") in ("subscribe", "unsubscribe", "authenticate"):
            return [{"result": None, "id": message.get("id")}]
        return []

    # == Vertex's own =============================================================================

    async def test_every_execute_is_signed_by_the_wallet_in_the_vertex_domain(self) -> None:
        client_id = await self.open_order()
        self.serve("cancel_order", self.reply("cancel_order", self.order_vars(client_id)))
        await self.conn.cancel_order(self.trading_pair, client_id)
        executes = self.venue.requests_to("POST", "/execute")
        assert {next(iter(r.json)) for r in executes} == {"place_order", "cancel_orders"}
        assert all(execute_signer(request) == WALLET for request in executes)
        placed = executes[0].json["place_order"]
        # A spot order never borrows; the client order id is the nonce, the amount X18 and signed by side.
        assert placed["spot_leverage"] is False and placed["order"]["nonce"] == client_id
        assert placed["order"]["amount"] == "500000000000000000"
        assert placed["order"]["priceX18"] == "2000100000000000000000"
        assert placed["order"]["sender"] == SENDER and placed["product_id"] == 3

    async def test_the_private_streams_open_with_a_signed_stream_authentication(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[-1]
        auth = frames[0]
        assert auth["method"] == "authenticate" and auth["tx"]["sender"] == SENDER
        message = {"sender": SENDER, "expiration": int(auth["tx"]["expiration"])}
        signer = recover_typed_data_signer(typed_data("StreamAuthentication", message, ENDPOINT, CHAIN_ID),
                                           auth["signature"])
        assert signer == WALLET
        streams = {(f["stream"]["type"], f["stream"]["product_id"]) for f in frames[1:]}
        kinds = ("fill", "position_change", "order_update")
        assert streams == {(kind, product) for kind in kinds for product in (1, 3)}

    async def test_place_market_order(self) -> None:
        # Vertex has no market order: one goes out as IOC at the best ask plus 5%, on the price increment.
        await eventually(lambda: self.conn.get_order_book(self.trading_pair).best_ask is not None, what="the book")
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "503", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        placed = self.placements()[-1].json["place_order"]["order"]
        assert order.exchange_order_id == self.placed_digest(order.client_order_id)
        # 100.50 * 1.05, rounded up to the 0.1 increment.
        assert Decimal(self.extract_order_fields(self.placements()[-1])["price"] or 0) == Decimal("105.6")
        assert int(placed["expiration"]) >> 62 == 1 and execute_signer(self.placements()[-1]) == WALLET

    async def test_unknown_placement_listed_as_open_is_not_lost(self) -> None:
        # The suite's version expects the listing's exchange id; Vertex's is the order's digest, known at signing.
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        self.serve_listings({"client_order_id": client_id, "state": OrderState.OPEN})
        self.pass_acceptance_deadline()
        for _ in range(self.conn.spec.lost_order_threshold):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN and order.exchange_order_id == self.placed_digest(client_id)
        assert not self.events(EventType.ORDER_LOST)

    async def test_a_perp_product_is_not_a_spot_market(self) -> None:
        assert set(self.conn.symbols) == {"WETH-USDC", "WBTC-USDC"}

    # Vertex has no API key: the private key signs, the wallet address is public and the login is signed.
    def secret_values(self) -> tuple[str, ...]:
        return (*SECRETS, PRIVATE_KEY, PRIVATE_KEY.removeprefix("0x"))

    def credentials_used(self, ws_path: str | None = None) -> bool:
        if ws_path is None:
            placed = self.placements()
            return bool(placed) and execute_signer(placed[-1]) == WALLET
        frames = self.venue.endpoint(ws_path).sessions[-1]
        return bool(frames) and frames[0].get("tx", {}).get("sender") == SENDER

