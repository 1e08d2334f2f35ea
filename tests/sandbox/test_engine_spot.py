"""Spot behaviour of the sandbox matching engine: priority, order types, fees, locks, filters, events."""

from __future__ import annotations

import contextlib
import itertools
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clobconn.sandbox.engine import (
    BookDelta,
    Engine,
    EngineOrder,
    EngineReject,
    Fill,
    FundingPayment,
    MarketSpec,
    OrderKind,
    OrderStatus,
    Position,
    PublicTrade,
    Side,
    TimeInForce,
)

BTC = MarketSpec(
    symbol="BTCUSDT", base="BTC", quote="USDT", tick_size=D("0.01"), step_size=D("0.001"), min_qty=D("0.001"),
    max_qty=D("100"), min_notional=D("5"), maker_fee=D("0.001"), taker_fee=D("0.002"),
)
START = {"BTC": D("10"), "USDT": D("100000")}
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MAKER, MARKET = OrderKind.LIMIT, OrderKind.LIMIT_MAKER, OrderKind.MARKET


class Recorder:
    """Listener that records every event in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def on_book_delta(self, delta: BookDelta) -> None:
        self.events.append(("book", delta))

    def on_trade(self, trade: PublicTrade) -> None:
        self.events.append(("trade", trade))

    def on_order(self, order: EngineOrder, fill: Fill | None) -> None:
        self.events.append(("order", (order, fill)))

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        self.events.append(("balances", (account, assets)))

    def on_position(self, account: str, position: Position) -> None:
        self.events.append(("position", (account, position)))

    def on_funding(self, payment: FundingPayment) -> None:
        self.events.append(("funding", payment))

    def of(self, kind: str) -> list[object]:
        return [payload for name, payload in self.events if name == kind]

    def clear(self) -> None:
        self.events.clear()


def make_engine(*accounts: str) -> tuple[Engine, Recorder]:
    clock = iter(range(1_000, 10**9))
    engine = Engine([BTC], lambda: next(clock))
    recorder = Recorder()
    engine.add_listener(recorder)
    for account in accounts or ("alice", "bob", "carol"):
        engine.open_account(account, START)
    recorder.clear()
    return engine, recorder


def total(engine: Engine, asset: str) -> D:
    held = sum((sum(engine.balances(a).get(asset, (D(0), D(0)))) for a in engine.accounts()), D(0))
    return held + engine.house_balances().get(asset, D(0))


def reject_of(call: object) -> tuple[int, str]:
    assert isinstance(call, EngineReject)
    return call.code, call.message


def test_price_time_priority() -> None:
    engine, _ = make_engine()
    first, _ = engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("101"))
    second, _ = engine.place("bob", "BTCUSDT", SELL, LIMIT, D("1"), D("101"))
    better, _ = engine.place("carol", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    taker, fills = engine.place("carol", "BTCUSDT", BUY, LIMIT, D("2.5"), D("101"))
    assert [(f.price, f.qty) for f in fills] == [(D("100"), D("1")), (D("101"), D("1")), (D("101"), D("0.5"))]
    assert engine.get_order("carol", "BTCUSDT", better.order_id).status is OrderStatus.FILLED
    assert engine.get_order("alice", "BTCUSDT", first.order_id).status is OrderStatus.FILLED
    assert engine.get_order("bob", "BTCUSDT", second.order_id).status is OrderStatus.PARTIALLY_FILLED
    assert taker.status is OrderStatus.FILLED
    assert taker.avg_price == (D("100") + D("101") + D("50.5")) / D("2.5")
    assert engine.depth("BTCUSDT", 5)[2] == [(D("101"), D("0.5"))]


def test_gtc_partial_fill_rests_remainder() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.4"), D("100"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.executed_qty == D("0.4")
    assert sum(f.qty for f in fills) == D("0.4")
    _, bids, asks = engine.depth("BTCUSDT", 5)
    assert bids == [(D("100"), D("0.6"))] and asks == []
    assert [o.order_id for o in engine.open_orders("bob")] == [order.order_id]
    # The remainder keeps its lock at the limit price.
    assert engine.balances("bob")["USDT"][1] == D("60")


def test_ioc_remainder_expires_and_releases_lock() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.4"), D("100"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("101"), tif=TimeInForce.IOC)
    assert order.status is OrderStatus.EXPIRED and order.executed_qty == D("0.4")
    assert len(fills) == 1 and engine.open_orders("bob") == []
    free, locked = engine.balances("bob")["USDT"]
    assert locked == 0 and free == D("100000") - D("40")
    assert engine.depth("BTCUSDT", 5)[1:] == ([], [])


def test_fok_expires_without_trading_when_book_is_short() -> None:
    engine, recorder = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.4"), D("100"))
    recorder.clear()
    order, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("100"), tif=TimeInForce.FOK)
    assert order.status is OrderStatus.EXPIRED and fills == [] and order.executed_qty == 0
    assert engine.balances("bob")["USDT"] == (D("100000"), D("0"))
    assert recorder.of("trade") == []
    assert [o.status for o, _ in recorder.of("order")] == [OrderStatus.NEW, OrderStatus.EXPIRED]


def test_fok_fills_fully_when_book_allows() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.4"), D("100"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.6"), D("100.5"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("100.5"), tif=TimeInForce.FOK)
    assert order.status is OrderStatus.FILLED and len(fills) == 2


def test_limit_maker_rejected_when_it_would_take() -> None:
    engine, recorder = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    recorder.clear()
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", BUY, MAKER, D("1"), D("100"))
    assert reject_of(caught.value) == (-2010, "Order would immediately match and take.")
    assert recorder.events == [] and engine.balances("bob")["USDT"] == (D("100000"), D("0"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, MAKER, D("1"), D("99.99"))
    assert order.status is OrderStatus.NEW and fills == []


def test_market_by_quantity_walks_the_book_and_expires_remainder() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.5"), D("100"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.5"), D("102"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, MARKET, D("2"))
    assert [(f.price, f.qty) for f in fills] == [(D("100"), D("0.5")), (D("102"), D("0.5"))]
    assert order.status is OrderStatus.EXPIRED and order.cum_quote == D("101")
    # Market buys lock nothing: the quote spent is exactly the fills.
    assert engine.balances("bob")["USDT"] == (D("100000") - D("101"), D("0"))
    assert engine.balances("bob")["BTC"][0] == D("10") + D("1") - D("0.002")


def test_market_by_quote_quantity_spends_at_most_the_budget() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.5"), D("100"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("110"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, MARKET, None, quote_quantity=D("100"))
    # 50 buys the first level; the other 50 buys floor(50 / 110 / 0.001) steps at 110.
    assert [(f.price, f.qty) for f in fills] == [(D("100"), D("0.5")), (D("110"), D("0.454"))]
    assert order.status is OrderStatus.FILLED and order.quantity == D("0.954")
    assert order.cum_quote == D("99.94") <= D("100")


def test_market_sell_by_quote_quantity() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))
    order, _ = engine.place("bob", "BTCUSDT", SELL, MARKET, None, quote_quantity=D("50"))
    assert order.executed_qty == D("0.5") and order.cum_quote == D("50")
    assert engine.balances("bob")["USDT"][0] == D("100000") + D("50") - D("0.1")  # taker fee 0.2% in quote


def test_market_order_on_empty_book_expires() -> None:
    engine, _ = make_engine()
    order, fills = engine.place("bob", "BTCUSDT", BUY, MARKET, D("1"))
    assert order.status is OrderStatus.EXPIRED and fills == []
    order, fills = engine.place("bob", "BTCUSDT", BUY, MARKET, None, quote_quantity=D("100"))
    assert (order.status, order.quantity, fills) == (OrderStatus.EXPIRED, D("0"), [])
    assert engine.open_orders("bob") == [] and order.tif is TimeInForce.GTC


def test_fees_are_charged_in_the_asset_received_at_maker_and_taker_rates() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("2"), D("100"))  # maker seller
    _, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("2"), D("100"))  # taker buyer
    taker_fill = fills[0]
    assert (taker_fill.fee, taker_fill.fee_asset, taker_fill.is_maker) == (D("0.004"), "BTC", False)
    maker_fill = engine.fills("alice", "BTCUSDT")[0]
    assert (maker_fill.fee, maker_fill.fee_asset, maker_fill.is_maker) == (D("0.2"), "USDT", True)
    assert maker_fill.trade_id == taker_fill.trade_id
    assert engine.balances("alice") == {"BTC": (D("8"), D("0")), "USDT": (D("100199.8"), D("0"))}
    assert engine.balances("bob") == {"BTC": (D("11.996"), D("0")), "USDT": (D("99800"), D("0"))}
    assert engine.house_balances() == {"USDT": D("0.2"), "BTC": D("0.004")}


def test_fee_is_rounded_to_eight_decimals() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("0.001"), D("12345.67"))
    fill = engine.fills("alice", "BTCUSDT")
    _, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("0.001"), D("12345.67"))
    fill = engine.fills("alice", "BTCUSDT")
    assert fill[0].fee == D("0.01234567")  # 12.34567 * 0.001 exactly
    assert fills[0].fee == D("0.00000200")


def test_buy_lock_releases_price_improvement_on_each_fill() -> None:
    engine, _ = make_engine()
    order, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("2"), D("101"))
    assert engine.balances("bob")["USDT"] == (D("100000") - D("202"), D("202"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("101"))  # fills at the resting 101
    assert engine.balances("bob")["USDT"] == (D("100000") - D("202"), D("101"))
    engine.cancel("bob", "BTCUSDT", order.order_id)
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("99"))
    engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("101"))  # takes at 99: 2 back to free
    assert engine.balances("bob")["USDT"] == (D("100000") - D("101") - D("99"), D("0"))


def test_cancel_releases_locks_exactly() -> None:
    engine, recorder = make_engine()
    buy, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1.234"), D("99.99"))
    sell, _ = engine.place("bob", "BTCUSDT", SELL, LIMIT, D("0.5"), D("150"))
    recorder.clear()
    canceled = engine.cancel("bob", "BTCUSDT", client_order_id=buy.client_order_id)
    assert canceled.status is OrderStatus.CANCELED
    assert engine.cancel_all("bob", "BTCUSDT")[0].order_id == sell.order_id
    assert engine.balances("bob") == {"BTC": (D("10"), D("0")), "USDT": (D("100000"), D("0"))}
    assert engine.depth("BTCUSDT", 10)[1:] == ([], [])
    assert recorder.of("balances") == [("bob", ("USDT",)), ("bob", ("BTC",))]
    with pytest.raises(EngineReject) as caught:
        engine.cancel("bob", "BTCUSDT", buy.order_id)
    assert reject_of(caught.value) == (-2011, "Unknown order sent.")


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        (D("1"), D("100.001"), "Filter failure: PRICE_FILTER"),
        (D("1"), D("0"), "Filter failure: PRICE_FILTER"),
        (D("0.0015"), D("100"), "Filter failure: LOT_SIZE"),
        (D("0.0001"), D("100000"), "Filter failure: LOT_SIZE"),
        (D("101"), D("100"), "Filter failure: LOT_SIZE"),
        (D("0.001"), D("100"), "Filter failure: NOTIONAL"),
    ],
)
def test_filters_refuse_with_binance_codes(quantity: D, price: D, message: str) -> None:
    engine, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", BUY, LIMIT, quantity, price)
    assert reject_of(caught.value) == (-1013, message)


def test_market_notional_uses_the_opposite_best_price() -> None:
    engine, _ = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    with pytest.raises(EngineReject, match="NOTIONAL"):
        engine.place("bob", "BTCUSDT", BUY, MARKET, D("0.01"))
    with pytest.raises(EngineReject, match="NOTIONAL"):
        engine.place("bob", "BTCUSDT", BUY, MARKET, None, quote_quantity=D("4"))


def test_insufficient_balance_and_bad_requests() -> None:
    engine, _ = make_engine()
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", SELL, LIMIT, D("11"), D("100"))
    assert reject_of(caught.value) == (-2010, "Account has insufficient balance for requested action.")
    with pytest.raises(EngineReject, match="insufficient balance"):
        engine.place("bob", "BTCUSDT", BUY, LIMIT, D("100"), D("1001"))
    with pytest.raises(EngineReject, match="insufficient balance"):
        engine.place("nobody", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "ETHUSDT", BUY, LIMIT, D("1"), D("100"))
    assert reject_of(caught.value) == (-1121, "Invalid symbol.")
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), None)
    assert caught.value.code == -1102
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", BUY, MARKET, D("1"), D("100"))
    assert caught.value.code == -1106
    with pytest.raises(EngineReject) as caught:
        engine.get_order("bob", "BTCUSDT", 999)
    assert reject_of(caught.value) == (-2013, "Order does not exist.")
    with pytest.raises(EngineReject):
        engine.positions("bob")  # a spot engine has no perp features


def test_duplicate_open_client_order_id_is_rejected_until_closed() -> None:
    engine, _ = make_engine()
    first, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("99"), client_order_id="mine")
    with pytest.raises(EngineReject) as caught:
        engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("98"), client_order_id="mine")
    assert reject_of(caught.value) == (-2010, "Duplicate order sent.")
    engine.cancel("bob", "BTCUSDT", client_order_id="mine")
    second, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("98"), client_order_id="mine")
    assert engine.get_order("bob", "BTCUSDT", client_order_id="mine").order_id == second.order_id
    assert engine.get_order("bob", "BTCUSDT", first.order_id).status is OrderStatus.CANCELED
    assert second.order_id > first.order_id


def test_book_deltas_have_contiguous_ids_and_match_depth() -> None:
    engine, recorder = make_engine()
    start_id = engine.depth("BTCUSDT", 1)[0]
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("101"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("102"))
    engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("99"))
    engine.place("carol", "BTCUSDT", BUY, LIMIT, D("1.5"), D("102"))  # takes 101 and part of 102
    deltas = [d for d in recorder.of("book") if isinstance(d, BookDelta)]
    assert deltas[0].first_update_id == start_id + 1 and deltas[0].prev_update_id == start_id
    for previous, current in itertools.pairwise(deltas):
        assert current.first_update_id == previous.last_update_id + 1
        assert current.prev_update_id == previous.last_update_id
        assert current.last_update_id >= current.first_update_id
    assert deltas[-1].asks == ((D("101"), D("0")), (D("102"), D("0.5")))
    assert engine.depth("BTCUSDT", 10) == (deltas[-1].last_update_id, [(D("99"), D("1"))], [(D("102"), D("0.5"))])


def test_events_arrive_in_order_of_occurrence() -> None:
    engine, recorder = make_engine()
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    recorder.clear()
    taker, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("2"), D("100"))
    kinds = [name for name, _ in recorder.events]
    assert kinds == ["order", "trade", "order", "order", "book", "balances", "balances"]
    orders = recorder.of("order")
    new, maker_update, taker_update = (payload for payload in orders if isinstance(payload, tuple))
    assert new[0].status is OrderStatus.NEW and new[1] is None
    assert maker_update[0].account == "alice" and maker_update[0].status is OrderStatus.FILLED
    assert taker_update[0].order_id == taker.order_id and taker_update[1] is not None
    assert taker_update[0].status is OrderStatus.PARTIALLY_FILLED
    trade = recorder.of("trade")[0]
    assert isinstance(trade, PublicTrade) and not trade.buyer_is_maker
    assert engine.recent_trades("BTCUSDT", 10) == [trade]


def test_self_trade_is_allowed() -> None:
    engine, _ = make_engine()
    engine.place("bob", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    order, fills = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))
    assert order.status is OrderStatus.FILLED and fills[0].account == "bob"
    assert engine.balances("bob") == {
        "BTC": (D("10") - D("0.002"), D("0")),
        "USDT": (D("100000") - D("0.1"), D("0")),
    }


def test_trade_ids_are_contiguous_per_symbol() -> None:
    engine, _ = make_engine()
    for price in ("100", "101", "102"):
        engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D(price))
    engine.place("bob", "BTCUSDT", BUY, MARKET, D("3"))
    assert [t.trade_id for t in engine.recent_trades("BTCUSDT", 10)] == [1, 2, 3]
    assert [t.trade_id for t in engine.recent_trades("BTCUSDT", 2)] == [2, 3]


def test_returned_orders_are_snapshots() -> None:
    engine, _ = make_engine()
    order, _ = engine.place("bob", "BTCUSDT", BUY, LIMIT, D("1"), D("100"))
    engine.place("alice", "BTCUSDT", SELL, LIMIT, D("1"), D("100"))
    assert order.status is OrderStatus.NEW  # the value returned earlier did not change under us
    assert engine.get_order("bob", "BTCUSDT", order.order_id).status is OrderStatus.FILLED


Flow = tuple[str, Side, tuple[OrderKind, TimeInForce], D, D, bool]
ORDER = st.tuples(
    st.sampled_from(["alice", "bob", "carol"]),
    st.sampled_from([BUY, SELL]),
    st.sampled_from([
        (LIMIT, TimeInForce.GTC), (LIMIT, TimeInForce.IOC), (LIMIT, TimeInForce.FOK), (MAKER, TimeInForce.GTC),
        (MARKET, TimeInForce.GTC),
    ]),
    st.integers(min_value=50, max_value=3000).map(lambda steps: D(steps) * D("0.001")),
    st.integers(min_value=9_900, max_value=10_100).map(lambda ticks: D(ticks) * D("0.01")),
    st.booleans(),  # cancel something afterwards
)


@settings(max_examples=60, deadline=None)
@given(st.lists(ORDER, min_size=1, max_size=40))
def test_conservation_and_locks_hold_for_any_order_flow(flow: list[Flow]) -> None:
    engine, _ = make_engine()
    initial = {asset: total(engine, asset) for asset in ("BTC", "USDT")}
    for account, side, (kind, tif), quantity, price, cancel_after in flow:
        with contextlib.suppress(EngineReject):  # refusals are part of the flow
            engine.place(account, "BTCUSDT", side, kind, quantity, None if kind is MARKET else price, tif=tif)
        if cancel_after and engine.open_orders(account):
            engine.cancel(account, "BTCUSDT", engine.open_orders(account)[0].order_id)
        for asset in ("BTC", "USDT"):
            assert total(engine, asset) == initial[asset]
        for name in engine.accounts():
            balances = engine.balances(name)
            reserved = {"BTC": D(0), "USDT": D(0)}
            for order in engine.open_orders(name):
                assert order.price is not None
                if order.side is BUY:
                    reserved["USDT"] += order.remaining * order.price
                else:
                    reserved["BTC"] += order.remaining
            for asset, (free, locked) in balances.items():
                assert free >= 0 and locked == reserved[asset]
    bids, asks = engine.best_bid_ask("BTCUSDT")
    assert bids is None or asks is None or bids < asks  # never left crossed
