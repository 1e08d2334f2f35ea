"""The shared spot conformance suite, run against the Derive connector over a loopback venue.

Every book message on Derive is a full snapshot numbered by publish_id: the suite's "diff" role is
an orderbook message too, which replaces the book. Fixtures follow the v3 specs' object shapes.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from clobconn.testing.scenarios_snapshot_book import SnapshotBookScenarios
from clobconn.testing.suites import SpotConformanceSuite
from tests.exchange.derive.conformance_hooks import DeriveConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "derive"


def rpc(method: str) -> tuple[str, str]:
    return ("POST", f"/v3/{method}")


ROUTES = {
    "server_time": rpc("public/get_time"),
    "trading_rules": rpc("public/get_all_instruments"),
    "balances": rpc("private/get_subaccount"),
    "place_order": rpc("private/order"),
    "cancel_order": rpc("private/cancel"),
    "order_status": rpc("private/get_order"),
    "order_fills": rpc("private/get_trade_history"),
    "cancel_all": rpc("private/cancel_by_instrument"),
    "open_orders": rpc("private/get_open_orders"),
    "order_history": rpc("private/get_order_history"),
}


class TestDeriveConformance(DeriveConformanceHooks, SnapshotBookScenarios, SpotConformanceSuite):
    connector_id = "derive"
    fixture_dir = FIXTURES
    routes = ROUTES
    expected_balances = {"ETH": (Decimal("1.5"), Decimal("1.5")), "USDC": (Decimal("1000.5"), Decimal("1000.5"))}
