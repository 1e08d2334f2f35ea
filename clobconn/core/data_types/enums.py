"""Enumerations shared by every connector."""

from __future__ import annotations

from enum import StrEnum


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    LIMIT_MAKER = "LIMIT_MAKER"
    MARKET = "MARKET"

    @property
    def is_limit(self) -> bool:
        return self is not OrderType.MARKET


class TradeType(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class PositionAction(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"


class PositionSide(StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"
    BOTH = "BOTH"


class PositionMode(StrEnum):
    ONEWAY = "ONEWAY"
    HEDGE = "HEDGE"


class FeeType(StrEnum):
    """Whether a fee is paid on top of the cost or taken out of what the trade returns."""

    ADDED_TO_COST = "ADDED_TO_COST"
    DEDUCTED_FROM_RETURNS = "DEDUCTED_FROM_RETURNS"
