"""Books, trades and order events on Redis Streams, behind the ``redis`` extra (redis-py's asyncio client).

``BusPublisher`` mirrors a running connector onto streams; ``BookReader`` rebuilds a live book from
one, and ``EventReader`` yields an account's events, shared by workers through a consumer group.
The layout of the streams is in ``keys.py``; the entries' fields in ``codec.py``.
"""

from __future__ import annotations

from clobconn.core.errors import MissingExtra

REDIS_EXTRA = "redis"


def require_redis(who: str) -> None:
    """Raise ``MissingExtra`` naming the extra when redis-py is not installed."""
    try:
        import redis.asyncio  # noqa: F401
    except ImportError:
        raise MissingExtra(f"{who} needs redis-py: pip install 'clobconn[{REDIS_EXTRA}]'") from None


require_redis("clobconn.bus")

from clobconn.bus.config import BusConfig  # noqa: E402
from clobconn.bus.consumer import BookReader, Delivery, EventReader  # noqa: E402
from clobconn.bus.keys import StreamKeys  # noqa: E402
from clobconn.bus.publisher import BusPublisher  # noqa: E402

__all__ = ["BookReader", "BusConfig", "BusPublisher", "Delivery", "EventReader", "StreamKeys", "require_redis"]
