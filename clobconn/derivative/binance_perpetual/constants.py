"""Binance USDⓈ-M perpetual facts as data; endpoint and limit types come from the spot folder.

Sources (see docs/connectors/binance_perpetual.md): https://developers.binance.com/docs/derivatives/usds-margined-futures
"""

from __future__ import annotations

from dataclasses import replace

from clobconn.core.errors import (
    BadRequest,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderRejected,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import DomainUrls, Feature, RateLimitHeaders
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.exchange.binance.constants import ERRORS as SPOT_ERRORS
from clobconn.exchange.binance.constants import SPEC as SPOT_SPEC
from clobconn.exchange.binance.constants import WS_SEND_LIMIT_ID, BinanceRoutes

CONNECTOR_ID = "binance_perpetual"
# Since 2026-04-23 fstream serves each kind of stream on its own path.
PRIVATE_WS_PATH = "/private/ws"
BATCH_SIZE = 5
LISTEN_KEY_KEEPALIVE = 30 * 60.0  # a key lives 60 minutes unless extended

# The WebSocket API (orders) has its own host: https://developers.binance.com/docs/derivatives/
# usds-margined-futures/websocket-api-general-info ("wss://ws-fapi.binance.com/ws-fapi/v1"; the testnet's
# "wss://testnet.binancefuture.com/ws-fapi/v1").
WS_API_PATH = "/ws-fapi/v1"
DOMAINS = {
    "mainnet": DomainUrls(rest="https://fapi.binance.com", ws="wss://fstream.binance.com",
                          trading_ws="wss://ws-fapi.binance.com"),
    "testnet": DomainUrls(rest="https://demo-fapi.binance.com", ws="wss://fstream.binancefuture.com",
                          trading_ws="wss://testnet.binancefuture.com"),
}

ROUTES = BinanceRoutes(
    server_time=Endpoint("GET", "/fapi/v1/time", signed=False),
    exchange_info=Endpoint("GET", "/fapi/v1/exchangeInfo", signed=False),
    depth=Endpoint("GET", "/fapi/v1/depth", 20, signed=False),  # weight 20 for limit 1000
    place_order=Endpoint("POST", "/fapi/v1/order", 0, orders=1),
    cancel_order=Endpoint("DELETE", "/fapi/v1/order"),
    cancel_all=Endpoint("DELETE", "/fapi/v1/allOpenOrders"),
    order_status=Endpoint("GET", "/fapi/v1/order"),
    order_fills=Endpoint("GET", "/fapi/v1/userTrades", 5),
    balances=Endpoint("GET", "/fapi/v3/account", 5),
    open_orders=Endpoint("GET", "/fapi/v1/openOrders"),  # weight 1 with a symbol
    # Every order since startTime; the venue answers at most 7 days, and forgets cancelled or expired
    # orders that never filled after 3 days.
    order_history=Endpoint("GET", "/fapi/v1/allOrders", 5),
)
BATCH_ORDERS = Endpoint("POST", "/fapi/v1/batchOrders", 5, orders=BATCH_SIZE)
POSITIONS = Endpoint("GET", "/fapi/v3/positionRisk", 5)
LEVERAGE = Endpoint("POST", "/fapi/v1/leverage")
POSITION_MODE = Endpoint("GET", "/fapi/v1/positionSide/dual", 30)
SET_POSITION_MODE = Endpoint("POST", "/fapi/v1/positionSide/dual")
PREMIUM_INDEX = Endpoint("GET", "/fapi/v1/premiumIndex", signed=False)
INCOME = Endpoint("GET", "/fapi/v1/income", 30)
# Key-only (USER_STREAM): the API key header, no signature.
LISTEN_KEY = Endpoint("POST", "/fapi/v1/listenKey", signed=False)
KEEPALIVE_LISTEN_KEY = Endpoint("PUT", "/fapi/v1/listenKey", signed=False)

RATE_LIMITS = (*rate_limits(
    [*ROUTES.all(), BATCH_ORDERS, POSITIONS, LEVERAGE, POSITION_MODE, SET_POSITION_MODE, PREMIUM_INDEX, INCOME,
     LISTEN_KEY, KEEPALIVE_LISTEN_KEY],
    RateLimit("REQUEST_WEIGHT", 2400, 60.0),
    # 1200/min is the documented example; 300/10s is not in the docs (read the live exchangeInfo).
    [RateLimit("ORDERS_10S", 300, 10.0), RateLimit("ORDERS_1M", 1200, 60.0)],
), RateLimit(WS_SEND_LIMIT_ID, 10, 1.0))

# https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info ("Limits"): answers
# carry X-MBX-USED-WEIGHT-1M (the IP's weight), order answers X-MBX-ORDER-COUNT-10S and -1M.
RATE_LIMIT_HEADERS = (
    RateLimitHeaders("REQUEST_WEIGHT", used="X-MBX-USED-WEIGHT-1M"),
    RateLimitHeaders("ORDERS_10S", used="X-MBX-ORDER-COUNT-10S"),
    RateLimitHeaders("ORDERS_1M", used="X-MBX-ORDER-COUNT-1M"),
)

# https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code
ERRORS: VenueErrorTable = {
    **SPOT_ERRORS,
    "-1008": RateLimitExceeded,  # throttled by system-level protection: a definite refusal
    "-2018": InsufficientFunds,
    "-2019": InsufficientFunds,  # margin is insufficient
    "-2022": OrderRejected,  # ReduceOnly order is rejected (not cancel-replace, as on spot)
    "-4028": BadRequest,  # INVALID_LEVERAGE: "Leverage %s is not valid" (not an order)
    "-4061": InvalidOrder,  # position side does not match the account's mode
    "-4116": DuplicateClientOrderId,
    "-4120": NotSupported,  # conditional orders moved to the algo service
    "-4164": InvalidOrder,  # below the minimum notional (unless reduce-only)
    "-5021": OrderRejected,  # FOK could not fill
    "-5022": OrderRejected,  # post-only (GTX) would have taken
}

# Order types, time in force and the id rule are spot's: the futures id rule (documented as
# ^[\.A-Z\:/a-z0-9_-]{1,36}$) also admits the letters-and-digits ids spot generates.
SPEC = replace(
    SPOT_SPEC,
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    rate_limit_headers=RATE_LIMIT_HEADERS,
    error_table=ERRORS,
    features=frozenset({Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.REDUCE_ONLY, Feature.HEDGE_MODE}),
    is_perpetual=True,
    whole_leverage=True,  # POST /fapi/v1/leverage: "leverage INT, from 1 to 125"
)
