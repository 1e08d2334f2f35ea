"""HashKey Global perpetual facts as data; hosts, signing, states and errors come from the spot folder.

Endpoints: https://hashkeyglobal-apidoc.readme.io/reference (the futures pages: positions, funding
rate, batch orders), https://hashkeyglobal-apidoc.readme.io/reference/get-account-transaction-list
(funding fees), https://hashkeyglobal-apidoc.readme.io/reference/websocket-api (streams).
"""

from __future__ import annotations

from dataclasses import replace

from clobconn.core.data_types import OrderType, PositionMode, TimeInForce
from clobconn.core.venue import Feature
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.exchange.hashkey.constants import (
    EXCHANGE_INFO,
    KEEPALIVE_LISTEN_KEY,
    LISTEN_KEY,
    SERVER_TIME,
    WS_SEND_LIMIT_ID,
)
from clobconn.exchange.hashkey.constants import SPEC as SPOT_SPEC

CONNECTOR_ID = "hashkey_perpetual"
# Contracts are named <BASE><QUOTE>-PERPETUAL; the index price is keyed by <BASE><QUOTE>.
CONTRACT_SUFFIX = "-PERPETUAL"

BALANCE = Endpoint("GET", "/api/v1/futures/balance")
PLACE_ORDER = Endpoint("POST", "/api/v1/futures/order", orders=1)
# At most 20 orders, all of one contract (spot's BATCH_SIZE); the body is the JSON list of orders.
BATCH_ORDERS = Endpoint("POST", "/api/v1/futures/batchOrders", orders=1)
CANCEL_ORDER = Endpoint("DELETE", "/api/v1/futures/order", orders=1)
# DELETE on the batch path with a symbol cancels every open order of that contract.
CANCEL_ALL = Endpoint("DELETE", "/api/v1/futures/batchOrders", orders=1)
ORDER_STATUS = Endpoint("GET", "/api/v1/futures/order")
OPEN_ORDERS = Endpoint("GET", "/api/v1/futures/openOrders")
ORDER_HISTORY = Endpoint("GET", "/api/v1/futures/historyOrders")
FILLS = Endpoint("GET", "/api/v1/futures/userTrades")
POSITIONS = Endpoint("GET", "/api/v1/futures/positions")
LEVERAGE = Endpoint("POST", "/api/v1/futures/leverage")
FUNDING_RATE = Endpoint("GET", "/api/v1/futures/fundingRate", signed=False)
MARK_PRICE = Endpoint("GET", "/quote/v1/markPrice", signed=False)
INDEX_PRICE = Endpoint("GET", "/quote/v1/index", signed=False)
# Account transaction history: funding fees are flowType 32 on the contract account (accountType 3),
# kept 30 days.
BALANCE_FLOW = Endpoint("GET", "/api/v1/account/balanceFlow", weight=5)
FUNDING_FEE_FLOW = 32
CONTRACT_ACCOUNT = 3
BALANCE_FLOW_LIMIT = 500

ENDPOINTS = [SERVER_TIME, EXCHANGE_INFO, BALANCE, PLACE_ORDER, BATCH_ORDERS, CANCEL_ORDER, CANCEL_ALL,
             ORDER_STATUS, OPEN_ORDERS, ORDER_HISTORY, FILLS, POSITIONS, LEVERAGE, FUNDING_RATE, MARK_PRICE,
             INDEX_PRICE, BALANCE_FLOW, LISTEN_KEY, KEEPALIVE_LISTEN_KEY]
# The spot API's frequency limits hold for the futures paths too (one API, one key).
RATE_LIMITS = (
    *rate_limits(ENDPOINTS, RateLimit("REST", 50, 1.0), [RateLimit("ORDERS", 50, 1.0)]),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)

# Nothing streams funding: the REST read (rate, mark and index) repeats this often, in seconds.
FUNDING_INFO_POLL = 60.0

# Hosts, errors, the id rule and the request window are spot's. Orders are limit (with GTC, IOC,
# FOK or LIMIT_MAKER) or market (a LIMIT order whose priceType is MARKET).
SPEC = replace(
    SPOT_SPEC,
    connector_id=CONNECTOR_ID,
    rate_limits=RATE_LIMITS,
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    # Reduce-only is what a CLOSE order is; positions are per side, so hedge is the only mode.
    features=frozenset({Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.REDUCE_ONLY, Feature.HEDGE_MODE}),
    is_perpetual=True,
    whole_leverage=True,
    fixed_position_mode=PositionMode.HEDGE,
)
