"""allOrders on the sandbox: the connectors list an account's orders, open and closed, as Binance's spot
and USD-M APIs do. Without it, a placement whose answer was lost and that the engine never took could
never be given up as lost (the lifecycle's listing failed with 404 and deferred its verdict for ever)."""

from __future__ import annotations

import time
from decimal import Decimal

from clobconn import ExchangeBase, OrderState, OrderType, PerpetualDerivativeBase, TradeType
from clobconn.sandbox import Sandbox

PAIR = "BTC-USDT"


async def listed_after_a_cancel(connector: ExchangeBase, sandbox_engine_bid: Decimal, tick: Decimal) -> None:
    since = time.time() - 1
    price = sandbox_engine_bid - 50 * tick
    cancelled = await connector.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, price)
    assert await connector.cancel_order(PAIR, cancelled.client_order_id)
    resting = await connector.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, price)
    listed = await connector._fetch_order_history(PAIR, since)
    states = {update.client_order_id: update.new_state for update in listed}
    assert states == {cancelled.client_order_id: OrderState.CANCELED, resting.client_order_id: OrderState.OPEN}


async def test_spot_lists_open_and_closed_orders(sandbox: Sandbox, spot: ExchangeBase) -> None:
    engine = sandbox.spot
    await listed_after_a_cancel(spot, engine.depth("BTCUSDT", 1)[1][0][0], engine.markets["BTCUSDT"].tick_size)


async def test_perp_lists_open_and_closed_orders(sandbox: Sandbox, perp: PerpetualDerivativeBase) -> None:
    engine = sandbox.perp
    await listed_after_a_cancel(perp, engine.depth("BTCUSDT", 1)[1][0][0], engine.markets["BTCUSDT"].tick_size)
