"""Bitmart spot facts as data: hosts, endpoints with their limits, errors, ids, states and features.

Sources (see docs/connectors/bitmart.md): https://developer-pro.bitmart.com/en/spot/
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
    InvalidTimestamp,
    OrderNotFound,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, RateLimitHeaders, VenueSpec
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.throttler import RateLimit, ReportedPool
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "bitmart"

# Hosts only; the sockets' paths carry the protocol version (#websocket-subscription).
DOMAINS = {"mainnet": DomainUrls(rest="https://api-cloud.bitmart.com", ws="wss://ws-manager-compress.bitmart.com")}
PUBLIC_WS_PATH = "/api?protocol=1.1"
PRIVATE_WS_PATH = "/user?protocol=1.1"
# What the WebSocket login signs in place of a request body (/en/ws/spot_ws/login.html).
WS_LOGIN_BODY = "bitmart.WebSocket"
# Each pair's book: the 100-level incremental channel (snapshot, then updates with a contiguous version).
DEPTH_CHANNEL = "spot/depth/increase100"
TRADE_CHANNEL = "spot/trade"
# One pair's orders come on spot/user/order:<symbol>; every pair's on spot/user/orders:ALL_SYMBOLS (the
# channel's name differs: #private-order-progress). The pushes name either table.
ORDER_TABLES = ("spot/user/order", "spot/user/orders")
ORDER_TOPIC = "spot/user/orders:ALL_SYMBOLS"
BALANCE_CHANNEL = "spot/user/balance"
BALANCE_TOPIC = f"{BALANCE_CHANNEL}:BALANCE_UPDATE"
# #websocket-subscription: up to 115 channels a public connection, and 20 topics a subscribe frame.
MAX_TOPICS_PER_SOCKET = 100
MAX_TOPICS_PER_FRAME = 20

SERVER_TIME = Endpoint("GET", "/system/time", signed=False)
SYMBOLS = Endpoint("GET", "/spot/v1/symbols/details", signed=False)
# KEYED on the venue (the key alone); signing it as well is accepted and keeps one code path.
BALANCES = Endpoint("GET", "/spot/v1/wallet")
PLACE_ORDER = Endpoint("POST", "/spot/v2/submit_order")
BATCH_ORDERS = Endpoint("POST", "/spot/v4/batch_orders")
CANCEL_ORDER = Endpoint("POST", "/spot/v3/cancel_order")
CANCEL_ALL = Endpoint("POST", "/spot/v4/cancel_all")
# Every v4 query is a POST with a JSON body.
ORDER_BY_CLIENT_ID = Endpoint("POST", "/spot/v4/query/client-order")
ORDER_TRADES = Endpoint("POST", "/spot/v4/query/order-trades")
OPEN_ORDERS = Endpoint("POST", "/spot/v4/query/open-orders")
HISTORY_ORDERS = Endpoint("POST", "/spot/v4/query/history-orders")
MAX_BATCH = 10
# The v4 endpoints' recvWindow (ms): the signed request's validity window on the venue.
RECV_WINDOW_MS = 5000

# Each endpoint has its own limit, counted per IP, key or account over a few seconds (the "Rate Limit" line
# of each endpoint); the tightest is cancel-all, once every 3 s.
WS_SEND_LIMIT_ID = "WS"
_LIMITS = {SERVER_TIME: (10, 1.0), SYMBOLS: (12, 2.0), BALANCES: (12, 2.0), PLACE_ORDER: (40, 2.0),
           BATCH_ORDERS: (40, 2.0), CANCEL_ORDER: (40, 2.0), CANCEL_ALL: (1, 3.0), ORDER_BY_CLIENT_ID: (50, 2.0),
           ORDER_TRADES: (12, 2.0), OPEN_ORDERS: (12, 2.0), HISTORY_ORDERS: (12, 2.0)}
RATE_LIMITS = (
    *(RateLimit(endpoint.limit_id, limit, interval) for endpoint, (limit, interval) in _LIMITS.items()),
    # The venue allows 100 frames in 10 s a connection, its text pings included: 90 leaves the pings room.
    RateLimit(WS_SEND_LIMIT_ID, 90, 10.0),
)


# https://developer-pro.bitmart.com/en/spot/#rate-limit ("Speed limit judgment"): every answer reports the
# endpoint's window. Despite its name X-BM-RateLimit-Remaining is what was USED ("600 times within 60
# seconds, and currently has been called 10 times"); X-BM-RateLimit-Reset is the window's length in seconds.
RATE_LIMIT_HEADERS = (
    RateLimitHeaders(ReportedPool.ENDPOINT, used="X-BM-RateLimit-Remaining", limit="X-BM-RateLimit-Limit",
                     window="X-BM-RateLimit-Reset"),
)

# The venue closes a socket that has had no data for 20 s; a text "ping" (ping frames are not supported)
# answered by a text "pong" keeps it open (#websocket-subscription, "How Stay Connected").
HEARTBEAT = Heartbeat.text_ping(every=15.0, idle_timeout=30.0)

ORDER_STATES = {
    "new": OrderState.OPEN,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "partially_canceled": OrderState.CANCELED,
    "failed": OrderState.FAILED,
}

# (order type, time in force) -> type; market orders are IOC by nature.
ORDER_TYPES = {
    (OrderType.LIMIT, TimeInForce.GTC): "limit",
    (OrderType.LIMIT, TimeInForce.IOC): "ioc",
    (OrderType.LIMIT_MAKER, TimeInForce.GTC): "limit_maker",
    (OrderType.MARKET, TimeInForce.IOC): "market",
}

# https://developer-pro.bitmart.com/en/error/: errors come with HTTP 4xx and a "code" in the body.
ERRORS: VenueErrorTable = {
    "30001": AuthenticationError,  # X-BM-KEY is empty
    "30002": AuthenticationError,  # X-BM-KEY not found
    "30003": AuthenticationError,  # X-BM-KEY has frozen
    "30004": AuthenticationError,  # X-BM-SIGN is empty
    "30005": AuthenticationError,  # X-BM-SIGN is wrong
    "30006": InvalidTimestamp,
    "30007": InvalidTimestamp,  # X-BM-TIMESTAMP range: within a minute
    "30008": InvalidTimestamp,
    "30010": PermissionDenied,  # IP forbidden
    "30011": AuthenticationError,  # X-BM-KEY over expire time
    "30012": PermissionDenied,  # X-BM-KEY is forbidden to request it
    "30013": RateLimitExceeded,
    "30014": ExchangeNotAvailable,
    "50000": BadRequest,  # Bad Request
    "50001": BadSymbol,  # Symbol not found
    "50005": OrderNotFound,  # Order Id not found
    # Minimum size, maximum size, minimum price, minimum count*price, maximum limit*offset, size * price >= notional.
    **dict.fromkeys(("50006", "50007", "50008", "50009", "50013", "50029"), InvalidOrder),
    # "RequestParam size/price/notional/limit/offset is required", limits out of range: malformed requests.
    **dict.fromkeys(("50010", "50011", "50012", "50014", "50015", "50016", "50017", "50018", "50019"), BadRequest),
    "50020": InsufficientFunds,  # Balance not enough
    "50021": BadRequest,  # Invalid {}
    "50022": ExchangeNotAvailable,
    "50023": InvalidOrder,  # This Symbol can't place order by api
    "50030": OrderNotFound,  # Order is already canceled: nothing left to cancel
    "50032": OrderNotFound,  # Order does not exist
    # A post-only or IOC order the book refuses ("The price is low/high and there is no matching depth").
    "50034": InvalidOrder,
    "50035": InvalidOrder,
    # WebSocket answers ({"event": ..., "errorCode": ..., "errorMessage": ...}, #websocket-subscription).
    "90004": BadRequest,  # Invalid channel param
    "91002": AuthenticationError,  # login: API KEY not found
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # client_order_id: letters and digits, up to 32 characters (/spot/v2/submit_order).
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC}),
    # No amend on Bitmart spot: the core refuses it with NotSupported naming the venue.
    features=frozenset({Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # The API key's memo is signed into every request and the WebSocket login.
    needs_passphrase=True,
    passphrase_name="memo",
    # X-BM-TIMESTAMP is refused once it is a minute off the venue's clock (30007).
    placement_expiry=60.0,
    # A 30013 refusal (HTTP 429) names no reset header the core can read: it pauses the endpoint briefly.
    rate_limit_resets=(),
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
