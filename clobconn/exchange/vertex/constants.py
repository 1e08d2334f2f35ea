"""Vertex spot facts as data: hosts, endpoints, limits, refusals, order-type bits. Vertex shut down in 2025; this
follows its last documented API (see docs/connectors/vertex.md): https://docs.vertexprotocol.com/developer-resources/api
"""

from __future__ import annotations

from decimal import Decimal

from clobconn.core import errors
from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.venue import DomainUrls, Feature, VenueSpec, VenueStatus
from clobconn.core.web.endpoints import Endpoint, rate_limits
from clobconn.core.web.throttler import RateLimit
from clobconn.exchange.vertex.nonces import NonceOrderIds

# The gateway serves queries (/query), executes (/execute) and streams (/subscribe); the archive (indexer)
# answers POSTs at its root with the account's history.
DOMAINS = {
    "mainnet": DomainUrls(rest="https://gateway.prod.vertexprotocol.com/v1",
                          ws="wss://gateway.prod.vertexprotocol.com/v1",
                          extra={"archive": "https://archive.prod.vertexprotocol.com/v1"}),
    "testnet": DomainUrls(rest="https://gateway.sepolia-test.vertexprotocol.com/v1",
                          ws="wss://gateway.sepolia-test.vertexprotocol.com/v1",
                          extra={"archive": "https://archive.sepolia-test.vertexprotocol.com/v1"}),
}
SUBSCRIBE_PATH = "/subscribe"

QUERY = Endpoint("GET", "/query", signed=False)
# Executes carry their own EIP-712 signature in the body: nothing is added to the request.
EXECUTE = Endpoint("POST", "/execute", orders=1)
ARCHIVE = Endpoint("POST", "", weight=5, signed=False)

# Queries cost 2 of 1200/min per IP; a wallet may place 600 orders/min (10/s); the archive 480/min (weight 5).
RATE_LIMITS = rate_limits([QUERY, EXECUTE, ARCHIVE], RateLimit("REQUEST_WEIGHT", 1200, 60.0),
                          [RateLimit("ORDERS", 10, 1.0)])
WS_SEND_LIMIT_ID = "WS_MESSAGES"
RATE_LIMITS = (*RATE_LIMITS, RateLimit(WS_SEND_LIMIT_ID, 10, 1.0))

QUOTE_PRODUCT_ID = 0  # USDC: the quote of every spot product, and no market of its own
X18_DECIMALS = 18
# The EIP-712 domain every execute is signed in; chainId and the verifying contracts come from `contracts`.
EIP712_NAME, EIP712_VERSION = "Vertex", "0.0.1"

# The order type travels in the top two bits of the expiration (seconds); 2**32 - 1 is "good till cancelled".
ORDER_TYPE_SHIFT = 62
DEFAULT, IOC, FOK, POST_ONLY = 0, 1, 2, 3
GTC_EXPIRATION = 2**32 - 1
# A market order is an IOC order priced this far past the book's best price (the oracle band is 20% to 500%).
MARKET_SLIPPAGE = Decimal("0.05")
PLACEMENT_EXPIRY = 30.0
STREAM_AUTH_EXPIRY_MS = 60_000

# Refusals come as {"status": "failure", "error": "<text>", "error_code": n}; the documented texts (API Errors).
ERRORS: errors.VenueErrorTable = {
    **dict.fromkeys(("invalid price: not divisible by increment", "invalid amount: not divisible by increment",
                     "invalid amount: zero", "invalid amount: too small",
                     "Order price must be within a range of 20% to 500% of oracle price"), errors.InvalidOrder),
    **dict.fromkeys(("invalid expiration: already expired", "order type not supported!"), errors.BadRequest),
    **dict.fromkeys(("order is post only, but it crosses book", "fill or kill order cannot be fully filled",
                     "max orders limit reached", "invalid taker order"), errors.OrderRejected),
    **dict.fromkeys(("unhealthy order", "spot_leverage is false, but placing this order can cause borrows"),
                    errors.InsufficientFunds),
}

SPEC = VenueSpec(
    connector_id="vertex", domains=DOMAINS, rate_limits=RATE_LIMITS, error_table=ERRORS,
    client_order_id=NonceOrderIds(recv_window=PLACEMENT_EXPIRY),
    order_types=frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET}),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    features=frozenset({Feature.CANCEL_ALL}),
    ws_send_limit_id=WS_SEND_LIMIT_ID, placement_expiry=PLACEMENT_EXPIRY,
    # The account is the wallet of the private key, or (with a linked signer) the wallet named as the key.
    key_name=None, secret_name="private key",
    status=VenueStatus.SHUT_DOWN,
)
