"""Typed data a venue built, checked against the request before the wallet signs it (core/evm/typed_data.py)."""

from __future__ import annotations

from typing import Any

import pytest

from clobconn.core.evm.typed_data import TypedDataMismatch, check_typed_data

CONTRACT = "0xa492c74aAc592F7951d98000a602A22157019563"
MAKER = "0x3da2b15eB80B1F7d499D18b6f0B671C838E64Cb3"


def typed(**message: Any) -> dict[str, Any]:
    base = {"price": "2700000000", "isBuy": True, "maker": MAKER.lower(), "salt": "277564373322"}
    return {"primaryType": "Order", "domain": {"chainId": 8453, "verifyingContract": CONTRACT.lower()},
            "message": base | message}


def check(data: dict[str, Any], **expected: Any) -> None:
    wanted = {"price": 2_700_000_000, "isBuy": True, "maker": MAKER} | expected
    check_typed_data(data, who="venue", primary_type="Order", chain_id=8453, verifying_contract=CONTRACT,
                     expected=wanted)


def test_what_was_asked_passes_whatever_the_case_of_addresses_or_the_form_of_numbers() -> None:
    check(typed())
    check(typed(price=2700000000))


@pytest.mark.parametrize(("data", "field"), [
    (typed(price="2700000001"), "message.price"),
    (typed(price="2700000000.0"), "message.price"),
    (typed(price=True), "message.price"),
    (typed(isBuy="true"), "message.isBuy"),
    (typed(maker="0x" + "11" * 20), "message.maker"),
    (typed() | {"domain": {"chainId": 84532, "verifyingContract": CONTRACT}}, "domain.chainId"),
    (typed() | {"domain": {"chainId": 8453, "verifyingContract": MAKER}}, "domain.verifyingContract"),
    (typed() | {"primaryType": "CancelOrder"}, "primaryType"),
])
def test_a_difference_is_refused_naming_its_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(TypedDataMismatch, match=field.replace(".", r"\.")) as info:
        check(data)
    assert "nothing was signed" in str(info.value)


def test_typed_data_without_a_domain_or_message_is_refused() -> None:
    with pytest.raises(TypedDataMismatch, match="no domain or no message"):
        check({"primaryType": "Order", "message": {}})
