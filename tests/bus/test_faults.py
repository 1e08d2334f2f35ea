"""What the bus survives: Redis killed and restarted, Redis hanging, a stream trimmed past a slow
reader, a worker that dies with entries pending; and the password never shows."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from clobconn import ExchangeBase, get_connector
from clobconn.bus import BookReader, BusConfig, BusPublisher, EventReader, StreamKeys
from clobconn.core.data_types import Balance
from clobconn.core.events import BalanceUpdatedEvent
from clobconn.sandbox import Sandbox, SandboxConfig
from clobconn.testing.redis_server import RedisServer
from tests.bus.helpers import OtherLoop, levels, read_until_synced_at, settled

PAIR = "BTC-USDT"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(liquidity=False)) as venue:
        yield venue


@pytest.fixture
async def spot(sandbox: Sandbox) -> AsyncIterator[ExchangeBase]:
    async with get_connector("binance", trading_pairs=[PAIR], trading=False,
                             **sandbox.connector_config("binance")) as connector:
        await connector.wait_ready(10)
        yield connector


async def burst(sandbox: Sandbox, steps: int) -> None:
    for _ in range(steps):
        sandbox.step()
        await asyncio.sleep(0.002)


def config_for(server: RedisServer, **overrides: Any) -> BusConfig:
    return BusConfig(url=SecretStr(server.url), retry_delay=0.05, max_retry_delay=0.2, socket_timeout=0.5,
                     **overrides)


async def test_a_restarted_redis_leaves_readers_unsynced_until_the_book_is_published_again(
        sandbox: Sandbox, spot: ExchangeBase, redis_server: RedisServer, other_loop: OtherLoop) -> None:
    config = config_for(redis_server)
    publisher = BusPublisher(spot, config)
    publisher.start()
    reader = BookReader("binance", PAIR, config, block=0.05)
    try:
        await burst(sandbox, 50)
        target = await settled(spot.get_order_book(PAIR))
        await other_loop.run(read_until_synced_at(reader, target, 10))

        await burst(sandbox, 50)  # published, and never read: the reader is idle
        await settled(spot.get_order_book(PAIR))
        redis_server.restart()  # those entries, and every stream, are gone
        await burst(sandbox, 100)  # the publisher meets the dead connection, then the empty server
        target = await settled(spot.get_order_book(PAIR))
        rebuilt = await other_loop.run(read_until_synced_at(reader, target, 10))
        assert rebuilt == levels(spot.get_order_book(PAIR))
        assert publisher.redis_failures + publisher.data_losses >= 1 and reader.snapshots >= 2
    finally:
        await other_loop.run(reader.close())
        await publisher.stop()


async def test_a_hanging_redis_never_blocks_the_connector_and_drops_are_counted_then_repaired(
        sandbox: Sandbox, spot: ExchangeBase, redis_server: RedisServer, other_loop: OtherLoop) -> None:
    config = config_for(redis_server, buffer_size=50)
    publisher = BusPublisher(spot, config)
    publisher.start()
    reader = BookReader("binance", PAIR, config, block=0.05)
    try:
        redis_server.pause()
        lags = []
        for _ in range(200):  # the connector's own loop keeps its pace while Redis does not answer
            sandbox.step()
            started = time.monotonic()
            await asyncio.sleep(0.002)
            lags.append(time.monotonic() - started - 0.002)
        assert max(lags) < 0.1
        assert sum(publisher.dropped.values()) > 0 and publisher.buffered <= 50
        redis_server.resume()
        target = await settled(spot.get_order_book(PAIR), quiet=0.5)
        rebuilt = await other_loop.run(read_until_synced_at(reader, target, 10))
        assert rebuilt == levels(spot.get_order_book(PAIR))
    finally:
        redis_server.resume()
        await other_loop.run(reader.close())
        await publisher.stop()


async def test_a_reader_left_behind_a_trimmed_stream_sees_the_gap_and_resyncs(
        sandbox: Sandbox, spot: ExchangeBase, redis_server: RedisServer, other_loop: OtherLoop) -> None:
    config = config_for(redis_server, book_maxlen=16, snapshot_interval=0.5)
    publisher = BusPublisher(spot, config)
    publisher.start()
    reader = BookReader("binance", PAIR, config, block=0.05)
    try:
        target = await settled(spot.get_order_book(PAIR))
        await other_loop.run(read_until_synced_at(reader, target, 10))
        await burst(sandbox, 200)  # far more than the stream keeps, while the reader reads nothing
        target = await settled(spot.get_order_book(PAIR), quiet=0.8)
        rebuilt = await other_loop.run(read_until_synced_at(reader, target, 10))
        assert reader.gaps >= 1 and reader.snapshots >= 2
        assert rebuilt == levels(spot.get_order_book(PAIR))
    finally:
        await other_loop.run(reader.close())
        await publisher.stop()


def balance_event(n: int) -> BalanceUpdatedEvent:
    return BalanceUpdatedEvent(Balance("USDT", Decimal(n), Decimal(n)), float(n))


async def test_entries_a_dead_worker_left_pending_are_claimed_by_another(
        spot: ExchangeBase, redis_server: RedisServer) -> None:
    config = config_for(redis_server)
    publisher = BusPublisher(spot, config, account="a")
    publisher.start()
    for n in range(10):
        spot.event_bus.publish(balance_event(n))
    await publisher.stop()
    stream = StreamKeys().balances("binance", "a")

    doomed = EventReader(stream, "workers", "doomed", config, block=0.05)
    taken = []
    async with asyncio.timeout(5):
        async for delivery in doomed.deliveries():
            taken.append(delivery)
            if len(taken) == 4:
                break
    for delivery in taken[:2]:
        await delivery.ack()
    await doomed.close()  # dies with two entries handed out and never acknowledged

    survivor = EventReader(stream, "workers", "survivor", config, claim_idle=0.2, block=0.05)
    totals = []
    async with asyncio.timeout(5):
        async for delivery in survivor.deliveries():
            totals.append(delivery.event.balance.total)
            await delivery.ack()
            if len(totals) == 8:
                break
    await survivor.close()
    # The worker had been handed all ten in one read: the two it handled and acknowledged stay done,
    # the eight it never acknowledged (two it was handling, six it had not reached) are claimed, each once.
    assert survivor.claimed == 8
    assert sorted(totals) == [Decimal(n) for n in range(2, 10)]


async def test_the_redis_password_never_shows(spot: ExchangeBase, redis_with_password: RedisServer,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    config = config_for(redis_with_password)
    assert "s3cret-redis-pass" not in repr(config) and "s3cret-redis-pass" not in config.server
    publisher = BusPublisher(spot, config)
    publisher.start()
    spot.event_bus.publish(balance_event(1))
    redis_with_password.stop()  # failures are logged, naming the server
    spot.event_bus.publish(balance_event(2))
    await asyncio.sleep(0.3)
    await publisher.stop(flush_timeout=0.1)
    assert publisher.redis_failures >= 1
    assert "s3cret-redis-pass" not in caplog.text and config.server in caplog.text
