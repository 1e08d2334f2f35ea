from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clobconn.testing.redis_server import RedisServer, redis_server_binary
from tests.bus.helpers import OtherLoop


def _binary() -> str:
    binary = redis_server_binary()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the bus tests: redis-server is missing (.ci/run installs it)")
        pytest.skip("no redis-server binary on this machine (apt-get install redis-server)")
    return binary


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    # Small stream nodes, so that an approximate MAXLEN trims at the small lengths the tests use.
    server = RedisServer(_binary(), tmp_path, options=("--stream-node-max-entries", "8"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_with_password(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(_binary(), tmp_path, password="s3cret-redis-pass")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def other_loop() -> Iterator[OtherLoop]:
    """A second event loop in its own thread: the consumer's process, in miniature."""
    loop = OtherLoop()
    yield loop
    loop.close()
