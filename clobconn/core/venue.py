"""A venue's facts as data: URLs, limits, error table, id rule and features.

Each connector's ``constants.py`` builds one ``VenueSpec``; the core reads it instead of asking the
connector through code paths.
"""

from __future__ import annotations

import itertools
import os
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from clobconn.core.data_types import OrderType, PositionMode, TimeInForce, TradeType
from clobconn.core.errors import VenueErrorTable
from clobconn.core.web.throttler import RateLimit, ReportedPool


class Feature(Enum):
    BATCH_ORDERS = "batch_orders"
    AMEND_ORDER = "amend_order"
    CANCEL_ALL = "cancel_all"
    MARKET_QUOTE_AMOUNT = "market_quote_amount"
    REDUCE_ONLY = "reduce_only"
    HEDGE_MODE = "hedge_mode"


class VenueStatus(Enum):
    """Whether a venue serves the API its connector is built against, as ``clobconn connectors`` shows it."""

    LIVE = "live"
    # The venue closed; the connector is kept, built against its last documented API (Vertex).
    SHUT_DOWN = "shut down: built against its last documented API"
    # No primary source says whether the venue still serves its API (its docs page says what was checked).
    UNCONFIRMED = "unconfirmed: see its docs page"


class ResetUnit(Enum):
    # Seconds to wait (Retry-After).
    SECONDS = "seconds"
    # Milliseconds to wait (KuCoin gw-ratelimit-reset).
    MILLISECONDS = "milliseconds"
    # The venue-clock time of the reset, in epoch milliseconds (Bybit X-Bapi-Limit-Reset-Timestamp).
    EPOCH_MILLISECONDS = "epoch_milliseconds"


@dataclass(frozen=True, slots=True)
class RateLimitReset:
    """A header in which a venue says how long a rate limit lasts."""

    header: str
    unit: ResetUnit

    def seconds_from(self, value: str, venue_now: float) -> float | None:
        """The wait the header's value means, or None when it is not a number."""
        try:
            number = float(value)
        except ValueError:
            return None
        if self.unit is ResetUnit.SECONDS:
            wait = number
        elif self.unit is ResetUnit.MILLISECONDS:
            wait = number / 1000
        else:
            wait = number / 1000 - venue_now
        return max(wait, 0.0)


@dataclass(frozen=True, slots=True)
class RateLimitHeaders:
    """The response headers in which a venue reports one throttler pool's state, on every answer.

    The REST client reads them after each request, refused or not, and the throttler applies them:
    the pool's spending is brought up to ``used`` (or ``limit - remaining``), its limit (and window)
    replaced by the venue's, and a pool reported spent waits until ``reset``. A header the answer
    lacks, or whose value is not a finite non-negative number, is ignored.
    """

    # The throttler pool described: a pool id, or the request's own or shared pool.
    pool: str | ReportedPool
    # What was spent in the venue's current window (Binance X-MBX-USED-WEIGHT-1M).
    used: str | None = None
    # What is left of it (Bybit X-Bapi-Limit-Status).
    remaining: str | None = None
    # The limit itself (Bybit X-Bapi-Limit).
    limit: str | None = None
    # When the window resets (Bybit X-Bapi-Limit-Reset-Timestamp).
    reset: RateLimitReset | None = None
    # The window's length in seconds (BitMart X-BM-RateLimit-Reset).
    window: str | None = None


@dataclass(frozen=True, slots=True)
class DomainUrls:
    rest: str
    ws: str
    private_ws: str | None = None
    # The WebSocket trading API's host where the venue serves it apart from its streams (Binance USDⓈ-M
    # futures: ws-fapi); None where orders go on the private stream's host (core/web/ws_trading.py).
    trading_ws: str | None = None
    # Other endpoints by name (a separate WS-API host, a futures market-data path, ...).
    extra: Mapping[str, str] = field(default_factory=dict)


_ID_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class ClientOrderIdRule:
    """What the venue accepts as a client order id, and how we make unique ones within it."""

    max_length: int = 32
    prefix: str = "cc"
    alphabet: str = _ID_ALPHABET
    # The venue takes a number, not a string (AlphaPoint's ClientOrderId is a 64-bit integer): see numeric_ids.
    numeric: bool = False
    # A numeric id is below this (dYdX's client ids are 32-bit: 2**32).
    numeric_limit: int = 2**63

    @classmethod
    def numeric_ids(cls, limit: int = 2**63) -> ClientOrderIdRule:
        """Ids that are numbers: digits only, below ``limit``, and no leading zero, since the venue echoes the
        number back and "0123" would come back as 123, an id we never issued."""
        return cls(max_length=len(str(limit - 1)), prefix="", alphabet=string.digits, numeric=True,
                   numeric_limit=limit)

    def generate(self, trade_type: TradeType) -> str:
        # Prefix, side, millisecond time and random fill: sortable by time and unique per process.
        # A numeric id marks the side with a digit that is never 0, so the id never starts with one.
        side = ("1" if trade_type is TradeType.BUY else "2") if self.numeric else (
            "B" if trade_type is TradeType.BUY else "S")
        head = f"{self.prefix}{side}{_base(int(time.time() * 1000), self.alphabet)}"
        room = self.max_length - len(head)
        if self.numeric and room < 4:
            # Too few digits for the time (a 32-bit id): the side digit and the counter, one digit short
            # of the longest id so that it stays below the limit whatever its digits.
            head, room = f"{self.prefix}{side}", self.max_length - len(self.prefix) - 2
        if room < 4:
            raise ValueError("client order id rule leaves too little room for a unique id")
        if self.numeric:
            # Few digits are left after the time: a process-wide counter (from a random start) fills them,
            # so two ids of one millisecond never collide, as random digits would now and then.
            return head + str(next(_NUMERIC_SEQUENCE) % 10**room).zfill(room)
        fill = "".join(self.alphabet[b % len(self.alphabet)] for b in os.urandom(min(room, 12)))
        return head + fill

    def is_valid(self, client_order_id: str) -> bool:
        if not (0 < len(client_order_id) <= self.max_length and all(c in self.alphabet for c in client_order_id)):
            return False
        return not self.numeric or (client_order_id[0] != "0" and int(client_order_id) < self.numeric_limit)


_NUMERIC_SEQUENCE = itertools.count(int.from_bytes(os.urandom(4), "big"))


def _base(number: int, alphabet: str) -> str:
    digits = []
    base = len(alphabet)
    while number:
        number, rem = divmod(number, base)
        digits.append(alphabet[rem])
    return "".join(reversed(digits)) or alphabet[0]


@dataclass(frozen=True, slots=True)
class VenueSpec:
    connector_id: str
    domains: Mapping[str, DomainUrls]
    rate_limits: tuple[RateLimit, ...]
    error_table: VenueErrorTable
    default_domain: str = "mainnet"
    client_order_id: ClientOrderIdRule = field(default_factory=ClientOrderIdRule)
    order_types: frozenset[OrderType] = frozenset({OrderType.LIMIT, OrderType.MARKET})
    time_in_force: frozenset[TimeInForce] = frozenset({TimeInForce.GTC})
    features: frozenset[Feature] = frozenset()
    # Consecutive "not found" answers (once its placement window has closed) after which an order is
    # looked for in the open orders and order history, and given up as lost if absent there too.
    lost_order_threshold: int = 3
    # Seconds after sending during which the venue may still accept a placement: the signed request's
    # own validity window (Binance recvWindow, Bybit X-BAPI-RECV-WINDOW, a timestamp tolerance).
    placement_expiry: float = 30.0
    # Response headers that say when a rate limit resets, checked in order after a rate-limit refusal.
    rate_limit_resets: tuple[RateLimitReset, ...] = (RateLimitReset("Retry-After", ResetUnit.SECONDS),)
    # Response headers that report the state of the throttler's pools on every answer (see
    # RateLimitHeaders); empty where the venue documents none.
    rate_limit_headers: tuple[RateLimitHeaders, ...] = ()
    # The throttler pool WebSocket sends spend on.
    ws_send_limit_id: str = ""
    is_perpetual: bool = False
    # What the venue calls the two credentials ``api_key`` and ``api_secret`` hold, for messages and
    # ``clobconn connectors``. A wallet venue that derives the account from the secret needs no key:
    # key_name None (Dexalot, Tegro: the address of the private key; dYdX: of the mnemonic).
    key_name: str | None = "api key"
    secret_name: str = "api secret"
    # Whether an API key comes with a passphrase that every signed request needs.
    needs_passphrase: bool = False
    # What the venue calls that credential, where it names it otherwise (Bitmart: "memo").
    passphrase_name: str = "passphrase"
    # Whether the venue's amend changes the order itself, keeping its ids, rather than replacing it
    # with a new order under a new client order id (a cancel-replace).
    amend_in_place: bool = False
    # Whether the venue takes whole-number leverage only: a fractional one is refused before sending
    # rather than truncated on the wire.
    whole_leverage: bool = False
    # A perpetual venue whose accounts have one position mode only, with nothing to switch or read:
    # HashKey keeps a long and a short per contract (hedge), always.
    fixed_position_mode: PositionMode | None = None
    # Whether the user stream reports each fill. Where it reports an order's cumulative amount only
    # (Coinbase's user channel), an update that runs ahead of the fills known fetches them over REST.
    user_stream_fills: bool = True
    # Whether the venue's fill messages carry the order's state. Where they do not, and the state comes in
    # messages of its own (Dexalot's executionEvent and orderStatusUpdateEvent), a fill short of the amount
    # moves an open order to PARTIALLY_FILLED at once, as the state message will.
    fills_carry_state: bool = True

    # Whether the venue still serves its API: a connector for a venue that shut down is kept, built
    # against its last documented API, and says so here.
    status: VenueStatus = VenueStatus.LIVE

    @property
    def credential_labels(self) -> tuple[str, ...]:
        """Every credential the venue needs, in the words it uses."""
        labels = (*((self.key_name,) if self.key_name else ()), self.secret_name)
        return (*labels, self.passphrase_label) if self.needs_passphrase else labels

    @property
    def passphrase_label(self) -> str:
        """The passphrase as messages name it: the venue's own word, with ours beside it where they differ."""
        name = self.passphrase_name
        return name if name == "passphrase" else f"{name} (passphrase)"

    def urls(self, domain: str | None) -> DomainUrls:
        name = domain or self.default_domain
        if name not in self.domains:
            raise ValueError(f"{self.connector_id}: unknown domain {name!r}; known: {sorted(self.domains)}")
        return self.domains[name]
