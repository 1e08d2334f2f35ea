"""Dexalot spot facts as data: hosts, endpoints, the contracts' enums, revert codes and gas. Sources (see
docs/connectors/dexalot.md): https://docs.dexalot.com/en/apiv2/RestApi.html, .../apiv2/Websocket.html and
https://docs.dexalot.com/en/contracts/interfaces/ITradePairs.html (github.com/Dexalot/dexalot-docs).

The chain id, the L1's RPC and the contracts' addresses are not here: they are read from the venue's REST at
start (environments and deployment), so a redeployment never leaves the connector signing for old contracts.
"""

from __future__ import annotations

from clobconn.core import errors
from clobconn.core.data_types import OrderState, OrderType, TimeInForce
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, Feature, VenueSpec
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.core.web.ws import Heartbeat

DOMAINS = {"mainnet": DomainUrls(rest="https://api.dexalot.com", ws="wss://api.dexalot.com"),
           "testnet": DomainUrls(rest="https://api.dexalot-test.com", ws="wss://api.dexalot-test.com")}
WS_PATH = "/api/ws"

ENVIRONMENTS = Endpoint("GET", "/privapi/trading/environments", signed=False)
DEPLOYMENT = Endpoint("GET", "/privapi/trading/deployment", signed=False)
TOKENS = Endpoint("GET", "/privapi/trading/tokens", signed=False)
PAIRS = Endpoint("GET", "/privapi/trading/pairs", signed=False)
# Signed (x-signature): the venue's database copy of what the chain confirmed, a little behind it.
ORDERS = Endpoint("GET", "/privapi/signed/orders")
EXECUTIONS = Endpoint("GET", "/privapi/signed/executions")
SUBNET_ENV_TYPE = "subnet"  # environments[].type and deployment[].env_type of the Dexalot L1

# Dexalot publishes no request limits; one pool keeps a runaway loop from flooding it.
WS_SEND_LIMIT_ID = "WS_MESSAGES"
RATE_LIMITS = (*rate_limits([ENVIRONMENTS, DEPLOYMENT, TOKENS, PAIRS, ORDERS, EXECUTIONS],
                            RateLimit("REQUEST_WEIGHT", 200, 60.0), []),
               RateLimit(WS_SEND_LIMIT_ID, 5, 1.0))

# Gas per order in an addOrderList and per cancel in a cancelOrderList: what the venue's integrations send.
PLACE_GAS, CANCEL_GAS = 700_000, 500_000
# A transaction with no receipt after this long is unconfirmed: its outcome is unknown and it is reconciled
# by client order id (TradePairs.getOrderByClientOrderId), never sent again. The L1 mines in about 2 s.
RECEIPT_TIMEOUT = 20.0
# A client order id stays unique per trader forever (T-CLOI-01), so a late mining can never double an order;
# the lifecycle keeps looking for a lost placement this long after sending.
PLACEMENT_EXPIRY = 60.0

# ITradePairs enums, by position.
SIDES = ("BUY", "SELL")
TYPE1 = {OrderType.MARKET: 0, OrderType.LIMIT: 1, OrderType.LIMIT_MAKER: 1}
TYPE2 = {TimeInForce.GTC: 0, TimeInForce.FOK: 1, TimeInForce.IOC: 2}
TYPE2_POST_ONLY = 3
STP_NONE = 3  # self-trade prevention off: the venue's default for API orders
STATUSES = ("NEW", "REJECTED", "PARTIAL", "FILLED", "CANCELED", "EXPIRED", "KILLED", "CANCEL_REJECT")
ORDER_STATES = {"NEW": OrderState.OPEN, "PARTIAL": OrderState.PARTIALLY_FILLED, "FILLED": OrderState.FILLED,
                "CANCELED": OrderState.CANCELED, "EXPIRED": OrderState.CANCELED, "KILLED": OrderState.CANCELED,
                "REJECTED": OrderState.FAILED}
OPEN_CATEGORY, ALL_CATEGORY = 0, 3  # GET signed/orders "category"

# The contracts' revert and reject codes (GET trading/errorcodes; docs/en/contracts/Errors.md).
ERRORS: errors.VenueErrorTable = {
    **dict.fromkeys(("T-TMDP-01", "T-TMDQ-01", "T-LTMT-01", "T-MTMT-01", "T-LTPA-01", "T-IVOT-01", "T-POOA-01",
                     "T-AUCT-04"), errors.InvalidOrder),
    **dict.fromkeys(("T-FOKF-01", "T-T2PO-01", "T-STPR-01", "T-AOPA-01", "T-PPAU-01"), errors.OrderRejected),
    **dict.fromkeys(("P-AFNE-01", "P-TNEF-01"), errors.InsufficientFunds),
    "T-CLOI-01": errors.DuplicateClientOrderId,
    **dict.fromkeys(("T-OAEX-01", "T-OOCC-01", "T-OOCC-02"), errors.OrderNotFound),
    "T-OOCA-01": errors.PermissionDenied,
    "401": errors.InvalidCredentials,
}

# The book pushes on every change; a socket silent for 90 s is dead. Protocol pings every 30 s.
HEARTBEAT = Heartbeat(protocol_ping=30.0, idle_timeout=90.0)

SPEC = VenueSpec(
    connector_id="dexalot", domains=DOMAINS, rate_limits=RATE_LIMITS, error_table=ERRORS,
    # A clientOrderId is a bytes32: our ids are at most 32 ASCII characters, right-padded with zeros on chain.
    client_order_id=ClientOrderIdRule(max_length=32),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset(TYPE2),
    # Batches are one addOrderList; an amend is a cancelAddList (a new order under a new client order id).
    features=frozenset({Feature.BATCH_ORDERS, Feature.AMEND_ORDER}),
    ws_send_limit_id=WS_SEND_LIMIT_ID, placement_expiry=PLACEMENT_EXPIRY,
    rate_limit_resets=(),
    key_name=None, secret_name="private key",
    fills_carry_state=False,  # executionEvent has no order state: orderStatusUpdateEvent brings it
)
