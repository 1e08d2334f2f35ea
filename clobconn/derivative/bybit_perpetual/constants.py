"""Bybit v5 USDT linear perpetual facts: what the spot constants do not already say.

https://bybit-exchange.github.io/docs/v5/position/position (and leverage, position-mode), the
linear columns of https://bybit-exchange.github.io/docs/v5/rate-limit, and the transaction log.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.venue import ClientOrderIdRule, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint
from clobconn.exchange.bybit.constants import (
    AMEND_ORDER,
    BATCH_PLACE,
    CANCEL_ALL,
    CANCEL_ORDER,
    DOMAINS,
    ERRORS,
    INSTRUMENTS,
    PLACE_ORDER,
    PLACEMENT_EXPIRY,
    QUERY_LIMITS,
    RATE_LIMIT_HEADERS,
    RATE_LIMIT_RESETS,
    SERVER_TIME,
    WS_SEND_LIMIT_ID,
    bybit_rate_limits,
)

CONNECTOR_ID = "bybit_perpetual"
SETTLE_COIN = "USDT"

POSITIONS = Endpoint("GET", "/v5/position/list")
SET_LEVERAGE = Endpoint("POST", "/v5/position/set-leverage")
SWITCH_MODE = Endpoint("POST", "/v5/position/switch-mode")
TICKERS = Endpoint("GET", "/v5/market/tickers", signed=False)
TRANSACTION_LOG = Endpoint("GET", "/v5/account/transaction-log")

# create-batch takes up to 20 linear orders, but the batch limit counts orders (10/s): batches of 10,
# one a second, keep each request within a second's allowance.
LINEAR_BATCH_SIZE = 10
LINEAR_LIMITS = {PLACE_ORDER: 10, AMEND_ORDER: 10, CANCEL_ORDER: 10, CANCEL_ALL: 10,
                 BATCH_PLACE: 10 // LINEAR_BATCH_SIZE,
                 POSITIONS: 50, SET_LEVERAGE: 10, SWITCH_MODE: 10, TRANSACTION_LOG: 25}

# Codes that mean "already so": setting what is already set is not a failure.
LEVERAGE_NOT_MODIFIED = "110043"
POSITION_MODE_NOT_MODIFIED = "110025"

# Hedge mode: positionIdx 1 is the long (Buy) side, 2 the short (Sell) side; 0 is one-way.
POSITION_IDX_ONEWAY, POSITION_IDX_LONG, POSITION_IDX_SHORT = 0, 1, 2
# switch-mode: 0 merged single position (one-way), 3 both sides (hedge).
MODE_ONEWAY, MODE_HEDGE = 0, 3

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=bybit_rate_limits(QUERY_LIMITS | LINEAR_LIMITS, (SERVER_TIME, INSTRUMENTS, TICKERS)),
    error_table=ERRORS,
    client_order_id=ClientOrderIdRule(max_length=36, prefix="cc"),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL, Feature.AMEND_ORDER, Feature.BATCH_ORDERS, Feature.REDUCE_ONLY,
                        Feature.HEDGE_MODE}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    is_perpetual=True,
    amend_in_place=True,
    placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=RATE_LIMIT_RESETS,
    rate_limit_headers=RATE_LIMIT_HEADERS,
)
