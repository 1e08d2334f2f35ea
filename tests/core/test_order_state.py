"""The order state machine, fill accounting on InFlightOrder, and the market data types."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from clobconn.core.data_types import (
    Balance,
    FeeType,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TradeFee,
    TradeType,
    TradeUpdate,
    TradingRule,
    is_legal_transition,
    quantize_down,
)

S = OrderState
TERMINAL = (S.FILLED, S.CANCELED, S.FAILED)

# Written out from the documented rules (states may be skipped, a terminal state is never left,
# nothing goes back to PENDING_CREATE, a refused cancel returns to OPEN, fills never un-happen),
# not copied from LEGAL_TRANSITIONS: the test checks the table against the intent.
EXPECTED_LEGAL: dict[OrderState, set[OrderState]] = {
    S.PENDING_CREATE: {S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.FAILED},
    S.OPEN: {S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.FAILED},
    S.PARTIALLY_FILLED: {S.PENDING_CANCEL, S.FILLED, S.CANCELED, S.FAILED},
    S.PENDING_CANCEL: {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.FAILED},
    S.FILLED: set(),
    S.CANCELED: set(),
    S.FAILED: set(),
}
ALL_PAIRS = [(a, b) for a in OrderState for b in OrderState if a is not b]
LEGAL_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED_LEGAL[a]]
ILLEGAL_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED_LEGAL[a]]


def make_order(
    state: OrderState = S.PENDING_CREATE,
    amount: str = "10",
    quote_amount: str | None = None,
    client_order_id: str = "c1",
) -> InFlightOrder:
    return InFlightOrder(
        client_order_id=client_order_id,
        trading_pair="BTC-USDT",
        order_type=OrderType.LIMIT,
        trade_type=TradeType.BUY,
        amount=Decimal(amount),
        creation_timestamp=1.0,
        price=Decimal("100"),
        state=state,
        quote_amount=None if quote_amount is None else Decimal(quote_amount),
    )


def make_trade(trade_id: str, price: str, base: str, timestamp: float = 10.0) -> TradeUpdate:
    return TradeUpdate(
        trade_id=trade_id,
        trading_pair="BTC-USDT",
        fill_price=Decimal(price),
        fill_base_amount=Decimal(base),
        fill_quote_amount=Decimal(price) * Decimal(base),
        fee=TradeFee.flat("USDT", Decimal("0.01")),
        fill_timestamp=timestamp,
        client_order_id="c1",
    )


# -- the transition table ------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "new"), LEGAL_PAIRS, ids=str)
def test_every_legal_transition_is_applied(current: OrderState, new: OrderState) -> None:
    assert is_legal_transition(current, new) is True
    order = make_order(current)
    order.last_update_timestamp = 5.0
    assert order.transition(new, 7.0) is True
    assert order.state is new
    assert order.last_update_timestamp == 7.0


@pytest.mark.parametrize(("current", "new"), ILLEGAL_PAIRS, ids=str)
def test_every_illegal_transition_is_refused_logged_and_leaves_state(
    current: OrderState, new: OrderState, caplog: pytest.LogCaptureFixture
) -> None:
    assert is_legal_transition(current, new) is False
    order = make_order(current)
    order.last_update_timestamp = 5.0
    with caplog.at_level(logging.DEBUG, logger="clobconn.core.data_types.order"):
        assert order.transition(new, 9.0, reason="should not stick") is False
    assert order.state is current
    assert order.last_update_timestamp == 5.0
    assert order.failure_reason is None
    assert len(caplog.records) == 1
    record = caplog.records[0]
    text = record.getMessage()
    # A live state after a final one is a late report (routine, so debug); the rest is a warning.
    stale = current.is_terminal and not new.is_terminal
    assert record.levelno == (logging.DEBUG if stale else logging.WARNING)
    assert ("stale transition" if stale else "illegal transition") in text
    assert f"{current.value} -> {new.value}" in text
    assert "c1" in text


@pytest.mark.parametrize("terminal", TERMINAL)
def test_terminal_states_refuse_everything(terminal: OrderState) -> None:
    assert terminal.is_terminal
    assert not terminal.is_open
    order = make_order(terminal)
    for target in OrderState:
        if target is terminal:
            continue
        assert order.transition(target, 1.0) is False
        assert order.state is terminal
    assert order.is_done


def test_nothing_goes_back_to_pending_create() -> None:
    for state in OrderState:
        if state is not S.PENDING_CREATE:
            assert not is_legal_transition(state, S.PENDING_CREATE)


@pytest.mark.parametrize("state", list(OrderState))
def test_same_state_is_a_silent_no_op(state: OrderState, caplog: pytest.LogCaptureFixture) -> None:
    assert is_legal_transition(state, state) is True
    order = make_order(state)
    order.last_update_timestamp = 3.0
    with caplog.at_level(logging.DEBUG):
        assert order.transition(state, 99.0, reason="repeat") is False
    assert order.state is state
    assert order.last_update_timestamp == 3.0
    assert order.failure_reason is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_open_states() -> None:
    assert {s for s in OrderState if s.is_open} == {S.OPEN, S.PARTIALLY_FILLED, S.PENDING_CANCEL}
    assert {s for s in OrderState if s.is_terminal} == set(TERMINAL)


def test_transition_records_reason_and_keeps_latest_timestamp() -> None:
    order = make_order(S.OPEN)
    order.last_update_timestamp = 50.0
    # An update stamped earlier than what we already saw still applies but does not move time back.
    assert order.transition(S.FAILED, 20.0, reason="venue rejected") is True
    assert order.failure_reason == "venue rejected"
    assert order.last_update_timestamp == 50.0


def test_apply_order_update_learns_exchange_id_and_reported_amount() -> None:
    order = make_order()
    update = OrderUpdate("BTC-USDT", 2.0, S.OPEN, client_order_id="c1", exchange_order_id="E1",
                         executed_amount=Decimal("4"))
    assert order.apply_order_update(update) is True
    assert order.exchange_order_id == "E1"
    assert order.reported_executed_amount == Decimal("4")
    # The exchange id, once known, is not overwritten; a lower cumulative amount never lowers it.
    later = OrderUpdate("BTC-USDT", 3.0, S.PARTIALLY_FILLED, exchange_order_id="OTHER", executed_amount=Decimal("3"))
    assert order.apply_order_update(later) is True
    assert order.exchange_order_id == "E1"
    assert order.reported_executed_amount == Decimal("4")
    assert order.state is S.PARTIALLY_FILLED


# -- fill accounting -----------------------------------------------------------------------------


def test_a_trade_id_applied_twice_counts_once() -> None:
    order = make_order()
    trade = make_trade("t1", "100", "2")
    assert order.apply_trade_update(trade) is True
    assert order.apply_trade_update(trade) is False
    # The same id from another path (say REST polling) with a different object still counts once.
    assert order.apply_trade_update(make_trade("t1", "100", "2", timestamp=11.0)) is False
    assert order.executed_amount_base == Decimal("2")
    assert order.executed_amount_quote == Decimal("200")
    assert list(order.fills) == ["t1"]


def test_executed_amounts_and_average_price() -> None:
    order = make_order(amount="10")
    assert order.average_fill_price is None
    assert order.executed_amount_base == Decimal(0)
    order.apply_trade_update(make_trade("t1", "100", "1", timestamp=10.0))
    order.apply_trade_update(make_trade("t2", "110", "3", timestamp=12.0))
    order.apply_trade_update(make_trade("t3", "99.5", "0.5", timestamp=11.0))
    assert order.executed_amount_base == Decimal("4.5")
    assert order.executed_amount_quote == Decimal("479.75")  # 100 + 330 + 49.75
    assert order.average_fill_price == Decimal("479.75") / Decimal("4.5")
    assert order.remaining_amount == Decimal("5.5")
    assert order.last_update_timestamp == 12.0


def test_fill_learns_exchange_id() -> None:
    order = make_order()
    trade = TradeUpdate("t1", "BTC-USDT", Decimal("1"), Decimal("1"), Decimal("1"), TradeFee(), 1.0,
                        exchange_order_id="E9")
    order.apply_trade_update(trade)
    assert order.exchange_order_id == "E9"


def test_remaining_never_negative() -> None:
    order = make_order(amount="1")
    order.apply_trade_update(make_trade("t1", "100", "1.5"))
    assert order.remaining_amount == Decimal(0)


def test_fills_complete_against_order_amount() -> None:
    order = make_order(amount="3")
    assert order.fills_complete is False
    order.apply_trade_update(make_trade("t1", "100", "2"))
    assert order.fills_complete is False
    order.apply_trade_update(make_trade("t2", "100", "1"))
    assert order.fills_complete is True


def test_fills_complete_uses_the_venues_reported_executed_amount() -> None:
    # The order was cancelled after 4 of 10 filled: complete once those 4 landed, not at 10.
    order = make_order(amount="10")
    order.apply_order_update(OrderUpdate("BTC-USDT", 1.0, S.CANCELED, executed_amount=Decimal("4")))
    assert order.reported_executed_amount == Decimal("4")
    order.apply_trade_update(make_trade("t1", "100", "3"))
    assert order.fills_complete is False
    order.apply_trade_update(make_trade("t2", "100", "1"))
    assert order.fills_complete is True


def test_fills_complete_for_quote_sized_market_buy() -> None:
    order = make_order(amount="500", quote_amount="500")
    assert order.fills_complete is False
    order.apply_trade_update(make_trade("t1", "100", "0.1"))
    assert order.fills_complete is True


def test_trade_fee_amount_in() -> None:
    fee = TradeFee(FeeType.ADDED_TO_COST, percent=Decimal("0.001"), percent_token="USDT",
                   flat_fees=(TradeFee.flat("BNB", Decimal("0.5")).flat_fees[0],))
    assert fee.amount_in("USDT", Decimal("1000")) == Decimal("1.000")
    assert fee.amount_in("BNB") == Decimal("0.5")
    assert fee.amount_in("BTC", Decimal("1000")) == Decimal(0)
    assert TradeFee.flat("BNB", Decimal(0)).flat_fees == ()


# -- trading rules and balances ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "step", "expected"),
    [
        ("27000.1299", "0.01", "27000.12"),
        ("27000.12", "0.01", "27000.12"),
        ("0.00000129", "0.00000001", "0.00000129"),
        ("0.000001299", "0.00000001", "0.00000129"),
        ("101.7", "0.5", "101.5"),
        ("99.99", "5", "95"),
        ("0.3", "0.1", "0.3"),
    ],
)
def test_quantize_price_rounds_down_to_the_step(price: str, step: str, expected: str) -> None:
    rule = TradingRule("BTC-USDT", min_price_increment=Decimal(step))
    result = rule.quantize_price(Decimal(price))
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    # Exactly a multiple of the step: no float residue anywhere.
    assert result % Decimal(step) == 0
    assert result <= Decimal(price)


@pytest.mark.parametrize(
    ("amount", "step", "expected"),
    [
        ("1.23456789", "0.001", "1.234"),
        ("0.12345678", "0.00001000", "0.12345"),
        ("5", "1", "5"),
        ("5.999999", "1", "5"),
        ("0.0009", "0.001", "0"),
        ("1234567.891", "0.1", "1234567.8"),
    ],
)
def test_quantize_amount_rounds_down_to_the_step(amount: str, step: str, expected: str) -> None:
    rule = TradingRule("BTC-USDT", min_base_amount_increment=Decimal(step))
    result = rule.quantize_amount(Decimal(amount))
    assert result == Decimal(expected)
    assert result % Decimal(step) == 0


def test_quantize_keeps_decimal_exactness_where_floats_would_not() -> None:
    # 0.1 + 0.2 in floats is 0.30000000000000004; in Decimal it must stay exactly 0.3.
    rule = TradingRule("X-Y", min_price_increment=Decimal("0.1"), min_base_amount_increment=Decimal("0.1"))
    assert rule.quantize_price(Decimal("0.1") + Decimal("0.2")) == Decimal("0.3")
    assert str(rule.quantize_amount(Decimal("0.7"))) == "0.7"
    # The step's exponent carries through: a venue step of "0.01" yields two decimal places.
    assert str(TradingRule("X-Y", min_price_increment=Decimal("0.01")).quantize_price(Decimal("27000.1"))) \
        == "27000.10"


def test_zero_step_leaves_value_unchanged() -> None:
    rule = TradingRule("X-Y")
    assert rule.quantize_price(Decimal("1.23456789123")) == Decimal("1.23456789123")
    assert rule.quantize_amount(Decimal("7.77")) == Decimal("7.77")
    assert quantize_down(Decimal("3.3"), Decimal(0)) == Decimal("3.3")


def test_quantize_down_handles_fine_steps_on_large_amounts() -> None:
    # An 18-decimal token (a DEX step of 1e-18) and an amount of ten billion (meme-coin sizes).
    amount = Decimal("10000000000.123456789012345678")
    assert quantize_down(amount, Decimal("1E-18")) == amount
    assert quantize_down(Decimal("10000000000.1234567890123456789"), Decimal("1E-18")) == amount


def test_balance_locked_is_total_minus_available() -> None:
    balance = Balance("BTC", total=Decimal("1.5"), available=Decimal("0.25"))
    assert balance.locked == Decimal("1.25")
    assert Balance("USDT", Decimal("10"), Decimal("10")).locked == Decimal(0)
    with pytest.raises(AttributeError):
        balance.locked = Decimal(0)  # type: ignore[misc]


def test_contract_venues_convert_base_amounts_on_the_wire_only() -> None:
    # Gate.io-style: one contract is 0.0001 BTC, so base increments are multiples of it.
    rule = TradingRule("BTC-USDT", min_base_amount_increment=Decimal("0.0001"), contract_size=Decimal("0.0001"))
    assert rule.to_contracts(Decimal("0.0123")) == Decimal(123)
    assert str(rule.to_contracts(Decimal("0.0123"))) == "123"
    assert rule.from_contracts(Decimal(123)) == Decimal("0.0123")
    assert str(rule.from_contracts(Decimal(10))) == "0.0010"
    with pytest.raises(ValueError, match="whole number"):
        rule.to_contracts(Decimal("0.00015"))
