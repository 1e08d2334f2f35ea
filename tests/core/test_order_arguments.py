"""The public calls' argument checks (clobconn/core/orders/arguments.py), tested directly: no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import OrderType, PositionMode, TimeInForce, TradeType
from clobconn.core.errors import (
    BadRequest,
    BadSymbol,
    InvalidArgument,
    InvalidOrder,
    InvalidOrderArgument,
    OrderRuleViolation,
)
from clobconn.core.orders.arguments import (
    as_bool,
    as_client_order_id,
    as_decimal,
    as_enum,
    as_leverage,
    as_optional_decimal,
    as_optional_enum,
    as_pair,
    check_order_specs,
    quantize_to_step,
    require_positive,
)

# == money ========================================================================================


@pytest.mark.parametrize(("given", "expected"), [
    (Decimal("0.001"), Decimal("0.001")),
    (3, Decimal(3)),
    ("0.001", Decimal("0.001")),
    ("1e-3", Decimal("0.001")),
    # A float goes through its shortest repr: the number the caller typed, not the binary expansion.
    (0.001, Decimal("0.001")),
    (0.1, Decimal("0.1")),
    (30000.5, Decimal("30000.5")),
    (1e-7, Decimal("1E-7")),
])
def test_money_accepted_and_exact(given: object, expected: Decimal) -> None:
    value = as_decimal(given, "amount")
    assert value == expected and isinstance(value, Decimal)
    assert str(value) == str(expected)


def test_a_float_is_never_taken_at_its_binary_value() -> None:
    binary = 0.001
    assert Decimal(binary) != Decimal("0.001")  # what a naive conversion would send
    assert as_decimal(0.001, "price") == Decimal("0.001")


@pytest.mark.parametrize("given", [
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    float("nan"), float("inf"), float("-inf"),
    "NaN", "sNaN", "Infinity", "-inf",
])
def test_non_finite_money_refused(given: object) -> None:
    with pytest.raises(InvalidOrderArgument, match="price must be a finite number") as info:
        as_decimal(given, "price", trading_pair="BTC-USDT")
    assert info.value.field == "price"
    assert "BTC-USDT" in str(info.value)


@pytest.mark.parametrize("given", ["1e400", Decimal("1e400"), 10**40, "-1e31", 1e300])
def test_absurd_magnitudes_refused(given: object) -> None:
    with pytest.raises(InvalidOrderArgument, match="out of range") as info:
        as_decimal(given, "amount")
    assert info.value.field == "amount"


@pytest.mark.parametrize(("given", "words"), [
    (True, "bool"), (False, "bool"), (None, "required"), ([1], "list"), ({"a": 1}, "dict"),
    (object(), "object"), ("", "string"), ("1,5", "string"), ("ten", "string"), (b"1", "bytes"),
    (OrderType.LIMIT, "string"),
])
def test_wrong_money_types_refused(given: object, words: str) -> None:
    with pytest.raises(InvalidOrderArgument, match=words) as info:
        as_decimal(given, "amount")
    assert info.value.field == "amount" and info.value.value is given


def test_the_error_class_follows_the_call() -> None:
    # An order's argument is both an InvalidOrder and a BadRequest; a leverage's is only a BadRequest.
    with pytest.raises(InvalidOrder):
        as_decimal("x", "amount")
    with pytest.raises(BadRequest) as info:
        as_decimal("x", "leverage", error=InvalidArgument)
    assert not isinstance(info.value, InvalidOrder)


def test_optional_money() -> None:
    assert as_optional_decimal(None, "price") is None
    assert as_optional_decimal(0.5, "price") == Decimal("0.5")
    with pytest.raises(InvalidOrderArgument):
        as_optional_decimal(Decimal("NaN"), "price")


@pytest.mark.parametrize("given", [Decimal(0), Decimal("-1"), Decimal("-0")])
def test_require_positive(given: Decimal) -> None:
    with pytest.raises(OrderRuleViolation) as info:
        require_positive(given, "amount", "BTC-USDT")
    assert (info.value.rule, info.value.trading_pair, info.value.limit) == ("amount", "BTC-USDT", 0)
    assert require_positive(Decimal("0.1"), "amount", "BTC-USDT") == Decimal("0.1")


def test_leverage() -> None:
    assert as_leverage(10, trading_pair="BTC-USDT", whole=True) == Decimal(10)
    assert as_leverage("12.5", trading_pair="BTC-USDT", whole=False) == Decimal("12.5")
    for bad in (0, -3, Decimal("NaN"), True, "high"):
        with pytest.raises(InvalidArgument) as info:
            as_leverage(bad, trading_pair="BTC-USDT", whole=False)
        assert info.value.field == "leverage" and not isinstance(info.value, InvalidOrder)
    with pytest.raises(InvalidArgument, match="whole number"):
        as_leverage(Decimal("10.5"), trading_pair="BTC-USDT", whole=True)


# == enums ========================================================================================


@pytest.mark.parametrize(("enum_cls", "given", "expected"), [
    (OrderType, OrderType.LIMIT, OrderType.LIMIT),
    (OrderType, "LIMIT", OrderType.LIMIT),
    (OrderType, "limit", OrderType.LIMIT),
    (OrderType, "Limit_Maker", OrderType.LIMIT_MAKER),
    (TradeType, "BUY", TradeType.BUY),
    (TradeType, "sell", TradeType.SELL),
    (TimeInForce, "IOC", TimeInForce.IOC),
    (PositionMode, "HEDGE", PositionMode.HEDGE),
    (PositionMode, "oneway", PositionMode.ONEWAY),
])
def test_enum_members_and_their_names(enum_cls: Any, given: object, expected: object) -> None:
    value = as_enum(enum_cls, given, "field")
    assert value is expected


@pytest.mark.parametrize("given", ["STOP", "", " limit", "LIMIT ", 1, None, True, TradeType.BUY, ["LIMIT"]])
def test_unknown_enum_values_refused_with_the_allowed_ones(given: object) -> None:
    with pytest.raises(InvalidOrderArgument) as info:
        as_enum(OrderType, given, "order_type")
    assert info.value.field == "order_type"
    assert info.value.allowed == ("LIMIT", "LIMIT_MAKER", "MARKET")
    assert "LIMIT, LIMIT_MAKER, MARKET" in str(info.value)


def test_optional_enum() -> None:
    assert as_optional_enum(TimeInForce, None, "time_in_force") is None
    assert as_optional_enum(TimeInForce, "fok", "time_in_force") is TimeInForce.FOK
    with pytest.raises(InvalidArgument, match="GTC, IOC, FOK"):
        as_optional_enum(TimeInForce, "DAY", "time_in_force", InvalidArgument)


# == pairs, ids, flags, batches ===================================================================


def test_pairs() -> None:
    assert as_pair("BTC-USDT") == "BTC-USDT"
    for wrong_type in (None, 1, ["BTC-USDT"], b"BTC-USDT"):
        with pytest.raises(InvalidOrderArgument) as info:
            as_pair(wrong_type)
        assert info.value.field == "trading_pair"
    for not_a_pair in ("BTCUSDT", "-USDT", "BTC-", "", " BTC-USDT"):
        with pytest.raises(BadSymbol, match="BASE-QUOTE"):
            as_pair(not_a_pair)


def test_client_order_ids() -> None:
    assert as_client_order_id("abc") == "abc"
    for bad in ("", None, 12, ["abc"]):
        with pytest.raises(InvalidOrderArgument) as info:
            as_client_order_id(bad)
        assert info.value.field == "client_order_id"


def test_flags_must_be_bools() -> None:
    assert as_bool(True, "reduce_only") is True
    for bad in ("false", 0, 1, None):
        with pytest.raises(InvalidOrderArgument, match="reduce_only"):
            as_bool(bad, "reduce_only")


def test_order_specs() -> None:
    check_order_specs([(TradeType.BUY, "BTC-USDT", Decimal(1), OrderType.LIMIT, Decimal(2))])
    with pytest.raises(InvalidOrderArgument) as info:
        check_order_specs([(TradeType.BUY, "BTC-USDT", Decimal(1))])
    assert info.value.field == "orders[0]"
    with pytest.raises(InvalidOrderArgument):
        check_order_specs("BTC-USDT")


# == the tick and lot grid ========================================================================


def test_quantize_rounds_down_by_default() -> None:
    value = quantize_to_step(Decimal("100.037"), Decimal("0.01"), field="price", rule="min_price_increment",
                             trading_pair="BTC-USDT", strict=False)
    assert value == Decimal("100.03")


def test_strict_quantize_refuses_a_value_off_the_grid() -> None:
    with pytest.raises(OrderRuleViolation) as info:
        quantize_to_step(Decimal("0.0015"), Decimal("0.001"), field="amount", rule="min_base_amount_increment",
                         trading_pair="BTC-USDT", strict=True)
    error = info.value
    assert (error.rule, error.value, error.limit) == ("min_base_amount_increment", Decimal("0.0015"), Decimal("0.001"))
    # On the grid (however written) it passes unchanged.
    assert quantize_to_step(Decimal("0.0020"), Decimal("0.001"), field="amount", rule="min_base_amount_increment",
                            trading_pair="BTC-USDT", strict=True) == Decimal("0.002")
