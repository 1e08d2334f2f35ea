"""Isolation for every test: a developer's own credentials never reach a test."""

from __future__ import annotations

import os

import pytest

from clobconn.core.credentials import FILE_VARIABLE
from clobconn.core.web.ws import WS_CLIENT_ENV


@pytest.fixture(autouse=True)
def no_external_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No ``CLOBCONN_*`` variable and no credentials file: get_connector sees only what a test gives it.

    Except the WebSocket client's choice (``CLOBCONN_WS_CLIENT=picows``): it holds no credential, and it
    is how the suites are run on each client."""
    for name in list(os.environ):
        if name.startswith("CLOBCONN_") and name != WS_CLIENT_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv(FILE_VARIABLE, str(tmp_path_factory.getbasetemp() / "no-credentials.toml"))
