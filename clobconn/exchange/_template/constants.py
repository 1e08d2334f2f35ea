"""Template Exchange facts as data: hosts, endpoints, limits, errors, ids, states and features.

The venue's protocol is docs/connectors/_template.md. When you copy this folder for a real venue,
this is the file to fill first: everything the core can decide from data, it reads from ``SPEC``.
"""

from __future__ import annotations

from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    DuplicateClientOrderId,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, RateLimitReset, ResetUnit, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "_template"

# Hosts only: the role files append paths, so a rest_url/ws_url override moves the whole connector.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.template.example", ws="wss://ws.template.example"),
    "testnet": DomainUrls(rest="https://api.testnet.template.example", ws="wss://ws.testnet.template.example"),
}
PUBLIC_WS_PATH = "/ws"
PRIVATE_WS_PATH = "/ws/private"


# Every endpoint costs 1 on the REST pool; place, cancel and cancel-all also 1 on the order pool.
SERVER_TIME = Endpoint("GET", "/v1/time", signed=False)
MARKETS = Endpoint("GET", "/v1/markets", signed=False)
BALANCES = Endpoint("GET", "/v1/balances")
PLACE_ORDER = Endpoint("POST", "/v1/orders", orders=1)
CANCEL_ORDER = Endpoint("POST", "/v1/orders/cancel", orders=1)
CANCEL_ALL = Endpoint("POST", "/v1/orders/cancel-all", orders=1)
ORDER_STATUS = Endpoint("GET", "/v1/order")
FILLS = Endpoint("GET", "/v1/fills")
# The last checks before a placement whose answer was lost is given up as lost.
OPEN_ORDERS = Endpoint("GET", "/v1/orders/open")
ORDER_HISTORY = Endpoint("GET", "/v1/orders/history")

# 20 requests/s per key, of which 10 may be order requests; 10 client frames/s per socket.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([SERVER_TIME, MARKETS, BALANCES, PLACE_ORDER, CANCEL_ORDER, CANCEL_ALL, ORDER_STATUS, FILLS,
                  OPEN_ORDERS, ORDER_HISTORY],
                 RateLimit("REST", 20, 1.0), [RateLimit("ORDERS", 10, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)


def _is_pong(message: Any) -> bool:
    return isinstance(message, dict) and message.get("op") == "pong"


# The venue closes a socket silent for 30 s, so we ping at 15 s; no pong for 45 s means it is dead.
HEARTBEAT = Heartbeat(app_ping=15.0, app_ping_payload={"op": "ping"}, is_pong=_is_pong, idle_timeout=45.0)

# "status" of the order object; an IOC or market remainder ends "expired", which is a cancel to us.
ORDER_STATES = {
    "open": OrderState.OPEN,
    "partial": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "cancelled": OrderState.CANCELED,
    "expired": OrderState.CANCELED,
    "rejected": OrderState.FAILED,
}

# String codes from {"ok": false, "error": {"code": ...}}; the venue never overloads a code, so no ErrorRule.
# The two credential refusals stop the private loops (and a private login they refuse stops the stream);
# PERMISSION_DENIED is about one action, not the key.
ERRORS: VenueErrorTable = {
    "INVALID_KEY": AuthenticationError,
    "INVALID_SIGNATURE": AuthenticationError,
    "TIMESTAMP_EXPIRED": InvalidTimestamp,
    "PERMISSION_DENIED": PermissionDenied,
    "RATE_LIMITED": RateLimitExceeded,
    "INVALID_PARAMETER": BadRequest,  # a malformed request on any endpoint, not a refused order
    "UNKNOWN_SYMBOL": BadSymbol,
    "INVALID_ORDER": InvalidOrder,
    "INSUFFICIENT_BALANCE": InsufficientFunds,
    "DUPLICATE_CLIENT_ID": DuplicateClientOrderId,
    "POST_ONLY_WOULD_TRADE": OrderRejected,
    "ORDER_NOT_FOUND": OrderNotFound,
    "MAINTENANCE": ExchangeNotAvailable,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # client_id: 1 to 32 letters and digits.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="tpl"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    # No FOK: the core refuses it with NotSupported before anything is sent.
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC}),
    features=frozenset({Feature.CANCEL_ALL}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # TPL-TS may be at most 5000 ms old: a placement the venue has not accepted by then never will be.
    placement_expiry=5.0,
    # The gateway's 429 says in Retry-After how many seconds the limit lasts.
    rate_limit_resets=(RateLimitReset("Retry-After", ResetUnit.SECONDS),),
)
