"""Bybit v5 facts as data: hosts, endpoints with their per-second limits, errors, states and ids.

Sources (see docs/connectors/bybit.md): https://bybit-exchange.github.io/docs/v5/intro. Spot and the
linear perpetual share one API (a ``category`` parameter); what the perpetual adds is in
clobconn/derivative/bybit_perpetual/constants.py.
"""

from __future__ import annotations

from collections.abc import Mapping
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

CONNECTOR_ID = "bybit"

# Hosts only; the role files append /v5/... so rest_url/ws_url overrides move the whole connector.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.bybit.com", ws="wss://stream.bybit.com"),
    "testnet": DomainUrls(rest="https://api-testnet.bybit.com", ws="wss://stream-testnet.bybit.com"),
}
PRIVATE_WS_PATH = "/v5/private"
# The WebSocket trade API (order.create, order.cancel): https://bybit-exchange.github.io/docs/v5/websocket/trade/guideline
TRADE_WS_PATH = "/v5/trade"
# X-BAPI-RECV-WINDOW: a request is accepted while server_time - recv_window <= timestamp (v5 "Integration
# Guidance", authentication), so a placement not accepted within it never will be.
RECV_WINDOW_MS = 5000
PLACEMENT_EXPIRY = RECV_WINDOW_MS / 1000
# v5 rate-limit page: after a 10006 refusal, X-Bapi-Limit-Reset-Timestamp is when the limit lifts (epoch ms).
RATE_LIMIT_RESETS = (RateLimitReset("X-Bapi-Limit-Reset-Timestamp", ResetUnit.EPOCH_MILLISECONDS),)
# https://bybit-exchange.github.io/docs/v5/rate-limit ("API Rate Limit"): every answer reports the
# endpoint's own per-UID limit: X-Bapi-Limit-Status what is left, X-Bapi-Limit the limit, and
# X-Bapi-Limit-Reset-Timestamp when it resets.
RATE_LIMIT_HEADERS = (
    RateLimitHeaders(ReportedPool.ENDPOINT, remaining="X-Bapi-Limit-Status", limit="X-Bapi-Limit",
                     reset=RATE_LIMIT_RESETS[0]),
)

SERVER_TIME = Endpoint("GET", "/v5/market/time", signed=False)
INSTRUMENTS = Endpoint("GET", "/v5/market/instruments-info", signed=False)
WALLET = Endpoint("GET", "/v5/account/wallet-balance")
PLACE_ORDER = Endpoint("POST", "/v5/order/create")
AMEND_ORDER = Endpoint("POST", "/v5/order/amend")
CANCEL_ORDER = Endpoint("POST", "/v5/order/cancel")
CANCEL_ALL = Endpoint("POST", "/v5/order/cancel-all")
BATCH_PLACE = Endpoint("POST", "/v5/order/create-batch")
OPEN_ORDERS = Endpoint("GET", "/v5/order/realtime")
ORDER_HISTORY = Endpoint("GET", "/v5/order/history")
EXECUTIONS = Endpoint("GET", "/v5/execution/list")
# The key's own information: asked when the private stream's "auth" is refused, since that answer
# carries no code and this one's retCode says whether the key itself is refused.
API_KEY_INFO = Endpoint("GET", "/v5/user/query-api")

# Every request counts on the IP pool (600 per 5 s); most endpoints also have their own per-UID
# limit per second, which differs by category (rate-limit page, "UTA2.0 Pro" column).
IP_POOL = RateLimit("IP", 600, 5.0)
WS_SEND_LIMIT_ID = "WS"
# Not documented for the streams; a conservative pace for subscribe and ping frames.
WS_SEND_POOL = RateLimit(WS_SEND_LIMIT_ID, 20, 1.0)
QUERY_LIMITS = {OPEN_ORDERS: 50, ORDER_HISTORY: 50, EXECUTIONS: 50, WALLET: 50, API_KEY_INFO: 10}
# create-batch takes at most 10 spot orders a request, and its per-second limit counts orders, not
# requests: 20 orders/s on spot is two full batches a second.
SPOT_BATCH_SIZE = 10
SPOT_TRADE_LIMITS = {PLACE_ORDER: 20, AMEND_ORDER: 10, CANCEL_ORDER: 20, CANCEL_ALL: 20,
                     BATCH_PLACE: 20 // SPOT_BATCH_SIZE}


def bybit_rate_limits(per_second: Mapping[Endpoint, int], public: tuple[Endpoint, ...]) -> tuple[RateLimit, ...]:
    """The IP pool, plus one pool per endpoint at its own per-second limit (public ones: the IP pool only)."""
    limits = [IP_POOL, WS_SEND_POOL]
    limits += [RateLimit(e.limit_id, n, 1.0, linked_limits=(LinkedLimit(IP_POOL.limit_id),))
               for e, n in per_second.items()]
    limits += [RateLimit(e.limit_id, IP_POOL.limit, IP_POOL.time_interval,
                         linked_limits=(LinkedLimit(IP_POOL.limit_id),)) for e in public]
    return tuple(limits)


def _is_pong(message: Any) -> bool:
    # Spot and linear answer {"op": "ping", "ret_msg": "pong"}; the private stream {"op": "pong"}.
    return isinstance(message, dict) and (message.get("op") == "pong" or message.get("ret_msg") == "pong")


# Bybit asks for {"op": "ping"} every 20 s and cuts a socket that is silent for 10 minutes.
HEARTBEAT = Heartbeat(app_ping=20.0, app_ping_payload={"op": "ping"}, is_pong=_is_pong, idle_timeout=50.0)

ORDER_STATES = {
    "New": OrderState.OPEN,
    "PartiallyFilled": OrderState.PARTIALLY_FILLED,
    "Untriggered": OrderState.OPEN,
    "Triggered": OrderState.OPEN,
    "Filled": OrderState.FILLED,
    "Cancelled": OrderState.CANCELED,
    # Spot only: cancelled after a partial fill.
    "PartiallyFilledCanceled": OrderState.CANCELED,
    "Deactivated": OrderState.CANCELED,
    "Rejected": OrderState.FAILED,
}

# retCode (https://bybit-exchange.github.io/docs/v5/error); spot codes are 17xxxx, derivatives 110xxx.
ERRORS: VenueErrorTable = {
    "10000": RequestTimeout, "10016": ExchangeNotAvailable, "170001": ExchangeNotAvailable,
    "170007": RequestTimeout, "170032": ExchangeNotAvailable,
    # "Request parameter error" on any endpoint (set-leverage too), and "Parameter '%s' was empty." /
    # "Data sent for parameter '%s' is not valid." on spot: malformed requests, not refused orders.
    "10001": BadRequest, "170105": BadRequest, "170130": BadRequest,
    "10002": InvalidTimestamp, "-1": InvalidTimestamp,
    # Definite credential refusals: invalid key, bad signature, failed authentication, expired key. An
    # unmatched IP (10010) stays PermissionDenied: the key is good, and the host's address may change back.
    "10003": AuthenticationError, "10004": AuthenticationError, "10007": AuthenticationError,
    "33004": AuthenticationError, "-2015": AuthenticationError,
    "10005": PermissionDenied, "10009": PermissionDenied, "10010": PermissionDenied, "10024": PermissionDenied,
    "10027": PermissionDenied,
    "10006": RateLimitExceeded, "10018": RateLimitExceeded, "170005": RateLimitExceeded,
    "170222": RateLimitExceeded, "429": RateLimitExceeded,
    # HTTP 403 is Bybit's IP ban for too many requests (see _extract_error).
    "403": RateLimitExceeded,
    "10029": BadSymbol, "170121": BadSymbol,
    "110001": OrderNotFound, "110008": OrderNotFound, "110010": OrderNotFound, "170213": OrderNotFound,
    "170139": OrderNotFound, "170190": OrderNotFound,
    "110004": InsufficientFunds, "110006": InsufficientFunds, "110007": InsufficientFunds,
    "110012": InsufficientFunds, "110044": InsufficientFunds, "110045": InsufficientFunds,
    "170131": InsufficientFunds, "170033": InsufficientFunds,
    "110072": DuplicateClientOrderId, "170141": DuplicateClientOrderId,
    "110003": InvalidOrder, "110017": InvalidOrder, "110094": InvalidOrder, "170124": InvalidOrder,
    "170117": InvalidOrder, "170132": InvalidOrder, "170133": InvalidOrder, "170134": InvalidOrder,
    "170136": InvalidOrder, "170137": InvalidOrder, "170140": InvalidOrder, "170148": InvalidOrder,
    "170115": InvalidOrder, "170116": InvalidOrder, "170193": InvalidOrder, "170194": InvalidOrder,
    "170311": InvalidOrder, "170312": InvalidOrder, "170313": InvalidOrder,
    "110020": OrderRejected, "110021": OrderRejected, "110040": OrderRejected, "110090": OrderRejected,
    "170210": OrderRejected, "170217": OrderRejected, "170218": OrderRejected,
}

SPOT_SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=bybit_rate_limits(QUERY_LIMITS | SPOT_TRADE_LIMITS, (SERVER_TIME, INSTRUMENTS)),
    error_table=ERRORS,
    # orderLinkId: at most 36 of letters, digits, "-" and "_"; we generate letters and digits.
    client_order_id=ClientOrderIdRule(max_length=36, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.BATCH_ORDERS,
                        Feature.MARKET_QUOTE_AMOUNT}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    amend_in_place=True,
    placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=RATE_LIMIT_RESETS,
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
