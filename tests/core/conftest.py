"""Shared fixtures for the core tests: the loopback mock venue and an HTTP session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from clobconn.testing import MockVenue


@pytest.fixture
async def venue() -> AsyncIterator[MockVenue]:
    async with MockVenue() as mock:
        yield mock


@pytest.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession()
    try:
        yield session
    finally:
        await session.close()
