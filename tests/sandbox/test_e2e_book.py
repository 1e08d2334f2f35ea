"""Book check: after a burst of updates, each connector's book equals the engine's depth, level for
level, reached by diffs alone (no gap, no resync)."""

from __future__ import annotations

import asyncio

from clobconn import ExchangeBase, PerpetualDerivativeBase
from clobconn.sandbox import Sandbox
from clobconn.sandbox.engine import Engine
from clobconn.testing.suites import eventually

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
FULL_DEPTH = 5000


def caught_up(connector: ExchangeBase, engine: Engine) -> bool:
    return connector.get_order_book(PAIR).last_update_id == engine.depth(SYMBOL, 1)[0]


def assert_same_book(connector: ExchangeBase, engine: Engine) -> None:
    last_update_id, bids, asks = engine.depth(SYMBOL, FULL_DEPTH)
    book = connector.get_order_book(PAIR)
    assert book.last_update_id == last_update_id
    assert [(level.price, level.size) for level in book.bids()] == bids
    assert [(level.price, level.size) for level in book.asks()] == asks


async def burst(sandbox: Sandbox, steps: int) -> None:
    """Manual steps, yielding now and then so the streams flow while the book keeps changing."""
    for index in range(steps):
        sandbox.step()
        if index % 10 == 0:
            await asyncio.sleep(0)


async def test_books_equal_the_engine_after_a_burst(sandbox: Sandbox, spot: ExchangeBase,
                                                    perp: PerpetualDerivativeBase) -> None:
    first_spot_id, first_perp_id = sandbox.spot.depth(SYMBOL, 1)[0], sandbox.perp.depth(SYMBOL, 1)[0]
    await burst(sandbox, 200)
    # The background liquidity adds its own ticks on top of the manual ones.
    sandbox.resume_liquidity()
    await asyncio.sleep(0.5)
    sandbox.pause_liquidity()
    assert sandbox.spot.depth(SYMBOL, 1)[0] > first_spot_id + 200
    assert sandbox.perp.depth(SYMBOL, 1)[0] > first_perp_id + 200

    await eventually(lambda: caught_up(spot, sandbox.spot) and caught_up(perp, sandbox.perp),
                     what="both books at the engine's last update id")
    assert_same_book(spot, sandbox.spot)
    assert_same_book(perp, sandbox.perp)
    # The trade streams (spot @trade, futures @aggTrade) carried the tape up to its last print.
    for connector, engine in ((spot, sandbox.spot), (perp, sandbox.perp)):
        last_trade = engine.recent_trades(SYMBOL, 1)[-1]
        await eventually(lambda connector=connector, price=last_trade.price: connector.last_trade_price(PAIR) == price,
                         what="the last trade price")
    # Every diff bridged onto the one before: U/u on spot, pu on futures.
    for connector in (spot, perp):
        sync = connector.order_book_tracker.syncs[PAIR]
        assert (sync.gaps, sync.crossed_count, connector.order_book_tracker.resyncs) == (0, 0, 0)
