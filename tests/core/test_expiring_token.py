"""ExpiringToken: a venue token fetched on demand, cached, renewed before its validity ends, dropped on refusal."""

from __future__ import annotations

import asyncio

import pytest

from clobconn.core.web.expiring_token import ExpiringToken, IssuedToken


class Venue:
    """Issues numbered tokens valid for ``valid_for`` seconds; ``clock`` is the test's time."""

    def __init__(self, valid_for: float = 60.0) -> None:
        self.valid_for = valid_for
        self.clock = 1000.0
        self.issued = 0
        self.delay = 0.0

    def now(self) -> float:
        return self.clock

    async def fetch(self) -> IssuedToken:
        self.issued += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        return IssuedToken(f"token-{self.issued}", self.valid_for, {"user_id": 42})


async def test_fetched_once_then_served_from_cache_until_the_margin_before_expiry() -> None:
    venue = Venue(valid_for=60.0)
    token = ExpiringToken(venue.fetch, renew_margin=10.0, clock=venue.now)
    first = await token.get()
    assert first.value == "token-1" and first.extras == {"user_id": 42}
    venue.clock += 49.9
    assert (await token.get()).value == "token-1"
    # 10 s before the stated 60 s end the token is renewed, not used until it lapses.
    venue.clock += 0.1
    assert (await token.get()).value == "token-2"
    assert token.fetches == 2


async def test_a_short_lived_token_is_renewed_a_fifth_of_its_life_early() -> None:
    # A 10 s margin on a 5 s token would renew on every use: the margin shrinks to 1 s.
    venue = Venue(valid_for=5.0)
    token = ExpiringToken(venue.fetch, renew_margin=10.0, clock=venue.now)
    await token.get()
    venue.clock += 3.9
    assert (await token.get()).value == "token-1"
    venue.clock += 0.1
    assert (await token.get()).value == "token-2"


async def test_dropped_after_a_refusal_so_the_next_use_fetches_anew() -> None:
    venue = Venue()
    token = ExpiringToken(venue.fetch, clock=venue.now)
    await token.get()
    token.drop()
    assert not token.fresh
    assert (await token.get()).value == "token-2"


async def test_concurrent_callers_share_one_fetch() -> None:
    venue = Venue()
    venue.delay = 0.01
    token = ExpiringToken(venue.fetch, clock=venue.now)
    results = await asyncio.gather(*(token.get() for _ in range(5)))
    assert {r.value for r in results} == {"token-1"} and venue.issued == 1


async def test_a_failed_fetch_raises_and_caches_nothing() -> None:
    calls = 0

    async def failing() -> IssuedToken:
        nonlocal calls
        calls += 1
        raise ConnectionError("venue down")

    token = ExpiringToken(failing)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            await token.get()
    assert calls == 2 and not token.fresh


def test_the_token_never_shows_in_a_repr() -> None:
    issued = IssuedToken("secret-token-value", 60.0)
    assert "secret-token-value" not in repr(issued)
    token = ExpiringToken(Venue().fetch)
    assert "secret-token-value" not in repr(token)
