"""Shared scenarios: the third credential is a secret under every name, and a private login leaks none.

A mixin of ``SpotConformanceSuite``, extending ``test_secrets_never_in_logs_reprs_or_errors`` (issue 13,
Bitmart). Bitmart calls its third credential the memo: ``memo=`` is accepted for ``passphrase=`` and must be
as secret as it (``SecretStr`` in the config, never in a repr). The memo is signed into the private stream's
login frame, so a login (a reconnect, here, with every log level captured) must leave no secret in the logs.
"""

from __future__ import annotations

import logging

import pytest

from clobconn.core.registry import get_connector
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import API_SECRET, PASSPHRASE, ConformanceSuiteBase


class SecretScenarios(ConformanceSuiteBase):
    @pytest.mark.no_connector
    async def test_the_memo_is_the_passphrase_and_as_secret(self) -> None:
        config = self.connector_config(memo=PASSPHRASE)
        del config["passphrase"]
        by_memo = get_connector(self.connector_id, **config)
        by_passphrase = self.make_connector()
        try:
            assert by_memo.config.passphrase is not None
            assert by_memo.config.passphrase.get_secret_value() == PASSPHRASE
            assert by_memo.has_credentials == by_passphrase.has_credentials
            texts = [repr(by_memo), repr(by_memo.config), str(by_memo.config), repr(by_memo.auth),
                     by_memo.config.model_dump_json()]
            for secret in (API_SECRET, PASSPHRASE):
                for text in texts:
                    assert secret not in text
        finally:
            await by_memo.rest.close()
            await by_passphrase.rest.close()

    async def test_secrets_never_in_logs_through_a_private_login(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        path = self.user_ws_path
        connections = self.venue.connections(path)
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=connections + 1, timeout=8)
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], timeout=10, what="logged in again")
        # The login did reach the venue with the credentials, so the check below is not vacuous.
        await eventually(lambda: self.credentials_used(path), what="the credentials reached the venue")
        texts = [caplog.text, repr(self.conn), repr(self.conn.auth), str(self.conn.config)]
        for secret in self.secret_values():
            for text in texts:
                assert secret not in text and secret.lower() not in text.lower()
