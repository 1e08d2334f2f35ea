"""Connectors as the benchmarks build them."""

from __future__ import annotations

from dataclasses import replace

from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.registry import connector_class

# Far above any benchmark's request rate.
_HEADROOM = 1_000_000


def unthrottled(connector_id: str) -> type[ExchangeBase]:
    """The registered connector class with its venue's rate limits raised a millionfold.

    500 pairs' 1,000-level snapshots weigh 25,000 against Binance's 6,000 a minute, and its order
    pool allows 50 orders in 10 s: real limits would make these benchmarks measure waiting. The
    pools and their links stay as they are, so every request still costs the throttler the same
    work; only the waiting goes.
    """
    base = connector_class(connector_id)
    limits = tuple(replace(limit, limit=limit.limit * _HEADROOM) for limit in base.spec.rate_limits)
    spec = replace(base.spec, rate_limits=limits)
    return type(f"Unthrottled{base.__name__}", (base,), {"spec": spec})
