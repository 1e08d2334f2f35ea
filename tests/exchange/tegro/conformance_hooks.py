"""The loopback Tegro the conformance suite and the venue-specific tests share.

It plays the venue's two-step placement: orders/typedData/generate answers with the documented
typed-data shape filled from the request (the chain, the exchange contract, the market's tokens, the
amounts in token units and the maker), and orders/place answers with the order object. A fresh random
order hash per generated order stands for the client order id Tegro does not have.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from eth_account import Account

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.core.evm.signing import typed_data_digest
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suite_base import ConformanceSuiteBase

# A throwaway key made for these tests (never funded, on no chain).
PRIVATE_KEY = "0x" + "5c" * 16 + "a1" * 16
ADDRESS = Account.from_key(PRIVATE_KEY).address
CHAIN_ID = 8453
# The verifying contract of the create-order example (its order_hash is the digest under it, on chain 8453).
EXCHANGE_CONTRACT = "0xa492c74aAc592F7951d98000a602A22157019563"
API = "/api/v1"
TYPED_ORDER_PATH = f"{API}/trading/market/orders/typedData/generate"
TYPED_CANCEL_PATH = f"{API}/trading/market/orders/typedData/generateCancelOrder"
USER_ORDERS_PATH = f"{API}/trading/market/orders/user/{ADDRESS}"


def markets(fixtures: FixtureSet) -> dict[str, dict[str, Any]]:
    return {m["symbol"]: m for m in fixtures.payload("trading_rules")}


def typed_order(fixtures: FixtureSet, request: RecordedRequest, **overrides: Any) -> dict[str, Any]:
    """The venue's answer to orders/typedData/generate for ``request``, with ``overrides`` in its message."""
    body = request.json
    market = markets(fixtures)[body["market_symbol"]]
    message = {"baseToken": market["base_contract_address"], "quoteToken": market["quote_contract_address"],
               "price": str(int(Decimal(str(body["price"])).scaleb(market["quote_decimal"]))),
               "totalQuantity": str(int(Decimal(str(body["amount"])).scaleb(market["base_decimal"]))),
               "isBuy": body["side"] == "buy", "salt": str(int.from_bytes(os.urandom(5), "big")),
               "maker": body["wallet_address"], "expiryTime": "0"}
    message.update(overrides)
    values = {
        "chain_id": body["chain_id"], "contract": EXCHANGE_CONTRACT, "base_token": market["base_contract_address"],
        "quote_token": market["quote_contract_address"], "side_number": 1 if body["side"] == "buy" else 2,
        "amount_units": message["totalQuantity"], "price_units": message["price"],
        "order_hash": "", "raw_order_data": orjson.dumps(message).decode(),
        "market_id": market["id"], "symbol": body["market_symbol"], "order_message": message}
    answer: dict[str, Any] = fixtures.payload("order_typed_data", values)
    # As on the venue, the order hash is the EIP-712 digest of the Order to sign.
    answer["data"]["limit_order"]["order_hash"] = "0x" + typed_data_digest(answer["data"]["sign_data"]).hex()
    return answer


class TegroConformanceHooks:
    venue: MockVenue
    fixtures: FixtureSet

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", f"{API}/exchange/chain/list", lambda _: MockResponse(self.fixtures.payload("chains")))
        venue.route("POST", TYPED_ORDER_PATH, lambda request: MockResponse(typed_order(self.fixtures, request)))
        venue.route("POST", TYPED_CANCEL_PATH, lambda _: MockResponse(self.fixtures.payload(
            "cancel_typed_data", {"chain_id": CHAIN_ID, "contract": EXCHANGE_CONTRACT, "maker": ADDRESS})))


FIXTURES = Path(__file__).parents[2] / "fixtures" / "tegro"
TRADES_PATH = API + "/trading/market/orders/trades/{order_id}"


def is_order_query(request: RecordedRequest) -> bool:
    return "order_id" in request.query


def is_open_listing(request: RecordedRequest) -> bool:
    return request.query.get("status") == "open"


class TegroLoopback(TegroConformanceHooks, ConformanceSuiteBase):
    """The suite's settings for Tegro: routes, fixtures, the wallet key, and the hooks."""

    connector_id = "tegro"
    fixture_dir = FIXTURES
    trading_pair = "WETH-USDC"
    second_trading_pair = "CBBTC-USDC"
    routes = {
        "server_time": ("GET", "/unused/server-time"),
        "trading_rules": ("GET", f"{API}/exchange/8453/market/list"),
        "balances": ("GET", f"{API}/accounts/8453/{ADDRESS}/portfolio"),
        "snapshot": ("GET", f"{API}/orderbook/depth"),
        "place_order": ("POST", f"{API}/trading/market/orders/place"),
        "cancel_order": ("POST", f"{API}/trading/market/orders/cancel"),
        # No native cancel-all is used: the core cancels each order through orders/cancel.
        "cancel_all": ("POST", f"{API}/trading/market/orders/cancel"),
        "order_status": ("GET", USER_ORDERS_PATH),
        "order_fills": ("GET", TRADES_PATH),
        "open_orders": ("GET", USER_ORDERS_PATH),
        "order_history": ("GET", USER_ORDERS_PATH),
    }
    route_filters = {"order_status": is_order_query, "open_orders": is_open_listing,
                     "order_history": lambda r: not is_order_query(r) and not is_open_listing(r)}
    public_ws_path = "/ws"
    user_ws_path = "/private/ws"
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "completed",
                    OrderState.CANCELED: "cancelled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    order_price = Decimal("2700.00")
    order_amount = Decimal("0.1")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.0001"),
    }
    expected_balances = {"USDC": (Decimal("1000.5"), Decimal("900.25")), "WETH": (Decimal("1.5"), Decimal("1.2"))}
    # No balance events on the socket: balances come from the portfolio poll.
    stream_balance_has_available = False

    @pytest.fixture(autouse=True)
    def _venue_fills(self) -> None:
        # exchange order id -> trade id -> the fills listing's row
        self.venue_fills: dict[str, dict[str, Any]] = {}

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config()
        del config["api_key"]
        config.update(api_secret=PRIVATE_KEY, rest_url=f"{self.venue.http_url}/api",
                      private_ws_url=f"{self.venue.ws_url}/private")
        config.update(overrides)
        return config

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        return [{"price": price, "quantity": size} for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        hashes = {client: key for key, client in getattr(getattr(self, "conn", None), "_client_ids", {}).items()}
        variables["order_hash"] = hashes.get(variables["client_order_id"], "00" * 32)
        variables["pending"] = Decimal(str(variables["amount"])) - Decimal(str(variables["cum_amount"]))
        return variables

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        # The place body carries the signed order in token units, and no client order id: the order's hash
        # stands for it.
        body = request.json
        order = self.fixtures.payload("trading_rules")[0]
        raw = orjson.loads(body["raw_order_data"])
        return {"price": str(Decimal(raw["price"]).scaleb(-order["quote_decimal"])),
                "amount": str(Decimal(raw["totalQuantity"]).scaleb(-order["base_decimal"])),
                "client_order_id": self.conn.client_id_of(body["order_hash"])}

    async def push_user(self, fixture: str, **variables: Any) -> None:
        if fixture == "user_fill":
            row = self.fixtures.payload("order_fills", self.vars(**variables))[0]
            self.venue_fills.setdefault(str(row["orderId"]), {})[str(row["id"])] = row
            self.serve("order_fills", lambda request: MockResponse(
                list(self.venue_fills.get(request.path.rsplit("/", 1)[-1], {}).values())))
        await super().push_user(fixture, **variables)
