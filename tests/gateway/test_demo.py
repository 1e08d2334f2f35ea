"""``clobconn demo --gateway``: a quote, a swap, its confirmation and the balance change, offline."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from clobconn.cli import cli


def test_gateway_demo_quotes_swaps_confirms_and_checks_the_balances() -> None:
    result = CliRunner().invoke(cli, ["demo", "--gateway"])
    assert result.exit_code == 0, result.output
    position = 0
    for pattern in (r"quote: SELL 2 SOL-USDC", r"order created +sell-SOL-USDC-\d+: SELL MARKET 2 SOL-USDC",
                    r"swap submitted once: signature \w+", r"order filled +sell-SOL-USDC-\d+: SELL 2 SOL-USDC @ "
                    r"[\d.]+ as taker, fee 0\.000005 SOL", r"order completed", r"SOL +│ 100 +│ 97\.999995",
                    r"balances moved by exactly the fill and its fee"):
        match = re.compile(pattern).search(result.output, position)
        assert match, f"missing {pattern!r} after {position} in:\n{result.output}"
        position = match.end()


def test_gateway_demo_failure_exits_non_zero_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    # More SOL than the sandbox wallet holds: Gateway refuses, the demo says why.
    monkeypatch.setattr("clobconn.cli.demo_gateway.AMOUNT", Decimal(500))
    result = CliRunner().invoke(cli, ["demo", "--gateway"])
    assert result.exit_code == 1
    assert "InsufficientFunds" in result.output
    assert re.search(r"order failed +sell-SOL-USDC", result.output)
