"""Derive facts as data: hosts, JSON-RPC methods, protocol constants, limits, errors and order states.

The v3 API (https://docs.derive.xyz): JSON-RPC 2.0, as ``POST /v3/<method>`` and on the socket ``/v3/ws``.
Specs: https://v3.docs.derive.xyz/openapi.json, .../subscriptions.asyncapi.json. Protocol constants:
https://docs.derive.xyz/authentication/action-signing, as derive-py carries them (config/contracts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from clobconn.core import errors
from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit

CONNECTOR_ID = "derive"

DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.derive.xyz", ws="wss://api.derive.xyz"),
    "testnet": DomainUrls(rest="https://testnet.api.derive.xyz", ws="wss://testnet.api.derive.xyz"),
}
WS_PATH = "/v3/ws"


@dataclass(frozen=True)
class Protocol:
    """What an order's EIP-712 action is signed against on one network (Ethereum 1, Sepolia 11155111)."""

    domain_separator: bytes
    action_typehash: bytes
    trade_module: str


ACTION_TYPEHASH = bytes.fromhex("4d7a9f27c403ff9c0f19bce61d76d82f9aa29f8d6d4b0c5474607d9770d1af17")
# The Trade module has one address on both networks (derive-py, V3_MODULE_ADDRESSES).
TRADE_MODULE = "0xB8D20c2B7a1Ad2EE33Bc50eF10876eD3035b5e7b"
PROTOCOLS = {
    "mainnet": Protocol(bytes.fromhex("da616dfabb88681b08e1592820a41d55ddc62d68de110e327ae99d734506fe19"),
                        ACTION_TYPEHASH, TRADE_MODULE),
    "testnet": Protocol(bytes.fromhex("24d674cd5f2b9d564691c51e9d88f649b99246a2244dd74ce27b96578d773e85"),
                        ACTION_TYPEHASH, TRADE_MODULE),
}


def _method(name: str, signed: bool = True, orders: int = 0) -> Endpoint:
    return Endpoint("POST", f"/v3/{name}", signed=signed, orders=orders)


GET_TIME = _method("public/get_time", signed=False)
INSTRUMENTS = _method("public/get_all_instruments", signed=False)
TICKER = _method("public/get_ticker", signed=False)
SUBACCOUNTS = _method("private/get_subaccounts")
SUBACCOUNT = _method("private/get_subaccount")
PLACE_ORDER = _method("private/order", orders=1)
CANCEL_ORDER = _method("private/cancel", orders=1)
CANCEL_BY_LABEL = _method("private/cancel_by_label", orders=1)
CANCEL_BY_INSTRUMENT = _method("private/cancel_by_instrument", orders=1)
GET_ORDER = _method("private/get_order")
OPEN_ORDERS = _method("private/get_open_orders")
ORDER_HISTORY = _method("private/get_order_history")
TRADE_HISTORY = _method("private/get_trade_history")
POSITIONS = _method("private/get_positions")
FUNDING_HISTORY = _method("private/get_funding_history")

ENDPOINTS = [GET_TIME, INSTRUMENTS, TICKER, SUBACCOUNTS, SUBACCOUNT, PLACE_ORDER, CANCEL_ORDER, CANCEL_BY_LABEL,
             CANCEL_BY_INSTRUMENT, GET_ORDER, OPEN_ORDERS, ORDER_HISTORY, TRADE_HISTORY, POSITIONS, FUNDING_HISTORY]
# The venue's SDK (derive-py, websockets/session.py) notes a trader profile's five non-matching requests a
# second; the pools hold every call to that rate.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits(ENDPOINTS, RateLimit("REST", 5, 1.0), [RateLimit("ORDERS", 5, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 5, 1.0),
)

# instrument_type of public/get_all_instruments.
SPOT_INSTRUMENTS = "erc20"
PAGE_SIZE = 1000
# The order book channel: orderbook.{instrument}.{group}.{depth}, group 1 (no aggregation), depth one of
# 1, 10, 20, 100. Each message is a full snapshot of that depth, numbered by publish_id.
BOOK_GROUP = 1
BOOK_DEPTH = 20

# An order lives as long as its signature: a resting order is cancelled when it expires. 30 days
# keeps well within the venue's maximum for non-MMP orders.
ORDER_SIGNATURE_TTL = 30 * 24 * 3600
# A market order is signed with this far past the best price (its worst acceptable price).
MARKET_SLIPPAGE = "0.05"
# The signed max fee is this multiple of the fee the instrument's rates give at the limit price.
MAX_FEE_MULTIPLE = 2
# The docs state no tolerance for X-DeriveTimestamp; the placement window is the core's default.
PLACEMENT_EXPIRY = 30.0

ORDER_STATES = {"open": OrderState.OPEN, "untriggered": OrderState.OPEN, "algo_active": OrderState.OPEN,
                "filled": OrderState.FILLED, "cancelled": OrderState.CANCELED, "expired": OrderState.CANCELED,
                "rejected": OrderState.FAILED}
TIME_IN_FORCE = {TimeInForce.GTC: "gtc", TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}

# https://docs.derive.xyz/error-codes (the SDK's DeriveJSONRPCErrorCode mirrors the catalog).
ERRORS: errors.VenueErrorTable = {
    "-32000": errors.RateLimitExceeded,
    "-32100": errors.RateLimitExceeded,  # too many concurrent sockets
    **dict.fromkeys(("-32700", "-32600", "-32601", "-32602"), errors.BadRequest),
    "-32603": errors.ExchangeNotAvailable,
    **dict.fromkeys(("9000", "9001"), errors.ExchangeNotAvailable),  # order / engine confirmation timeout
    "11000": errors.InsufficientFunds,
    "11020": errors.InsufficientFunds,  # negative ERC20 balance
    **dict.fromkeys(("11003", "11004", "11005", "11006"), errors.OrderNotFound),  # cancelled, filled, expired, none
    **dict.fromkeys(("11002", "11007", "11008", "11009", "11010", "11011", "11012", "11013", "11014", "11015",
                     "11016", "11017", "11018", "11019", "11021", "11023", "11024", "11025"), errors.InvalidOrder),
    **dict.fromkeys(("12000", "12001", "12002"), errors.BadSymbol),  # asset, instrument, currency not found
    **dict.fromkeys(("14000", "14001", "14002"), errors.PermissionDenied),  # account or subaccount unknown
    # A signature or session key the venue does not accept: a definite refusal of the credentials.
    **dict.fromkeys(("14013", "14014", "14020", "14021", "14023", "14026", "14030"), errors.AuthenticationError),
    **dict.fromkeys(("14029", "14031", "16000", "16001"), errors.PermissionDenied),  # IP, scope, region, compliance
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # The client order id travels as the order's label, which the docs bound at no length; 32 is ours.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset(TIME_IN_FORCE),
    features=frozenset({Feature.CANCEL_ALL}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=(),
    # The key is the wallet that owns the subaccounts (an EOA or multisig); the secret the session key
    # registered for it, which signs both the requests and each order's action.
    key_name="wallet address",
    secret_name="session key",
)


class DeriveConfig(ConnectorConfig):
    # The subaccount every order and balance names; None takes the wallet's first (lowest id).
    subaccount_id: int | None = None
