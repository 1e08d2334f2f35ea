"""Isolation for every test: a developer's own credentials never reach a test."""

from __future__ import annotations

import os

import pytest

from clobconn.core.credentials import FILE_VARIABLE


@pytest.fixture(autouse=True)
def no_external_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No ``CLOBCONN_*`` variable and no credentials file: get_connector sees only what a test gives it."""
    for name in list(os.environ):
        if name.startswith("CLOBCONN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(FILE_VARIABLE, str(tmp_path_factory.getbasetemp() / "no-credentials.toml"))
