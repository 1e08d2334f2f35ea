"""BingX spot facts as data: hosts, endpoints, limits, errors, ids, states and features.

Sources (see docs/connectors/bing_x.md):
https://bingx-api.github.io/docs/#/en-us/spot/changelog and its last GitHub edition,
https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/REST%20API.md (and "WebSocket API.md").
"""

from __future__ import annotations

from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    InvalidTimestamp,
    OrderNotFound,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "bing_x"

# One WebSocket host serves the market streams and, with ?listenKey=, the account streams.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://open-api.bingx.com", ws="wss://open-api-ws.bingx.com",
                          private_ws="wss://open-api-ws.bingx.com"),
}
WS_PATH = "/market"

# A signed request is refused once its timestamp is 5000 ms old: the venue's default window, which the
# signer leaves implicit (no recvWindow parameter) so the documented signing example holds byte for byte.
DEFAULT_RECV_WINDOW_MS = 5000

SPOT = "/openApi/spot/v1"
SERVER_TIME = Endpoint("GET", "/openApi/swap/v2/server/time", signed=False)  # the one server clock, shared
SYMBOLS = Endpoint("GET", f"{SPOT}/common/symbols", signed=False)
DEPTH = Endpoint("GET", f"{SPOT}/market/depth", signed=False)
BALANCES = Endpoint("GET", f"{SPOT}/account/balance")
PLACE_ORDER = Endpoint("POST", f"{SPOT}/trade/order", orders=1)
# At most 5 orders of one symbol, as a JSON list in the ``data`` parameter.
BATCH_ORDERS = Endpoint("POST", f"{SPOT}/trade/batchOrders", orders=1)
BATCH_SIZE = 5
CANCEL_ORDER = Endpoint("POST", f"{SPOT}/trade/cancel", orders=1)
CANCEL_ALL = Endpoint("POST", f"{SPOT}/trade/cancelOpenOrders", orders=1)
ORDER_STATUS = Endpoint("GET", f"{SPOT}/trade/query")
FILLS = Endpoint("GET", f"{SPOT}/trade/myTrades")
OPEN_ORDERS = Endpoint("GET", f"{SPOT}/trade/openOrders")
ORDER_HISTORY = Endpoint("GET", f"{SPOT}/trade/historyOrders")
# Listen keys: created (POST) and extended (PUT) with the API key header alone; they live 60 minutes.
LISTEN_KEY = Endpoint("POST", "/openApi/user/auth/userDataStream", signed=False)
KEEPALIVE_LISTEN_KEY = Endpoint("PUT", "/openApi/user/auth/userDataStream", signed=False)
LISTEN_KEY_KEEPALIVE = 30 * 60.0

# The documented IP pools: 6000 GET and 2400 POST requests per 2 minutes (HB adds 1 s bursts of 70 and 50,
# undocumented); one shared pool keeps under the tighter of the two for every call.
RATE_LIMITS = (
    *rate_limits([SERVER_TIME, SYMBOLS, DEPTH, BALANCES, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER, CANCEL_ALL,
                  ORDER_STATUS, FILLS, OPEN_ORDERS, ORDER_HISTORY, LISTEN_KEY, KEEPALIVE_LISTEN_KEY],
                 RateLimit("REST", 2400, 120.0), [RateLimit("POST_BURST", 50, 1.0)]),
    RateLimit("WS", 10, 1.0),
)


def _reply_to_ping(message: Any) -> dict[str, Any] | None:
    """The spot socket pings as {"ping": id, "time": ...} about every 5 s; the answer echoes both as pong."""
    if isinstance(message, dict) and "ping" in message:
        return {"pong": message["ping"], "time": message.get("time")}
    return None


# The venue pings us; a socket that has not even pinged for 30 s is dead.
HEARTBEAT = Heartbeat(reply_to=_reply_to_ping, idle_timeout=30.0)

# "status" of REST orders and "X" of executionReport. PENDING is an order resting on the book.
ORDER_STATES = {
    "NEW": OrderState.OPEN,
    "PENDING": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
    "CANCELLED": OrderState.CANCELED,
    "FAILED": OrderState.FAILED,
}

# "Common Business Error Codes" (REST) and the WebSocket error codes, plus the key and timestamp codes of
# the current error page (https://bingx-api.github.io/docs/#/en-us/spot/errorCode). Errors come in HTTP 200 bodies.
ERRORS: VenueErrorTable = {
    "100001": AuthenticationError,  # signature authentication failed
    "100412": AuthenticationError,  # null signature
    "100413": AuthenticationError,  # incorrect apiKey
    "100401": AuthenticationError,  # AUTHENTICATION_FAIL
    "100421": InvalidTimestamp,  # null timestamp or timestamp mismatch
    "100004": PermissionDenied,  # the key lacks the permission
    "100419": PermissionDenied,  # IP not on the key's whitelist
    "100403": PermissionDenied,  # AUTHORIZATION_FAIL
    "100202": InsufficientFunds,
    "100400": BadRequest,  # invalid parameter, whatever the endpoint
    "100410": RateLimitExceeded,  # FREQUENCY_LIMIT
    "100440": InvalidOrder,  # price deviates greatly from the market price
    # "order not exist": the swap API's documented code; the spot docs give none (see the docs page).
    "80016": OrderNotFound,
    "100500": ExchangeNotAvailable,
    "100503": ExchangeNotAvailable,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # newClientOrderId: 1 to 40 characters (letters and digits fit every rule the venue has published).
    client_order_id=ClientOrderIdRule(max_length=40, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    # timeInForce IOC or POC (post-only, our LIMIT_MAKER); a plain limit rests until cancelled.
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC}),
    # cancelReplace exists, but no edition of the docs to hand gives its answer: amend is not offered.
    features=frozenset({Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id="WS",
    placement_expiry=DEFAULT_RECV_WINDOW_MS / 1000,
    # No rate-limit reset header is documented.
    rate_limit_resets=(),
)
