"""MEXC spot facts as data: hosts, endpoints, limits, errors, states, streams and features.

Sources (see docs/connectors/mexc.md): https://www.mexc.com/api-docs/spot-v3/introduction
"""

from __future__ import annotations

from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
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

CONNECTOR_ID = "mexc"
# timestamp must be within recvWindow of the venue's clock (general-info "Timing security"; default 5000 ms).
RECV_WINDOW_MS = 5000
# GET /api/v3/depth takes up to 5000 levels: the docs' book recipe asks for all of them.
DEPTH_LIMIT = 5000
# POST /api/v3/batchOrders takes at most 20 orders of one symbol.
BATCH_SIZE = 20

# MEXC has no spot testnet. Public and private streams share one host: /ws, and /ws?listenKey=... .
DOMAINS = {"mainnet": DomainUrls(rest="https://api.mexc.com", ws="wss://wbs-api.mexc.com")}
WS_PATH = "/ws"

SERVER_TIME = Endpoint("GET", "/api/v3/time", signed=False)
EXCHANGE_INFO = Endpoint("GET", "/api/v3/exchangeInfo", 10, signed=False)
DEPTH = Endpoint("GET", "/api/v3/depth", 1, signed=False)
PLACE_ORDER = Endpoint("POST", "/api/v3/order", orders=1)
BATCH_ORDERS = Endpoint("POST", "/api/v3/batchOrders", orders=1)
CANCEL_ORDER = Endpoint("DELETE", "/api/v3/order")
CANCEL_ALL = Endpoint("DELETE", "/api/v3/openOrders")
ORDER_STATUS = Endpoint("GET", "/api/v3/order", 2)
ORDER_FILLS = Endpoint("GET", "/api/v3/myTrades", 10)
BALANCES = Endpoint("GET", "/api/v3/account", 10)
OPEN_ORDERS = Endpoint("GET", "/api/v3/openOrders", 3)
# Every order of a symbol since startTime (at most 7 days back).
ORDER_HISTORY = Endpoint("GET", "/api/v3/allOrders", 10)
# The listen key: created (POST) and kept alive (PUT) with signed calls.
CREATE_LISTEN_KEY = Endpoint("POST", "/api/v3/userDataStream")
KEEP_LISTEN_KEY = Endpoint("PUT", "/api/v3/userDataStream")

# general-info "LIMITS": each endpoint has its own 500 per 10 s, by IP (public) or by account (signed);
# one shared pool of that size is the safe reading, and orders need no pool of their own.
# The websocket takes 100 messages a second.
WS_SEND_LIMIT_ID = "WS_MESSAGES"
RATE_LIMITS = (
    *rate_limits([SERVER_TIME, EXCHANGE_INFO, DEPTH, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER, CANCEL_ALL,
                  ORDER_STATUS, ORDER_FILLS, BALANCES, OPEN_ORDERS, ORDER_HISTORY, CREATE_LISTEN_KEY,
                  KEEP_LISTEN_KEY],
                 RateLimit("REQUEST_WEIGHT", 500, 10.0), []),
    RateLimit(WS_SEND_LIMIT_ID, 100, 1.0),
)

# REST "status" of the order object.
ORDER_STATES = {
    "NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
    "PARTIALLY_CANCELED": OrderState.CANCELED,
}
# "status" of spot@private.orders.v3.api.pb: 1 not traded, 2 filled, 3 partially filled, 4 canceled,
# 5 partially filled then canceled.
STREAM_ORDER_STATES = {
    1: OrderState.OPEN,
    2: OrderState.FILLED,
    3: OrderState.PARTIALLY_FILLED,
    4: OrderState.CANCELED,
    5: OrderState.CANCELED,
}
# The order "type" MEXC takes: a time in force other than GTC is an order type of its own.
LIMIT_TYPES = {TimeInForce.GTC: "LIMIT", TimeInForce.IOC: "IMMEDIATE_OR_CANCEL", TimeInForce.FOK: "FILL_OR_KILL"}

# https://www.mexc.com/api-docs/spot-v3/error-code. Errors come as {"code": n, "msg": "..."}, mostly in HTTP 400.
# Only the definite credential refusals are AuthenticationError; 401 "No authority" may be a missing
# permission, and 700007 certainly is.
ERRORS: VenueErrorTable = {
    "-2011": OrderNotFound,  # Unknown order sent
    "-2013": OrderNotFound,  # Order does not exist
    "26": PermissionDenied,  # operation not allowed
    "400": AuthenticationError,  # api key required
    "401": PermissionDenied,  # No authority
    "429": RateLimitExceeded,
    "500": ExchangeNotAvailable,
    "503": ExchangeNotAvailable,
    "504": ExchangeNotAvailable,
    "602": AuthenticationError,  # Signature verification failed
    "10072": AuthenticationError,  # Api key info invalid
    "10073": InvalidTimestamp,  # Invalid Request-Time
    "10101": InsufficientFunds,
    "30000": OrderRejected,  # trading suspended for the symbol
    "30001": InvalidOrder,  # this side is not allowed
    "30002": InvalidOrder,  # below the minimum amount
    "30003": InvalidOrder,  # above the maximum amount
    "30004": InsufficientFunds,  # insufficient position
    "30005": InsufficientFunds,  # oversold
    "30010": InvalidOrder,  # price out of the allowed range
    "30014": BadSymbol,  # invalid symbol
    "30016": OrderRejected,  # trading disabled
    "30018": InvalidOrder,  # market orders disabled
    "30019": InvalidOrder,  # API market orders disabled
    "30020": PermissionDenied,  # no permission for the symbol
    "30021": BadSymbol,  # invalid symbol
    "30029": InvalidOrder,  # over the maximum number of open orders
    "30041": InvalidOrder,  # this order type cannot be placed now
    "33333": BadRequest,  # parameter error
    "55555": ExchangeNotAvailable,  # system busy
    "700001": AuthenticationError,  # API-key format invalid
    "700002": AuthenticationError,  # signature not valid
    "700003": InvalidTimestamp,  # outside the recvWindow
    "700004": BadRequest,  # orderId or origClientOrderId must be sent
    "700005": BadRequest,  # recvWindow must be under 60000
    "700006": PermissionDenied,  # IP not on the key's white list
    "700007": PermissionDenied,  # no permission for the endpoint
    "700008": BadRequest,  # illegal characters in a parameter
    "730001": BadSymbol,  # pair not found
    "730002": BadRequest,  # invalid parameter
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # newClientOrderId: the docs give no rule; 32 letters and digits is what every MEXC example fits.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset(LIMIT_TYPES),
    features=frozenset({Feature.CANCEL_ALL, Feature.BATCH_ORDERS, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=RECV_WINDOW_MS / 1000,
    # general-info "Limits Error": 418 and 429 answers carry Retry-After, in seconds.
    rate_limit_resets=(RateLimitReset("Retry-After", ResetUnit.SECONDS),),
)


def _is_pong(message: Any) -> bool:
    return isinstance(message, dict) and message.get("msg") == "PONG"


# A socket with a subscription but no data for a minute is closed by MEXC: we ping every 20 s
# ({"method": "PING"} answered by {"id": 0, "code": 0, "msg": "PONG"}).
HEARTBEAT = Heartbeat(app_ping=20.0, app_ping_payload={"method": "PING"}, is_pong=_is_pong, idle_timeout=60.0)

# The public channels, per symbol; the private ones, once per socket.
DEPTH_CHANNEL = "spot@public.aggre.depth.v3.api.pb@100ms@{symbol}"
TRADES_CHANNEL = "spot@public.aggre.deals.v3.api.pb@100ms@{symbol}"
PRIVATE_CHANNELS = ("spot@private.orders.v3.api.pb", "spot@private.deals.v3.api.pb",
                    "spot@private.account.v3.api.pb")
