"""Perpetual round trip: the real ``binance_perpetual`` connector against the sandbox over loopback.

Set leverage, open a long with a market order, settle a funding round and read the payment through
the connector, close with a reduce-only order; the position, realized PnL and wallet agree with the
engine to the Decimal. Then hedge mode, with a native batch.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn import (
    InFlightOrder,
    OrderRejected,
    OrderState,
    OrderType,
    PerpetualDerivativeBase,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from clobconn.sandbox import Sandbox
from clobconn.testing.suites import eventually

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
EIGHT_PLACES = Decimal("1e-8")
AMOUNT = Decimal("0.05")


async def test_perp_round_trip(sandbox: Sandbox, perp: PerpetualDerivativeBase) -> None:
    engine, user = sandbox.perp, sandbox.user_account
    start_wallet = engine.wallet(user)["USDT"][0]

    assert await perp.set_leverage(PAIR, 10) == Decimal(10)
    assert engine.leverage(user, SYMBOL) == 10

    # Open: a market buy that may walk a few levels, so the entry is a weighted average.
    opening = await perp.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.MARKET)
    assert opening.state is OrderState.FILLED
    [engine_position] = [p for p in engine.positions(user) if p.symbol == SYMBOL and p.amount]
    assert engine_position.amount == AMOUNT
    await eventually(lambda: (position := perp.get_position(PAIR)) is not None and position.amount == AMOUNT,
                     what="the position from ACCOUNT_UPDATE")
    position = perp.get_position(PAIR)
    assert position is not None
    # Binance prints an average entry price to 8 decimals.
    assert position.entry_price == engine_position.entry_price.quantize(EIGHT_PLACES).normalize()
    await eventually(lambda: opening.executed_amount_base == AMOUNT, what="the opening fills")
    assert opening.executed_amount_quote == AMOUNT * engine_position.entry_price

    # Funding: a long pays the rate on its notional at the mark price. The markPrice stream shows the rate.
    engine.set_funding_rate(SYMBOL, Decimal("0.0005"))
    await eventually(lambda: (info := perp.get_funding_info(PAIR)) is not None and info.rate == Decimal("0.0005"),
                     what="the new rate on the markPrice stream")
    [payment] = [p for p in engine.settle_funding(SYMBOL) if p.account == user]
    assert payment.amount < 0
    await eventually(lambda: any(p.payment_id == str(payment.payment_id) for p in perp.funding_payments),
                     what="the funding payment from GET /fapi/v1/income")
    [seen] = [p for p in perp.funding_payments if p.payment_id == str(payment.payment_id)]
    assert (seen.amount, seen.asset, seen.trading_pair) == (payment.amount, "USDT", PAIR)

    # Close with reduce-only; a second reduce-only order then has nothing to reduce and is refused (-2022).
    closing = await perp.place_order(PAIR, TradeType.SELL, AMOUNT, OrderType.MARKET, reduce_only=True)
    assert closing.state is OrderState.FILLED
    await eventually(lambda: perp.get_position(PAIR) is None, what="the position closed")
    assert all(not p.amount for p in engine.positions(user) if p.symbol == SYMBOL)
    with pytest.raises(OrderRejected):
        await perp.place_order(PAIR, TradeType.SELL, AMOUNT, OrderType.MARKET, reduce_only=True)

    # Realized PnL: what the close sold for less what the open paid, as the connector's fills say.
    await eventually(lambda: closing.executed_amount_base == AMOUNT, what="the closing fills")
    fills = engine.fills(user, SYMBOL)
    realized = sum((fill.realized_pnl for fill in fills), Decimal(0))
    assert realized == closing.executed_amount_quote - opening.executed_amount_quote
    fees = sum((fill.fee for fill in fills), Decimal(0))
    connector_fees = sum((fill.fee.flat_fees[0].amount for order in (opening, closing)
                          for fill in order.fills.values()), Decimal(0))
    assert connector_fees == fees

    # The wallet: start + realized PnL - fees + funding, in the engine and through the connector.
    wallet = start_wallet + realized - fees + payment.amount
    assert engine.wallet(user)["USDT"][0] == wallet
    await eventually(lambda: perp.get_balance("USDT") == wallet, what="the wallet balance")


async def test_hedge_mode_batch_open_and_close_each_side(sandbox: Sandbox, perp: PerpetualDerivativeBase) -> None:
    """Hedge mode: a native batch opens a long and a short on one symbol; each closes by its own side."""
    engine, user = sandbox.perp, sandbox.user_account
    await perp.set_position_mode(PositionMode.HEDGE)
    assert engine.dual_side(user)

    size = Decimal("0.01")
    placed = await perp.place_orders([(TradeType.BUY, PAIR, size, OrderType.MARKET, None),
                                      (TradeType.SELL, PAIR, size, OrderType.MARKET, None)])
    assert [order.state for order in placed if isinstance(order, InFlightOrder)] == [OrderState.FILLED] * 2
    held = {p.position_side: p.amount for p in engine.positions(user) if p.symbol == SYMBOL and p.amount}
    assert held == {"LONG": size, "SHORT": -size}
    await eventually(lambda: {side: getattr(perp.get_position(PAIR, side), "amount", None)
                              for side in (PositionSide.LONG, PositionSide.SHORT)}
                     == {PositionSide.LONG: size, PositionSide.SHORT: -size}, what="both positions")

    await perp.place_order(PAIR, TradeType.SELL, size, OrderType.MARKET, position_action=PositionAction.CLOSE)
    await perp.place_order(PAIR, TradeType.BUY, size, OrderType.MARKET, position_action=PositionAction.CLOSE)
    assert all(not p.amount for p in engine.positions(user) if p.symbol == SYMBOL)
    await eventually(lambda: not perp.positions, what="both positions closed")


async def test_position_after_a_fill_follows_the_mark_price_stream(sandbox: Sandbox,
                                                                    perp: PerpetualDerivativeBase) -> None:
    """Issue 11: after a fill the position carried ACCOUNT_UPDATE's PnL of the fill's moment (-0.085
    where +0.20 was due) and no mark price; it is now priced at each markPrice event."""
    await perp.place_order(PAIR, TradeType.BUY, AMOUNT, OrderType.MARKET)
    await eventually(lambda: (position := perp.get_position(PAIR)) is not None and position.amount == AMOUNT,
                     what="the position from ACCOUNT_UPDATE")
    position = perp.get_position(PAIR)
    assert position is not None and position.mark_price is not None
    assert position.unrealized_pnl == AMOUNT * (position.mark_price - position.entry_price)

    first_mark = position.mark_price
    for _ in range(50):  # move the book, and with it the mark, until the stream shows another mark
        sandbox.step()
        if sandbox.perp.mark_price(SYMBOL).quantize(EIGHT_PLACES) != first_mark:
            break
    await eventually(lambda: (info := perp.get_funding_info(PAIR)) is not None and info.mark_price != first_mark,
                     what="a new mark on the markPrice stream")
    position = perp.get_position(PAIR)  # repriced by the markPrice event itself, before anyone reads it
    assert position is not None and position.mark_price == perp.funding_info[PAIR].mark_price
    assert position.mark_price is not None
    assert position.unrealized_pnl == AMOUNT * (position.mark_price - position.entry_price)
