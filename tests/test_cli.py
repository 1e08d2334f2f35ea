"""The clobconn command: the connector table (what make demo shows until the sandbox lands)."""

from __future__ import annotations

import pytest

from clobconn.cli import main
from clobconn.core.registry import CONNECTORS


@pytest.mark.parametrize("command", ["connectors", "demo"])
def test_lists_registered_connectors_and_their_features(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    # Every registered connector but the teaching template is listed.
    assert set(rows) == {name for name in CONNECTORS if not name.startswith("_")}
    assert "perpetual" in rows["binance_perpetual"] and "reduce_only" in rows["binance_perpetual"]
    assert "amend_order" in rows["binance"]


def test_unknown_command_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["nope"])
