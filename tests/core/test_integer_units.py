"""Integer wire units (core/web/numbers.py): a venue whose prices and sizes are whole numbers of a tick (Cube)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.errors import InvalidOrderArgument
from clobconn.core.web.numbers import from_units, to_units


def test_a_value_on_the_grid_converts_exactly_both_ways() -> None:
    assert to_units(Decimal("3012.34"), Decimal("0.01"), "price", "X-Y") == 301234
    assert from_units("301234", Decimal("0.01")) == Decimal("3012.34")
    assert to_units(Decimal("18446744073709551.615"), Decimal("0.001"), "amount", "X-Y") == 2**64 - 1


@pytest.mark.parametrize("value", ["3012.345", "0", "-0.01", "18446744073709551.616"])
def test_a_value_off_the_grid_or_outside_the_range_is_refused_naming_the_field(value: str) -> None:
    unit = Decimal("0.01") if value != "18446744073709551.616" else Decimal("0.001")
    with pytest.raises(InvalidOrderArgument, match="not a whole number") as info:
        to_units(Decimal(value), unit, "price", "X-Y")
    assert info.value.field == "price" and "X-Y" in str(info.value)
