"""KuCoin futures facts as data: the futures host, endpoints, pools, errors and features.

https://www.kucoin.com/docs-new (Futures), checked against the official OpenAPI specs in
github.com/Kucoin/kucoin-universal-sdk. Signing, the ``{"code", "data"}`` envelope and the
bullet-token sockets are the spot connector's.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.errors import BadRequest, BadSymbol, ErrorRule, InsufficientFunds, OrderNotFound, VenueErrorTable
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.exchange.kucoin.constants import ERRORS as SPOT_ERRORS
from clobconn.exchange.kucoin.constants import PLACEMENT_EXPIRY, RATE_LIMIT_HEADERS, RATE_LIMIT_RESETS, WS_SEND_LIMIT_ID

CONNECTOR_ID = "kucoin_perpetual"

# As on spot, the socket host is whatever POST /api/v1/bullet-public answers for each connection.
DOMAINS = {"mainnet": DomainUrls(rest="https://api-futures.kucoin.com", ws="wss://ws-api-futures.kucoin.com")}

SERVER_TIME = Endpoint("GET", "/api/v1/timestamp", 2, signed=False)
CONTRACTS = Endpoint("GET", "/api/v1/contracts/active", 3, signed=False)
SNAPSHOT = Endpoint("GET", "/api/v1/level2/snapshot", 3, signed=False)
BULLET_PUBLIC = Endpoint("POST", "/api/v1/bullet-public", 10, signed=False)
FUNDING_RATE = Endpoint("GET", "/api/v1/funding-rate/{}/current", 2, signed=False)
MARK_PRICE = Endpoint("GET", "/api/v1/mark-price/{}/current", 3, signed=False)
PUBLIC_ENDPOINTS = (SERVER_TIME, CONTRACTS, SNAPSHOT, BULLET_PUBLIC, FUNDING_RATE, MARK_PRICE)

ACCOUNT = Endpoint("GET", "/api/v1/account-overview", 5)
BULLET_PRIVATE = Endpoint("POST", "/api/v1/bullet-private", 10)
PLACE_ORDER = Endpoint("POST", "/api/v1/orders", 2)
BATCH_ORDERS = Endpoint("POST", "/api/v1/orders/multi", 20)
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/orders/client-order/{}", 1)
CANCEL_ALL = Endpoint("DELETE", "/api/v3/orders", 10)
ORDER_BY_ID = Endpoint("GET", "/api/v1/orders/{}", 5)
ORDER_BY_CLIENT_ID = Endpoint("GET", "/api/v1/orders/byClientOid", 5)
FILLS = Endpoint("GET", "/api/v1/fills", 5)
# The symbol's orders by status ("active" or "done"): the last checks before an order whose placement
# went unanswered is given up as lost.
ORDER_LIST = Endpoint("GET", "/api/v1/orders", 2)
POSITIONS = Endpoint("GET", "/api/v1/positions", 2)
MARGIN_MODE = Endpoint("GET", "/api/v2/position/getMarginMode", 2)
CROSS_LEVERAGE = Endpoint("POST", "/api/v2/changeCrossUserLeverage", 2)
FUNDING_HISTORY = Endpoint("GET", "/api/v1/funding-history", 5)
FUTURES_ENDPOINTS = (ACCOUNT, BULLET_PRIVATE, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER, CANCEL_ALL, ORDER_BY_ID,
                     ORDER_BY_CLIENT_ID, FILLS, POSITIONS, MARGIN_MODE, CROSS_LEVERAGE, FUNDING_HISTORY, ORDER_LIST)
# Up to 20 orders per batch request.
BATCH_SIZE = 20

# VIP0 quotas: 2000 per 30 s on the Public (per IP) and Futures (per account) pools.
RATE_LIMITS = (
    *rate_limits(PUBLIC_ENDPOINTS, RateLimit("PUBLIC", 2000, 30.0), []),
    *rate_limits(FUTURES_ENDPOINTS, RateLimit("FUTURES", 2000, 30.0), []),
    RateLimit(WS_SEND_LIMIT_ID, 100, 10.0),
)

# "type" of /api/v1/contracts/active: FFWCSX is a perpetual swap (FFICSX a dated future).
PERPETUAL_TYPE = "FFWCSX"
# KuCoin futures call bitcoin XBT; pairs use the name the spot market and every other venue use.
ASSET_ALIASES = {"XBT": "BTC"}
CROSS = "CROSS"

BOOK_TOPIC = "/contractMarket/level2"
TRADE_TOPIC = "/contractMarket/execution"
INSTRUMENT_TOPIC = "/contract/instrument"
ORDER_TOPIC = "/contractMarket/tradeOrders"
WALLET_TOPIC = "/contractAccount/wallet"
# positionAll pushes every symbol's changes under the per-symbol topic "/contract/position:<symbol>".
POSITION_TOPIC = "/contract/position"
POSITION_ALL_TOPIC = "/contract/positionAll"

# The spot codes hold on the futures host too; these are futures' own.
ERRORS: VenueErrorTable = {
    **SPOT_ERRORS,
    "20001": OrderNotFound,  # the order does not exist
    # "There are invalid parameters", among them "error.getOrder.orderNotExist".
    "100001": ErrorRule(BadRequest, ("notexist", OrderNotFound), ("not exist", OrderNotFound)),
    "100003": BadSymbol,  # "Contract parameter invalid": no such contract
    "200003": BadSymbol,  # "The symbol parameter is invalid."
    "300000": BadRequest,  # "request parameter illegal"
    "100004": OrderNotFound,  # "Order is in not cancelable state": already filled or cancelled
    "300003": InsufficientFunds,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    client_order_id=ClientOrderIdRule(max_length=40, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    # Futures limit orders are GTC or IOC; there is no FOK.
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC}),
    # One-way positions only (positionSide is always BOTH): no HEDGE_MODE; no amend endpoint.
    features=frozenset({Feature.CANCEL_ALL, Feature.BATCH_ORDERS, Feature.REDUCE_ONLY}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    is_perpetual=True,
    needs_passphrase=True,
    whole_leverage=True,  # orders' and changeCrossUserLeverage's leverage are whole numbers
    placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=RATE_LIMIT_RESETS,
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
