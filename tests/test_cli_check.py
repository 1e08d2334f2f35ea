"""``clobconn check``: one signed read-only call with the keys found outside the code; balances and
permissions printed, a missing or refused key an exit status 1 with its typed error, no secret echoed."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner, Result

from clobconn.cli import cli
from clobconn.testing import MockResponse
from tests.test_cli import SPOT, ThreadedVenue, mock_venue  # noqa: F401  (the fixture)

SECRET = "the-secret-never-echoed"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_on_the_sandbox_prints_balances_and_permissions() -> None:
    result = invoke("check", "binance", "--sandbox")
    assert result.exit_code == 0, result.output
    assert "the keys work" in result.output
    assert "USDT     total 100000, available 100000" in result.output
    assert "permissions: SPOT, canTrade" in result.output


def test_check_without_keys_names_where_they_are_read_from() -> None:
    result = invoke("check", "okx")
    assert result.exit_code == 1
    assert "MissingCredentials" in result.output and "CLOBCONN_OKX_API_KEY" in result.output


def test_check_with_refused_keys_exits_1_with_the_typed_error(
        mock_venue: ThreadedVenue, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    venue = mock_venue.venue
    venue.route("GET", "/api/v3/time", SPOT.payload("server_time", {"timestamp_ms": int(time.time() * 1000)}))
    venue.route("GET", "/api/v3/account",
                MockResponse({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, 401))
    monkeypatch.setenv("CLOBCONN_BINANCE_API_KEY", "key")
    monkeypatch.setenv("CLOBCONN_BINANCE_API_SECRET", SECRET)
    result = invoke("check", "binance", "--rest-url", venue.http_url)
    assert result.exit_code == 1
    assert "AuthenticationError" in result.output and "-2015" in result.output
    assert SECRET not in result.output
    signed = venue.requests_to("GET", "/api/v3/account")
    assert len(signed) == 1 and "signature" in signed[0].params  # one signed call, nothing else private
