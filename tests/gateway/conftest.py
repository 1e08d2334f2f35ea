"""Fixtures for the Gateway connector: the sandbox Gateway on a loopback port (scriptable: statuses,
reverts, forced errors, 429s, request counts) and a connector pointed at it with fast polling."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from clobconn.gateway.connector import GatewayConnector
from clobconn.sandbox.gateway import ETHEREUM, SOLANA, GatewaySandbox

# Fast enough for tests: the first poll after 10 ms, backing off to 40 ms; a 0.5 s confirmation deadline.
FAST = {"poll_interval": 0.01, "max_poll_interval": 0.04, "confirmation_deadline": 0.5, "request_timeout": 5.0}

Factory = Callable[..., Awaitable[GatewayConnector]]


@pytest.fixture
async def solana_gateway() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox(SOLANA) as gateway:
        yield gateway


@pytest.fixture
async def evm_gateway() -> AsyncIterator[GatewaySandbox]:
    async with GatewaySandbox(ETHEREUM) as gateway:
        yield gateway


@pytest.fixture
async def connect() -> AsyncIterator[Factory]:
    """``await connect(gateway, trading_pairs=[...], ...)``: a started connector, stopped after the test."""
    started: list[GatewayConnector] = []

    async def factory(gateway: GatewaySandbox, start: bool = True, **overrides: Any) -> GatewayConnector:
        config = {**gateway.connector_config(), **FAST, **overrides}
        connector = GatewayConnector(**config)
        if start:
            await connector.start()
            started.append(connector)
        return connector

    yield factory
    for connector in started:
        await connector.stop()
