"""NDAX facts as data: hosts, functions, limits, errors, ids, states and features.

API docs: https://apidoc.ndax.io/ (AlphaPoint APEX; the same functions are documented at
https://github.com/alphapoint/slate). Every function is served over REST at ``/AP/{FunctionName}``
and on the WebSocket gateway ``/WSGateway`` in an AlphaPoint frame (frames.py).
"""

from __future__ import annotations

from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    ErrorRule,
    ExchangeError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit

CONNECTOR_ID = "ndax"

# Hosts only; REST functions are /AP/{name}, the socket is /WSGateway. "testnet" is the staging host
# Hummingbot names (ndaxmarginstaging.cdnhop.net); NDAX documents none.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.ndax.io:8443", ws="wss://api.ndax.io"),
    "testnet": DomainUrls(rest="https://ndaxmarginstaging.cdnhop.net:8443",
                          ws="wss://ndaxmarginstaging.cdnhop.net"),
}
WS_PATH = "/WSGateway"
# Every call names the Order Management System; NDAX runs one, OMSId 1.
OMS_ID = 1
# The depth of the book followed (levels a side) and of each history listing.
BOOK_DEPTH = 200
HISTORY_DEPTH = 200


def _function(name: str, method: str = "GET", signed: bool = True, orders: int = 0) -> Endpoint:
    return Endpoint(method, f"/AP/{name}", signed=signed, orders=orders)


INSTRUMENTS = _function("GetInstruments", signed=False)
USER_ACCOUNTS = _function("GetUserAccounts")
POSITIONS = _function("GetAccountPositions")
SEND_ORDER = _function("SendOrder", "POST", orders=1)
CANCEL_ORDER = _function("CancelOrder", "POST", orders=1)
CANCEL_ALL = _function("CancelAllOrders", "POST", orders=1)
ORDER_STATUS = _function("GetOrderStatus")
OPEN_ORDERS = _function("GetOpenOrders")
ORDERS_HISTORY = _function("GetOrdersHistory")
TRADES_HISTORY = _function("GetTradesHistory")

# 600 HTTP requests a minute and 500 socket messages a minute (Hummingbot's figures; NDAX publishes none).
WS_SEND_LIMIT_ID = "WS"
RATE_LIMITS = (
    *rate_limits([INSTRUMENTS, USER_ACCOUNTS, POSITIONS, SEND_ORDER, CANCEL_ORDER, CANCEL_ALL, ORDER_STATUS,
                  OPEN_ORDERS, ORDERS_HISTORY, TRADES_HISTORY], RateLimit("HTTP", 600, 60.0), ()),
    RateLimit(WS_SEND_LIMIT_ID, 500, 60.0),
)

# OrderState of an order object (GetOrderStatus, GetOpenOrders, GetOrdersHistory, OrderStateEvent).
# "Working" with an executed quantity is a partial fill (parsers.py).
ORDER_STATES = {
    "Working": OrderState.OPEN,
    "Rejected": OrderState.FAILED,
    "Canceled": OrderState.CANCELED,
    "Expired": OrderState.CANCELED,
    "FullyExecuted": OrderState.FILLED,
}
SIDES = {"Buy": 0, "Sell": 1}
ORDER_TYPES = {OrderType.MARKET: 1, OrderType.LIMIT: 2}
TIME_IN_FORCE = {TimeInForce.GTC: 1, TimeInForce.IOC: 3, TimeInForce.FOK: 4}

# "errorcode" of the standard response {result: false, errormsg, errorcode, detail} (HTTP 200).
# A SendOrder refusal is {status: "Rejected", errormsg} with no code: exchange.py names it "Rejected".
ERRORS: VenueErrorTable = {
    "20": AuthenticationError,  # Not Authorized
    "100": BadRequest,  # Invalid Request
    "101": ExchangeError,  # Operation Failed
    "102": ExchangeNotAvailable,  # Server Error
    "104": OrderNotFound,  # Resource Not Found
    "106": NotSupported,  # Operation Not Supported
    "Rejected": ErrorRule(InvalidOrder, ("insufficient", InsufficientFunds), ("not enough", InsufficientFunds)),
}

# AuthenticateUser answers a refusal with authenticated false and no code: that is Not Authorized.
NOT_AUTHORIZED = "20"

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # ClientOrderId is a 64-bit integer on AlphaPoint.
    client_order_id=ClientOrderIdRule.numeric_ids(),
    order_types=frozenset({OrderType.LIMIT, OrderType.MARKET}),
    time_in_force=frozenset(TIME_IN_FORCE),
    features=frozenset({Feature.CANCEL_ALL}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    # The user id the key belongs to travels as the passphrase (config ``passphrase=`` or ``user_id=``).
    needs_passphrase=True,
    passphrase_name="user id",
    # No signed validity window: the nonce only has to grow. The core's default window stands.
    placement_expiry=30.0,
    # NDAX documents no rate-limit reset header.
    rate_limit_resets=(),
)
