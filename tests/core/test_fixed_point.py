"""Fixed-point words (numbers.to_fixed_point) and EVM addresses given as credentials (evm/addresses.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.errors import InvalidCredentials, InvalidOrderArgument
from clobconn.core.evm.addresses import checksum_address
from clobconn.core.web.numbers import to_fixed_point


def test_decimals_become_exact_signed_words() -> None:
    assert to_fixed_point(Decimal("100")) == 100 * 10**18
    assert to_fixed_point(Decimal("-0.000000000000000001"), signed=True) == -1
    assert to_fixed_point(Decimal("2.5"), decimals=6) == 2_500_000


@pytest.mark.parametrize("value", [Decimal("1e-19"), Decimal("NaN"), Decimal("Infinity"), Decimal(2) ** 200,
                                   Decimal("-1")])
def test_a_value_that_is_no_word_is_refused_never_rounded(value: Decimal) -> None:
    with pytest.raises(InvalidOrderArgument, match=r"decimals|out of range|not a number"):
        to_fixed_point(value)


def test_an_address_is_checksummed() -> None:
    assert checksum_address(" 0x5cb67f7829d01d9c75385a920de5e51060663374 ", "venue") == (
        "0x5cb67F7829d01d9C75385A920De5E51060663374")


@pytest.mark.parametrize("text", ["", "0x1234", "5cb67f7829d01d9c75385a920de5e51060663374", "0xZZ" + "0" * 38])
def test_anything_else_is_refused_naming_the_format(text: str) -> None:
    with pytest.raises(InvalidCredentials, match="0x-prefixed 20-byte hex address"):
        checksum_address(text, "venue")
