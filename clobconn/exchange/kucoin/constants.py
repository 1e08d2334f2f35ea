"""KuCoin spot facts as data: hosts, endpoints, resource pools, errors, ids, states and features.

https://www.kucoin.com/docs-new (REST and WebSocket), checked against the official OpenAPI specs in
github.com/Kucoin/kucoin-universal-sdk (spec/rest, spec/ws). Orders go through the HF ("high
frequency") trading endpoints, KuCoin's current spot path.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    DuplicateClientOrderId,
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

CONNECTOR_ID = "kucoin"

# The WebSocket host below is only what bullet-public usually answers: every connection asks
# POST /api/v1/bullet-public (or -private) for its endpoint, token and ping interval.
DOMAINS = {"mainnet": DomainUrls(rest="https://api.kucoin.com", ws="wss://ws-api-spot.kucoin.com")}

# A request whose KC-API-TIMESTAMP is more than 5 s off the server's is refused (400002, doc-338145).
PLACEMENT_EXPIRY = 5.0
# docs-new/rate-limit: gw-ratelimit-reset is the countdown, in milliseconds, until the resource pool refills.
RATE_LIMIT_RESETS = (RateLimitReset("gw-ratelimit-reset", ResetUnit.MILLISECONDS),)
# https://www.kucoin.com/docs-new/rate-limit ("Request Header"): every answer reports the resource pool
# the endpoint spends its weight on: its quota, what is left of it, and milliseconds until it resets.
RATE_LIMIT_HEADERS = (
    RateLimitHeaders(ReportedPool.SHARED, limit="gw-ratelimit-limit", remaining="gw-ratelimit-remaining",
                     reset=RATE_LIMIT_RESETS[0]),
)
# A body code other than this is a refusal, whatever the HTTP status.
SUCCESS_CODE = "200000"
# The header value for keys whose passphrase is sent HMAC-signed (version 2 keys and later).
API_KEY_VERSION = "2"

# Weights and pools from each endpoint's "x-api-rate-limit-weight"/"-pool"; the quotas are VIP0's
# (https://www.kucoin.com/docs-new/rate-limit): 4000 Spot, 2000 Public and Management per 30 s.
SERVER_TIME = Endpoint("GET", "/api/v1/timestamp", 3, signed=False)
SYMBOLS = Endpoint("GET", "/api/v2/symbols", 4, signed=False)
PARTIAL_BOOK = Endpoint("GET", "/api/v1/market/orderbook/level2_100", 2, signed=False)
BULLET_PUBLIC = Endpoint("POST", "/api/v1/bullet-public", 10, signed=False)
PUBLIC_ENDPOINTS = (SERVER_TIME, SYMBOLS, PARTIAL_BOOK, BULLET_PUBLIC)

ACCOUNTS = Endpoint("GET", "/api/v1/accounts", 5)

FULL_BOOK = Endpoint("GET", "/api/v3/market/orderbook/level2", 3)
BULLET_PRIVATE = Endpoint("POST", "/api/v1/bullet-private", 10)
PLACE_ORDER = Endpoint("POST", "/api/v1/hf/orders/sync", 1)
BATCH_ORDERS = Endpoint("POST", "/api/v1/hf/orders/multi/sync", 1)
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/hf/orders/sync/client-order/{}", 1)
CANCEL_ALL = Endpoint("DELETE", "/api/v1/hf/orders", 2)
AMEND_ORDER = Endpoint("POST", "/api/v1/hf/orders/alter", 1)
ORDER_BY_ID = Endpoint("GET", "/api/v1/hf/orders/{}", 2)
ORDER_BY_CLIENT_ID = Endpoint("GET", "/api/v1/hf/orders/client-order/{}", 2)
FILLS = Endpoint("GET", "/api/v1/hf/fills", 2)
# The last checks before an order whose placement went unanswered is given up as lost.
ACTIVE_ORDERS = Endpoint("GET", "/api/v1/hf/orders/active", 2)
DONE_ORDERS = Endpoint("GET", "/api/v1/hf/orders/done", 2)
SPOT_ENDPOINTS = (FULL_BOOK, BULLET_PRIVATE, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER, CANCEL_ALL, AMEND_ORDER,
                  ORDER_BY_ID, ORDER_BY_CLIENT_ID, FILLS, ACTIVE_ORDERS, DONE_ORDERS)
# Batch placement: at most 5 limit orders of one symbol per request.
BATCH_SIZE = 5

# 100 client messages per 10 s per connection.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits(PUBLIC_ENDPOINTS, RateLimit("PUBLIC", 2000, 30.0), []),
    *rate_limits([ACCOUNTS], RateLimit("MANAGEMENT", 2000, 30.0), []),
    *rate_limits(SPOT_ENDPOINTS, RateLimit("SPOT", 4000, 30.0), []),
    RateLimit(WS_SEND_LIMIT_ID, 100, 10.0),
)

# Public topics take up to 100 symbols each.
TOPIC_SYMBOLS = 100
BOOK_TOPIC = "/market/level2"
TRADE_TOPIC = "/market/match"
ORDER_TOPIC = "/spotMarket/tradeOrdersV2"
BALANCE_TOPIC = "/account/balance"

# Codes of {"code": ..., "msg": ...} refusals. 400100 is the catch-all "parameter error": its message
# says which refusal it is (https://www.kucoin.com/docs-new/doc-338145 and observed messages).
ERRORS: VenueErrorTable = {
    # Definite credential refusals stop the connector (a refused bullet-private token stops the private
    # stream the same way). An IP off the key's whitelist (400006) stays PermissionDenied: the key is good.
    "400001": AuthenticationError,  # missing KC-API-* headers
    "400002": InvalidTimestamp,
    "400003": AuthenticationError,  # unknown key
    "400004": AuthenticationError,  # wrong passphrase
    "400005": AuthenticationError,  # wrong signature
    "400006": PermissionDenied,  # IP not whitelisted
    "400007": PermissionDenied,  # key lacks the permission
    # "Parameter Error" unless the message names the refusal ("account.available.amount" is documented).
    "400100": ErrorRule(BadRequest, ("not exist", OrderNotFound), ("not_exist", OrderNotFound),
                        ("duplicate", DuplicateClientOrderId), ("balance", InsufficientFunds),
                        ("available.amount", InsufficientFunds)),
    "400200": OrderRejected,  # forbidden to place an order
    "400500": PermissionDenied,  # region not supported for this token
    # "validation.createOrder.symbolNotAvailable": the pair is listed but not open for trading yet.
    "400600": OrderRejected,
    "400760": InvalidOrder,  # price out of the allowed range
    "411100": PermissionDenied,  # account frozen
    "200004": InsufficientFunds,
    "429000": RateLimitExceeded,  # HTTP 429; gw-ratelimit-reset says when the pool refills
    "500000": ExchangeNotAvailable,
    "900001": BadSymbol,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # clientOid: at most 40 letters, digits, "_" and "-".
    client_order_id=ClientOrderIdRule(max_length=40, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.BATCH_ORDERS, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    needs_passphrase=True,
    placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=RATE_LIMIT_RESETS,
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
