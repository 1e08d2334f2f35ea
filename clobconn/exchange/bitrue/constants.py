"""Bitrue spot facts as data: hosts, endpoints with their weights, limits, errors, states and features.

Source (see docs/connectors/bitrue.md): https://github.com/Bitrue-exchange/Spot-official-api-docs
(the same text as https://bitrue.com/api_docs_includes_file/spot/index.html).
"""

from __future__ import annotations

import time
from typing import Any

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
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "bitrue"
# "Timing security": a signed request is valid for recvWindow ms after its timestamp (default 5000).
# The signer sends it and SPEC.placement_expiry reads it.
RECV_WINDOW_MS = 5000
# The listen key is managed on open.bitrue.com, not on the REST host ("User Data Streams").
LISTEN_KEY_HOST = "listen_key"

DOMAINS = {
    "mainnet": DomainUrls(rest="https://openapi.bitrue.com", ws="wss://ws.bitrue.com",
                          private_ws="wss://wsapi.bitrue.com", extra={LISTEN_KEY_HOST: "https://open.bitrue.com"}),
}
PUBLIC_WS_PATH = "/market/ws"
PRIVATE_WS_PATH = "/stream?listenKey={key}"

SERVER_TIME = Endpoint("GET", "/api/v1/time", signed=False)
EXCHANGE_INFO = Endpoint("GET", "/api/v1/exchangeInfo", signed=False)
PLACE_ORDER = Endpoint("POST", "/api/v1/order", orders=1)
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/order", orders=1)
ORDER_STATUS = Endpoint("GET", "/api/v1/order")
OPEN_ORDERS = Endpoint("GET", "/api/v1/openOrders")
ORDER_HISTORY = Endpoint("GET", "/api/v1/allOrders", 5)
BALANCES = Endpoint("GET", "/api/v1/account", 5)
# The only account endpoint on v2: v1 myTrades lacks the tradeId the stream's "t" carries.
MY_TRADES = Endpoint("GET", "/api/v2/myTrades", 5)
# USER_STREAM security: the API key header, no signature.
CREATE_LISTEN_KEY = Endpoint("POST", "/poseidon/api/v1/listenKey", signed=False)
KEEP_LISTEN_KEY = Endpoint("PUT", "/poseidon/api/v1/listenKey/{key}", signed=False)
# "It's recommended to send a ping about every 30 minutes"; a key lives 60 minutes.
LISTEN_KEY_KEEPALIVE = 30 * 60.0

WS_SEND_LIMIT_ID = "WS_MESSAGES"
# exchangeInfo's documented rateLimits: 1200 weight a minute per IP; 100 order requests a minute per
# IP and per user. No WS send limit is documented: 5 a second is a polite guess.
RATE_LIMITS = (*rate_limits(
    [SERVER_TIME, EXCHANGE_INFO, PLACE_ORDER, CANCEL_ORDER, ORDER_STATUS, OPEN_ORDERS, ORDER_HISTORY, BALANCES,
     MY_TRADES, CREATE_LISTEN_KEY, KEEP_LISTEN_KEY],
    RateLimit("REQUEST_WEIGHT", 1200, 60.0),
    [RateLimit("ORDERS_IP", 100, 60.0), RateLimit("ORDERS_USER", 100, 60.0)],
), RateLimit(WS_SEND_LIMIT_ID, 5, 1.0))

# REST "status". PENDING_CREATE means the venue has queued the order: it is the venue's to fill.
ORDER_STATES = {
    "PENDING_CREATE": OrderState.OPEN,
    "NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
    "PENDING_CANCEL": OrderState.PENDING_CANCEL,
    "REJECTED": OrderState.FAILED,
    "EXPIRED": OrderState.CANCELED,
}
# The order event's numeric "X": 0 not yet accepted by the engine, 1 accepted, 2 completed,
# 3 partly filled, 4 cancelled.
STREAM_ORDER_STATES = {
    0: OrderState.OPEN,
    1: OrderState.OPEN,
    2: OrderState.FILLED,
    3: OrderState.PARTIALLY_FILLED,
    4: OrderState.CANCELED,
}
# The order event's numeric "x": 3 is a fill by the engine.
STREAM_FILL_EVENT = 3
STREAM_SIDES = {1: "BUY", 2: "SELL"}

# "Error Codes": -1022 is one code for "Invalid signature or Invalid timestamp or Unauthorized for API";
# the docs give no other message, so a message naming the recvWindow is the only sign of a clock refusal.
ERRORS: VenueErrorTable = {
    "-1016": ExchangeNotAvailable,
    "-1020": NotSupported,
    "-1021": InvalidTimestamp,
    "-1022": ErrorRule(AuthenticationError, ("recvwindow", InvalidTimestamp)),
    "-1102": BadRequest,  # mandatory parameter missing or illegal
    "-1111": InvalidOrder,  # invalid volume or price
    "-1121": BadSymbol,
    "-1150": BadRequest,  # INVALID_LISTEN_KEY: the stream reconnects with a new key
    "-2010": ErrorRule(OrderRejected, ("insufficient", InsufficientFunds), ("duplicate", DuplicateClientOrderId)),
    "-2011": OrderNotFound,
    "-2013": OrderNotFound,
    "503": ExchangeNotAvailable,
}


def reply_to_market_ping(message: Any) -> Any | None:
    """The market socket pings every 15 s with {"ping": ts}; unanswered for a minute, it closes."""
    if isinstance(message, dict) and "ping" in message:
        return {"pong": message["ping"]}
    return None


def reply_to_user_ping(message: Any) -> Any | None:
    """The user socket's {"event": "ping", "ts": ...} is answered with the documented pong frame."""
    if isinstance(message, dict) and message.get("event") == "ping":
        return {"event": "pong", "ts": message.get("ts")}
    return None


def user_keepalive() -> dict[str, str]:
    """The user socket's keep-alive: "you should send pong message within 10 minutes"."""
    return {"event": "pong", "ts": str(int(time.time() * 1000))}


MARKET_HEARTBEAT = Heartbeat(reply_to=reply_to_market_ping, idle_timeout=60.0)
# An account stream can be quiet for hours (and a connection lives 24 h at most): liveness is the
# pong we send every 5 minutes, well inside the venue's 10, not traffic.
USER_HEARTBEAT = Heartbeat(app_ping=300.0, app_ping_payload=user_keepalive, reply_to=reply_to_user_ping,
                           idle_timeout=86_400.0)

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # The docs give no rule for newClientOrderId; letters and digits up to 32 fit.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    # "Order types: LIMIT, MARKET"; "Time in force: GTC". No post-only, no cancel-all, no amend, no batch.
    order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC}),
    features=frozenset(),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=RECV_WINDOW_MS / 1000,
    # A 429 names the policy hit (rate_limit_p) but not when it lifts.
    rate_limit_resets=(),
)
