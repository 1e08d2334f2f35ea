"""BTC Markets spot (API v3, WebSocket v2) facts as data: hosts, endpoints, limits, errors, ids, states.

Sources and the facts checked against them: docs/connectors/btc_markets.md.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderState, OrderType, TimeInForce, TradeType
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    OrderNotFound,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "btc_markets"

# Hosts only; the venue has no testnet.
DOMAINS = {"mainnet": DomainUrls(rest="https://api.btcmarkets.net", ws="wss://socket.btcmarkets.net")}
WS_PATH = "/v2"
# What the private subscription signs in place of a request path, with "\n" and the timestamp.
WS_SIGN_PATH = "/users/self/subscribe"

SERVER_TIME = Endpoint("GET", "/v3/time", signed=False)
MARKETS = Endpoint("GET", "/v3/markets", signed=False)
BALANCES = Endpoint("GET", "/v3/accounts/me/balances")
PLACE_ORDER = Endpoint("POST", "/v3/orders")
# Lists the account's orders: ``status=open`` or ``all``, one ``marketId``.
LIST_ORDERS = Endpoint("GET", "/v3/orders")
CANCEL_ALL = Endpoint("DELETE", "/v3/orders")
ORDER = Endpoint("GET", "/v3/orders/{id}")
CANCEL_ORDER = Endpoint("DELETE", "/v3/orders/{id}")
# Cancels the order and places a new one (new orderId, the clientOrderId given) in one call.
REPLACE_ORDER = Endpoint("PUT", "/v3/orders/{id}")
# Up to four placeOrder / cancelOrder items, each refused or done on its own.
BATCH_ORDERS = Endpoint("POST", "/v3/batchorders")
MAX_BATCH = 4
TRADES = Endpoint("GET", "/v3/trades")

# The order endpoints share one allowance of 50 calls per 10 s, as do the batch endpoint and each
# account endpoint; the market data endpoints allow 150.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([PLACE_ORDER, LIST_ORDERS, CANCEL_ALL, ORDER, CANCEL_ORDER, REPLACE_ORDER],
                 RateLimit("ORDERS", 50, 10.0), []),
    RateLimit(BATCH_ORDERS.limit_id, 50, 10.0),
    RateLimit(TRADES.limit_id, 50, 10.0),
    RateLimit(BALANCES.limit_id, 50, 10.0),
    RateLimit(SERVER_TIME.limit_id, 50, 10.0),
    RateLimit(MARKETS.limit_id, 150, 10.0),
    RateLimit(WS_SEND_LIMIT_ID, 5, 1.0),
)

# The venue pushes a ``heartbeat`` every 5 s to a socket subscribed to that channel and needs no ping
# of ours; a socket silent for 60 s is closed by the venue, so 30 s without one means it is dead.
HEARTBEAT = Heartbeat(idle_timeout=30.0)

SIDES = {TradeType.BUY: "Bid", TradeType.SELL: "Ask"}
ORDER_TYPES = {OrderType.LIMIT: "Limit", OrderType.LIMIT_MAKER: "Limit", OrderType.MARKET: "Market"}

# ``status`` of the order object and of ``orderChange``. "Accepted" is received but not yet on the book;
# "Partially Cancelled" is an order cancelled (or an IOC expired) after some of it traded: it has ended.
ORDER_STATES = {
    "Accepted": OrderState.OPEN,
    "Placed": OrderState.OPEN,
    "Partially Matched": OrderState.PARTIALLY_FILLED,
    "Fully Matched": OrderState.FILLED,
    "Cancelled": OrderState.CANCELED,
    "Partially Cancelled": OrderState.CANCELED,
    "Failed": OrderState.FAILED,
}

# REST refusals are HTTP 4xx with {"code": "<Name>", "message": ...}; the WebSocket answers
# {"messageType": "error", "code": <int>, "message": ...}, where 1 refuses the key and 3 the request.
ERRORS: VenueErrorTable = {
    "InvalidAuthSignature": AuthenticationError,
    "InvalidApiKey": AuthenticationError,
    "InvalidAuthTimestamp": InvalidTimestamp,
    "InvalidTimeWindow": InvalidTimestamp,
    "MissingArgument": BadRequest,
    "InvalidArgument": BadRequest,
    "InvalidPaginationParameter": BadRequest,
    "InvalidOrderbookLevel": BadRequest,
    "NotFound": BadRequest,
    "MarketNotFound": BadSymbol,
    "InvalidMarketId": BadSymbol,
    "InsufficientFund": InsufficientFunds,
    "InvalidPrice": InvalidOrder,
    "InvalidAmount": InvalidOrder,
    "InvalidOrderType": InvalidOrder,
    "InvalidSide": InvalidOrder,
    "InvalidTimeInForce": InvalidOrder,
    "OrderNotFound": OrderNotFound,
    # A cancel of an order that has already ended: for the lifecycle that is "not open any more".
    "OrderAlreadyCancelled": OrderNotFound,
    "OrderStatusIsFinal": OrderNotFound,
    "1": AuthenticationError,
    "3": BadRequest,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset(ORDER_TYPES),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.BATCH_ORDERS, Feature.AMEND_ORDER}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # The signed BM-AUTH-TIMESTAMP is refused once it is too old (InvalidAuthTimestamp); the window is not
    # in any readable source, so the core's 30 s stands (docs/connectors/btc_markets.md).
    placement_expiry=30.0,
    # No documented header says when a limit lifts: the core pauses the endpoint briefly.
    rate_limit_resets=(),
)
