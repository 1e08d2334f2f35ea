"""Values from a venue, checked where a parser's output becomes a book, an order, a fill or a balance.

Parsers build core types straight from a venue's JSON, and ``Decimal("NaN")``, ``Decimal("-1")``
or ``Decimal("1e400")`` are all valid Decimals. This is the one place that says which values each
core type may hold: money is a finite ``Decimal``, sizes and amounts are not negative, prices are
positive, ids are strings. A message that breaks a rule is logged (with the connector and the
stream or REST call it came by), counted and skipped; nothing else about the stream changes.

Book levels are checked on the hot path by ``core/order_book/levels.py`` (floats, two comparisons
a level); the records here arrive a few per second at most, so clarity wins over speed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    OrderState,
    OrderUpdate,
    Position,
    PositionSide,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.order_book.messages import PublicTrade

logger = logging.getLogger(__name__)

# Says what is wrong with a value, or None when it is fine.
Check = Callable[[Any], str | None]


def _decimal(value: Any) -> str | None:
    if type(value) is not Decimal:
        return f"{value!r} is not a Decimal"
    if not value.is_finite():
        return f"{value} is not finite"
    return None


def signed(value: Any) -> str | None:
    """A finite Decimal of either sign (a PnL, a funding rate, a signed position)."""
    return _decimal(value)


def non_negative(value: Any) -> str | None:
    """A finite Decimal >= 0 (a size, an amount, a balance)."""
    problem = _decimal(value)
    if problem is None and value < 0:
        return f"{value} is negative"
    return problem


def positive(value: Any) -> str | None:
    """A finite Decimal > 0 (a price)."""
    problem = _decimal(value)
    if problem is None and value <= 0:
        return f"{value} is not positive"
    return problem


def text(value: Any) -> str | None:
    return None if type(value) is str else f"{value!r} is not a string"


def timestamp(value: Any) -> str | None:
    """Seconds since the epoch: an int or float (not a bool), finite and not negative."""
    if type(value) not in (int, float):
        return f"{value!r} is not a number"
    return None if 0 <= value < float("inf") else f"{value} is not a finite time"


def optional(check: Check) -> Check:
    def optional_check(value: Any) -> str | None:
        return None if value is None else check(value)
    return optional_check


def one_of(kind: type) -> Check:
    def kind_check(value: Any) -> str | None:
        return None if isinstance(value, kind) else f"{value!r} is not a {kind.__name__}"
    return kind_check


def fee(value: Any) -> str | None:
    if not isinstance(value, TradeFee):
        return f"{value!r} is not a TradeFee"
    # A fee may be negative: a maker rebate.
    problem = signed(value.percent)
    for flat in value.flat_fees:
        problem = problem or text(flat.token) or signed(flat.amount)
    return problem


# What each field of each core type may hold.
RULES: dict[type, tuple[tuple[str, Check], ...]] = {
    OrderUpdate: (
        ("trading_pair", text), ("update_timestamp", timestamp), ("new_state", one_of(OrderState)),
        ("client_order_id", optional(text)), ("exchange_order_id", optional(text)),
        ("executed_amount", optional(non_negative)), ("reason", optional(text)),
    ),
    TradeUpdate: (
        ("trade_id", text), ("trading_pair", text), ("fill_price", positive),
        ("fill_base_amount", non_negative), ("fill_quote_amount", non_negative), ("fee", fee),
        ("fill_timestamp", timestamp), ("client_order_id", optional(text)),
        ("exchange_order_id", optional(text)), ("is_maker", optional(one_of(bool))),
    ),
    Balance: (("asset", text), ("total", non_negative), ("available", non_negative)),
    Position: (
        ("trading_pair", text), ("position_side", one_of(PositionSide)), ("amount", signed),
        ("entry_price", non_negative), ("unrealized_pnl", signed), ("leverage", non_negative),
        ("mark_price", optional(non_negative)), ("liquidation_price", optional(non_negative)),
    ),
    FundingInfo: (
        ("trading_pair", text), ("index_price", non_negative), ("mark_price", non_negative),
        ("next_funding_timestamp", timestamp), ("rate", signed),
    ),
    FundingPayment: (
        ("trading_pair", text), ("timestamp", timestamp), ("amount", signed), ("asset", text),
        ("payment_id", text), ("rate", optional(signed)),
    ),
    PublicTrade: (
        ("trading_pair", text), ("trade_id", text), ("price", positive), ("amount", non_negative),
        ("side", one_of(TradeType)), ("timestamp", timestamp),
    ),
}


def problem_with(item: object) -> str | None:
    """What is wrong with a parser's output, or None; types without rules pass."""
    for name, check in RULES.get(type(item), ()):
        problem = check(getattr(item, name))
        if problem is not None:
            return f"{name}: {problem}"
    return None


class RejectionLog:
    """Counts the messages refused for their values, and logs them without letting a flood spam.

    Each channel (a stream, a REST call) logs at most one warning per ``interval`` seconds; the
    next one says how many were skipped silently in between. ``count`` and ``by_channel`` keep
    every one, for tests, status and the chaos suite.
    """

    def __init__(self, owner: str, interval: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.owner = owner
        self.count = 0
        self.by_channel: Counter[str] = Counter()
        self._interval = interval
        self._clock = clock
        self._quiet_until: dict[str, float] = {}
        self._unlogged: Counter[str] = Counter()

    def accept(self, item: object, channel: str) -> bool:
        """True when ``item`` may enter; otherwise it is logged, counted, and False."""
        problem = problem_with(item)
        if problem is None:
            return True
        self.reject(channel, type(item).__name__, problem)
        return False

    def reject(self, channel: str, what: str, reason: str) -> None:
        self.count += 1
        self.by_channel[channel] += 1
        now = self._clock()
        if now < self._quiet_until.get(channel, float("-inf")):
            self._unlogged[channel] += 1
            return
        self._quiet_until[channel] = now + self._interval
        unlogged = self._unlogged.pop(channel, 0)
        logger.warning("%s %s: skipped a %s with an invalid value (%s)%s", self.owner, channel, what, reason,
                       f"; {unlogged} more skipped since the last report" if unlogged else "")
