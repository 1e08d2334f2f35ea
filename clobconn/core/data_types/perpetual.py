"""Perpetual-futures types: positions and funding."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clobconn.core.data_types.enums import PositionSide


@dataclass(frozen=True, slots=True)
class Position:
    trading_pair: str
    position_side: PositionSide
    # Signed base amount: negative for a short in one-way mode.
    amount: Decimal
    entry_price: Decimal
    unrealized_pnl: Decimal
    leverage: Decimal
    mark_price: Decimal | None = None
    liquidation_price: Decimal | None = None

    @property
    def key(self) -> tuple[str, PositionSide]:
        return (self.trading_pair, self.position_side)


@dataclass(frozen=True, slots=True)
class FundingInfo:
    trading_pair: str
    index_price: Decimal
    mark_price: Decimal
    next_funding_timestamp: float
    rate: Decimal


@dataclass(frozen=True, slots=True)
class FundingPayment:
    trading_pair: str
    timestamp: float
    # Positive when the account received funding, negative when it paid.
    amount: Decimal
    asset: str
    # The venue's id for the payment, or "" where the venue gives none.
    payment_id: str
    rate: Decimal | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What makes a payment unique: the venue's id, or else the pair's funding time."""
        return (self.trading_pair, self.payment_id or repr(self.timestamp))
