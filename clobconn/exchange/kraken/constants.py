"""Kraken spot facts as data: hosts, endpoints, limits, errors, asset aliases, ids, states and features.

Sources (see docs/connectors/kraken.md): https://docs.kraken.com/api/docs/rest-api/ (REST spot) and
https://docs.kraken.com/api/docs/websocket-v2/ (WebSocket v2).
"""

from __future__ import annotations

from typing import Any

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
    OrderRejected,
    PermissionDenied,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "kraken"

# Hosts only; public and private WebSockets v2 are on two hosts, both under /v2.
DOMAINS = {"mainnet": DomainUrls(rest="https://api.kraken.com", ws="wss://ws.kraken.com",
                                 private_ws="wss://ws-auth.kraken.com")}
WS_PATH = "/v2"

SERVER_TIME = Endpoint("GET", "/0/public/Time", signed=False)
ASSETS = Endpoint("GET", "/0/public/Assets", signed=False)
ASSET_PAIRS = Endpoint("GET", "/0/public/AssetPairs", signed=False)
BALANCES = Endpoint("POST", "/0/private/BalanceEx")
PLACE_ORDER = Endpoint("POST", "/0/private/AddOrder")
BATCH_ORDERS = Endpoint("POST", "/0/private/AddOrderBatch")
AMEND_ORDER = Endpoint("POST", "/0/private/AmendOrder")
CANCEL_ORDER = Endpoint("POST", "/0/private/CancelOrder")
ORDER_STATUS = Endpoint("POST", "/0/private/QueryOrders")
FILLS = Endpoint("POST", "/0/private/TradesHistory", weight=2)
OPEN_ORDERS = Endpoint("POST", "/0/private/OpenOrders")
ORDER_HISTORY = Endpoint("POST", "/0/private/ClosedOrders")
WS_TOKEN = Endpoint("POST", "/0/private/GetWebSocketsToken")
# AddOrderBatch takes 2 to 15 orders, all of one pair; a lone order goes through AddOrder.
MAX_BATCH = 15

# The REST counter (Starter tier) holds 15 points and decays by 0.33 a second, so 15 calls per 45 s; trade
# history costs 2. Orders are not on it: the trading engine's per-pair counter (60, decaying 1 a second)
# limits them. Public calls: 1 a second per IP.
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([SERVER_TIME, ASSETS, ASSET_PAIRS], RateLimit("PUBLIC", 1, 1.0), []),
    *rate_limits([BALANCES, ORDER_STATUS, FILLS, OPEN_ORDERS, ORDER_HISTORY, WS_TOKEN],
                 RateLimit("REST", 15, 45.0), []),
    *rate_limits([PLACE_ORDER, BATCH_ORDERS, AMEND_ORDER, CANCEL_ORDER], RateLimit("ORDERS", 60, 60.0), []),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)

# The venue's names for BTC and DOGE in REST asset and pair names (v2 WebSocket symbols already say BTC/USD),
# applied once the Assets endpoint has turned a legacy code (XXBT, ZUSD) into its altname (XBT, USD).
ASSET_ALIASES = {"XBT": "BTC", "XDG": "DOGE"}


def _is_pong(message: Any) -> bool:
    return isinstance(message, dict) and message.get("method") == "pong"


# Once subscribed the venue sends {"channel": "heartbeat"} every second; a ping every 20 s covers a
# socket with nothing subscribed yet.
HEARTBEAT = Heartbeat(app_ping=20.0, app_ping_payload={"method": "ping"}, is_pong=_is_pong, idle_timeout=30.0)

# "status" of REST order info (QueryOrders, OpenOrders, ClosedOrders); "closed" means fully filled.
ORDER_STATES = {
    "pending": OrderState.PENDING_CREATE,
    "open": OrderState.OPEN,
    "closed": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "expired": OrderState.CANCELED,
}
# "order_status" on the executions channel.
STREAM_ORDER_STATES = {
    "pending_new": OrderState.PENDING_CREATE,
    "new": OrderState.OPEN,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
    "expired": OrderState.CANCELED,
}

# Errors come in HTTP 200 as {"error": ["EOrder:Insufficient funds"]}: the whole string is the code
# (https://docs.kraken.com/api/docs/guides/spot-errors).
ERRORS: VenueErrorTable = {
    # Definite refusals of the key: the private loops stop.
    **dict.fromkeys(("EAPI:Invalid key", "EAPI:Invalid signature"), AuthenticationError),
    # A nonce not above the last one the key saw: the core re-signs (a fresh, higher nonce) and retries once.
    "EAPI:Invalid nonce": InvalidTimestamp,
    **dict.fromkeys(("EAPI:Feature disabled", "EGeneral:Permission denied", "ETrade:Locked"), PermissionDenied),
    **dict.fromkeys(("EAPI:Bad request", "EGeneral:Invalid arguments", "EGeneral:Invalid arguments:Index unavailable",
                     "EGeneral:Unknown method"), BadRequest),
    **dict.fromkeys(("EAPI:Rate limit exceeded", "EGeneral:Too many requests", "EGeneral:Temporary lockout",
                     "EOrder:Orders limit exceeded", "EOrder:Rate limit exceeded",
                     "EOrder:Domain rate limit exceeded"), RateLimitExceeded),
    **dict.fromkeys(("EGeneral:Internal error", "EService:Unavailable", "EService:Busy",
                     "EService:Market in cancel_only mode"), ExchangeNotAvailable),
    **dict.fromkeys(("EQuery:Unknown asset pair", "EQuery:Invalid asset pair"), BadSymbol),
    **dict.fromkeys(("EOrder:Insufficient funds", "EOrder:Insufficient margin", "EOrder:Margin allowance exceeded"),
                    InsufficientFunds),
    **dict.fromkeys(("EOrder:Order minimum not met", "EOrder:Cost minimum not met", "EOrder:Tick size check failed",
                     "EOrder:Invalid price", "EOrder:Invalid order", "EOrder:Cannot open position",
                     "EOrder:Positions limit exceeded"), InvalidOrder),
    **dict.fromkeys(("EOrder:Post only order", "EService:Market in post_only mode", "EService:Deadline elapsed"),
                    OrderRejected),
    **dict.fromkeys(("EOrder:Unknown order", "EOrder:Unknown position"), OrderNotFound),
    "EOrder:Duplicate cl_ord_id": DuplicateClientOrderId,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # cl_ord_id: a UUID, or free text of up to 18 ASCII characters (AddOrder).
    client_order_id=ClientOrderIdRule(max_length=18, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    # timeinforce GTC or IOC (the venue's GTD needs an expiry the core's API has no field for; no FOK).
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC}),
    # CancelAll cancels every pair's orders, so it cannot serve cancel_all(pair): the core cancels one by one.
    features=frozenset({Feature.BATCH_ORDERS, Feature.AMEND_ORDER}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # AmendOrder changes the order itself: same txid and cl_ord_id.
    amend_in_place=True,
    # No timestamp is signed: an unanswered AddOrder is settled at once, as far as the venue says.
    # The nonce orders requests but sets no window; 5 s covers a request still in flight.
    placement_expiry=5.0,
    # A rate-limit refusal says nothing of when the counter has decayed.
    rate_limit_resets=(),
)
