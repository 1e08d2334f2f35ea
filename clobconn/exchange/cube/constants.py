"""Cube spot facts as data: hosts, endpoints, limits, refusal reasons and order enums. Sources (see
docs/connectors/cube.md): https://cubexch.gitbook.io/cube-api and https://github.com/cubexch/ws-api (schema/).
"""

from __future__ import annotations

from clobconn.core import errors
from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit

# One host serves the three services: Iridium (/ir, REST reference and user data), Mendelev (/md,
# market data) and Osmium (/os, order entry, whose socket is the user stream and takes the orders).
DOMAINS = {"mainnet": DomainUrls(rest="https://api.cube.exchange", ws="wss://api.cube.exchange"),
           "staging": DomainUrls(rest="https://staging.cube.exchange", ws="wss://staging.cube.exchange")}
BOOK_WS_PATH = "/md/book/{market_id}"
ORDER_WS_PATH = "/os"

MARKETS = Endpoint("GET", "/ir/v0/markets", signed=False)
SUBACCOUNTS = Endpoint("GET", "/ir/v0/users/subaccounts")
POSITIONS = Endpoint("GET", "/ir/v0/users/subaccount/{subaccount_id}/positions")
# The subaccount's most recent orders (at most 1000), and fills (by exchange order id).
ORDERS = Endpoint("GET", "/ir/v0/users/subaccount/{subaccount_id}/orders")
ORDERS_LIMIT = 1000
FILLS = Endpoint("GET", "/ir/v0/users/subaccount/{subaccount_id}/fills")

# Cube publishes no request limits; one generous pool keeps a runaway loop from flooding it.
WS_SEND_LIMIT_ID = "WS_MESSAGES"
RATE_LIMITS = (
    *rate_limits([MARKETS, SUBACCOUNTS, POSITIONS, ORDERS, FILLS], RateLimit("REQUEST_WEIGHT", 300, 60.0), []),
    RateLimit(WS_SEND_LIMIT_ID, 100, 1.0),
)

# The docs state no timestamp tolerance; a placement on the socket is answered in seconds or its socket is gone.
PLACEMENT_EXPIRY = 10.0
# Both services disconnect a socket that misses more than one 30 s heartbeat.
HEARTBEAT_INTERVAL = 20.0
IDLE_TIMEOUT = 65.0

BID, ASK = "BID", "ASK"  # trade.proto enums, by the names the decoded frames carry
TIME_IN_FORCE = {TimeInForce.IOC: "IMMEDIATE_OR_CANCEL", TimeInForce.GTC: "GOOD_FOR_SESSION",
                 TimeInForce.FOK: "FILL_OR_KILL"}
# A market order crosses until filled or at the market's protection price, then the rest is cancelled.
MARKET_ORDER_TYPE = "MARKET_WITH_PROTECTION"
ACTIVE_MARKET_STATUSES = frozenset({1, 2})  # 3: a market kept for history only
OPEN_STATUSES = frozenset({"open", "p-filled", "pfilled"})  # of the IR orders listing

# The reasons of NewOrderReject, CancelOrderReject, ModifyOrderReject and MassCancelAck (trade.proto), and the
# order socket's close code for refused Credentials. REST errors ({"error": {"code", "reason"}}) have no
# published code list: they go by HTTP status.
ERRORS: errors.VenueErrorTable = {
    **dict.fromkeys(("INVALID_SIDE", "INVALID_TIME_IN_FORCE", "INVALID_ORDER_TYPE", "INVALID_POST_ONLY",
                     "INVALID_SELF_TRADE_PREVENTION", "INVALID_IFM", "PRICE_WITH_MARKET_LIMIT_ORDER",
                     "POST_ONLY_WITH_MARKET_ORDER", "POST_ONLY_WITH_INVALID_TIF"), errors.BadRequest),
    **dict.fromkeys(("INVALID_QUANTITY", "OUTSIDE_PRICE_BAND"), errors.InvalidOrder),
    **dict.fromkeys(("NO_OPPOSING_RESTING_ORDER", "POST_ONLY_WOULD_TRADE", "DID_NOT_FULLY_FILL", "UNCLASSIFIED",
                     "ONLY_ORDER_CANCEL_ACCEPTED", "PROTECTION_PRICE_WOULD_NOT_TRADE", "NO_REFERENCE_PRICE",
                     "SLIPPAGE_TOO_HIGH"), errors.OrderRejected),
    "INVALID_MARKET_ID": errors.BadSymbol,
    "DUPLICATE_ORDER_ID": errors.DuplicateClientOrderId,
    "UNKNOWN_TRADER": errors.ExchangeNotAvailable,
    "EXCEEDED_SPOT_POSITION": errors.InsufficientFunds,
    "ORDER_NOT_FOUND": errors.OrderNotFound,
    "4401": errors.InvalidCredentials,
}

SPEC = VenueSpec(
    connector_id="cube", domains=DOMAINS, rate_limits=RATE_LIMITS, error_table=ERRORS,
    # NewOrder.client_order_id is a uint64, unique among the subaccount's open orders.
    client_order_id=ClientOrderIdRule.numeric_ids(),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset(TIME_IN_FORCE),
    features=frozenset({Feature.AMEND_ORDER, Feature.CANCEL_ALL}),
    amend_in_place=True,  # ModifyOrder keeps the order's ids; it takes the new total quantity
    ws_send_limit_id=WS_SEND_LIMIT_ID, placement_expiry=PLACEMENT_EXPIRY,
)
