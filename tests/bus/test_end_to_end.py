"""The sandbox venue -> the binance connector -> the publisher -> a real Redis -> readers on another
event loop: the rebuilt book equals the connector's level for level after a burst, and each order
event arrives once, in order for its order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from clobconn import ExchangeBase, get_connector
from clobconn.bus import BookReader, BusConfig, BusPublisher, EventReader, StreamKeys
from clobconn.core.data_types import OrderType
from clobconn.core.events import EventType
from clobconn.sandbox import Sandbox, SandboxConfig
from clobconn.testing.redis_server import RedisServer
from tests.bus.helpers import OtherLoop, levels, read_until_synced_at, settled

PAIR = "BTC-USDT"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(liquidity=False, tick_interval=0.02)) as venue:
        yield venue


@pytest.fixture
async def spot(sandbox: Sandbox) -> AsyncIterator[ExchangeBase]:
    async with get_connector("binance", trading_pairs=[PAIR], fast_poll_interval=1.0,
                             **sandbox.connector_config("binance")) as connector:
        await connector.wait_ready(10)
        yield connector


def bus_config(server: RedisServer, **overrides: Any) -> BusConfig:
    return BusConfig(url=SecretStr(server.url), **overrides)


async def burst(sandbox: Sandbox, steps: int) -> None:
    for _ in range(steps):
        sandbox.step()
        await asyncio.sleep(0.002)


async def test_the_rebuilt_book_equals_the_connector_s_after_a_burst(
        sandbox: Sandbox, spot: ExchangeBase, redis_server: RedisServer, other_loop: OtherLoop) -> None:
    config = bus_config(redis_server)
    publisher = BusPublisher(spot, config)
    publisher.start()
    reader = BookReader("binance", PAIR, config, block=0.05)
    try:
        await burst(sandbox, 300)
        target = await settled(spot.get_order_book(PAIR))
        rebuilt = await other_loop.run(read_until_synced_at(reader, target, 10))
        assert rebuilt == levels(spot.get_order_book(PAIR)) and rebuilt[0] and rebuilt[1]
        # One whole book at the start, diffs after it: the burst travelled as diffs, batched.
        assert reader.snapshots == 1 and reader.applied > 100 and reader.gaps == 0
        assert publisher.round_trips < publisher.published
    finally:
        await other_loop.run(reader.close())
        await publisher.stop()


async def test_order_events_arrive_once_each_in_order_for_their_order(
        sandbox: Sandbox, spot: ExchangeBase, redis_server: RedisServer, other_loop: OtherLoop) -> None:
    config = bus_config(redis_server)
    publisher = BusPublisher(spot, config, account="desk-1")
    publisher.start()
    seen_here: dict[str, list[str]] = defaultdict(list)
    changed = asyncio.Event()

    def note(event: Any) -> None:
        seen_here[event.client_order_id].append(event.type.value)
        changed.set()

    for event_type in (EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED,
                       EventType.ORDER_CANCELLED):
        spot.add_listener(event_type, note)

    async def until(done: Callable[[], bool]) -> None:
        async with asyncio.timeout(10):
            while not done():
                changed.clear()
                await changed.wait()

    book = spot.get_order_book(PAIR)
    assert book.best_bid is not None and book.best_ask is not None
    cent = Decimal("0.01")
    resting = spot.buy(PAIR, cent, OrderType.LIMIT, price=(book.best_bid * Decimal("0.9")).quantize(cent))
    crossing = spot.buy(PAIR, cent, OrderType.LIMIT, price=(book.best_ask * Decimal("1.05")).quantize(cent))
    await until(lambda: "order_created" in seen_here[resting] and "order_completed" in seen_here[crossing])
    await spot.cancel_order(PAIR, resting)
    await until(lambda: "order_cancelled" in seen_here[resting])
    await publisher.stop()

    stream = StreamKeys().orders("binance", "desk-1")

    async def read_all() -> dict[str, list[str]]:
        reader = EventReader(stream, "strategies", "worker-1", config, block=0.05)
        received: dict[str, list[str]] = defaultdict(list)
        try:
            async with asyncio.timeout(10):
                async for delivery in reader.deliveries():
                    received[delivery.event.client_order_id].append(delivery.event.type.value)
                    await delivery.ack()
                    if received == seen_here:
                        return received
        finally:
            await reader.close()
        raise AssertionError("unreachable")

    received = await other_loop.run(read_all())
    assert received[crossing][0] == "order_created" and received[crossing][-1] == "order_completed"
    assert received[resting] == ["order_created", "order_cancelled"]
    # Nothing else, nothing twice: the stream holds exactly the connector's events.
    assert sum(map(len, received.values())) == sum(map(len, seen_here.values()))
