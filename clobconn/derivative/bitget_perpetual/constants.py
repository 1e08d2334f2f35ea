"""Bitget futures (API v2, ``/api/v2/mix``) facts as data: hosts, endpoints with their limits, errors,
states and features. Sources: https://www.bitget.com/api-doc/contract/intro (docs/connectors/bitget_perpetual.md)."""

from __future__ import annotations

from clobconn.core.data_types import OrderState, OrderType, PositionMode, TimeInForce
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

CONNECTOR_ID = "bitget_perpetual"
SUCCESS = "00000"

# common/domain and common/demotrading: demo trading takes a demo key, the same REST host with the
# ``paptrading: 1`` header, and its own WebSocket host.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.bitget.com", ws="wss://ws.bitget.com"),
    "demo": DomainUrls(rest="https://api.bitget.com", ws="wss://wspap.bitget.com"),
}
DEMO_DOMAINS = frozenset({"demo"})
DEMO_HEADERS = {"paptrading": "1"}
PUBLIC_WS_PATH = "/v2/ws/public"
PRIVATE_WS_PATH = "/v2/ws/private"
# What the WebSocket login signs in place of a request path (common/websocket-intro, "Login").
WS_LOGIN_PATH = "/user/verify"

# The product types behind the same API (contract/intro). USDT-M and USDC-M are linear: sizes in the
# base coin, margin and PnL in the quote coin, which the core's positions assume. Coin-M is inverse
# (margin and PnL in the base coin), which they do not: it is refused when the connector is made.
LINEAR_PRODUCT_TYPES = {"USDT-FUTURES": "USDT", "USDC-FUTURES": "USDC"}

SERVER_TIME = Endpoint("GET", "/api/v2/public/time", signed=False)
CONTRACTS = Endpoint("GET", "/api/v2/mix/market/contracts", signed=False)
TICKER = Endpoint("GET", "/api/v2/mix/market/ticker", signed=False)
FUNDING_RATE = Endpoint("GET", "/api/v2/mix/market/current-fund-rate", signed=False)
ACCOUNTS = Endpoint("GET", "/api/v2/mix/account/accounts")
ACCOUNT = Endpoint("GET", "/api/v2/mix/account/account")
BILLS = Endpoint("GET", "/api/v2/mix/account/bill")
SET_LEVERAGE = Endpoint("POST", "/api/v2/mix/account/set-leverage")
SET_MARGIN_MODE = Endpoint("POST", "/api/v2/mix/account/set-margin-mode")
SET_POSITION_MODE = Endpoint("POST", "/api/v2/mix/account/set-position-mode")
POSITIONS = Endpoint("GET", "/api/v2/mix/position/all-position")
PLACE_ORDER = Endpoint("POST", "/api/v2/mix/order/place-order")
BATCH_PLACE = Endpoint("POST", "/api/v2/mix/order/batch-place-order")
MODIFY_ORDER = Endpoint("POST", "/api/v2/mix/order/modify-order")
CANCEL_ORDER = Endpoint("POST", "/api/v2/mix/order/cancel-order")
# cancel-all-orders cancels a whole product type (no symbol): a pair's orders go by batch-cancel-orders.
BATCH_CANCEL = Endpoint("POST", "/api/v2/mix/order/batch-cancel-orders")
ORDER_DETAIL = Endpoint("GET", "/api/v2/mix/order/detail")
ORDER_FILLS = Endpoint("GET", "/api/v2/mix/order/fills")
ORDERS_PENDING = Endpoint("GET", "/api/v2/mix/order/orders-pending")
ORDERS_HISTORY = Endpoint("GET", "/api/v2/mix/order/orders-history")
# batch-place-order: "orderList ... maximum length: 50".
MAX_BATCH = 50

# Per endpoint, per second: per IP for public market data, per UID for the rest (each endpoint's page).
# The batch endpoint counts requests (5/s), whatever their length.
WS_SEND_LIMIT_ID = "WS"
_PER_SECOND = {SERVER_TIME: 20, CONTRACTS: 20, TICKER: 20, FUNDING_RATE: 20, ACCOUNTS: 10, ACCOUNT: 10, BILLS: 10,
               SET_LEVERAGE: 5, SET_MARGIN_MODE: 5, SET_POSITION_MODE: 5, POSITIONS: 5, PLACE_ORDER: 10,
               BATCH_PLACE: 5, MODIFY_ORDER: 10, CANCEL_ORDER: 10, BATCH_CANCEL: 10, ORDER_DETAIL: 10,
               ORDER_FILLS: 10, ORDERS_PENDING: 10, ORDERS_HISTORY: 10}
RATE_LIMITS = (
    *(RateLimit(endpoint.limit_id, limit, 1.0) for endpoint, limit in _PER_SECOND.items()),
    # common/websocket-intro: at most 10 messages a second per connection ("ping" included) and 240
    # subscriptions an hour; 3 frames a second leaves room for the pings and a resubscribe storm.
    RateLimit(WS_SEND_LIMIT_ID, 3, 1.0),
)


# common/websocket-intro: send the text "ping" every 30 s and expect "pong"; the venue closes a
# socket that sent no ping for 2 minutes.
HEARTBEAT = Heartbeat.text_ping(every=30.0, idle_timeout=60.0)

ORDER_STATES = {
    "live": OrderState.OPEN,
    "partially_filled": OrderState.PARTIALLY_FILLED,
    "filled": OrderState.FILLED,
    "canceled": OrderState.CANCELED,
}

# (order type, time in force) -> (orderType, force); post-only is a limit order's force.
ORDER_TYPES = {
    (OrderType.LIMIT, TimeInForce.GTC): ("limit", "gtc"),
    (OrderType.LIMIT, TimeInForce.IOC): ("limit", "ioc"),
    (OrderType.LIMIT, TimeInForce.FOK): ("limit", "fok"),
    (OrderType.LIMIT_MAKER, TimeInForce.GTC): ("limit", "post_only"),
    (OrderType.MARKET, TimeInForce.IOC): ("market", None),
}
POSITION_MODES = {PositionMode.ONEWAY: "one_way_mode", PositionMode.HEDGE: "hedge_mode"}
# account/bill businessType of a funding settlement ("contract_settle_fee: funding fee").
FUNDING_BUSINESS_TYPE = "contract_settle_fee"
# account/bill: "The interval between the startTime and the endTime should be <= 30 days"; 100 a page.
MAX_BILL_WINDOW = 30 * 24 * 3600.0 - 60.0
BILL_PAGE = 100

# https://www.bitget.com/api-doc/contract/error-code/restapi. Codes come in the body's "code" with
# HTTP 400 as often as 200; the code decides.
ERRORS: VenueErrorTable = {
    "429": RateLimitExceeded,
    "40010": RequestTimeout,
    "40725": ExchangeNotAvailable,
    "40072": BadSymbol,
    "40102": BadSymbol,  # "Symbol does not exist"
    # Invalid or expired ACCESS_TIMESTAMP.
    **dict.fromkeys(("40005", "40008"), InvalidTimestamp),
    # Empty or wrong signature, key or passphrase: "sign signature error" (40009), "apikey/password is
    # incorrect" (40012), "passphrase is error" (40036), "Apikey does not exist" (40037).
    **dict.fromkeys(("40002", "40003", "40006", "40009", "40011", "40012", "40036", "40037", "40041"),
                    AuthenticationError),
    # Missing permission, IP not whitelisted.
    **dict.fromkeys(("40014", "40018", "40038"), PermissionDenied),
    # "Parameter verification failed", "... cannot be empty", "Parameter {0} error", "... does not exist",
    # a clientOid too long: malformed requests, never an order's rule.
    **dict.fromkeys(("40017", "40019", "40020", "40034", "40057", "40064", "40304", "40724", "40808", "40811",
                     "43011", "48001", "48002", "400172"), BadRequest),
    **dict.fromkeys(("40762", "40798", "40800", "43012", "45002"), InsufficientFunds),
    # Below the minimum size or value, a price off its step.
    **dict.fromkeys(("22034", "40706", "43006", "43027", "45110", "45111", "45115"), InvalidOrder),
    **dict.fromkeys(("43118", "45034"), DuplicateClientOrderId),
    **dict.fromkeys(("40768", "43001", "45057"), OrderNotFound),  # "The order does not exist"
    # The private stream's login (common/websocket-intro shows only 30005 "error"; ccxt meets 30015
    # "Invalid sign"): a bad signature refuses the key; a bare "login failed" reconnects.
    "30015": AuthenticationError,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # clientOid: at most 50 characters (error 40304); letters and digits are always accepted.
    client_order_id=ClientOrderIdRule(max_length=32, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.BATCH_ORDERS, Feature.AMEND_ORDER, Feature.CANCEL_ALL, Feature.REDUCE_ONLY,
                        Feature.HEDGE_MODE}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    is_perpetual=True,
    needs_passphrase=True,
    # modify-order cancels the order and places a new one under newClientOid (a cancel-replace).
    amend_in_place=False,
    # common/signature: a request's ACCESS-TIMESTAMP is refused (40008) once 30 s old.
    placement_expiry=30.0,
    # A 429 says nothing of when the limit lifts: the core pauses the endpoint briefly.
    rate_limit_resets=(),
)
