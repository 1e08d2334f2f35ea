"""Where the bus is and how much it keeps. The URL may carry a password (``redis://:pw@host``) or use
TLS (``rediss://``): it is a ``SecretStr``, and logs name the server by ``BusConfig.server``."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


class BusConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    # Every key starts with it: one Redis can serve several desks.
    prefix: str = "clobconn"
    # Approximate lengths kept per stream (XADD MAXLEN ~): a consumer further behind than that
    # sees the gap and resyncs from the next snapshot entry.
    book_maxlen: int = Field(default=10_000, gt=0)
    trades_maxlen: int = Field(default=10_000, gt=0)
    account_maxlen: int = Field(default=100_000, gt=0)
    # Entries waiting for Redis. Beyond it entries are dropped and counted, and each book that lost
    # one is published again whole once Redis takes entries again.
    buffer_size: int = Field(default=50_000, gt=0)
    # Entries sent per pipeline round trip.
    batch_size: int = Field(default=500, gt=0)
    # Seconds between whole-book entries of a synced book, so that a consumer that fell behind the
    # stream's length, or starts late, finds a place to start within this long.
    snapshot_interval: float = Field(default=30.0, gt=0)
    # Seconds to wait before trying Redis again after it failed, doubling up to the maximum.
    retry_delay: float = Field(default=0.2, gt=0)
    max_retry_delay: float = Field(default=5.0, gt=0)
    socket_timeout: float = Field(default=5.0, gt=0)

    @property
    def server(self) -> str:
        """The server as logs may name it: scheme, host and port, never the password."""
        parts = urlsplit(self.url.get_secret_value())
        return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}"

    def client(self) -> Redis:
        # No silent retries inside redis-py: a failed round trip must reach the bus, which then
        # publishes every book whole again (the server may have restarted empty) and backs off.
        return Redis.from_url(self.url.get_secret_value(), socket_timeout=self.socket_timeout,
                              socket_connect_timeout=self.socket_timeout, retry=Retry(NoBackoff(), 0))
