"""Spot round trip: the real ``binance`` connector against the sandbox over loopback.

A resting order, a crossing order that fills at once, a partial fill by the sandbox's taker, a
cancel, an amend and a cancel-all; the user's balances then differ from the start by exactly the
fills and their fees, to the Decimal, in the engine's books and in the connector's.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from clobconn import ExchangeBase, OrderState, OrderType, TradeType, TradeUpdate
from clobconn.sandbox import Sandbox
from clobconn.sandbox.engine import Engine, OrderKind, OrderStatus, Side, TimeInForce
from clobconn.testing.suites import eventually, state_of

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
EIGHT_PLACES = Decimal("1e-8")


def totals(engine: Engine, account: str) -> dict[str, Decimal]:
    return {asset: free + locked for asset, (free, locked) in engine.balances(account).items()}


def after_fills(start: dict[str, Decimal], fills: Iterable[tuple[TradeType, TradeUpdate]]) -> dict[str, Decimal]:
    """The balances ``start`` becomes after ``fills``: base in, quote out for a buy (and the reverse for
    a sell), less each fee in its own asset."""
    balances = dict(start)
    for side, fill in fills:
        sign = 1 if side is TradeType.BUY else -1
        balances["BTC"] += sign * fill.fill_base_amount
        balances["USDT"] -= sign * fill.fill_quote_amount
        for fee in fill.fee.flat_fees:
            balances[fee.token] -= fee.amount
    return balances


async def test_spot_round_trip(sandbox: Sandbox, spot: ExchangeBase) -> None:
    engine, user = sandbox.spot, sandbox.user_account
    market = engine.markets[SYMBOL]
    start = totals(engine, user)
    _, bids, asks = engine.depth(SYMBOL, 1)
    best_bid, best_ask = bids[0][0], asks[0][0]

    # A resting buy well below the book locks its notional.
    resting_price = best_bid - 100 * market.tick_size
    resting = await spot.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, resting_price)
    assert resting.state is OrderState.OPEN
    assert engine.get_order(user, SYMBOL, int(resting.exchange_order_id or 0)).status is OrderStatus.NEW
    await eventually(lambda: spot.get_balance("USDT") - spot.get_available_balance("USDT")
                     == Decimal("0.01") * resting_price, what="the resting buy's quote locked")

    # A buy at the best ask takes at once; the FULL answer carries its fill.
    crossing = await spot.place_order(PAIR, TradeType.BUY, Decimal("0.001"), OrderType.LIMIT, best_ask)
    assert crossing.state is OrderState.FILLED
    [taken] = crossing.fills.values()
    assert (taken.fill_price, taken.fill_base_amount) == (best_ask, Decimal("0.001"))
    assert taken.fee.flat_fees[0].amount == (Decimal("0.001") * market.taker_fee).quantize(EIGHT_PLACES)

    # A sell inside the spread rests; the sandbox's taker buys a quarter of it.
    inside = best_ask - market.tick_size
    partial = await spot.place_order(PAIR, TradeType.SELL, Decimal("0.02"), OrderType.LIMIT, inside)
    assert partial.state is OrderState.OPEN
    engine.place(sandbox.spot_liquidity.taker_account, SYMBOL, Side.BUY, OrderKind.LIMIT, Decimal("0.005"), inside,
                 TimeInForce.IOC)
    await eventually(lambda: partial.executed_amount_base == Decimal("0.005"), what="the partial fill event")
    assert state_of(partial) is OrderState.PARTIALLY_FILLED
    [made] = partial.fills.values()
    assert made.is_maker
    assert made.fee.flat_fees[0].amount == (Decimal("0.005") * inside * market.maker_fee).quantize(
        EIGHT_PLACES, ROUND_HALF_UP)

    assert await spot.cancel_order(PAIR, partial.client_order_id)
    # Amend (cancelReplace) the resting order a tick lower, then cancel everything left (DELETE openOrders).
    amended = await spot.amend_order(PAIR, resting.client_order_id, price=resting_price - market.tick_size)
    assert (state_of(resting), amended.state) == (OrderState.CANCELED, OrderState.OPEN)
    assert [order.price for order in engine.open_orders(user, SYMBOL)] == [resting_price - market.tick_size]
    assert [result.success for result in await spot.cancel_all(trading_pair=PAIR)] == [True]
    assert engine.open_orders(user, SYMBOL) == []

    # Every fill the engine booked reached the connector, with the same price, size and fee.
    orders = (resting, crossing, partial, amended)
    connector_fills = {fill.trade_id: fill for order in orders for fill in order.fills.values()}
    engine_fills = {str(fill.trade_id): fill for fill in engine.fills(user, SYMBOL)}
    assert connector_fills.keys() == engine_fills.keys()
    for trade_id, fill in engine_fills.items():
        seen = connector_fills[trade_id]
        [fee] = seen.fee.flat_fees
        assert (seen.fill_price, seen.fill_base_amount, fee.token, fee.amount) == (
            fill.price, fill.qty, fill.fee_asset, fill.fee)

    # Balances moved by exactly the fills and fees: in the engine, and as the connector sees them.
    expected = after_fills(start, ((order.trade_type, fill) for order in orders for fill in order.fills.values()))
    assert totals(engine, user) == expected
    assert all(locked == 0 for _, locked in engine.balances(user).values())
    await eventually(lambda: all(spot.get_balance(asset) == expected[asset] for asset in ("BTC", "USDT"))
                     and spot.get_available_balance("USDT") == expected["USDT"], what="the final balances")
