"""Coinbase Advanced Trade spot as data: hosts, endpoints, limits, errors, ids, states and features.

REST reference: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/introduction;
streams: https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-endpoints;
rate limits: https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/rate-limits.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "coinbase_advanced_trade"

# Market data and the user channel are served on two hosts; the public one takes no JWT.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.coinbase.com", ws="wss://advanced-trade-ws.coinbase.com",
                          private_ws="wss://advanced-trade-ws-user.coinbase.com"),
}

_V3 = "/api/v3/brokerage"
SERVER_TIME = Endpoint("GET", f"{_V3}/time", signed=False)
# The public listing, so that rules load without credentials; it carries the alias fields too.
PRODUCTS = Endpoint("GET", f"{_V3}/market/products", signed=False)
ACCOUNTS = Endpoint("GET", f"{_V3}/accounts")
PLACE_ORDER = Endpoint("POST", f"{_V3}/orders", orders=1)
CANCEL_ORDERS = Endpoint("POST", f"{_V3}/orders/batch_cancel", orders=1)
EDIT_ORDER = Endpoint("POST", f"{_V3}/orders/edit", orders=1)
ORDER = Endpoint("GET", f"{_V3}/orders/historical/{{order_id}}")
ORDERS = Endpoint("GET", f"{_V3}/orders/historical/batch")
FILLS = Endpoint("GET", f"{_V3}/orders/historical/fills")

# Private endpoints: 30 requests a second per user; public ones 10 a second per IP.
WS_SEND_LIMIT_ID = "WS"
PUBLIC_LIMIT = RateLimit("PUBLIC", 10, 1.0)
PRIVATE_ENDPOINTS = [ACCOUNTS, PLACE_ORDER, CANCEL_ORDERS, EDIT_ORDER, ORDER, ORDERS, FILLS]
RATE_LIMITS = (
    *rate_limits(PRIVATE_ENDPOINTS, RateLimit("PRIVATE", 30, 1.0), []),
    *rate_limits([SERVER_TIME, PRODUCTS], PUBLIC_LIMIT, [])[1:],
    PUBLIC_LIMIT,
    # Subscribe messages: 8 a second per IP, unauthenticated ones (the market data socket).
    RateLimit(WS_SEND_LIMIT_ID, 8, 1.0),
)

# A JWT is valid for 120 s from its nbf: how long a signed placement may still be taken.
JWT_LIFETIME = 120
# The largest pages of the accounts and of the order and fill listings (a cursor leads to the next).
ACCOUNTS_PAGE, ORDERS_PAGE = 250, 1000

# A socket subscribed to heartbeats hears from the venue every second: 30 s of silence is a dead socket.
HEARTBEAT = Heartbeat(idle_timeout=30.0)

# Order status of the REST order object and of the user channel.
ORDER_STATES = {
    "PENDING": OrderState.PENDING_CREATE,
    "QUEUED": OrderState.PENDING_CREATE,
    "OPEN": OrderState.OPEN,
    "EDIT_QUEUED": OrderState.OPEN,
    "CANCEL_QUEUED": OrderState.PENDING_CANCEL,
    "FILLED": OrderState.FILLED,
    "CANCELLED": OrderState.CANCELED,
    # The venue ended it (an IOC's rest, a GTD's deadline): what filled counts, the rest is gone.
    "EXPIRED": OrderState.CANCELED,
    "FAILED": OrderState.FAILED,
}

# https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/introduction#errors: an HTTP
# status with {"error", "message"}; a refused placement answers 200 with success false and an
# error_response whose "error" is the failure reason; a refused cancel names its failure_reason; a
# refused edit its edit_failure_reason.
ERRORS: VenueErrorTable = {
    "INVALID_ARGUMENT": BadRequest,
    "NOT_FOUND": OrderNotFound,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDenied,
    "RESOURCE_EXHAUSTED": RateLimitExceeded,
    "rate_limit_exceeded": RateLimitExceeded,
    "INTERNAL": ExchangeNotAvailable,
    "UNAVAILABLE": ExchangeNotAvailable,
    # Placement failure reasons.
    "INSUFFICIENT_FUND": InsufficientFunds,
    "INVALID_PRODUCT_ID": BadSymbol,
    "INVALID_LIMIT_PRICE_POST_ONLY": OrderRejected,
    "INVALID_NO_LIQUIDITY": OrderRejected,
    "ORDER_ENTRY_DISABLED": ExchangeNotAvailable,
    **dict.fromkeys((
        "UNKNOWN_FAILURE_REASON", "UNSUPPORTED_ORDER_CONFIGURATION", "INVALID_SIDE", "INVALID_SIZE_PRECISION",
        "INVALID_PRICE_PRECISION", "INVALID_LEDGER_BALANCE", "INVALID_LIMIT_PRICE", "INVALID_START_DATE",
        "INVALID_END_DATE", "INVALID_BASE_SIZE_TOO_SMALL", "INVALID_BASE_SIZE_TOO_LARGE",
        "INVALID_QUOTE_SIZE_TOO_SMALL", "INVALID_QUOTE_SIZE_TOO_LARGE", "INVALID_QUOTE_SIZE_PRECISION",
        "INVALID_PRICE_TOO_LARGE", "INELIGIBLE_PAIR"), InvalidOrder),
    # Cancel failure reasons.
    "UNKNOWN_CANCEL_ORDER": OrderNotFound,
    "INVALID_CANCEL_REQUEST": BadRequest,
    "COMMANDER_REJECTED_CANCEL_ORDER": InvalidOrder,
    "DUPLICATE_CANCEL_REQUEST": InvalidOrder,
    # Edit failure reasons.
    "ORDER_NOT_FOUND": OrderNotFound,
    "CANNOT_EDIT_TO_BELOW_FILLED_SIZE": InvalidOrder,
    "ORDER_IS_NOT_GTC_LIMIT": InvalidOrder,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    # No batch placement, no cancel-all (batch_cancel takes order ids: the core cancels one by one).
    features=frozenset({Feature.AMEND_ORDER, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=float(JWT_LIFETIME),
    # orders/edit changes the order itself: same order_id and client_order_id.
    amend_in_place=True,
    # The user channel reports cumulative amounts, never a fill: fills come from orders/historical/fills.
    user_stream_fills=False,
)
