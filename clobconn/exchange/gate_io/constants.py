"""Gate.io spot facts as data: hosts, endpoints with their limits, error labels, ids and features.

Sources (see docs/connectors/gate_io.md): https://www.gate.com/docs/developers/apiv4/en/ and
https://www.gate.com/docs/developers/apiv4/ws/en/
"""

from __future__ import annotations

import string
import time
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_types import OrderType, TimeInForce
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
    RequestTimeout,
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
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.throttler import LinkedLimit, RateLimit, ReportedPool
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "gate_io"
WS_PATH = "ws_path"
# Hosts only; the WebSocket path differs between mainnet and testnet, so it travels in ``extra``.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.gateio.ws", ws="wss://api.gateio.ws", extra={WS_PATH: "/ws/v4/"}),
    "testnet": DomainUrls(rest="https://api-testnet.gateapi.io", ws="wss://ws-testnet.gate.com",
                          extra={WS_PATH: "/v4/ws/spot"}),
}
# spot.order_book_update: "100ms" pushes the top 100 levels, "20ms" the top 20; the REST
# snapshot takes the same depth so that levels outside it never linger.
BOOK_INTERVAL = "100ms"
BOOK_DEPTH = 100
BATCH_SIZE = 10
WS_SEND_LIMIT_ID = "WS_SEND"

SERVER_TIME = Endpoint("GET", "/api/v4/spot/time", signed=False)
PAIRS = Endpoint("GET", "/api/v4/spot/currency_pairs", signed=False)
ORDER_BOOK = Endpoint("GET", "/api/v4/spot/order_book", signed=False)
BALANCES = Endpoint("GET", "/api/v4/spot/accounts")
PLACE_ORDER = Endpoint("POST", "/api/v4/spot/orders", orders=1)
BATCH_ORDERS = Endpoint("POST", "/api/v4/spot/batch_orders", orders=1)
CANCEL_ALL = Endpoint("DELETE", "/api/v4/spot/orders")
# Paths with an order id: the limit id is the template, the request path the filled-in one.
CANCEL_ORDER = Endpoint("DELETE", "/api/v4/spot/orders/{order_id}")
ORDER_STATUS = Endpoint("GET", "/api/v4/spot/orders/{order_id}")
AMEND_ORDER = Endpoint("PATCH", "/api/v4/spot/orders/{order_id}", orders=1)
FILLS = Endpoint("GET", "/api/v4/spot/my_trades")
# The pair's orders by status ("open" or "finished"): the last checks before an order whose placement
# went unanswered is given up as lost.
ORDER_LIST = Endpoint("GET", "/api/v4/spot/orders")


def gate_rate_limits(endpoints: Iterable[Endpoint], order_pool: RateLimit, cancel_pool: RateLimit,
                     cancels: Iterable[Endpoint]) -> tuple[RateLimit, ...]:
    """Gate counts each endpoint on its own (200 per 10 s); placing and amending share one pool,
    cancelling another."""
    cancel_ids = {endpoint.limit_id for endpoint in cancels}
    limits = [order_pool, cancel_pool]
    for endpoint in endpoints:
        pool = order_pool if endpoint.orders else cancel_pool if endpoint.limit_id in cancel_ids else None
        links = (LinkedLimit(pool.limit_id),) if pool is not None else ()
        limits.append(RateLimit(endpoint.limit_id, 200, 10.0, linked_limits=links))
    return (*limits, RateLimit(WS_SEND_LIMIT_ID, 50, 1.0))


RATE_LIMITS = gate_rate_limits(
    [SERVER_TIME, PAIRS, ORDER_BOOK, BALANCES, PLACE_ORDER, BATCH_ORDERS, CANCEL_ALL, CANCEL_ORDER, ORDER_STATUS,
     AMEND_ORDER, FILLS, ORDER_LIST],
    # 10 placements or amends per second per market; counting them account-wide stays inside it.
    RateLimit("SPOT_ORDERS", 10, 1.0), RateLimit("SPOT_CANCELS", 200, 1.0), [CANCEL_ALL, CANCEL_ORDER])


RESET = RateLimitReset("X-Gate-RateLimit-Reset-Timestamp", ResetUnit.EPOCH_MILLISECONDS)
# https://www.gate.com/docs/developers/apiv4/en/ ("Rate Limit"): every answer reports the endpoint's own
# limit: X-Gate-RateLimit-Requests-Remain what is left, X-Gate-RateLimit-Limit the limit, and the reset
# time (the server's current time while the limit is not exceeded: the pool then holds for its window).
RATE_LIMIT_HEADERS = (
    RateLimitHeaders(ReportedPool.ENDPOINT, remaining="X-Gate-RateLimit-Requests-Remain",
                     limit="X-Gate-RateLimit-Limit", reset=RESET),
)


def ping_payload(channel: str) -> Any:
    """The application ping, ``{"time", "channel": "<market>.ping"}``, stamped when it is sent."""
    return lambda: {"time": int(time.time()), "channel": channel}


def is_pong(message: Any) -> bool:
    return isinstance(message, dict) and str(message.get("channel", "")).endswith(".pong")


# The venue pings at the protocol level too; our app ping also resets its idle timer on the server.
HEARTBEAT = Heartbeat(app_ping=10.0, app_ping_payload=ping_payload("spot.ping"), is_pong=is_pong, idle_timeout=60.0)

# https://www.gate.com/docs/developers/apiv4/en/#label-list
ERRORS: VenueErrorTable = {
    # Definite credential refusals stop the connector; an IP off the key's whitelist stays PermissionDenied.
    **dict.fromkeys(("INVALID_SIGNATURE", "INVALID_KEY", "INVALID_CREDENTIALS", "MISSING_REQUIRED_HEADER",
                     "ACCOUNT_LOCKED"), AuthenticationError),
    # WebSocket "error.code" of a refused private subscription (ws docs, "Error"): 4 is "authentication fail".
    "4": AuthenticationError,
    **dict.fromkeys(("IP_FORBIDDEN", "READ_ONLY", "FORBIDDEN"), PermissionDenied),
    "REQUEST_EXPIRED": InvalidTimestamp,
    **dict.fromkeys(("INVALID_CURRENCY_PAIR", "INVALID_CURRENCY"), BadSymbol),
    # Closed or cancelled already: the venue cannot act on it, and polling says how it ended.
    **dict.fromkeys(("ORDER_NOT_FOUND", "ORDER_CLOSED", "ORDER_CANCELLED"), OrderNotFound),
    **dict.fromkeys(("BALANCE_NOT_ENOUGH", "MARGIN_BALANCE_NOT_ENOUGH"), InsufficientFunds),
    # "Request parameter or format related": malformed requests on any endpoint, not refused orders.
    **dict.fromkeys(("INVALID_PARAM_VALUE", "INVALID_PROTOCOL", "INVALID_ARGUMENT", "INVALID_REQUEST_BODY",
                     "MISSING_REQUIRED_PARAM", "BAD_REQUEST"), BadRequest),
    **dict.fromkeys(("INVALID_PRECISION", "AMOUNT_TOO_LITTLE", "AMOUNT_TOO_MUCH", "QUANTITY_NOT_ENOUGH",
                     "INVALID_CLIENT_ORDER_ID", "TOO_MANY_ORDERS", "TOO_MANY_CURRENCY_PAIRS"), InvalidOrder),
    **dict.fromkeys(("POC_FILL_IMMEDIATELY", "FOK_NOT_FILL", "TRADE_RESTRICTED", "ORDER_BOOK_NOT_FOUND"),
                    OrderRejected),
    "ORDER_EXISTS": DuplicateClientOrderId,
    **dict.fromkeys(("TOO_MANY_REQUESTS", "TOO_FAST"), RateLimitExceeded),  # HTTP 429
    **dict.fromkeys(("INTERNAL", "SERVER_ERROR", "INTERNAL_SERVER_ERROR", "TOO_BUSY"), ExchangeNotAvailable),
    # The venue gave up waiting on itself: whether the order exists is unknown.
    "SERVER_TIMEOUT": RequestTimeout,
}

# ``text``: "t-" and at most 28 more of 0-9, A-Z, a-z, "_", "-", ".".
CLIENT_ORDER_ID = ClientOrderIdRule(max_length=30, prefix="t-cc", alphabet=string.ascii_letters + string.digits + "-")

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    client_order_id=CLIENT_ORDER_ID,
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.BATCH_ORDERS,
                        Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # PATCH /spot/orders/{id} keeps the order id and its text: the core updates the order in place.
    amend_in_place=True,
    # APIv4 authentication: a request whose Timestamp header is more than 60 s off the server's is refused
    # (REQUEST_EXPIRED), so a placement not accepted within that never will be.
    placement_expiry=60.0,
    # APIv4 "Rate Limit": when the exceeded limit resets. The docs give no unit; read as epoch milliseconds,
    # a value in seconds would mean a reset long past (no extra pause), never a pause of years.
    rate_limit_resets=(RESET,),
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
