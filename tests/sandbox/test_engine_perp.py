"""USD-M perpetual behaviour of the sandbox engine: positions, PnL, margin, funding, reduce-only, hedge mode."""

from __future__ import annotations

import contextlib
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clobconn.sandbox.engine import (
    Engine,
    EngineReject,
    FundingPayment,
    MarketSpec,
    OrderKind,
    OrderStatus,
    Position,
    Side,
    TimeInForce,
)

PERP = MarketSpec(
    symbol="BTCUSDT", base="BTC", quote="USDT", tick_size=D("0.1"), step_size=D("0.001"), min_qty=D("0.001"),
    max_qty=D("1000"), min_notional=D("5"), maker_fee=D("0.0002"), taker_fee=D("0.0005"), perpetual=True,
    max_leverage=50,
)
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderKind.LIMIT, OrderKind.MARKET
START = D("10000")


class FundingRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_book_delta(self, delta: object) -> None:
        self.events.append(("book", delta))

    def on_trade(self, trade: object) -> None:
        self.events.append(("trade", trade))

    def on_order(self, order: object, fill: object) -> None:
        self.events.append(("order", (order, fill)))

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        self.events.append(("balances", (account, assets)))

    def on_position(self, account: str, position: Position) -> None:
        self.events.append(("position", (account, position)))

    def on_funding(self, payment: FundingPayment) -> None:
        self.events.append(("funding", payment))


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def make_engine() -> tuple[Engine, Clock, FundingRecorder]:
    clock = Clock()
    engine = Engine([PERP], clock, funding_interval_ms=60_000)
    recorder = FundingRecorder()
    engine.add_listener(recorder)
    engine.open_account("alice", {"USDT": START})
    engine.open_account("bob", {"USDT": START})
    engine.open_account("mm", {"USDT": D("1000000")})
    recorder.events.clear()
    return engine, clock, recorder


def trade(engine: Engine, account: str, side: Side, quantity: str, price: str, **options: object) -> None:
    """``account`` takes ``quantity`` at ``price`` from a resting order of the market maker."""
    maker_side = SELL if side is BUY else BUY
    engine.place("mm", "BTCUSDT", maker_side, LIMIT, D(quantity), D(price))
    engine.place(account, "BTCUSDT", side, LIMIT, D(quantity), D(price), **options)  # type: ignore[arg-type]


def position(engine: Engine, account: str, side: str = "BOTH") -> Position:
    return next(p for p in engine.positions(account) if p.position_side == side)


def wallet(engine: Engine, account: str) -> D:
    return engine.wallet(account)["USDT"][0]


def test_open_increase_reduce_close_with_exact_pnl_and_fees() -> None:
    engine, _, _ = make_engine()
    trade(engine, "alice", BUY, "1", "100")
    assert (position(engine, "alice").amount, position(engine, "alice").entry_price) == (D("1"), D("100"))
    assert position(engine, "mm").amount == D("-1")
    assert wallet(engine, "alice") == START - D("0.05")  # taker 0.05% of 100
    assert wallet(engine, "mm") == D("1000000") - D("0.02")  # maker 0.02%

    trade(engine, "alice", BUY, "1", "110")
    assert position(engine, "alice").amount == D("2") and position(engine, "alice").entry_price == D("105")

    trade(engine, "alice", SELL, "0.5", "120")
    fill = engine.fills("alice", "BTCUSDT")[-1]
    assert fill.realized_pnl == D("7.5") and fill.fee == D("0.03") and fill.fee_asset == "USDT"
    assert position(engine, "alice").amount == D("1.5") and position(engine, "alice").entry_price == D("105")

    trade(engine, "alice", SELL, "1.5", "100")
    assert engine.fills("alice", "BTCUSDT")[-1].realized_pnl == D("-7.5")
    assert position(engine, "alice").amount == 0
    fees = D("0.05") + D("0.055") + D("0.03") + D("0.075")
    assert wallet(engine, "alice") == START - fees  # +7.5 - 7.5 realized
    assert position(engine, "mm").amount == 0


def test_flip_in_one_way_mode_realizes_then_reopens() -> None:
    engine, _, _ = make_engine()
    trade(engine, "alice", BUY, "1", "100")
    trade(engine, "alice", SELL, "3", "90")
    fill = engine.fills("alice", "BTCUSDT")[-1]
    assert fill.realized_pnl == D("-10")
    short = position(engine, "alice")
    assert (short.amount, short.entry_price) == (D("-2"), D("90"))


def test_mark_price_drives_unrealized_pnl_and_margin() -> None:
    engine, _, _ = make_engine()
    trade(engine, "alice", BUY, "2", "100")
    engine.set_mark_price("BTCUSDT", D("110"))
    long = position(engine, "alice")
    assert (long.mark_price, long.unrealized_pnl, long.leverage) == (D("110"), D("20"), 20)
    assert long.initial_margin == D("11")  # 2 * 110 / 20
    wallet_balance, available = engine.wallet("alice")["USDT"]
    assert available == wallet_balance + D("20") - D("11")
    assert engine.balances("alice")["USDT"] == (available, D("11"))
    assert position(engine, "mm").unrealized_pnl == D("-20")


def test_open_orders_reserve_initial_margin_and_cancel_returns_it() -> None:
    engine, _, _ = make_engine()
    order, _ = engine.place("alice", "BTCUSDT", BUY, LIMIT, D("10"), D("100"))
    assert engine.wallet("alice")["USDT"] == (START, START - D("50"))  # 1000 / 20
    engine.set_leverage("alice", "BTCUSDT", 10)
    assert engine.wallet("alice")["USDT"][1] == START - D("100")
    engine.cancel("alice", "BTCUSDT", order.order_id)
    assert engine.wallet("alice")["USDT"] == (START, START)


def test_margin_insufficient_and_leverage_bounds() -> None:
    engine, _, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("201"), D("1000"))  # 201000 / 20 > 10000
    assert (caught.value.code, caught.value.message) == (-2019, "Margin is insufficient.")
    engine.place("alice", "BTCUSDT", BUY, LIMIT, D("199"), D("1000"))
    for bad in (0, 51):
        with pytest.raises(EngineReject) as caught:
            engine.set_leverage("alice", "BTCUSDT", bad)
        assert caught.value.code == -4028
    with pytest.raises(EngineReject) as caught:
        engine.set_leverage("alice", "BTCUSDT", 5)  # 199000 / 5 would exceed the wallet
    assert caught.value.code == -2028 and engine.leverage("alice", "BTCUSDT") == 20
    assert engine.set_leverage("alice", "BTCUSDT", 50) == 50


def test_reduce_only_is_rejected_with_nothing_to_reduce() -> None:
    engine, _, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"), reduce_only=True)
    assert (caught.value.code, caught.value.message) == (-2022, "ReduceOnly Order is rejected.")
    trade(engine, "alice", BUY, "1", "100")
    with pytest.raises(EngineReject, match="ReduceOnly"):
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("100"), reduce_only=True)  # would increase


def test_reduce_only_is_clipped_to_the_position_and_never_flips() -> None:
    engine, _, recorder = make_engine()
    trade(engine, "alice", BUY, "1", "100")
    engine.place("mm", "BTCUSDT", BUY, LIMIT, D("5"), D("99"))
    order, fills = engine.place("alice", "BTCUSDT", SELL, MARKET, D("3"), reduce_only=True)
    assert [f.qty for f in fills] == [D("1")] and fills[0].realized_pnl == D("-1")
    assert order.status is OrderStatus.EXPIRED and order.executed_qty == D("1")
    assert position(engine, "alice").amount == 0
    # The clipped match still publishes the level it changed.
    last_delta = [payload for kind, payload in recorder.events if kind == "book"][-1]
    assert last_delta.bids == ((D("99"), D("4")),)  # type: ignore[attr-defined]
    assert engine.depth("BTCUSDT", 5)[1] == [(D("99"), D("4"))]


def test_resting_reduce_only_expires_when_position_goes_flat() -> None:
    engine, _, recorder = make_engine()
    trade(engine, "alice", BUY, "1", "100")
    resting, _ = engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("200"), reduce_only=True)
    assert engine.wallet("alice")["USDT"][1] == wallet(engine, "alice") - D("5")  # reserves no margin
    recorder.events.clear()
    trade(engine, "alice", SELL, "1", "100")
    assert engine.get_order("alice", "BTCUSDT", resting.order_id).status is OrderStatus.EXPIRED
    updates = [payload[0] for kind, payload in recorder.events if kind == "order"]  # type: ignore[index]
    assert [o.status for o in updates if o.order_id == resting.order_id] == [OrderStatus.EXPIRED]
    assert engine.depth("BTCUSDT", 5)[2] == []


def test_reduce_only_is_exempt_from_min_notional() -> None:
    engine, _, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("0.001"), D("1000"))
    assert caught.value.code == -4164
    assert caught.value.message == "Order's notional must be no smaller than 5 (unless you choose reduce only)"
    trade(engine, "alice", BUY, "0.01", "1000")
    order, _ = engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.001"), D("1100"), reduce_only=True)
    assert order.status is OrderStatus.NEW


@pytest.mark.parametrize(
    ("quantity", "price", "code"),
    [("1", "100.05", -4014), ("1.0005", "100", -4023), ("1001", "100", -4005), ("0", "100", -4003)],
)
def test_perp_filters_use_futures_codes(quantity: str, price: str, code: int) -> None:
    engine, _, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D(quantity), D(price))
    assert caught.value.code == code


def test_gtx_that_would_take_and_unfillable_fok_are_refused() -> None:
    engine, _, _ = make_engine()
    engine.place("mm", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("100"), tif=TimeInForce.GTX)
    assert caught.value.code == -5022
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("2"), D("100"), tif=TimeInForce.FOK)
    assert caught.value.code == -5021
    resting, _ = engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("99.9"), tif=TimeInForce.GTX)
    assert resting.status is OrderStatus.NEW
    order, _ = engine.place("alice", "BTCUSDT", BUY, LIMIT, D("2"), D("100"), tif=TimeInForce.IOC)
    assert order.status is OrderStatus.EXPIRED and order.executed_qty == D("1")


def test_hedge_mode_keeps_long_and_short_apart() -> None:
    engine, _, _ = make_engine()
    engine.set_dual_side("alice", True)
    assert engine.dual_side("alice")
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))  # BOTH in hedge mode
    assert caught.value.code == -4061
    with pytest.raises(EngineReject) as caught:
        engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"), position_side="LONG", reduce_only=True)
    assert caught.value.code == -1106
    with pytest.raises(EngineReject, match="ReduceOnly"):
        engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"), position_side="LONG")  # nothing to close

    trade(engine, "alice", BUY, "1", "100", position_side="LONG")
    trade(engine, "alice", SELL, "2", "100", position_side="SHORT")
    assert [(p.position_side, p.amount) for p in engine.positions("alice")] == [("LONG", D("1")), ("SHORT", D("-2"))]

    engine.place("mm", "BTCUSDT", BUY, LIMIT, D("5"), D("110"))
    order, fills = engine.place("alice", "BTCUSDT", SELL, MARKET, D("3"), position_side="LONG")  # closes the long
    assert order.executed_qty == D("1") and fills[0].realized_pnl == D("10")
    assert [(p.position_side, p.amount) for p in engine.positions("alice")] == [("LONG", D("0")), ("SHORT", D("-2"))]


def test_position_mode_change_rules() -> None:
    engine, _, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.set_dual_side("alice", False)
    assert caught.value.code == -4059
    order, _ = engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("90"))
    with pytest.raises(EngineReject) as caught:
        engine.set_dual_side("alice", True)
    assert caught.value.code == -4067
    engine.cancel("alice", "BTCUSDT", order.order_id)
    trade(engine, "alice", BUY, "1", "100")
    with pytest.raises(EngineReject) as caught:
        engine.set_dual_side("alice", True)
    assert caught.value.code == -4068


def test_funding_longs_pay_shorts_when_rate_positive() -> None:
    engine, clock, recorder = make_engine()
    trade(engine, "alice", BUY, "2", "100")
    engine.set_mark_price("BTCUSDT", D("100"))
    engine.set_funding_rate("BTCUSDT", D("0.0001"))
    due = engine.next_funding_ms("BTCUSDT")
    clock.now = due
    recorder.events.clear()
    payments = engine.settle_funding("BTCUSDT")
    assert [(p.account, p.amount, p.asset, p.rate) for p in payments] == [
        ("alice", D("-0.02"), "USDT", D("0.0001")),
        ("mm", D("0.02"), "USDT", D("0.0001")),
    ]
    assert engine.next_funding_ms("BTCUSDT") == due + 60_000
    assert [kind for kind, _ in recorder.events] == ["funding", "funding", "balances", "balances"]
    fees = D("0.1")  # taker 0.05% of 200
    assert wallet(engine, "alice") == START - fees - D("0.02")

    engine.set_funding_rate("BTCUSDT", D("-0.0002"))
    second = engine.settle_funding("BTCUSDT")
    assert second[0].amount == D("0.04") and second[0].payment_id > payments[-1].payment_id
    assert [p.payment_id for p in engine.funding_payments("alice")] == [payments[0].payment_id, second[0].payment_id]
    assert engine.funding_payments("bob") == []
    assert engine.house_balances()["USDT"] == D("0.1") + D("0.04")  # fees only: funding nets to zero


def test_position_events_follow_fills() -> None:
    engine, _, recorder = make_engine()
    trade(engine, "alice", BUY, "1", "100")
    kinds = [kind for kind, _ in recorder.events]
    assert kinds[-5:] == ["book", "balances", "balances", "position", "position"]
    accounts = {payload[0] for kind, payload in recorder.events if kind == "position"}  # type: ignore[index]
    assert accounts == {"alice", "mm"}


def equity(engine: Engine) -> D:
    held = sum(
        (engine.wallet(a)["USDT"][0] + sum((p.unrealized_pnl for p in engine.positions(a)), D(0))
         for a in engine.accounts()),
        D(0),
    )
    return held + engine.house_balances().get("USDT", D(0))


PerpFlow = tuple[str, Side, OrderKind, D, D, bool, D | None, bool]
PERP_ORDER = st.tuples(
    st.sampled_from(["alice", "bob", "mm"]),
    st.sampled_from([BUY, SELL]),
    st.sampled_from([LIMIT, MARKET]),
    st.integers(min_value=1, max_value=3000).map(lambda steps: D(steps) * D("0.001")),
    st.integers(min_value=950, max_value=1050).map(lambda ticks: D(ticks) * D("0.1")),
    st.booleans(),  # reduce only
    st.sampled_from([None, D("95"), D("100"), D("104.3")]),  # a new mark price
    st.booleans(),  # settle funding
)


@settings(max_examples=60, deadline=None)
@given(st.lists(PERP_ORDER, min_size=1, max_size=40))
def test_equity_is_conserved_for_any_order_flow(flow: list[PerpFlow]) -> None:
    engine, _, _ = make_engine()
    initial = equity(engine)
    for account, side, kind, quantity, price, reduce_only, mark, fund in flow:
        with contextlib.suppress(EngineReject):
            engine.place(account, "BTCUSDT", side, kind, quantity, price if kind is LIMIT else None,
                         reduce_only=reduce_only)
        if mark is not None:
            engine.set_mark_price("BTCUSDT", mark)
        if fund:
            engine.settle_funding("BTCUSDT")
        assert equity(engine) == initial
        assert sum((p.amount for a in engine.accounts() for p in engine.positions(a)), D(0)) == 0
