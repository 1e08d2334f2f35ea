"""Batch placement split the way venues take it: capped requests, one pair per request where required."""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.data_types import InFlightOrder, OrderType, OrderUpdate, TradeType
from clobconn.core.errors import ClobconnError, InsufficientFunds
from clobconn.core.orders.batches import BatchResult, batch_chunks, place_in_batches


def order(client_order_id: str, pair: str) -> InFlightOrder:
    return InFlightOrder(client_order_id, pair, OrderType.LIMIT, TradeType.BUY, Decimal("1"), 1.0,
                         price=Decimal("100"))


def test_chunks_are_capped_and_keep_the_orders_sequence() -> None:
    orders = [order(f"c{i}", "BTC-USDT" if i % 2 else "ETH-USDT") for i in range(7)]
    assert [[o.client_order_id for o in chunk] for chunk in batch_chunks(orders, 3)] == [
        ["c0", "c1", "c2"], ["c3", "c4", "c5"], ["c6"]]


def test_one_pair_chunks_hold_a_single_pair_each() -> None:
    orders = [order(f"c{i}", "BTC-USDT" if i % 2 else "ETH-USDT") for i in range(7)]
    chunks = list(batch_chunks(orders, 2, one_pair=True))
    assert [[o.client_order_id for o in chunk] for chunk in chunks] == [
        ["c0", "c2"], ["c4", "c6"], ["c1", "c3"], ["c5"]]
    assert all(len({o.trading_pair for o in chunk}) == 1 for chunk in chunks)


async def test_results_come_back_in_the_callers_order() -> None:
    orders = [order(f"c{i}", "BTC-USDT" if i % 2 else "ETH-USDT") for i in range(5)]
    sent: list[list[str]] = []

    async def send(chunk: list[InFlightOrder]) -> list[BatchResult]:
        sent.append([o.client_order_id for o in chunk])
        return [InsufficientFunds(o.client_order_id) if o.client_order_id == "c3"
                else (OrderUpdate(o.trading_pair, 1.0, o.state, o.client_order_id, f"x{o.client_order_id}"), [])
                for o in chunk]

    results = await place_in_batches(orders, 20, send, one_pair=True)
    assert sent == [["c0", "c2", "c4"], ["c1", "c3"]]
    assert isinstance(results[3], ClobconnError) and str(results[3]) == "c3"
    placed = [result for result in results if not isinstance(result, ClobconnError)]
    assert [update.client_order_id for update, _ in placed] == ["c0", "c1", "c2", "c4"]


async def test_a_request_that_fails_whole_fails_its_own_orders_only() -> None:
    orders = [order(f"c{i}", "BTC-USDT") for i in range(3)]

    async def send(chunk: list[InFlightOrder]) -> list[BatchResult]:
        if chunk[0].client_order_id == "c2":
            raise InsufficientFunds("refused whole")
        return [(OrderUpdate(o.trading_pair, 1.0, o.state, o.client_order_id, "x"), []) for o in chunk]

    results = await place_in_batches(orders, 2, send)
    assert [isinstance(result, ClobconnError) for result in results] == [False, False, True]
