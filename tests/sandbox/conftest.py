"""Fixtures for the end-to-end tests: a sandbox on an ephemeral loopback port and the real connectors
pointed at it through ``connector_config``.

The sandbox starts with its liquidity paused: the seeded book is there, and a test moves it only by
``sandbox.step()`` (or by resuming), so exact accounting can be asserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from clobconn import ExchangeBase, PerpetualDerivativeBase, get_connector
from clobconn.sandbox import Sandbox, SandboxConfig


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(SandboxConfig(liquidity=False, tick_interval=0.05, mark_price_interval=0.2)) as venue:
        yield venue


# While a user stream is down the connector polls at this interval (seconds) instead of 5.
FAST_POLL = {"fast_poll_interval": 1.0}


@pytest.fixture
async def spot(sandbox: Sandbox) -> AsyncIterator[ExchangeBase]:
    config: dict[str, Any] = {"trading_pairs": ["BTC-USDT"], **FAST_POLL, **sandbox.connector_config("binance")}
    async with get_connector("binance", **config) as connector:
        yield connector


@pytest.fixture
async def perp(sandbox: Sandbox) -> AsyncIterator[PerpetualDerivativeBase]:
    config: dict[str, Any] = {"trading_pairs": ["BTC-USDT"], **FAST_POLL,
                              **sandbox.connector_config("binance_perpetual")}
    connector = cast(PerpetualDerivativeBase, get_connector("binance_perpetual", **config))
    # Funding payments are polled from GET /fapi/v1/income; the test should not wait a minute.
    connector.funding_poll_interval = 0.2
    async with connector:
        yield connector
