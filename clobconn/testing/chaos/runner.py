"""Runs every fault family on every registered connector, driving each through its conformance suite.

A connector is in the run by being registered (``clobconn.core.registry.CONNECTORS``); its suite class is
found by importing every ``tests/**/test_conformance.py`` and taking the ``Test*`` class there that
subclasses ``ConformanceSuiteBase`` for its ``connector_id``. That class already knows how to script the
mock venue for the connector (routes, fixtures, pushes, logins), so each family runs through the same
hooks: ``open_conformance_venue()`` starts the venue and a ready connector, as the suite's fixture does.
A registered connector with no such class is reported as a failure, never skipped quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import random
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import clobconn
from clobconn.core.registry import CONNECTORS
from clobconn.core.timers import compressed_time
from clobconn.testing.chaos import (
    book_gaps,
    frames,
    races,
    rate_limits,
    rest_answers,
    sandbox_target,
    secrets,
    soak,
    sockets,
    timeouts,
)
from clobconn.testing.chaos.context import ChaosContext, capturing, guarded
from clobconn.testing.chaos.report import ChaosReport, ConnectorResult, FamilyResult, connector_table
from clobconn.testing.chaos.session import close_session, open_session
from clobconn.testing.suite_base import WITHOUT_CONFORMANCE_SUITE, ConformanceSuiteBase

Family = Callable[[ConformanceSuiteBase, ChaosContext, FamilyResult], Awaitable[None]]
# In order of value; secrets last, as it scans what all the others produced.
FAMILIES: list[tuple[str, Family]] = [
    (frames.FAMILY, frames.run),
    (rest_answers.FAMILY, rest_answers.run),
    (book_gaps.FAMILY, book_gaps.run),
    (sockets.FAMILY, sockets.run),
    (rate_limits.FAMILY, rate_limits.run),
    (timeouts.FAMILY, timeouts.run),
    (races.FAMILY, races.run),
    (soak.FAMILY, soak.run),
]
# Families that run with the connector's timers compressed (``clobconn.core.timers``): given whether the
# run is quick, the factor and whether idle timeouts are compressed too. The session is opened inside the
# compression, so every timer the connector starts runs compressed from its first tick.
TIME_COMPRESSION: dict[str, Callable[[bool], tuple[float, bool]]] = {
    sockets.FAMILY: sockets.time_compression,
    soak.FAMILY: soak.time_compression,
}
REPO_ROOT = Path(clobconn.__file__).resolve().parents[1]


def discover_suites(tests_root: Path | None = None) -> tuple[dict[str, type[ConformanceSuiteBase]], list[str]]:
    """connector id -> its conformance suite class, from every ``test_conformance.py`` under ``tests/``;
    and the modules that could not be imported (each one a failure the run reports)."""
    root = tests_root or REPO_ROOT / "tests"
    if str(root.parent) not in sys.path:
        sys.path.insert(0, str(root.parent))
    suites: dict[str, type[ConformanceSuiteBase]] = {}
    broken: list[str] = []
    for path in sorted(root.rglob("test_conformance.py")):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            broken.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        for suite in _suite_classes(module):
            suites.setdefault(suite.connector_id, suite)
    return suites, broken


def _suite_classes(module: ModuleType) -> list[type[ConformanceSuiteBase]]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ConformanceSuiteBase)
            and value.__name__.startswith("Test") and value.__module__ == module.__name__
            and isinstance(getattr(value, "connector_id", None), str)]


async def run_family(suite_class: type[ConformanceSuiteBase], name: str, family: Family, ctx: ChaosContext,
                     timeout: float) -> FamilyResult:
    result = FamilyResult(name)
    suite = suite_class()
    compression = TIME_COMPRESSION.get(name)

    async def in_session() -> None:
        with compressed_time(*compression(ctx.quick)) if compression else contextlib.nullcontext():
            await _run_in_session(suite, family, ctx, result, timeout)

    await guarded(result, ctx, in_session(), timeout)
    return result


async def _run_in_session(suite: ConformanceSuiteBase, family: Family, ctx: ChaosContext, result: FamilyResult,
                          timeout: float) -> None:
    await open_session(suite)
    try:
        await asyncio.wait_for(family(suite, ctx, result), timeout)
    finally:
        if hasattr(suite, "conn"):
            ctx.reprs.extend([repr(suite.conn), repr(suite.conn.config), str(suite.conn.config),
                              repr(suite.conn.auth)])
        ctx.signatures.update(secrets.signatures_sent(suite.venue))
        ctx.secret_values.update(suite.secret_values())
        await close_session(suite)


async def run_connector(connector_id: str, suite_class: type[ConformanceSuiteBase], seed: int,
                        quick: bool) -> ConnectorResult:
    result = ConnectorResult(connector_id, f"{suite_class.__module__}.{suite_class.__name__}")
    ctx = ChaosContext(connector_id, seed, quick)
    timeout = 60.0 if quick else 600.0
    with capturing(ctx):
        for name, family in FAMILIES:
            result.families.append(await run_family(suite_class, name, family, ctx, timeout))
        result.families.append(secrets.scan(ctx))
    return result


def registered_connectors() -> list[str]:
    return sorted(connector_id for connector_id in CONNECTORS if not connector_id.startswith("_"))


def current_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


async def run(connectors: list[str] | None = None, seed: int | None = None, quick: bool = False,
              out: Callable[[str], Any] = print) -> ChaosReport:
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    report = ChaosReport(seed=seed, quick=quick, commit=current_commit())
    out(f"clobconn chaos: seed {seed} (replay with --seed {seed}){', quick run' if quick else ''}")
    suites, broken = discover_suites()
    for line in broken:
        out(f"   conformance module could not be imported: {line}")
    for connector_id in connectors or [*registered_connectors(), sandbox_target.TARGET]:
        if connector_id == sandbox_target.TARGET:
            for served in sandbox_target.CONNECTORS:
                report.connectors.append(await sandbox_target.run_target(served, seed, quick))
                out(connector_table(report.connectors[-1]))
            continue
        suite_class = suites.get(connector_id)
        if suite_class is None:
            known = WITHOUT_CONFORMANCE_SUITE.get(connector_id)
            missing = ConnectorResult(connector_id, None, error="registered, but no conformance suite " + (
                f"yet: {known}" if known else "(a Test* class with this connector_id in tests/**/test_conformance.py)"))
            report.connectors.append(missing)
        else:
            report.connectors.append(await run_connector(connector_id, suite_class, seed, quick))
        out(connector_table(report.connectors[-1]))
    return report
