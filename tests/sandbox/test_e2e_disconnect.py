"""Disconnect check: the sandbox drops every WebSocket mid-stream; the connectors reconnect, rebuild
their books, and no fill is lost, including the ones made while the sockets were down (those come
back through REST reconciliation, the later ones through the stream)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from clobconn import ExchangeBase, OrderType, PerpetualDerivativeBase, TradeType
from clobconn.core.data_types import InFlightOrder
from clobconn.sandbox import Sandbox
from clobconn.sandbox.engine import Engine, OrderKind, Side, TimeInForce
from clobconn.testing.suites import eventually

PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
FULL_DEPTH = 5000


def hit_bids_down_to(engine: Engine, taker: str, price: Decimal, user_quantity: Decimal) -> None:
    """An IOC sell that takes every bid better than ``price``, then ``user_quantity`` at ``price``."""
    _, bids, _ = engine.depth(SYMBOL, FULL_DEPTH)
    ahead = sum((size for level, size in bids if level > price), Decimal(0))
    engine.place(taker, SYMBOL, Side.SELL, OrderKind.LIMIT, ahead + user_quantity, price, TimeInForce.IOC)


def books_match(connector: ExchangeBase, engine: Engine) -> bool:
    last_update_id, bids, asks = engine.depth(SYMBOL, FULL_DEPTH)
    book = connector.get_order_book(PAIR)
    return (book.is_synced and book.last_update_id == last_update_id
            and [(level.price, level.size) for level in book.bids()] == bids
            and [(level.price, level.size) for level in book.asks()] == asks)


def fills_match(order: InFlightOrder, engine: Engine, user: str) -> bool:
    engine_fills = {str(fill.trade_id): (fill.price, fill.qty) for fill in
                    engine.fills(user, SYMBOL, int(order.exchange_order_id or 0))}
    seen = {fill.trade_id: (fill.fill_price, fill.fill_base_amount) for fill in order.fills.values()}
    return bool(engine_fills) and seen == engine_fills


async def test_spot_reconnects_resyncs_and_loses_no_fill(sandbox: Sandbox, spot: ExchangeBase) -> None:
    engine, user, taker = sandbox.spot, sandbox.user_account, sandbox.spot_liquidity.taker_account
    tick = engine.markets[SYMBOL].tick_size
    price = engine.depth(SYMBOL, 1)[1][0][0] + tick
    order = await spot.place_order(PAIR, TradeType.BUY, Decimal("0.5"), OrderType.LIMIT, price)
    public_stream = spot.order_book_tracker.runners["public"]

    # Streams in full flow, then every spot socket goes away at once.
    # The market stream, the WS-API user stream and the WS-API trading socket (order.place, order.cancel).
    await eventually(lambda: sandbox.sockets.count("spot") == 3, what="the three spot sockets open")
    sandbox.resume_liquidity()
    await asyncio.sleep(0.3)
    sandbox.pause_liquidity()
    assert await sandbox.drop_connections("spot") == 3
    executed_before = engine.get_order(user, SYMBOL, int(order.exchange_order_id or 0)).executed_qty
    hit_bids_down_to(engine, taker, price, Decimal("0.1"))
    assert engine.get_order(user, SYMBOL, int(order.exchange_order_id or 0)).executed_qty > executed_before
    sandbox.step(20)  # the book moves on while nobody listens

    await eventually(lambda: sandbox.sockets.count("spot") == 3 and public_stream.connections >= 2,
                     what="the three spot sockets back")
    # After the reconnect, more traffic and a fill that the stream itself delivers.
    sandbox.resume_liquidity()
    await asyncio.sleep(0.3)
    sandbox.pause_liquidity()
    hit_bids_down_to(engine, taker, price, Decimal("0.1"))

    engine_order = engine.get_order(user, SYMBOL, int(order.exchange_order_id or 0))
    await eventually(lambda: order.executed_amount_base == engine_order.executed_qty
                     and fills_match(order, engine, user), timeout=8.0, what="every fill at the connector")
    await eventually(lambda: books_match(spot, engine), what="the book rebuilt to the engine's")
    # Over the reconnected trading socket: the sandbox checks its signature as Binance would.
    assert spot.trading_socket is not None and spot.trading_socket.live
    assert await spot.cancel_order(PAIR, order.client_order_id)
    free, locked = engine.balances(user)["USDT"]
    await eventually(lambda: spot.get_balance("USDT") == free + locked and spot.get_available_balance("USDT") == free,
                     what="the connector's USDT balance")


async def test_perp_reconnects_with_its_listen_key_and_loses_no_fill(sandbox: Sandbox,
                                                                      perp: PerpetualDerivativeBase) -> None:
    engine, user, taker = sandbox.perp, sandbox.user_account, sandbox.perp_liquidity.taker_account
    price = engine.depth(SYMBOL, 1)[1][0][0] + engine.markets[SYMBOL].tick_size
    order = await perp.place_order(PAIR, TradeType.BUY, Decimal("0.2"), OrderType.LIMIT, price)

    # Depth (/public), trades and marks (/market) and the listen-key stream (/private) all drop.
    await eventually(lambda: sandbox.sockets.count("perp") == 3, what="the three futures sockets open")
    assert await sandbox.drop_connections("perp") == 3
    hit_bids_down_to(engine, taker, price, Decimal("0.05"))
    sandbox.step(20)

    await eventually(lambda: sandbox.sockets.count("perp") == 3, what="the three futures sockets back")
    hit_bids_down_to(engine, taker, price, Decimal("0.05"))

    # The sandbox's own taker may have hit the order too while the book moved: the engine says how much.
    engine_order = engine.get_order(user, SYMBOL, int(order.exchange_order_id or 0))
    assert engine_order.executed_qty >= Decimal("0.1")
    await eventually(lambda: order.executed_amount_base == engine_order.executed_qty
                     and fills_match(order, engine, user), timeout=8.0, what="every fill at the connector")
    await eventually(lambda: (position := perp.get_position(PAIR)) is not None
                     and position.amount == engine_order.executed_qty, what="the position")
    await eventually(lambda: books_match(perp, engine), what="the book rebuilt to the engine's")
