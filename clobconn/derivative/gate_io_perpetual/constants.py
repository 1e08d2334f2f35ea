"""Gate.io USDT-settled perpetual facts as data; limit and error conventions come from the spot folder.

Sources (see docs/connectors/gate_io_perpetual.md): https://www.gate.com/docs/developers/apiv4/en/futures
and https://www.gate.com/docs/developers/futures/ws/en/
"""

from __future__ import annotations

from dataclasses import replace

from clobconn.core.errors import (
    BadRequest,
    BadSymbol,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    VenueErrorTable,
)
from clobconn.core.venue import DomainUrls, Feature
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat
from clobconn.exchange.gate_io.constants import ERRORS as SPOT_ERRORS
from clobconn.exchange.gate_io.constants import SERVER_TIME, WS_PATH, gate_rate_limits, is_pong, ping_payload
from clobconn.exchange.gate_io.constants import SPEC as SPOT_SPEC

CONNECTOR_ID = "gate_io_perpetual"
SETTLE = "USDT"
DOMAINS = {
    "mainnet": DomainUrls(rest="https://api.gateio.ws", ws="wss://fx-ws.gateio.ws", extra={WS_PATH: "/v4/ws/usdt"}),
    "testnet": DomainUrls(rest="https://api-testnet.gateapi.io", ws="wss://fx-ws-testnet.gateio.ws",
                          extra={WS_PATH: "/v4/ws/usdt"}),
}
# futures.order_book_update [contract, frequency, level]: 100 levels every 100 ms.
BOOK_PAYLOAD = ("100ms", "100")

_F = "/api/v4/futures/usdt"
CONTRACTS = Endpoint("GET", f"{_F}/contracts", signed=False)
CONTRACT = Endpoint("GET", f"{_F}/contracts/{{contract}}", signed=False)
ORDER_BOOK = Endpoint("GET", f"{_F}/order_book", signed=False)
ACCOUNTS = Endpoint("GET", f"{_F}/accounts")
PLACE_ORDER = Endpoint("POST", f"{_F}/orders", orders=1)
BATCH_ORDERS = Endpoint("POST", f"{_F}/batch_orders", orders=1)
CANCEL_ALL = Endpoint("DELETE", f"{_F}/orders")
CANCEL_ORDER = Endpoint("DELETE", f"{_F}/orders/{{order_id}}")
ORDER_STATUS = Endpoint("GET", f"{_F}/orders/{{order_id}}")
AMEND_ORDER = Endpoint("PUT", f"{_F}/orders/{{order_id}}", orders=1)
FILLS = Endpoint("GET", f"{_F}/my_trades")
# The contract's orders by status ("open" or "finished"), for the last checks before an order is lost.
ORDER_LIST = Endpoint("GET", f"{_F}/orders")
POSITIONS = Endpoint("GET", f"{_F}/positions")
LEVERAGE = Endpoint("POST", f"{_F}/positions/{{contract}}/leverage")
DUAL_LEVERAGE = Endpoint("POST", f"{_F}/dual_comp/positions/{{contract}}/leverage")
DUAL_MODE = Endpoint("POST", f"{_F}/dual_mode")
ACCOUNT_BOOK = Endpoint("GET", f"{_F}/account_book")
# The user id the futures private channels are subscribed with.
ACCOUNT_DETAIL = Endpoint("GET", "/api/v4/account/detail")

RATE_LIMITS = gate_rate_limits(
    [SERVER_TIME, CONTRACTS, CONTRACT, ORDER_BOOK, ACCOUNTS, PLACE_ORDER, BATCH_ORDERS, CANCEL_ALL, CANCEL_ORDER,
     ORDER_STATUS, AMEND_ORDER, FILLS, POSITIONS, LEVERAGE, DUAL_LEVERAGE, DUAL_MODE, ACCOUNT_BOOK, ACCOUNT_DETAIL,
     ORDER_LIST],
    # Placing and amending: 100 per second together; cancelling: 200 per second.
    RateLimit("FUTURES_ORDERS", 100, 1.0), RateLimit("FUTURES_CANCELS", 200, 1.0), [CANCEL_ALL, CANCEL_ORDER])

HEARTBEAT = Heartbeat(app_ping=10.0, app_ping_payload=ping_payload("futures.ping"), is_pong=is_pong,
                      idle_timeout=60.0)

# https://www.gate.com/docs/developers/apiv4/en/#label-list (futures related)
ERRORS: VenueErrorTable = {
    **SPOT_ERRORS,
    "CONTRACT_NOT_FOUND": BadSymbol,
    "USER_NOT_FOUND": PermissionDenied,  # no futures account yet (it opens with the first transfer)
    **dict.fromkeys(("INSUFFICIENT_AVAILABLE", "FUTURES_BALANCE_NOT_ENOUGH"), InsufficientFunds),
    **dict.fromkeys(("ORDER_FINISHED", "ORDER_NOT_OWNED"), OrderNotFound),
    **dict.fromkeys(("ORDER_POC_IMMEDIATE", "ORDER_FOK", "INCREASE_POSITION", "REDUCE_EXCEEDED",
                     "LIQUIDATE_IMMEDIATELY", "PRICE_OVER_LIQUIDATION", "PRICE_OVER_BANKRUPT",
                     "CONTRACT_IN_DELISTING", "RISK_LIMIT_EXCEEDED", "CONTRACT_NO_COUNTER"), OrderRejected),
    **dict.fromkeys(("SIZE_TOO_LARGE", "SIZE_TOO_SMALL", "PRICE_TOO_DEVIATED", "POSITION_DUAL_MODE", "ORDER_PENDING",
                     "POSITION_HOLDING", "AMEND_WITH_STOP"), InvalidOrder),
    # Answers of the leverage endpoint: a leverage out of range is a bad argument, not a refused order.
    **dict.fromkeys(("LEVERAGE_TOO_HIGH", "LEVERAGE_TOO_LOW"), BadRequest),
}

# Order types, time in force and the ``text`` rule are spot's.
SPEC = replace(
    SPOT_SPEC,
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    features=frozenset({Feature.BATCH_ORDERS, Feature.AMEND_ORDER, Feature.CANCEL_ALL, Feature.REDUCE_ONLY,
                        Feature.HEDGE_MODE}),
    is_perpetual=True,
    amend_in_place=True,
)
