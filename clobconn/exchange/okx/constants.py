"""OKX spot (API v5) facts as data: hosts, endpoints with their limits, errors, ids, states and features.

Sources (see docs/connectors/okx.md): https://www.okx.com/docs-v5/en/
"""

from __future__ import annotations

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
    PermissionDenied,
    RateLimitExceeded,
    RequestTimeout,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "okx"
INST_TYPE = "SPOT"
# Spot orders from a spot-mode account; "cross" would borrow (margin), which a spot connector never does.
TRADE_MODE = "cash"

# Hosts only (#overview-production-trading-services, #overview-demo-trading-services). The account's
# region decides the host: an EEA or US key is refused on www.okx.com.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://www.okx.com", ws="wss://ws.okx.com:8443"),
    "demo": DomainUrls(rest="https://openapi.okx.com", ws="wss://wspap.okx.com:8443"),
    "eea": DomainUrls(rest="https://eea.okx.com", ws="wss://wseea.okx.com:8443"),
    "us": DomainUrls(rest="https://us.okx.com", ws="wss://wsus.okx.com:8443"),
}
# Demo trading also needs this header on every REST request (#overview-demo-trading-services).
DEMO_DOMAINS = frozenset({"demo"})
DEMO_HEADERS = {"x-simulated-trading": "1"}
PUBLIC_WS_PATH = "/ws/v5/public"
PRIVATE_WS_PATH = "/ws/v5/private"
# What the WebSocket login signs in place of a request path (#overview-websocket-login).
WS_LOGIN_PATH = "/users/self/verify"

SERVER_TIME = Endpoint("GET", "/api/v5/public/time", signed=False)
INSTRUMENTS = Endpoint("GET", "/api/v5/public/instruments", signed=False)
BALANCES = Endpoint("GET", "/api/v5/account/balance")
PLACE_ORDER = Endpoint("POST", "/api/v5/trade/order")
BATCH_ORDERS = Endpoint("POST", "/api/v5/trade/batch-orders")
CANCEL_ORDER = Endpoint("POST", "/api/v5/trade/cancel-order")
CANCEL_BATCH = Endpoint("POST", "/api/v5/trade/cancel-batch-orders")
AMEND_ORDER = Endpoint("POST", "/api/v5/trade/amend-order")
ORDER_STATUS = Endpoint("GET", "/api/v5/trade/order")
FILLS = Endpoint("GET", "/api/v5/trade/fills")
# The last checks before an order whose placement went unanswered is given up as lost: the pair's
# live orders, and its orders that ended in the last 7 days (created since ``begin``).
ORDERS_PENDING = Endpoint("GET", "/api/v5/trade/orders-pending")
ORDERS_HISTORY = Endpoint("GET", "/api/v5/trade/orders-history")
MAX_BATCH = 20

# Each endpoint has its own limit per 2 s (per user, or per user and instrument for trading); the
# batch endpoints count orders, which the throttler approximates by counting requests of 20.
WS_SEND_LIMIT_ID = "WS"
_PER_2S = {SERVER_TIME: 10, INSTRUMENTS: 20, BALANCES: 10, PLACE_ORDER: 60, BATCH_ORDERS: 300 // MAX_BATCH,
           CANCEL_ORDER: 60, CANCEL_BATCH: 300 // MAX_BATCH, AMEND_ORDER: 60, ORDER_STATUS: 60, FILLS: 60,
           ORDERS_PENDING: 60, ORDERS_HISTORY: 40}
RATE_LIMITS = (
    *(RateLimit(endpoint.limit_id, limit, 2.0) for endpoint, limit in _PER_2S.items()),
    # Login, subscribe and unsubscribe are limited to 480 an hour per connection; 3 frames a second
    # keeps a resubscribe storm well inside that and inside the 3 connections a second per IP.
    RateLimit(WS_SEND_LIMIT_ID, 3, 1.0),
)


# The venue closes a socket silent for 30 s: a text "ping" every 25 s keeps it open; "pong" answers.
HEARTBEAT = Heartbeat.text_ping(every=25.0, idle_timeout=60.0)

ORDER_STATES = {
    "live": OrderState.OPEN,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    # Cancelled by market-maker protection (options only, but a state the venue documents).
    "mmp_canceled": OrderState.CANCELED,
}

# (order type, time in force) -> ordType; market orders are IOC by nature.
ORDER_TYPES = {
    (OrderType.LIMIT, TimeInForce.GTC): "limit",
    (OrderType.LIMIT, TimeInForce.IOC): "ioc",
    (OrderType.LIMIT, TimeInForce.FOK): "fok",
    (OrderType.LIMIT_MAKER, TimeInForce.GTC): "post_only",
    (OrderType.MARKET, TimeInForce.IOC): "market",
}

# Codes from "code" (request) or "sCode" (per order), #error-code-rest-api. Errors come in HTTP 200
# bodies as often as with a 4xx status; the code decides.
ERRORS: VenueErrorTable = {
    "50001": ExchangeNotAvailable,
    "50004": RequestTimeout,  # "does not mean that the request was successful or failed"
    "50011": RateLimitExceeded,  # HTTP 429, with no header saying when the limit lifts
    "50013": ExchangeNotAvailable,
    "50026": ExchangeNotAvailable,
    "50061": RateLimitExceeded,
    "50100": PermissionDenied,
    "50101": AuthenticationError,  # key of the other environment (demo vs live)
    "50102": InvalidTimestamp,
    "50103": AuthenticationError,
    "50104": AuthenticationError,
    "50105": AuthenticationError,
    "50110": PermissionDenied,
    "50111": AuthenticationError,
    "50112": InvalidTimestamp,
    "50113": AuthenticationError,
    "50114": AuthenticationError,
    "50120": PermissionDenied,
    # "Parameter {param0} cannot be empty", "Either parameter ... or ... is required", "... does not match
    # ...", "... cannot exist at the same time", "Parameter {param0} error": malformed requests.
    **dict.fromkeys(("50014", "50015", "50016", "50024", "51000"), BadRequest),
    # The private stream's login answers (#error-code-websocket-public): a definite refusal of the key,
    # signature or passphrase stops the stream; 60009 ("Login failed", no cause given) and 63999 (an
    # internal error, "please try again later") reconnect.
    "60004": InvalidTimestamp,
    "60005": AuthenticationError,  # invalid apiKey
    "60006": InvalidTimestamp,
    "60007": AuthenticationError,  # invalid sign
    "60024": AuthenticationError,  # wrong passphrase
    "60031": AuthenticationError,  # API key doesn't exist
    "51001": BadSymbol,
    "51008": InsufficientFunds,
    "51016": DuplicateClientOrderId,
    "51020": InvalidOrder,
    "51024": PermissionDenied,
    "51054": RequestTimeout,
    "51119": InsufficientFunds,
    "51121": InvalidOrder,
    "51127": InsufficientFunds,
    "51131": InsufficientFunds,
    "51400": OrderNotFound,
    "51401": OrderNotFound,
    "51402": OrderNotFound,
    "51503": OrderNotFound,
    "51509": OrderNotFound,
    "51510": OrderNotFound,
    "51603": OrderNotFound,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # clOrdId: case-sensitive letters and digits, 1 to 32 characters (#order-book-trading-trade-post-place-order).
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    # Cancel-all is a batch cancel of the pair's open orders (the venue's mass-cancel is for options).
    features=frozenset({Feature.BATCH_ORDERS, Feature.AMEND_ORDER, Feature.CANCEL_ALL,
                        Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    needs_passphrase=True,
    amend_in_place=True,
    # #overview-rest-authentication-making-requests: a request is refused (50102) once its OK-ACCESS-TIMESTAMP
    # is 30 s old. The connector sends no expTime header, which would shorten that window.
    placement_expiry=30.0,
    # A 50011 refusal (HTTP 429) says nothing of when the limit lifts: the core pauses the endpoint briefly.
    rate_limit_resets=(),
)
