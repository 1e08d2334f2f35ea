"""HashKey Global spot as data: hosts, endpoints, limits, errors, ids, states and features.

API reference: https://hashkeyglobal-apidoc.readme.io/reference (the venue now links it from
https://docs.hashkey.com/glb). Hosts: https://hashkeyglobal-apidoc.readme.io/reference/preparations,
streams: https://hashkeyglobal-apidoc.readme.io/reference/websocket-api.
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
    OrderNotFound,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "hashkey"

# REST and the two streams live on separate hosts; the private socket's path carries the listen key.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api-glb.hashkey.com", ws="wss://stream-glb.hashkey.com",
                          private_ws="wss://stream-glb.hashkey.com"),
    "testnet": DomainUrls(rest="https://api-glb.sim.hashkeydev.com", ws="wss://stream-glb.sim.hashkeydev.com",
                          private_ws="wss://stream-glb.sim.hashkeydev.com"),
}
PUBLIC_WS_PATH = "/quote/ws/v1"
PRIVATE_WS_PATH = "/api/v1/ws/{key}"

SERVER_TIME = Endpoint("GET", "/api/v1/time", signed=False)
EXCHANGE_INFO = Endpoint("GET", "/api/v1/exchangeInfo", weight=5, signed=False)
ACCOUNT = Endpoint("GET", "/api/v1/account")
# v1.1 (the docs recommend it over v1) takes every order type, and sizes a market order in base
# ("quantity") or in quote ("amount") on either side.
PLACE_ORDER = Endpoint("POST", "/api/v1.1/spot/order", orders=1)
# At most 20 orders, all of one symbol; the body is the JSON list of orders.
BATCH_ORDERS = Endpoint("POST", "/api/v1/spot/batchOrders", orders=1)
BATCH_SIZE = 20
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/spot/order", orders=1)
CANCEL_ALL = Endpoint("DELETE", "/api/v1/spot/openOrders", orders=1)
ORDER_STATUS = Endpoint("GET", "/api/v1/spot/order")
OPEN_ORDERS = Endpoint("GET", "/api/v1/spot/openOrders")
ORDER_HISTORY = Endpoint("GET", "/api/v1/spot/tradeOrders")
FILLS = Endpoint("GET", "/api/v1/account/trades")
LISTEN_KEY = Endpoint("POST", "/api/v1/userDataStream")
KEEPALIVE_LISTEN_KEY = Endpoint("PUT", "/api/v1/userDataStream")

# The docs' frequency limits: GET 6000/2 min with a 70/s burst, POST/PUT/DELETE 2400/2 min with 50/s.
# The weight pool takes the tighter of the two families; orders share the POST burst.
WS_SEND_LIMIT_ID = "WS"
ENDPOINTS = [SERVER_TIME, EXCHANGE_INFO, ACCOUNT, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER,
             CANCEL_ALL, ORDER_STATUS, OPEN_ORDERS, ORDER_HISTORY, FILLS, LISTEN_KEY, KEEPALIVE_LISTEN_KEY]
RATE_LIMITS = (
    *rate_limits(ENDPOINTS, RateLimit("REST", 50, 1.0), [RateLimit("ORDERS", 50, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)

# recvWindow: the docs' default, sent on every signed request, and how long a placement may still land.
RECV_WINDOW_MS = 5000
# Listen keys live 60 minutes; the docs recommend a keepalive every 30.
LISTEN_KEY_KEEPALIVE = 30 * 60.0


def _ping() -> dict[str, int]:
    return {"ping": int(time.time() * 1000)}


def _is_pong(message: Any) -> bool:
    return isinstance(message, dict) and "pong" in message


def _answer_ping(message: Any) -> Any | None:
    # The private socket pings us and drops us after two unanswered pings; the pong echoes its time.
    if isinstance(message, dict) and "ping" in message and "pong" not in message:
        return {"pong": message["ping"]}
    return None


# The client pings every 10 s ({"ping": <ms>}), the server answers {"pong": <ms>}.
HEARTBEAT = Heartbeat(app_ping=10.0, app_ping_payload=_ping, is_pong=_is_pong, reply_to=_answer_ping,
                      idle_timeout=40.0)

ORDER_STATES = {
    "PENDING_NEW": OrderState.PENDING_CREATE,
    "NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "PENDING_CANCEL": OrderState.PENDING_CANCEL,
    "CANCELED": OrderState.CANCELED,
    "PARTIALLY_CANCELED": OrderState.CANCELED,
    "REJECTED": OrderState.FAILED,
}

# https://hashkeyglobal-apidoc.readme.io/reference/error-codes: four-digit codes ("0211") and the
# Binance-style negative ones. "0001" is both a missing field and a bad signature: the message decides.
ERRORS: VenueErrorTable = {
    "0001": ErrorRule(BadRequest, ("signature", AuthenticationError)),
    "0003": RateLimitExceeded,
    "0102": AuthenticationError,  # Invalid APIKey
    "0103": AuthenticationError,  # APIKey expired
    "0104": PermissionDenied,  # accountId is not allowed
    "0201": BadSymbol,  # Instrument not found
    "0202": PermissionDenied,  # IP not whitelisted for the key
    **dict.fromkeys(("0206", "0207", "0209", "0210"), InvalidOrder),  # type, price, precision, price range
    "0211": OrderNotFound,
    "0401": InsufficientFunds,
    "-1000": ExchangeNotAvailable,
    "-1001": ExchangeNotAvailable,
    "-1002": AuthenticationError,  # Unauthorized: the key is not valid here
    "-1003": RateLimitExceeded,
    "-1004": BadRequest,
    "-1005": PermissionDenied,
    "-1021": InvalidTimestamp,
    "-1022": AuthenticationError,
    **dict.fromkeys(("-1100", "-1101", "-1102", "-1103", "-1104", "-1105", "-1106", "-1128", "-1130"),
                    BadRequest),
    "-1121": BadSymbol,
    "-1141": DuplicateClientOrderId,
    "-1143": OrderNotFound,
    "-2013": OrderNotFound,
    "-2015": AuthenticationError,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # newClientOrderId: Hummingbot kept it to 32 characters; the docs give no shorter bound.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    placement_expiry=RECV_WINDOW_MS / 1000,
    # The docs name no rate-limit reset header.
    rate_limit_resets=(),
)
