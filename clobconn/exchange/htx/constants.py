"""HTX (formerly Huobi) spot facts as data: hosts, endpoints, limits, errors, ids, states and features.

API docs: https://www.htx.com/en-us/opend/newApiPages/ (formerly https://huobiapi.github.io/docs/spot/v1/en/).
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
from clobconn.core.venue import (
    ClientOrderIdRule,
    DomainUrls,
    Feature,
    RateLimitHeaders,
    RateLimitReset,
    ResetUnit,
    VenueSpec,
)
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit, ReportedPool
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "htx"

DOMAINS = {"mainnet": DomainUrls(rest="https://api.huobi.pro", ws="wss://api.huobi.pro")}
# The mbp incremental topic and its "req" are served on /feed only; trades on /ws; the account on /ws/v2.
BOOK_WS_PATH = "/feed"
TRADES_WS_PATH = "/ws"
PRIVATE_WS_PATH = "/ws/v2"
# The depth of the book followed: 150 levels, the deepest the "req" refresh serves for every symbol.
BOOK_LEVELS = 150

SERVER_TIME = Endpoint("GET", "/v1/common/timestamp", signed=False)
SYMBOLS = Endpoint("GET", "/v1/settings/common/market-symbols", signed=False)
ACCOUNTS = Endpoint("GET", "/v1/account/accounts")
BALANCE = Endpoint("GET", "/v1/account/accounts/{account_id}/balance")
PLACE_ORDER = Endpoint("POST", "/v1/order/orders/place", orders=1)
BATCH_ORDERS = Endpoint("POST", "/v1/order/batch-orders", orders=1)
CANCEL_ORDER = Endpoint("POST", "/v1/order/orders/{order_id}/submitcancel", orders=1)
CANCEL_BY_CLIENT_ID = Endpoint("POST", "/v1/order/orders/submitCancelClientOrder", orders=1)
CANCEL_ALL = Endpoint("POST", "/v1/order/orders/batchCancelOpenOrders", orders=1)
ORDER_STATUS = Endpoint("GET", "/v1/order/orders/{order_id}")
ORDER_BY_CLIENT_ID = Endpoint("GET", "/v1/order/orders/getClientOrder")
FILLS = Endpoint("GET", "/v1/order/orders/{order_id}/matchresults")
OPEN_ORDERS = Endpoint("GET", "/v1/order/openOrders")
ORDER_HISTORY = Endpoint("GET", "/v1/order/history")

# Private endpoints: 100 requests per 2 s per UID (placements and cancels alike); 10 client frames a second.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([SERVER_TIME, SYMBOLS, ACCOUNTS, BALANCE, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER,
                  CANCEL_BY_CLIENT_ID, CANCEL_ALL, ORDER_STATUS, ORDER_BY_CLIENT_ID, FILLS, OPEN_ORDERS,
                  ORDER_HISTORY],
                 RateLimit("REST", 100, 2.0), [RateLimit("ORDERS", 100, 2.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)


RESET = RateLimitReset("X-HB-RateLimit-Requests-Expire", ResetUnit.MILLISECONDS)
# https://huobiapi.github.io/docs/spot/v1/en/#rate-limiting-rule: the limit is per UID and endpoint, and
# every answer says what is left of the endpoint's current window and when that window expires.
RATE_LIMIT_HEADERS = (RateLimitHeaders(ReportedPool.ENDPOINT, remaining="X-HB-RateLimit-Requests-Remain", reset=RESET),)


def answer_ping(message: Any) -> Any | None:
    """The venue pings every 5 s and closes a socket that misses two: {"ping": n} on the public
    sockets is answered {"pong": n}; {"action": "ping", "data": {"ts": n}} on /ws/v2 with "pong"."""
    if not isinstance(message, dict):
        return None
    if "ping" in message:
        return {"pong": message["ping"]}
    if message.get("action") == "ping":
        return {"action": "pong", "data": message.get("data", {})}
    return None


HEARTBEAT = Heartbeat(reply_to=answer_ping, idle_timeout=30.0)

# "state" of an order (REST) and "orderStatus" (orders#symbol). A partial cancel is a cancel to us.
ORDER_STATES = {
    "created": OrderState.PENDING_CREATE,
    "submitted": OrderState.OPEN,
    "partial-filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "partial-canceled": OrderState.CANCELED,
    "canceling": OrderState.PENDING_CANCEL,
    "canceled": OrderState.CANCELED,
    "rejected": OrderState.FAILED,
}
# The order "type" is side and kind in one word (buy-limit, sell-ioc...).
ORDER_KINDS = {
    (OrderType.LIMIT, TimeInForce.GTC): "limit",
    (OrderType.LIMIT, TimeInForce.IOC): "ioc",
    (OrderType.LIMIT, TimeInForce.FOK): "limit-fok",
    (OrderType.LIMIT_MAKER, TimeInForce.GTC): "limit-maker",
}

# "err-code" of {"status": "error", "err-code", "err-msg"} (HTTP 200). The same code names a bad
# signature, an unknown key and an expired timestamp; the message tells them apart.
ERRORS: VenueErrorTable = {
    "api-signature-not-valid": ErrorRule(AuthenticationError, ("timestamp", InvalidTimestamp),
                                         ("expired", InvalidTimestamp)),
    "api-signature-check-failed": AuthenticationError,
    "login-required": AuthenticationError,
    "base-operation-forbidden": PermissionDenied,
    "api-not-support-temp-addr": PermissionDenied,
    "too-many-requests": RateLimitExceeded,
    "bad-request": BadRequest,
    "invalid-parameter": BadRequest,
    "invalid-command": BadRequest,
    "bad-argument": BadRequest,
    "base-symbol-error": BadSymbol,
    "base-symbol-trade-disabled": InvalidOrder,
    "order-accountbalance-error": InsufficientFunds,
    "account-frozen-balance-insufficient-error": InsufficientFunds,
    "order-limitorder-price-error": InvalidOrder,
    "order-limitorder-amount-error": InvalidOrder,
    "order-limitorder-price-min-error": InvalidOrder,
    "order-limitorder-price-max-error": InvalidOrder,
    "order-limitorder-amount-min-error": InvalidOrder,
    "order-limitorder-amount-max-error": InvalidOrder,
    "order-orderprice-precision-error": InvalidOrder,
    "order-orderamount-precision-error": InvalidOrder,
    "order-marketorder-amount-error": InvalidOrder,
    "order-value-min-error": InvalidOrder,
    "order-invalid-price": InvalidOrder,
    "order-disabled": OrderRejected,
    "order-queryorder-invalid": OrderNotFound,
    "base-record-invalid": OrderNotFound,
    # Cancelling an order that has already ended.
    "order-orderstate-error": OrderNotFound,
    "gateway-internal-error": ExchangeNotAvailable,
}
# Codes of the /ws/v2 "auth" answer: 2002 "invalid.auth.state" and 2003 "auth.fail" refuse the key.
LOGIN_ERRORS: VenueErrorTable = {"2002": AuthenticationError, "2003": AuthenticationError,
                                 "429": RateLimitExceeded}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # client-order-id: up to 64 letters, digits, "_" and "-", unique within 8 hours.
    client_order_id=ClientOrderIdRule(max_length=64, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.BATCH_ORDERS, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # The signed Timestamp is valid for 5 minutes.
    placement_expiry=300.0,
    # X-HB-RateLimit-Requests-Expire: milliseconds until the current window ends.
    rate_limit_resets=(RESET,),
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
