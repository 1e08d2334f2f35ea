"""Paper trading exists for every registered connector: each builds its paper twin, and each one's
conformance suite runs the paper scenario (``clobconn/testing/scenarios_paper.py``) over its own
venue's payloads, so a connector added without one fails here."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import clobconn
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.registry import CONNECTORS, WITHOUT_PUBLIC_API, connector_class
from clobconn.paper import PaperTrading, PerpetualPaperTrading
from clobconn.testing.scenarios_paper import PaperScenarios
from clobconn.testing.suite_base import WITHOUT_CONFORMANCE_SUITE

TESTS = Path(__file__).parents[1]
# Teaching connectors ("_template") are for fictional venues; the AMM gateway has no book to paper-trade.
PAPER_CONNECTORS = sorted(c for c in CONNECTORS if not c.startswith("_") and c not in WITHOUT_PUBLIC_API)
# Connectors with no conformance suite yet to feed their book generically (the kit's one list): their paper
# twins are built (below) but not run over a venue. Strict: adding their suite makes these pass, and then fail.
NO_CONFORMANCE_SUITE = set(WITHOUT_CONFORMANCE_SUITE)


def conformance_suites(connector_id: str) -> list[type[PaperScenarios]]:
    folder = "derivative" if issubclass(connector_class(connector_id), PerpetualDerivativeBase) else "exchange"
    path = TESTS / folder / connector_id / "test_conformance.py"
    assert path.is_file(), f"{connector_id} has no conformance suite at {path}"
    module = importlib.import_module(f"tests.{folder}.{connector_id}.test_conformance")
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, PaperScenarios) and getattr(cls, "connector_id", None) == connector_id
            and cls.__name__.startswith("Test")]


def test_the_registry_is_covered() -> None:
    assert {"binance", "binance_perpetual", "okx", "kucoin_perpetual"} <= set(PAPER_CONNECTORS)
    assert "_template" not in PAPER_CONNECTORS and "dexalot_perpetual" not in PAPER_CONNECTORS


@pytest.mark.parametrize("connector_id", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="no conformance suite to feed its book"))
    if c in NO_CONFORMANCE_SUITE else c for c in PAPER_CONNECTORS])
def test_each_connector_has_a_paper_twin_tested_over_its_venue(connector_id: str) -> None:
    conn = clobconn.get_connector(connector_id, paper=True, paper_balances={"USDT": 1000})
    real = connector_class(connector_id)
    assert isinstance(conn, real) and isinstance(conn, PaperTrading)
    assert isinstance(conn, PerpetualPaperTrading) == issubclass(real, PerpetualDerivativeBase)
    assert conn.has_credentials and not conn.missing_credentials() and conn.auth is None
    assert conformance_suites(connector_id), f"{connector_id}'s conformance suite does not run the paper scenario"
