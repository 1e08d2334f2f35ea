"""The sandbox Gateway's world: pools with seeded liquidity and a simulated chain.

A constant-product pool (``amm``) prices by x*y=k. A concentrated pool (``clmm``) holds its liquidity
between two prices: inside the range it trades as a constant-product pool on its virtual reserves
(L/sqrt(P) base, L*sqrt(P) quote), and a swap that would leave the range is refused. Transactions wait
in the chain until polled through their scripted statuses; their effect on balances lands when they
confirm, never when a revert is scripted.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

ZERO = Decimal(0)


class ChainRefusal(Exception):
    """A request the sandbox Gateway refuses: ``status`` and Gateway's message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def _sqrt(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return value.sqrt()


@dataclass(slots=True)
class Pool:
    address: str
    dex: str
    kind: str  # "amm" or "clmm"
    base: str
    quote: str
    base_reserve: Decimal
    quote_reserve: Decimal
    fee_pct: Decimal
    # clmm only: the range the liquidity covers.
    lower_price: Decimal = ZERO
    upper_price: Decimal = ZERO
    lp_supply: Decimal = ZERO

    @property
    def price(self) -> Decimal:
        return self.quote_reserve / self.base_reserve

    def _fee_factor(self) -> Decimal:
        return 1 - self.fee_pct / 100

    def swap_amounts(self, side: str, base_amount: Decimal) -> tuple[Decimal, Decimal]:
        """(amount in, amount out): SELL gives ``base_amount`` base for quote; BUY takes it for quote."""
        if base_amount <= 0:
            raise ChainRefusal(400, "amount must be positive")
        x, y, f = self.base_reserve, self.quote_reserve, self._fee_factor()
        if side == "SELL":
            quote_out = y * base_amount * f / (x + base_amount * f)
            new_price = (y - quote_out) / (x + base_amount)
            amounts = (base_amount, quote_out)
        else:
            if base_amount >= x:
                raise ChainRefusal(400, f"Insufficient liquidity in pool {self.address}")
            quote_in = y * base_amount / ((x - base_amount) * f)
            new_price = (y + quote_in) / (x - base_amount)
            amounts = (quote_in, base_amount)
        if self.kind == "clmm" and not self.lower_price <= new_price <= self.upper_price:
            raise ChainRefusal(400, f"Insufficient liquidity in pool {self.address}: the swap leaves its range")
        return amounts

    def apply_swap(self, side: str, base_amount: Decimal) -> tuple[Decimal, Decimal]:
        amount_in, amount_out = self.swap_amounts(side, base_amount)
        if side == "SELL":
            self.base_reserve += amount_in
            self.quote_reserve -= amount_out
        else:
            self.quote_reserve += amount_in
            self.base_reserve -= amount_out
        return amount_in, amount_out


def constant_product(address: str, dex: str, base: str, quote: str, base_reserve: Decimal, price: Decimal,
                     fee_pct: Decimal) -> Pool:
    return Pool(address, dex, "amm", base, quote, base_reserve, base_reserve * price, fee_pct,
                lp_supply=_sqrt(base_reserve * base_reserve * price))


def concentrated(address: str, dex: str, base: str, quote: str, liquidity: Decimal, price: Decimal,
                 lower: Decimal, upper: Decimal, fee_pct: Decimal) -> Pool:
    root = _sqrt(price)
    return Pool(address, dex, "clmm", base, quote, liquidity / root, liquidity * root, fee_pct, lower, upper)


@dataclass(slots=True)
class SimTransaction:
    signature: str
    # The statuses it shows, one per look (execute's answer, then each poll); the last one repeats.
    statuses: list[int]
    effect: Callable[[], None] | None
    fee: Decimal
    reverts: bool = False
    looks: int = 0
    landed: bool = False
    data: dict[str, object] = field(default_factory=dict)

    def look(self) -> int:
        status = self.statuses[min(self.looks, len(self.statuses) - 1)]
        self.looks += 1
        if status == 1 and not self.landed:
            self.landed = True
            if self.effect is not None and not self.reverts:
                self.effect()
        return status


class SimChain:
    """Transactions by signature; a signature it never issued is 'not found'."""

    def __init__(self, evm: bool) -> None:
        self.evm = evm
        self.block = 1000
        self.transactions: dict[str, SimTransaction] = {}
        self._counter = itertools.count(1)

    def new_signature(self) -> str:
        digest = hashlib.sha256(f"sandbox-tx-{next(self._counter)}".encode()).hexdigest()
        return f"0x{digest}" if self.evm else digest[:64]

    def send(self, statuses: list[int], effect: Callable[[], None] | None, fee: Decimal,
             reverts: bool = False) -> SimTransaction:
        tx = SimTransaction(self.new_signature(), list(statuses) or [1], effect, fee, reverts)
        self.transactions[tx.signature] = tx
        self.block += 1
        return tx
