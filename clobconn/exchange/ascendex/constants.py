"""AscendEx spot ("cash" account) facts as data: hosts, endpoints, signed names, limits, errors, ids, states.

API docs: https://ascendex.github.io/ascendex-pro-api/ (published from github.com/ascendex/ascendex-pro-api).
The venue appears to have closed in 2026: this is its last documented API.
"""

from __future__ import annotations

from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    ErrorRule,
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
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec, VenueStatus
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "ascendex"

DOMAINS = {"mainnet": DomainUrls(rest="https://ascendex.com", ws="wss://ascendex.com")}
# Private paths start with the account group (GET /api/pro/v1/info): /{group}/api/pro/v1/...; a socket
# without it serves public channels only.
PUBLIC_WS_PATH = "/api/pro/v1/stream"
PRIVATE_WS_PATH = "/{group}/api/pro/v1/stream"

EXCHANGE_INFO = Endpoint("GET", "/api/pro/v1/exchange-info", signed=False)
PRODUCTS = Endpoint("GET", "/api/pro/v1/cash/products", signed=False)
DEPTH = Endpoint("GET", "/api/pro/v1/depth", signed=False)
ACCOUNT_INFO = Endpoint("GET", "/api/pro/v1/info")
BALANCE = Endpoint("GET", "/{group}/api/pro/v1/cash/balance")
PLACE_ORDER = Endpoint("POST", "/{group}/api/pro/v1/cash/order", orders=1)
CANCEL_ORDER = Endpoint("DELETE", "/{group}/api/pro/v1/cash/order", orders=1)
CANCEL_ALL = Endpoint("DELETE", "/{group}/api/pro/v1/cash/order/all", orders=1)
BATCH_ORDERS = Endpoint("POST", "/{group}/api/pro/v1/cash/order/batch", orders=1)
ORDER_STATUS = Endpoint("GET", "/{group}/api/pro/v1/cash/order/status")
OPEN_ORDERS = Endpoint("GET", "/{group}/api/pro/v1/cash/order/open")
ORDER_HISTORY = Endpoint("GET", "/{group}/api/pro/v1/cash/order/hist/current")

# What each signed call names in its pre-image ("<timestamp>+<api-path>"), as each endpoint's
# "Prehash String" says, keyed by the path after /api/pro/: the version and the account category go.
SIGNED_NAMES = {
    "v1/info": "info",
    "v1/cash/balance": "balance",
    "v1/cash/order": "order",
    "v1/cash/order/all": "order/all",
    "v1/cash/order/batch": "order/batch",
    "v1/cash/order/status": "order/status",
    "v1/cash/order/open": "order/open",
    "v1/cash/order/hist/current": "order/hist/current",
    # The private stream: headers or the "auth" op sign "<timestamp>+stream".
    "v1/stream": "stream",
}
# Place Batch Orders: "You may submit up to 10 orders at a time."
BATCH_SIZE = 10

# 100 requests a second in all and 50 order requests a second (Hummingbot's encoding; the docs give none).
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([EXCHANGE_INFO, PRODUCTS, DEPTH, ACCOUNT_INFO, BALANCE, PLACE_ORDER, CANCEL_ORDER, CANCEL_ALL,
                  BATCH_ORDERS, ORDER_STATUS, OPEN_ORDERS, ORDER_HISTORY],
                 RateLimit("REST", 100, 1.0), [RateLimit("ORDERS", 50, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)


def answer_ping(message: Any) -> Any | None:
    """The venue pings a quiet socket with {"m": "ping", "hp": 3} and drops it after two unanswered."""
    if isinstance(message, dict) and message.get("m") == "ping":
        return {"op": "pong"}
    return None


def is_pong(message: Any) -> bool:
    return isinstance(message, dict) and message.get("m") == "pong"


# Our own {"op": "ping"} every 15 s (the docs' advice) also stops the venue's pings for 30 s.
HEARTBEAT = Heartbeat(app_ping=15.0, app_ping_payload={"op": "ping"}, is_pong=is_pong, reply_to=answer_ping,
                      idle_timeout=60.0)

# "status" of an order (REST) and "st" (order channel).
ORDER_STATES = {
    "PendingNew": OrderState.PENDING_CREATE,
    "New": OrderState.OPEN,
    "PartiallyFilled": OrderState.PARTIALLY_FILLED,
    "Filled": OrderState.FILLED,
    "Canceled": OrderState.CANCELED,
    "Rejected": OrderState.FAILED,
}
TIME_IN_FORCE = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}

# "code" of {"code", "reason", "message"} (HTTP 200): the Appendix's error groups. 100014 is the
# violation code the Risk Limit Info example gives for too many requests.
ERRORS: VenueErrorTable = {
    "100001": BadRequest, "100002": BadRequest, "100004": BadRequest, "100005": BadRequest,
    "100006": BadRequest, "100012": BadRequest, "100013": BadRequest, "150001": BadRequest,
    "100008": BadSymbol,
    "100009": AuthenticationError,
    "100010": PermissionDenied,
    "100011": InvalidTimestamp,
    "100014": RateLimitExceeded,
    "200001": AuthenticationError,
    "200002": PermissionDenied,
    "200003": AuthenticationError,
    "200004": PermissionDenied,
    # "Unable to find User Account Data": the docs' example of a refused "auth" op.
    "200006": AuthenticationError,
    "200014": PermissionDenied,
    "200015": PermissionDenied,
    "300001": InvalidOrder, "300002": InvalidOrder, "300003": InvalidOrder, "300004": InvalidOrder,
    "300005": InvalidOrder, "300007": InvalidOrder, "300008": InvalidOrder, "300013": InvalidOrder,
    # INVALID_ORDER_ID: a malformed id, or (cancels) "The order is already filled or canceled."
    "300006": ErrorRule(OrderNotFound, ("invalid client order id", BadRequest)),
    "300009": OrderRejected,
    "300011": InsufficientFunds,
    "300012": BadSymbol,
    # "Duplicated order cancel request" / "Trying to cancel non-open order": nothing left to cancel.
    "300019": OrderNotFound,
    "300020": OrderRejected,
    "300021": OrderRejected,
    "300031": OrderRejected,
    "310001": InsufficientFunds,
    "510001": ExchangeNotAvailable,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    # The venue appears to have closed (see its docs page); no primary source confirms either way.
    status=VenueStatus.UNCONFIRMED,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # "id": letters and digits, up to 32; the venue builds the order id from its last 9 characters, so
    # ours end in random ones (Hummingbot's 22-character cap worked around ids that ended in the time).
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset(TIME_IN_FORCE),
    features=frozenset({Feature.CANCEL_ALL, Feature.BATCH_ORDERS}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # Place Order's "time": "We do not process request placed more than 30 seconds ago."
    placement_expiry=30.0,
    # The docs name no header that says when a rate limit lifts.
    rate_limit_resets=(),
)
