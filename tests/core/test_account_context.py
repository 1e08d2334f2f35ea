"""The account context: what a venue's private calls need that only the venue can say (HTX's spot
account id), fetched once at start before any private call, kept, and fetched again only when it was
never had or has been forgotten."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from clobconn.core.data_types import Balance
from clobconn.core.errors import AuthenticationError, ExchangeNotAvailable
from clobconn.exchange._template.exchange import TemplateExchange


class AccountVenue(TemplateExchange):
    """The template connector with an account id to fetch, and a start that goes no further than the
    first private calls (no streams, no loops)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(api_key="key", api_secret="secret", passphrase="pass", trading_pairs=[], **kwargs)
        self.calls: list[str] = []
        self.answers: list[dict[str, str] | Exception] = [{"account_id": "100009"}]

    async def _fetch_account_context(self) -> dict[str, str] | None:
        self.calls.append("account")
        await asyncio.sleep(0.01)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def _fetch_balances(self) -> list[Balance]:
        self.calls.append(f"balances with {self.account}")
        return []

    async def _update_time(self) -> None:
        pass

    async def _update_trading_rules(self) -> None:
        pass

    def _start_user_stream(self) -> None:
        pass


@pytest.fixture
async def conn() -> Any:
    connector = AccountVenue()
    yield connector
    await connector.stop()


async def test_fetched_once_at_start_before_the_first_private_call(conn: AccountVenue) -> None:
    await conn.start()
    assert conn.calls[:2] == ["account", "balances with {'account_id': '100009'}"]
    assert await conn.account_context() == {"account_id": "100009"}
    assert conn.calls.count("account") == 1


async def test_concurrent_callers_share_one_fetch(conn: AccountVenue) -> None:
    contexts = await asyncio.gather(*(conn.account_context() for _ in range(5)))
    assert contexts == [{"account_id": "100009"}] * 5
    assert conn.calls == ["account"]


async def test_a_failed_fetch_at_start_is_made_again_by_the_next_private_call(conn: AccountVenue) -> None:
    conn.answers = [ExchangeNotAvailable("down for a moment"), {"account_id": "100009"}]
    await conn.start()
    assert conn.account is None
    assert await conn.account_context() == {"account_id": "100009"}
    assert conn.calls.count("account") == 2


async def test_refused_credentials_stop_the_start(conn: AccountVenue) -> None:
    conn.answers = [AuthenticationError("api-signature-not-valid")]
    with pytest.raises(AuthenticationError, match="account context"):
        await conn.start()
    assert conn.auth_failure is not None
    assert not any(call.startswith("balances") for call in conn.calls)


async def test_a_forgotten_context_is_fetched_again(conn: AccountVenue) -> None:
    conn.answers = [{"account_id": "1"}, {"account_id": "2"}]
    assert await conn.account_context() == {"account_id": "1"}
    conn.forget_account_context()
    assert await conn.account_context() == {"account_id": "2"}


async def test_a_venue_without_one_fetches_nothing() -> None:
    plain = TemplateExchange(api_key="key", api_secret="secret", passphrase="pass", trading_pairs=[])
    assert await plain.account_context() == {}
    await plain.stop()
