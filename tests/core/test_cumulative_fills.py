"""Fills from an order's running totals (core/orders/cumulative_fills.py), for venues that report no trades."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.data_types import InFlightOrder, OrderType, TradeType
from clobconn.core.orders.cumulative_fills import cumulative_step_id, fill_from_totals


def order() -> InFlightOrder:
    return InFlightOrder("cc1", "BTC-USDT", OrderType.LIMIT, TradeType.BUY, Decimal("1"), 0.0, Decimal("110"),
                         exchange_order_id="X1")


def step(tracked: InFlightOrder | None, executed: str, average: str, fee: str) -> object:
    return fill_from_totals(tracked, "BTC-USDT", "X1", Decimal(executed), Decimal(average), Decimal(fee), "USDT", 1.0)


def test_each_fill_is_what_the_totals_add_to_the_fills_landed() -> None:
    tracked = order()
    first = fill_from_totals(tracked, "BTC-USDT", "X1", Decimal("0.2"), Decimal("100"), Decimal("0.02"), "USDT", 1.0)
    assert first is not None and (first.trade_id, first.fill_base_amount, first.fill_price) == (
        "X1:0.2", Decimal("0.2"), Decimal("100"))
    assert first.fee.amount_in("USDT") == Decimal("0.02") and first.client_order_id == "cc1"
    tracked.apply_trade_update(first)
    # Now 0.5 at an average of 101 for 0.05 in all: this step is 0.3 for 50.5 - 20 = 30.5, fee 0.03.
    second = fill_from_totals(tracked, "BTC-USDT", "X1", Decimal("0.5"), Decimal("101"), Decimal("0.05"), "USDT", 2.0)
    assert second is not None and second.trade_id == "X1:0.5"
    assert (second.fill_base_amount, second.fill_quote_amount) == (Decimal("0.3"), Decimal("30.5"))
    assert second.fee.amount_in("USDT") == Decimal("0.03")
    tracked.apply_trade_update(second)
    assert tracked.executed_amount_base == Decimal("0.5") and tracked.executed_amount_quote == Decimal("50.5")


def test_a_step_seen_again_or_older_than_what_landed_brings_nothing() -> None:
    tracked = order()
    fill = fill_from_totals(tracked, "BTC-USDT", "X1", Decimal("0.50"), Decimal("100"), Decimal("0"), "USDT", 1.0)
    assert fill is not None and fill.trade_id == cumulative_step_id("X1", Decimal("0.5")) == "X1:0.5"
    tracked.apply_trade_update(fill)
    assert step(tracked, "0.5", "100", "0") is None
    assert step(tracked, "0.2", "100", "0") is None


def test_an_untracked_order_has_landed_nothing() -> None:
    fill = fill_from_totals(None, "BTC-USDT", "X1", Decimal("1E+2"), Decimal("3"), Decimal("0"), "USDT", 1.0)
    assert fill is not None and fill.trade_id == "X1:100" and fill.client_order_id is None
    assert fill.fee.flat_fees == ()


@pytest.mark.parametrize("executed, average, fee", [("NaN", "100", "0"), ("0.5", "Infinity", "0"),
                                                    ("0.5", "100", "NaN"), ("-0.5", "100", "0")])
def test_totals_no_fill_may_carry_bring_nothing(executed: str, average: str, fee: str) -> None:
    assert step(order(), executed, average, fee) is None
