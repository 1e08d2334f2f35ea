"""Numbers as venues read them on the wire."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def fmt(value: Decimal) -> str:
    """A Decimal in plain notation, never an exponent ("0.00001", not "1E-5"), with the digits it has."""
    return format(value, "f")


def optional_decimal(value: Any) -> Decimal | None:
    """A number a venue may leave out or send as "": None then, never zero."""
    return Decimal(value) if value not in (None, "") else None
