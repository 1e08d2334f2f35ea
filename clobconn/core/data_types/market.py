"""Market facts: trading rules and balances."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from clobconn.core.data_types.enums import OrderType, TimeInForce

_ZERO = Decimal(0)


def quantize_down(value: Decimal, step: Decimal) -> Decimal:
    """Round a non-negative ``value`` down to a multiple of ``step``; a zero step leaves it unchanged."""
    if step <= 0:
        return value
    # The quotient of a large amount by a fine step can exceed the default 28 digits.
    with localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() - step.adjusted() + 30)
        return (value // step) * step


@dataclass(frozen=True, slots=True)
class TradingRule:
    trading_pair: str
    min_order_size: Decimal = _ZERO
    max_order_size: Decimal | None = None
    min_price_increment: Decimal = _ZERO
    min_base_amount_increment: Decimal = _ZERO
    min_notional: Decimal = _ZERO
    max_notional: Decimal | None = None
    # None means the venue-wide feature set applies.
    supported_order_types: frozenset[OrderType] | None = None
    supported_time_in_force: frozenset[TimeInForce] | None = None
    # A separate lot rule for market orders, where the venue has one.
    min_market_order_size: Decimal | None = None
    max_market_order_size: Decimal | None = None
    # For venues that size orders in contracts: how much base one contract is (1 where the venue
    # sizes in base). Public amounts, sizes and increments are always in base; a connector turns
    # them into contracts only on the wire, with to_contracts / from_contracts.
    contract_size: Decimal = Decimal(1)
    min_notional_applies_to_market: bool = True
    # Some venues let an order that only reduces a position go below the minimum notional.
    min_notional_exempts_reduce_only: bool = False

    def quantize_price(self, price: Decimal) -> Decimal:
        return quantize_down(price, self.min_price_increment)

    def quantize_amount(self, amount: Decimal) -> Decimal:
        return quantize_down(amount, self.min_base_amount_increment)

    def to_contracts(self, amount: Decimal) -> Decimal:
        """A base amount as the venue's contract count; refuses an amount that is not whole contracts."""
        contracts = amount / self.contract_size
        if contracts != contracts.to_integral_value():
            raise ValueError(f"{self.trading_pair}: {amount} is not a whole number of {self.contract_size} contracts")
        return contracts.quantize(Decimal(1))

    def from_contracts(self, contracts: Decimal) -> Decimal:
        """The venue's contract count as a base amount."""
        return contracts * self.contract_size


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    total: Decimal
    available: Decimal
    locked: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "locked", self.total - self.available)

    @classmethod
    def from_wallet(cls, asset: str, wallet: Decimal, known: Balance | None) -> Balance:
        """A push that gives the wallet (total) amount alone: what the last poll (``known``) saw locked
        stays locked, so the available amount moves with the wallet until the next poll."""
        return cls(asset, wallet, wallet - (known.locked if known is not None else Decimal(0)))
