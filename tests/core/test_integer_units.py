"""Integer wire units (core/web/numbers.py): a venue whose prices and sizes are whole numbers of a tick (Cube)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.errors import InvalidOrderArgument
from clobconn.core.web.numbers import from_fixed_point, from_units, to_fixed_point, to_units


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


def test_fixed_point_is_exact_beyond_the_decimal_context() -> None:
    # 31 significant digits: a division in the default 28-digit context would round this.
    value = Decimal("1234567890123.123456789012345678")
    assert to_fixed_point(value, 18, "amount", "X-Y") == 1234567890123123456789012345678
    assert from_fixed_point(1234567890123123456789012345678, 18) == value
    assert from_fixed_point("-10000000000000000", 18) == Decimal("-0.01")
    assert to_fixed_point(Decimal("26383"), 18, "price", "X-Y") == 26383 * 10**18


@pytest.mark.parametrize("value", ["0.0000000000000000001", "0", "-1", "NaN", "Infinity", "1e21"])
def test_fixed_point_refuses_a_value_it_cannot_carry_exactly(value: str) -> None:
    with pytest.raises(InvalidOrderArgument) as info:
        to_fixed_point(Decimal(value), 18, "amount", "X-Y", limit=10**38)
    assert info.value.field == "amount" and "X-Y" in str(info.value)
