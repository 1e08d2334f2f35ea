"""Shared scenario: a private-stream login the venue refuses for its credentials (issue 11, "Orders").

A mixin of ``SpotConformanceSuite``. Each connector's test implements ``refuse_user_login``: it
arranges the venue's documented refusal of the next login (a refused listen key or token request, a
login frame answered with a credential error code). No reconnect can mend such a refusal, so the
stream must stop and say so rather than log in again and again.
"""

from __future__ import annotations

import asyncio

import pytest

from clobconn.core.errors import AuthenticationError
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase


class LoginScenarios(ConformanceSuiteBase):
    def refuse_user_login(self) -> None:
        """Arrange the venue's documented credential refusal for the next user-stream login."""
        pytest.skip("the connector's test arranges no refused login")

    def user_stream_task(self) -> asyncio.Task[None]:
        task = self.conn.tasks.task("user")
        assert task is not None, "no user stream"
        return task

    async def test_refused_user_login_stops_the_stream_and_wait_ready_raises(self) -> None:
        connections = self.venue.connections(self.user_ws_path)
        self.refuse_user_login()
        await self.venue.drop(self.user_ws_path)
        await eventually(lambda: self.conn.auth_failure is not None, what="the login refusal recorded")
        assert "user stream login" in str(self.conn.auth_failure)
        # The stream stopped: it will not connect and log in again.
        await eventually(lambda: self.user_stream_task().done(), what="the user stream stopped")
        await asyncio.sleep(0.1)
        assert self.venue.connections(self.user_ws_path) <= connections + 1, "a refused login was retried"
        assert not self.conn.status_dict["user_stream_connected"]
        with pytest.raises(AuthenticationError, match="login"):
            await self.conn.wait_ready(timeout=1)
