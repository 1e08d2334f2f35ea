"""Endpoints as data: method, path and what a call costs on the venue's rate-limit pools.

Most venues price each endpoint in a shared request-weight pool, and order endpoints also in one
or more order-count pools; ``rate_limits`` turns such a table into the throttler's linked limits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clobconn.core.web.throttler import LinkedLimit, RateLimit


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    # Its cost on the shared request-weight pool.
    weight: int = 1
    signed: bool = True
    # What it spends on each of the account's order-rate pools.
    orders: int = 0
    # Its body is form-encoded rather than JSON (Bitstamp's signed POSTs).
    form: bool = False

    @property
    def limit_id(self) -> str:
        return f"{self.method} {self.path}"


def rate_limits(endpoints: Iterable[Endpoint], weight_pool: RateLimit, order_pools: Iterable[RateLimit],
                other_pools: Iterable[RateLimit] = ()) -> tuple[RateLimit, ...]:
    """The shared pools plus one limit per endpoint that spends its weight on them."""
    order_pools = tuple(order_pools)
    other_pools = tuple(other_pools)
    limits = [weight_pool, *order_pools, *other_pools]
    for endpoint in endpoints:
        links = [LinkedLimit(weight_pool.limit_id, endpoint.weight)]
        links += [LinkedLimit(pool.limit_id) for pool in other_pools]
        if endpoint.orders:
            links += [LinkedLimit(pool.limit_id, endpoint.orders) for pool in order_pools]
        # The endpoint's own pool never binds: only the shared pools limit it.
        limits.append(RateLimit(endpoint.limit_id, weight_pool.limit, weight_pool.time_interval,
                                linked_limits=tuple(links)))
    return tuple(limits)
