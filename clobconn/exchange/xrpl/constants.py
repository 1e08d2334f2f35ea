"""XRP Ledger DEX facts as data: nodes, methods, result codes and the order rules the ledger has.

Every call is a JSON-RPC ``POST /`` to a rippled node ({"method": ..., "params": [{...}]}); streams are
the node's WebSocket ``subscribe``. docs.xrpl.org/docs/references/http-websocket-apis.
"""

from __future__ import annotations

from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    RateLimitExceeded,
    VenueErrorTable,
)
from clobconn.core.venue import ClientOrderIdRule, DomainUrls, VenueSpec, VenueStatus
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit

CONNECTOR_ID = "xrpl"

# Public nodes run by Ripple (xrpl.org/docs/tutorials/public-servers); a node of your own is better.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://s1.ripple.com:51234", ws="wss://s1.ripple.com"),
    "testnet": DomainUrls(rest="https://s.altnet.rippletest.net:51234", ws="wss://s.altnet.rippletest.net:51233"),
}

# One endpoint for every method: the method is in the body. Public nodes allow a few calls a second.
RPC = Endpoint("POST", "/", signed=False)
RATE_LIMITS = (*rate_limits([RPC], RateLimit("RPC", 20, 1.0), []), RateLimit("WS", 10, 1.0))

# OfferCreate flags (docs.xrpl.org/docs/references/protocol/transactions/types/offercreate#offercreate-flags).
TIME_IN_FORCE_FLAGS = {TimeInForce.GTC: 0, TimeInForce.IOC: 0x00020000, TimeInForce.FOK: 0x00040000}
# Ledgers a transaction may wait for inclusion (LastLedgerSequence = last validated + this), about 1 min.
LEDGER_WINDOW = 20
# Seconds a ledger takes to close, at most in practice: the window in seconds, with room to spare.
PLACEMENT_EXPIRY = LEDGER_WINDOW * 4.5

# Answers to ``submit`` that mean the transaction was not applied and never will be (tem, tef, tel):
# the order fails at once. ``tes``/``tec``/``ter`` are provisional: only a validated ledger says.
# docs.xrpl.org/docs/references/protocol/transactions/transaction-results
RESULT_ERRORS: VenueErrorTable = {
    "tecUNFUNDED_OFFER": InsufficientFunds,
    "tecINSUF_RESERVE_OFFER": InsufficientFunds,
    "tecNO_LINE": InvalidOrder,
    "tecNO_ISSUER": InvalidOrder,
    "tecFROZEN": OrderRejected,
    "tecKILLED": OrderRejected,
    "tecEXPIRED": OrderRejected,
    "tecNO_AUTH": OrderRejected,
    "temBAD_OFFER": InvalidOrder,
    "temBAD_AMOUNT": InvalidOrder,
    "temBAD_CURRENCY": InvalidOrder,
    "temBAD_ISSUER": InvalidOrder,
    "temREDUNDANT": InvalidOrder,
    "temINVALID_FLAG": InvalidOrder,
    "temBAD_SEQUENCE": InvalidOrder,
    "tefBAD_AUTH": AuthenticationError,
    "tefBAD_AUTH_MASTER": AuthenticationError,
    "tefMASTER_DISABLED": AuthenticationError,
    "telINSUF_FEE_P": ExchangeNotAvailable,
    "telCAN_NOT_QUEUE": ExchangeNotAvailable,
    "tecNO_TARGET": OrderNotFound,
}

# JSON-RPC "error" codes (docs.xrpl.org/docs/references/http-websocket-apis/api-conventions/error-formatting).
ERRORS: VenueErrorTable = {
    **RESULT_ERRORS,
    "slowDown": RateLimitExceeded,
    "tooBusy": ExchangeNotAvailable,
    "noCurrent": ExchangeNotAvailable,
    "noNetwork": ExchangeNotAvailable,
    "invalidParams": BadRequest,
    "invalidTransaction": BadRequest,
    "badSeed": AuthenticationError,
    "actMalformed": BadRequest,
    "actNotFound": AuthenticationError,
    "txnNotFound": OrderNotFound,
}

SPEC = VenueSpec(
    connector_id=CONNECTOR_ID,
    domains=DOMAINS,
    rate_limits=RATE_LIMITS,
    error_table=ERRORS,
    # The ledger has no client order id: ids are ours, kept against the offer's Sequence (docs page).
    client_order_id=ClientOrderIdRule(max_length=32, prefix="xr"),
    # No market orders, no post-only: an OfferCreate always names its price (tfPassive is not post-only).
    order_types=frozenset({OrderType.LIMIT}),
    time_in_force=frozenset(TIME_IN_FORCE_FLAGS),
    ws_send_limit_id="WS",
    placement_expiry=PLACEMENT_EXPIRY,
    key_name=None,
    secret_name="seed",
    status=VenueStatus.LIVE,
)
