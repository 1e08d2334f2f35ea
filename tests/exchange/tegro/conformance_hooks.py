"""The loopback Tegro the conformance suite and the venue-specific tests share.

It plays the venue's two-step placement: orders/typedData/generate answers with the documented
typed-data shape filled from the request (the chain, the exchange contract, the market's tokens, the
amounts in token units and the maker), and orders/place answers with the order object. A fresh random
order hash per generated order stands for the client order id Tegro does not have.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import orjson
from eth_account import Account

from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

# A throwaway key made for these tests (never funded, on no chain).
PRIVATE_KEY = "0x" + "5c" * 16 + "a1" * 16
ADDRESS = Account.from_key(PRIVATE_KEY).address
CHAIN_ID = 8453
EXCHANGE_CONTRACT = "0x1d0888a1552996822b71e89ca735b06aed4b20a4"
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
    answer: dict[str, Any] = fixtures.payload("order_typed_data", {
        "chain_id": body["chain_id"], "contract": EXCHANGE_CONTRACT, "base_token": market["base_contract_address"],
        "quote_token": market["quote_contract_address"], "side_number": 1 if body["side"] == "buy" else 2,
        "amount_units": message["totalQuantity"], "price_units": message["price"],
        "order_hash": "0x" + os.urandom(32).hex(), "raw_order_data": orjson.dumps(message).decode(),
        "market_id": market["id"], "symbol": body["market_symbol"], "order_message": message})
    return answer


class TegroConformanceHooks:
    venue: MockVenue
    fixtures: FixtureSet

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", f"{API}/exchange/chain/list", lambda _: MockResponse(self.fixtures.payload("chains")))
        venue.route("POST", TYPED_ORDER_PATH, lambda request: MockResponse(typed_order(self.fixtures, request)))
        venue.route("POST", TYPED_CANCEL_PATH, lambda _: MockResponse(self.fixtures.payload(
            "cancel_typed_data", {"chain_id": CHAIN_ID, "contract": EXCHANGE_CONTRACT, "maker": ADDRESS})))
