"""Bitstamp spot as data: hosts, endpoints, limits, errors, ids, states and features.

HTTP API v2: https://www.bitstamp.net/api/ (authentication, response codes, rate limits); WebSocket API
v2: https://www.bitstamp.net/websocket/v2/ (channels, bts:* events).
"""

from __future__ import annotations

from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    OrderNotFound,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "bitstamp"

# One host for REST, one socket host for public and private channels; Bitstamp runs no public testnet.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://www.bitstamp.net", ws="wss://ws.bitstamp.net",
                          private_ws="wss://ws.bitstamp.net"),
}
WS_PATH = "/"

# Public reads are GETs; every private call is a signed, form-encoded POST ({pair} is the url symbol).
MARKETS = Endpoint("GET", "/api/v2/markets/", signed=False)
ORDER_BOOK = Endpoint("GET", "/api/v2/order_book/{pair}/", signed=False)
BALANCES = Endpoint("POST", "/api/v2/account_balances/", form=True)
BUY_LIMIT = Endpoint("POST", "/api/v2/buy/{pair}/", orders=1, form=True)
SELL_LIMIT = Endpoint("POST", "/api/v2/sell/{pair}/", orders=1, form=True)
BUY_MARKET = Endpoint("POST", "/api/v2/buy/market/{pair}/", orders=1, form=True)
SELL_MARKET = Endpoint("POST", "/api/v2/sell/market/{pair}/", orders=1, form=True)
CANCEL_ORDER = Endpoint("POST", "/api/v2/cancel_order/", orders=1, form=True)
CANCEL_ALL = Endpoint("POST", "/api/v2/cancel_all_orders/{pair}/", orders=1, form=True)
ORDER_STATUS = Endpoint("POST", "/api/v2/order_status/", form=True)
OPEN_ORDERS = Endpoint("POST", "/api/v2/open_orders/{pair}/", form=True)
WEBSOCKETS_TOKEN = Endpoint("POST", "/api/v2/websockets_token/", form=True)

# "Rate limits": 400 requests a second, and 10,000 per 10 minutes by default, per account.
WS_SEND_LIMIT_ID = "WS"
ENDPOINTS = [MARKETS, ORDER_BOOK, BALANCES, BUY_LIMIT, SELL_LIMIT, BUY_MARKET, SELL_MARKET, CANCEL_ORDER,
             CANCEL_ALL, ORDER_STATUS, OPEN_ORDERS, WEBSOCKETS_TOKEN]
RATE_LIMITS = (
    *rate_limits(ENDPOINTS, RateLimit("REST", 400, 1.0), [], [RateLimit("REST_10MIN", 10_000, 600.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 50, 1.0),
)

# The signed request's X-Auth-Timestamp may be at most 150 s off the server's clock (API0017 past it).
TIMESTAMP_TOLERANCE = 150.0



def _is_heartbeat_answer(message: Any) -> bool:
    return isinstance(message, dict) and message.get("event") == "bts:heartbeat"


# The docs' way to check that the server is responsive is the bts:heartbeat message, which it answers
# in kind; a quiet private socket would otherwise look dead. 60 s without a frame reconnects.
HEARTBEAT = Heartbeat(app_ping=20.0, app_ping_payload={"event": "bts:heartbeat"}, is_pong=_is_heartbeat_answer,
                      idle_timeout=60.0)
# One connection takes up to 1024 channels; the server closes it, silently, at the 1025th subscription.
MAX_CHANNELS_PER_SOCKET = 1024

# order_status "status": an IOC remainder or a cancelled order ends "Canceled" or "Expired".
ORDER_STATES = {
    "Open": OrderState.OPEN,
    "Finished": OrderState.FILLED,
    "Canceled": OrderState.CANCELED,
    "Expired": OrderState.CANCELED,
}

# https://www.bitstamp.net/api/#section/Response-codes ("response_code") and the authentication
# errors ("code" API0xxx) of the same page.
ERRORS: VenueErrorTable = {
    "API0005": AuthenticationError,  # Invalid signature
    "API0017": InvalidTimestamp,  # X-Auth-Timestamp header out of the allowed window
    "400.001": BadRequest,
    "400.002": RateLimitExceeded,
    "400.003": InvalidOrder,  # trading for the market is disabled
    **dict.fromkeys(("400.004", "400.005", "400.006", "400.007", "400.008", "400.010", "400.011", "400.012",
                     "400.013", "400.014", "400.015", "400.016", "400.017", "400.018", "400.022", "400.023",
                     "400.024", "400.025", "400.026"), BadRequest),
    "400.009": InsufficientFunds,
    "400.019": DuplicateClientOrderId,
    "400.020": InvalidOrder,  # below the minimum order value
    "400.021": InvalidOrder,  # price out of range
    "404.002": OrderNotFound,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # client_order_id: a free string the venue keeps unique per account; 32 keeps it short and safe.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    # LIMIT_MAKER is moc_order (maker-or-cancel); IOC and FOK are the ioc_order and fok_order flags.
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    # No batch placement and no amend documented: the core refuses both with NotSupported.
    features=frozenset({Feature.CANCEL_ALL}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=TIMESTAMP_TOLERANCE,
    # The docs name no rate-limit reset header.
    rate_limit_resets=(),
)
