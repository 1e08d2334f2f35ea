"""Binance spot facts as data: hosts, endpoints with their weights, limits, errors, ids and features.

Sources (see docs/connectors/binance.md): https://developers.binance.com/docs/binance-spot-api-docs
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
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
    NotSupported,
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
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit


@dataclass(frozen=True, slots=True)
class BinanceRoutes:
    """The endpoints both Binance connectors call the same way."""

    server_time: Endpoint
    exchange_info: Endpoint
    depth: Endpoint
    place_order: Endpoint
    cancel_order: Endpoint
    cancel_all: Endpoint
    order_status: Endpoint
    order_fills: Endpoint
    balances: Endpoint
    # The last checks before an order whose placement went unanswered is given up as lost.
    open_orders: Endpoint
    order_history: Endpoint

    def all(self) -> list[Endpoint]:
        return [getattr(self, f.name) for f in fields(self)]


CONNECTOR_ID = "binance"
# How long a signed request stays valid after its timestamp (rest-api "Timing security": the default
# recvWindow is 5000 ms). The signer sends it and SPEC.placement_expiry reads it: a placement the
# venue has not accepted within it never will be.
RECV_WINDOW_MS = 5000
WS_API_PATH = "/ws-api/v3"
DEPTH_LIMIT = 1000

DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.binance.com", ws="wss://stream.binance.com:9443",
                          private_ws="wss://ws-api.binance.com:443"),
    "testnet": DomainUrls(rest="https://testnet.binance.vision", ws="wss://stream.testnet.binance.vision",
                          private_ws="wss://ws-api.testnet.binance.vision"),
}

ROUTES = BinanceRoutes(
    server_time=Endpoint("GET", "/api/v3/time", signed=False),
    exchange_info=Endpoint("GET", "/api/v3/exchangeInfo", 20, signed=False),
    depth=Endpoint("GET", "/api/v3/depth", 50, signed=False),  # weight 50 for limit 501-1000
    # Successful order and cancel calls cost no weight since 2026-04-02; failed ones still do.
    place_order=Endpoint("POST", "/api/v3/order", orders=1),
    cancel_order=Endpoint("DELETE", "/api/v3/order"),
    cancel_all=Endpoint("DELETE", "/api/v3/openOrders"),
    order_status=Endpoint("GET", "/api/v3/order", 4),
    order_fills=Endpoint("GET", "/api/v3/myTrades", 5),  # weight 5 with orderId
    balances=Endpoint("GET", "/api/v3/account", 20),
    open_orders=Endpoint("GET", "/api/v3/openOrders", 6),  # weight 6 with a symbol
    # Every order (open, cancelled, filled) since startTime; at most 24 h between startTime and endTime.
    order_history=Endpoint("GET", "/api/v3/allOrders", 20),
)
CANCEL_REPLACE = Endpoint("POST", "/api/v3/order/cancelReplace", orders=1)

WS_SEND_LIMIT_ID = "WS_MESSAGES"
RATE_LIMITS = (*rate_limits(
    [*ROUTES.all(), CANCEL_REPLACE],
    RateLimit("REQUEST_WEIGHT", 6000, 60.0),
    # The documented example values; the live ones are in exchangeInfo.rateLimits.
    [RateLimit("ORDERS_10S", 50, 10.0), RateLimit("ORDERS_1D", 160_000, 86_400.0)],
    [RateLimit("RAW_REQUESTS", 300_000, 300.0)],
), RateLimit(WS_SEND_LIMIT_ID, 5, 1.0))

# rest-api "LIMITS" (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits): every answer
# carries X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter), the IP's weight used in that interval, and
# every order answer X-MBX-ORDER-COUNT-(intervalNum)(intervalLetter), the account's order count.
RATE_LIMIT_HEADERS = (
    RateLimitHeaders("REQUEST_WEIGHT", used="X-MBX-USED-WEIGHT-1M"),
    RateLimitHeaders("ORDERS_10S", used="X-MBX-ORDER-COUNT-10S"),
    RateLimitHeaders("ORDERS_1D", used="X-MBX-ORDER-COUNT-1D"),
)

# executionReport X and REST "status". EXPIRED covers unfilled IOC/FOK/market remainders.
ORDER_STATES = {
    "NEW": OrderState.OPEN,
    "PENDING_NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
    "PENDING_CANCEL": OrderState.PENDING_CANCEL,
    "REJECTED": OrderState.FAILED,
    "EXPIRED": OrderState.CANCELED,
    "EXPIRED_IN_MATCH": OrderState.CANCELED,
}

_ORDER_REJECTED = ErrorRule(
    OrderRejected,
    ("insufficient balance", InsufficientFunds),
    ("duplicate order", DuplicateClientOrderId),
    ("unknown order", OrderNotFound),
    ("not supported for this symbol", NotSupported),
    ("may not place or cancel", PermissionDenied),
    ("disabled on this account", PermissionDenied),
)
# https://developers.binance.com/docs/binance-spot-api-docs/errors
# The 11xx "request issues" are malformed requests (BadRequest), whatever the endpoint; those that can
# only concern an order's own fields (precision, side, type, time in force) are InvalidOrder. Only
# -1121 says the symbol is unknown.
ERRORS: VenueErrorTable = {
    "-1001": ExchangeNotAvailable,  # DISCONNECTED: "Internal error; unable to process your request"
    "-1003": RateLimitExceeded,  # HTTP 429 (418 once banned), with Retry-After
    "-1006": RequestTimeout,  # UNEXPECTED_RESP: "Execution status unknown."
    "-1007": RequestTimeout,  # "Send status unknown; execution status unknown."
    "-1008": ExchangeNotAvailable,
    "-1013": InvalidOrder,  # filter failures
    "-1014": InvalidOrder,  # UNKNOWN_ORDER_COMPOSITION
    "-1015": RateLimitExceeded,  # too many new orders
    "-1016": ExchangeNotAvailable,  # SERVICE_SHUTTING_DOWN
    "-1020": NotSupported,  # UNSUPPORTED_OPERATION
    "-1021": InvalidTimestamp,
    # Definite credential refusals: invalid signature (-1022), malformed key (-2014), and an invalid key, IP
    # or permission (-2015, which Binance does not split: the key is the likelier cause, and a stream login
    # it refuses must stop rather than retry forever).
    "-1022": AuthenticationError,
    **dict.fromkeys(("-1100", "-1101", "-1102", "-1103", "-1104", "-1105", "-1106", "-1108", "-1128", "-1130",
                     "-1135"), BadRequest),  # ILLEGAL_CHARS ... PARAM_NOT_REQUIRED, bad combos, invalid data/JSON
    "-1111": InvalidOrder,  # BAD_PRECISION: too many decimals in a quantity or price
    **dict.fromkeys(("-1114", "-1115", "-1116", "-1117", "-1118"), InvalidOrder),  # TIF, type, side, empty id
    "-1121": BadSymbol,
    "-2010": _ORDER_REJECTED,
    "-2011": ErrorRule(OrderNotFound, ("may not place or cancel", PermissionDenied),
                       ("cancel restrictions", OrderRejected)),
    "-2013": OrderNotFound,
    "-2014": AuthenticationError,
    "-2015": AuthenticationError,
    "-2026": OrderNotFound,  # archived
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # The REST docs give no rule; FIX documents ^[a-zA-Z0-9-_]{1,36}$, and letters and digits fit every API.
    client_order_id=ClientOrderIdRule(max_length=36, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=RECV_WINDOW_MS / 1000,
    # rest-api "LIMITS": 429 and 418 answers carry Retry-After, in seconds.
    rate_limit_resets=(RateLimitReset("Retry-After", ResetUnit.SECONDS),),
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
