"""Numbers as venues read them on the wire."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clobconn.core.errors import InvalidOrderArgument

UINT64_LIMIT = 2**64


def fmt(value: Decimal) -> str:
    """A Decimal in plain notation, never an exponent ("0.00001", not "1E-5"), with the digits it has."""
    return format(value, "f")


def optional_decimal(value: Any) -> Decimal | None:
    """A number a venue may leave out or send as "": None then, never zero."""
    return Decimal(value) if value not in (None, "") else None


def to_units(value: Decimal, unit: Decimal, field: str, trading_pair: str, limit: int = UINT64_LIMIT) -> int:
    """``value`` as a whole positive number of ``unit`` below ``limit``, for venues whose wire carries integers
    (Cube's price and quantity ticks): exact, or refused naming the field, never rounded."""
    units = value / unit
    if units != units.to_integral_value() or not 0 < units < limit:
        raise InvalidOrderArgument(f"{trading_pair}: {field} {value} is not a whole number of {unit} units",
                                   field=field, value=value)
    return int(units)


def from_units(units: int | str, unit: Decimal) -> Decimal:
    """A whole number of ``unit`` as the Decimal it stands for, exactly."""
    return Decimal(int(units)) * unit


def to_fixed_point(value: Decimal, decimals: int = 18, bits: int = 256) -> int:
    """``value`` as a signed fixed-point integer of ``decimals`` decimals (the 1e18 words of EVM contracts):
    exact, or ValueError, never rounded; it must fit a signed integer of ``bits`` bits."""
    scaled = value.scaleb(decimals)
    if not scaled.is_finite() or scaled != scaled.to_integral_value() or abs(scaled) >= 2 ** (bits - 1):
        raise ValueError(f"{value} is not a {decimals}-decimal fixed-point number of {bits} bits")
    return int(scaled)
