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


INT128_LIMIT = 2**127


def to_fixed_point(value: Decimal, decimals: int = 18, field: str = "value", trading_pair: str = "",
                   limit: int = INT128_LIMIT, signed: bool = False) -> int:
    """``value`` times 10**decimals as a whole number, for venues whose wire carries fixed-point integers
    (Vertex's X18, the 1e18 words of EVM contracts such as Derive's trade module). Built from the digits,
    never divided, so it stays exact beyond the decimal context's 28 digits. A value with more decimals,
    zero or below (unless ``signed``), or whose size reaches ``limit`` (2**127 for an int128; 2**255 for
    an int256) is refused with InvalidOrderArgument naming ``field``, never rounded."""
    where = f"{trading_pair}: " if trading_pair else ""
    if not value.is_finite():
        raise InvalidOrderArgument(f"{where}{field} {value} is not a number", field=field, value=value)
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    units: int = int("".join(map(str, digits)) or "0")
    shift = exponent + decimals
    if shift < 0 and units % 10**-shift:
        raise InvalidOrderArgument(f"{where}{field} {value} has more than {decimals} decimals",
                                   field=field, value=value)
    units = units * 10**shift if shift >= 0 else units // 10**-shift
    if (sign and not signed) or units >= limit or (units == 0 and not signed):
        raise InvalidOrderArgument(f"{where}{field} {value} is out of range", field=field, value=value)
    return -units if sign else units


def from_fixed_point(units: int | str, decimals: int) -> Decimal:
    """A fixed-point integer (a signed one too) as the Decimal it stands for, exactly at any size."""
    number = int(units)
    return Decimal((int(number < 0), tuple(int(d) for d in str(abs(number))), -decimals))
