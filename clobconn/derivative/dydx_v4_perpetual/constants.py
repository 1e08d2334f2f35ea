"""dYdX v4 facts as data: the indexer's and the validator node's hosts, the chain, the order flags and
windows, the indexer's endpoints and the chain's error codes. Sources in docs/connectors/dydx_v4_perpetual.md:
https://docs.dydx.xyz (interaction/endpoints, concepts/trading/orders, concepts/trading/limits/rate-limits)
and https://github.com/dydxprotocol/v4-chain (indexer api-documentation.md, protocol/x/clob/types/errors.go)."""

from __future__ import annotations

import uuid

from clobconn.core.data_types import OrderState, OrderType, PositionMode, TimeInForce, TradeType
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

CONNECTOR_ID = "dydx_v4_perpetual"
ADDRESS_PREFIX = "dydx"
# The indexer REST and WS, and a validator's REST gateway (interaction/endpoints: PublicNode's for mainnet,
# Polkachu's for testnet). The node is a third party's: DydxV4PerpetualConfig.node_url overrides it.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://indexer.dydx.trade/v4", ws="wss://indexer.dydx.trade/v4/ws",
                          extra={"node": "https://dydx-rest.publicnode.com", "chain_id": "dydx-mainnet-1"}),
    "testnet": DomainUrls(rest="https://indexer.v4testnet.dydx.exchange/v4",
                          ws="wss://indexer.v4testnet.dydx.exchange/v4/ws",
                          extra={"node": "https://dydx-testnet-api.polkachu.com", "chain_id": "dydx-testnet-4"}),
}

MARKETS = Endpoint("GET", "/perpetualMarkets", signed=False)
TIME = Endpoint("GET", "/time", signed=False)
SUBACCOUNT = Endpoint("GET", "/addresses/{address}/subaccountNumber/{number}", signed=False)
ORDERS = Endpoint("GET", "/orders", signed=False)
ORDER = Endpoint("GET", "/orders/{order_id}", signed=False)
FILLS = Endpoint("GET", "/fills", signed=False)
POSITIONS = Endpoint("GET", "/perpetualPositions", signed=False)
FUNDING_PAYMENTS = Endpoint("GET", "/fundingPayments", signed=False)
HISTORICAL_FUNDING = Endpoint("GET", "/historicalFunding/{ticker}", signed=False)
INDEXER_LIMIT_ID = "indexer"
NODE_LIMIT_ID = "node"
WS_SEND_LIMIT_ID = "ws"
RATE_LIMITS = (
    # limits/rate-limits: "Indexer calls are rate limited per IP at a 100 requests / 10 sec rate".
    *rate_limits((MARKETS, TIME, SUBACCOUNT, ORDERS, ORDER, FILLS, POSITIONS, FUNDING_PAYMENTS, HISTORICAL_FUNDING),
                 RateLimit(INDEXER_LIMIT_ID, 100, 10.0), ()),
    # Third-party nodes publish theirs (interaction/endpoints: 250 to 300 a minute); the lowest, per second.
    RateLimit(NODE_LIMIT_ID, 4, 1.0),
    RateLimit(WS_SEND_LIMIT_ID, 10, 1.0),
)
# The indexer pings every 30 s at the WebSocket level (aiohttp answers); a socket silent for 60 s is dead.
HEARTBEAT = Heartbeat(protocol_ping=30.0, idle_timeout=60.0)
BOOK_CHANNEL = "v4_orderbook"
TRADES_CHANNEL = "v4_trades"
MARKETS_CHANNEL = "v4_markets"
SUBACCOUNTS_CHANNEL = "v4_subaccounts"

# OrderId.order_flags (interaction/trading): short-term orders live in the validators' memory until their
# good-til-block; long-term ("stateful") orders are transactions kept on chain until good-til-block-time.
SHORT_TERM, LONG_TERM = 0, 64
# concepts/trading/orders: a short-term order's good-til-block is at most the height + ShortBlockWindow (20
# blocks in the docs; protocol/x/clob/types/constants.go now says 40: the docs' bound holds under both).
SHORT_BLOCK_WINDOW = 20
# How long a long-term order stays (StatefulOrderTimeWindow is 95 days; the venue's UI takes 28).
LONG_TERM_LIFETIME = 28 * 24 * 3600
# Prices are in USDC, whose quantums are 1e-6 (concepts/trading/quantums).
QUOTE_ATOMIC_RESOLUTION = -6
QUOTE_ASSET = "USDC"
# The indexer names subaccounts, orders and fills by UUID v5 in this namespace (indexer/packages/postgres
# helpers/uuid.ts; the dydx_uuid SQL function): a subaccount's of "{address}-{number}", an order's of
# "{subaccount uuid}-{clientId}-{clobPairId}-{orderFlags}" (OrderTable.uuid). An order's id is thus known
# as it is placed.
INDEXER_UUID_NAMESPACE = uuid.UUID("0f9da948-a6fb-4c45-9edc-4685c3f3317d")
# Client ids are uint32 (OrderId.client_id): the core issues them as numbers below 2**32.
CLIENT_ID_LIMIT = 2**32

ORDER_STATES = {
    "OPEN": OrderState.OPEN,
    "UNTRIGGERED": OrderState.OPEN,
    # Seen by the indexer before the block that holds them: open or cancelled "best effort".
    "BEST_EFFORT_OPENED": OrderState.OPEN,
    "BEST_EFFORT_CANCELED": OrderState.PENDING_CANCEL,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
}
SIDES = {TradeType.BUY: "SIDE_BUY", TradeType.SELL: "SIDE_SELL"}
# Order.TimeInForce by the core's order type and time in force: a limit order rests (UNSPECIFIED), a
# maker order is POST_ONLY, IOC and FOK are short-term only (ErrLongTermOrdersCannotRequireImmediateExecution).
TIME_IN_FORCE = {
    (OrderType.LIMIT, TimeInForce.GTC): "TIME_IN_FORCE_UNSPECIFIED",
    (OrderType.LIMIT_MAKER, TimeInForce.GTC): "TIME_IN_FORCE_POST_ONLY",
    (OrderType.LIMIT, TimeInForce.IOC): "TIME_IN_FORCE_IOC",
    (OrderType.LIMIT, TimeInForce.FOK): "TIME_IN_FORCE_FILL_OR_KILL",
    (OrderType.MARKET, TimeInForce.IOC): "TIME_IN_FORCE_IOC",
}

# Transaction refusals as "codespace:code" (protocol/x/clob/types/errors.go; the SDK's in cosmos-sdk
# types/errors). sdk:32, a wrong sequence, is handled before this table: the sequence is read again.
ERRORS: VenueErrorTable = {
    "sdk:4": AuthenticationError,  # ErrUnauthorized: "signature verification failed"
    "sdk:9": AuthenticationError,  # ErrUnknownAddress: the account has never been funded
    "sdk:19": DuplicateClientOrderId,  # ErrTxInMempoolCache
    **dict.fromkeys(("clob:4", "clob:5", "clob:6", "clob:10", "clob:11", "clob:3000", "clob:3001", "clob:3003",
                     "clob:3004", "clob:6001"), InvalidOrder),
    **dict.fromkeys(("clob:2000", "clob:2001", "clob:2002", "clob:2003", "clob:2004", "clob:9003"), InvalidOrder),
    **dict.fromkeys(("clob:7", "clob:20", "clob:3005"), DuplicateClientOrderId),
    "clob:3006": OrderNotFound,
    "clob:8": BadSymbol,
    **dict.fromkeys(("clob:3007", "subaccounts:2", "subaccounts:3"), InsufficientFunds),
    "clob:5001": RateLimitExceeded,
    "sdk:2": BadRequest,  # ErrTxDecode
    "400": BadRequest,
    "404": OrderNotFound,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    client_order_id=ClientOrderIdRule.numeric_ids(CLIENT_ID_LIMIT),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.REDUCE_ONLY}),
    ws_send_limit_id=WS_SEND_LIMIT_ID,
    is_perpetual=True,
    # One position per market, signed: dYdX has no hedge mode.
    fixed_position_mode=PositionMode.ONEWAY,
    # The account is the mnemonic's: nothing else to give.
    key_name=None,
    secret_name="mnemonic",
    # A short-term order is valid until its good-til-block: 20 blocks, about 30 s at worst.
    placement_expiry=40.0,
    rate_limit_resets=(),
)
