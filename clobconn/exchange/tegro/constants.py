"""Tegro spot facts as data: hosts, chains, endpoints, limits, states, errors and the venue's spec.

API reference: https://tegro.readme.io/reference (create-order: the two-step placement;
websocket-connection: the event socket). Orders are EIP-712 typed data that the venue builds and the
wallet signs; no REST request carries credentials, so every endpoint is unsigned. Facts the reference
leaves out (the market list, depth, portfolio, cancel and order paths) are Hummingbot's Tegro connector
read at hummingbot/hummingbot b7b54198b3^, and are marked so on docs/connectors/tegro.md.
"""

from __future__ import annotations

from pathlib import Path

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    BadRequest,
    ErrorRule,
    ExchangeNotAvailable,
    InsufficientAllowance,
    InsufficientFunds,
    OrderNotFound,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.evm.abi import ContractAbi
from clobconn.core.venue import DomainUrls, VenueSpec, VenueStatus
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "tegro"

# Tegro runs on Base: mainnet chain 8453, testnet Base Sepolia 84532. "node" is a public Base RPC, used
# only for ERC-20 approvals (TegroConfig.node_url overrides it).
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.tegro.com/api", ws="wss://api.tegro.com/api/v1/events",
                          extra={"chain_id": "8453", "node": "https://mainnet.base.org"}),
    "testnet": DomainUrls(rest="https://api.testnet.tegro.com/api", ws="wss://api.testnet.tegro.com/api/v1/events",
                          extra={"chain_id": "84532", "node": "https://sepolia.base.org"}),
}
WS_PATH = "/ws"

CHAINS = Endpoint("GET", "/v1/exchange/chain/list", signed=False)
MARKETS = Endpoint("GET", "/v1/exchange/{chain_id}/market/list", signed=False)
DEPTH = Endpoint("GET", "/v1/orderbook/depth", signed=False)
PORTFOLIO = Endpoint("GET", "/v1/accounts/{chain_id}/{wallet}/portfolio", signed=False)
ORDER_TYPED_DATA = Endpoint("POST", "/v1/trading/market/orders/typedData/generate", signed=False, orders=1)
PLACE_ORDER = Endpoint("POST", "/v1/trading/market/orders/place", signed=False, orders=1)
CANCEL_TYPED_DATA = Endpoint("POST", "/v1/trading/market/orders/typedData/generateCancelOrder", signed=False,
                             orders=1)
CANCEL_ORDER = Endpoint("POST", "/v1/trading/market/orders/cancel", signed=False, orders=1)
USER_ORDERS = Endpoint("GET", "/v1/trading/market/orders/user/{wallet}", signed=False)
ORDER_TRADES = Endpoint("GET", "/v1/trading/market/orders/trades/{order_id}", signed=False)

# The ERC-20 functions the connector calls on a token (EIP-20's ABI): approve sends, allowance reads.
ERC20 = ContractAbi.load(Path(__file__).with_name("erc20.json"))
# How long an approval may take to be mined before approve_token gives up waiting (it is not resent).
APPROVAL_TIMEOUT = 120.0

# The market list is paged; verified markets only (the venue's own listing filter).
MARKET_PAGE = {"page": 1, "page_size": 100, "sort_order": "desc", "sort_by": "volume", "verified": "true"}

# Tegro documents no rate limit: these pools are our own restraint, not the venue's numbers.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([CHAINS, MARKETS, DEPTH, PORTFOLIO, ORDER_TYPED_DATA, PLACE_ORDER, CANCEL_TYPED_DATA,
                  CANCEL_ORDER, USER_ORDERS, ORDER_TRADES],
                 RateLimit("REST", 10, 1.0), [RateLimit("ORDERS", 5, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 5, 1.0),
)

# The event socket answers protocol pings; a quiet market sends nothing, so only pings prove it alive.
HEARTBEAT = Heartbeat(protocol_ping=20.0, idle_timeout=3600.0)

# The order's "status" (REST lower case, the socket capitalised); "closed" with an amount still pending
# is a cancel, and an open order with a filled amount is partly filled (the parser reads both).
ORDER_STATES = {
    "open": OrderState.OPEN,
    "active": OrderState.OPEN,
    "partial": OrderState.PARTIALLY_FILLED,
    "matched": OrderState.FILLED,
    "completed": OrderState.FILLED,
    "closed": OrderState.FILLED,
    "cancelled": OrderState.CANCELED,
    "failed": OrderState.FAILED,
}

# Tegro answers a refusal with an HTTP error and {"message": ...}, no code of its own: the status is the
# code, split by the message where the venue words distinct refusals under one status.
ERRORS: VenueErrorTable = {
    "400": ErrorRule(BadRequest,
                     ("insufficient allowance", InsufficientAllowance),
                     ("insufficient balance", InsufficientFunds),
                     ("not found", OrderNotFound)),
    "404": OrderNotFound,
    "429": RateLimitExceeded,
    "503": ExchangeNotAvailable,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # The venue builds limit orders only (a price is part of the signed Order), resting until cancelled.
    order_types=frozenset({OrderType.LIMIT}),
    time_in_force=frozenset({TimeInForce.GTC}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # The signed Order carries expiryTime 0 (no expiry), but only our POST places it: a placement the
    # venue has not taken 10 s after sending is not coming.
    placement_expiry=10.0,
    rate_limit_resets=(),
    # The account is the address of the private key: no key to configure.
    key_name=None,
    secret_name="private key",
    # The event socket tells an order's filled amount, never the fills: those come from REST.
    user_stream_fills=False,
    # No primary source says whether api.tegro.com still serves this API (see docs/connectors/tegro.md).
    status=VenueStatus.UNCONFIRMED,
)
