"""Paper trading on the sandbox's live book: the binance connectors' public data from the sandbox, their
orders filled by the paper engine. The sandbox's liquidity is paused, so the book holds still and the
trades that move it are the ones a test makes (with an account of the sandbox's own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, cast

import pytest

from clobconn import EventType, ExchangeBase, OrderType, PerpetualDerivativeBase, TradeType, get_connector
from clobconn.core.data_types import OrderState
from clobconn.core.errors import InsufficientFunds, OrderRuleViolation
from clobconn.paper import PaperTrading
from clobconn.sandbox import Sandbox, SandboxConfig
from clobconn.sandbox.engine import OrderKind, Side
from clobconn.testing.helpers import eventually

PAIR = "BTC-USDT"
START = {"USDT": Decimal(100_000), "BTC": Decimal(1)}
OTHER = "another-trader"  # a sandbox account: its trades print on the venue's public tape


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(liquidity=False, mark_price_interval=0.2, funding_interval=3.0)) as venue:
        venue.spot.open_account(OTHER, {"BTC": Decimal(100), "USDT": Decimal(10**7)})
        venue.perp.open_account(OTHER, {"USDT": Decimal(10**7)})
        yield venue


def public_urls(sandbox: Sandbox, connector_id: str) -> dict[str, Any]:
    config = sandbox.connector_config(connector_id)
    return {"rest_url": config["rest_url"], "ws_url": config["ws_url"], "trading_pairs": [PAIR]}


@pytest.fixture
async def paper(sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[ExchangeBase]:
    options = getattr(request, "param", {})
    async with get_connector("binance", paper=True, paper_balances=START, **options,
                             **public_urls(sandbox, "binance")) as connector:
        yield connector


async def tape_sell(sandbox: Sandbox, amount: Decimal) -> None:
    """Another trader sells at market on the venue: a public trade at the venue's best bid."""
    sandbox.spot.place(OTHER, "BTCUSDT", Side.SELL, OrderKind.MARKET, amount)


async def test_a_taker_order_walks_the_levels_the_book_showed(paper: ExchangeBase) -> None:
    assert isinstance(paper, PaperTrading)
    asks = paper.get_order_book(PAIR).asks(3)
    amount = asks[0].size + Decimal("0.001")
    order = await paper.place_order(PAIR, TradeType.BUY, amount, OrderType.LIMIT, asks[2].price)
    assert order.state is OrderState.FILLED
    fills = sorted((f.fill_price, f.fill_base_amount, f.is_maker) for f in order.fills.values())
    assert fills == [(asks[0].price, asks[0].size, False), (asks[1].price, Decimal("0.001"), False)]
    cost = asks[0].price * asks[0].size + asks[1].price * Decimal("0.001")
    fee = sum((f.fee.amount_in("BTC") for f in order.fills.values()), Decimal(0))
    assert fee == sum((Decimal(str(round(s * Decimal("0.001"), 8))) for _, s, _ in fills), Decimal(0))
    await eventually(lambda: paper.get_balance("USDT") == START["USDT"] - cost, what="quote spent")
    assert paper.get_balance("BTC") == START["BTC"] + amount - fee


async def test_a_limit_order_never_fills_beyond_its_price(paper: ExchangeBase) -> None:
    asks = paper.get_order_book(PAIR).asks(2)
    order = await paper.place_order(PAIR, TradeType.BUY, asks[0].size + asks[1].size, OrderType.LIMIT, asks[0].price)
    # Only the level at the limit was there to take: the rest rests at the limit.
    assert order.state is OrderState.PARTIALLY_FILLED
    assert [f.fill_price for f in order.fills.values()] == [asks[0].price]
    assert order.executed_amount_base == asks[0].size


async def test_a_resting_order_fills_only_when_a_trade_goes_through_its_price(
        paper: ExchangeBase, sandbox: Sandbox) -> None:
    book = paper.get_order_book(PAIR)
    bid, ask = book.best_bid, book.best_ask
    assert bid is not None and ask is not None
    inside = (bid + ask) / 2
    below = paper.trading_rules[PAIR].quantize_price(bid - 50)
    above_market = await paper.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, inside)
    under_market = await paper.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, below)
    assert above_market.state is under_market.state is OrderState.OPEN
    await asyncio.sleep(0.3)
    assert not above_market.fills  # the live book moving is not a fill: nothing has traded
    await tape_sell(sandbox, Decimal("0.004"))  # prints at the venue's best bid: under `inside`, over `below`
    await eventually(lambda: above_market.executed_amount_base == Decimal("0.004"), what="the trade-through fill")
    (fill,) = above_market.fills.values()
    assert fill.fill_price == inside and fill.is_maker  # at its own price, as a maker
    assert not under_market.fills


@pytest.mark.parametrize("paper", [{"paper_queue": True}], indirect=True)
async def test_the_queue_model_fills_at_the_price_once_the_size_ahead_has_traded(
        paper: ExchangeBase, sandbox: Sandbox) -> None:
    bid = paper.get_order_book(PAIR).bids(1)[0]
    order = await paper.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, bid.price)
    assert order.state is OrderState.OPEN
    await tape_sell(sandbox, bid.size - Decimal("0.001"))  # at our price, but the queue ahead takes it all
    await asyncio.sleep(0.5)
    assert not order.fills
    await tape_sell(sandbox, Decimal("0.004"))  # 0.001 finishes the queue ahead; 0.003 reaches us
    await eventually(lambda: order.executed_amount_base == Decimal("0.003"), what="the fill past the queue")


async def test_cancel_releases_and_the_venue_rules_are_the_real_connectors(paper: ExchangeBase) -> None:
    bid = paper.get_order_book(PAIR).best_bid
    assert bid is not None
    price = paper.trading_rules[PAIR].quantize_price(bid * Decimal("0.9"))
    order = await paper.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, price)
    await eventually(lambda: paper.get_available_balance("USDT") == START["USDT"] - price * Decimal("0.01"),
                     what="the quote locked")
    assert await paper.cancel_order(PAIR, order.client_order_id)
    await eventually(lambda: paper.get_available_balance("USDT") == START["USDT"], what="released")
    # The binance connector's own rules: the sandbox lists a minimum notional of 5 USDT.
    with pytest.raises(OrderRuleViolation):
        await paper.place_order(PAIR, TradeType.BUY, Decimal("0.00001"), OrderType.LIMIT, price)
    with pytest.raises(InsufficientFunds):
        await paper.place_order(PAIR, TradeType.SELL, Decimal(2), OrderType.MARKET)


async def test_events_are_the_real_connectors(paper: ExchangeBase) -> None:
    seen: list[Any] = []
    for event_type in (EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED,
                       EventType.BALANCE_UPDATED):
        paper.add_listener(event_type, seen.append)
    await paper.place_order(PAIR, TradeType.BUY, Decimal("0.001"), OrderType.MARKET)
    await eventually(lambda: {e.type for e in seen} >= {EventType.ORDER_CREATED, EventType.ORDER_FILLED,
                                                         EventType.ORDER_COMPLETED, EventType.BALANCE_UPDATED},
                     what="the order's events")


async def test_a_perpetual_trades_with_leverage_marks_at_the_live_mark_and_pays_funding(sandbox: Sandbox) -> None:
    sandbox.perp.set_funding_rate("BTCUSDT", Decimal("0.001"))
    conn = cast(PerpetualDerivativeBase, get_connector(
        "binance_perpetual", paper=True, paper_balances={"USDT": Decimal(10_000)},
        **public_urls(sandbox, "binance_perpetual")))
    payments: list[Any] = []
    conn.add_listener(EventType.FUNDING_PAYMENT, payments.append)
    async with conn:
        assert await conn.set_leverage(PAIR, 5) == Decimal(5)
        ask = conn.get_order_book(PAIR).asks(1)[0]
        order = await conn.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.MARKET)
        assert order.state is OrderState.FILLED
        assert [f.fill_price for f in order.fills.values()] == [ask.price]
        await eventually(lambda: conn.get_position(PAIR) is not None, what="the position")
        position = conn.get_position(PAIR)
        assert position is not None and position.amount == Decimal("0.01") and position.leverage == Decimal(5)
        assert position.entry_price == ask.price
        await eventually(lambda: conn.get_funding_info(PAIR) is not None, what="the venue's funding info")

        def priced_at_the_live_mark() -> bool:
            current = conn.get_position(PAIR)
            return current is not None and current.mark_price == conn.funding_info[PAIR].mark_price

        await eventually(priced_at_the_live_mark, what="the position priced at the live mark")
        # The venue's funding time comes (every 3 s here) and the paper account pays its rate on the mark.
        await eventually(lambda: bool(payments), timeout=10, what="a funding payment")
        payment = payments[0].payment
        mark = conn.funding_info[PAIR].mark_price  # the paused sandbox's mark holds still
        assert payment.rate == Decimal("0.001")
        assert payment.amount == -(Decimal("0.01") * mark * Decimal("0.001")).quantize(Decimal("1e-8"))
