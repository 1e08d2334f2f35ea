"""A conformance suite instance driven outside pytest: its venue and connector opened as its autouse
fixture opens them, and its own plain autouse fixtures run first, as pytest would run them."""

from __future__ import annotations

import asyncio
import inspect

from clobconn.testing.suite_base import ConformanceSuiteBase


def run_plain_autouse_fixtures(suite: ConformanceSuiteBase) -> None:
    """A suite's own synchronous autouse fixtures that take nothing but self (per-test state, such as
    Coinbase's fills ledger). Reads pytest's fixture definition (``_fixture_function``), as no public
    API gives the function a fixture wraps."""
    for name in dir(type(suite)):
        if name == "_conformance_venue":
            continue
        definition = inspect.getattr_static(type(suite), name, None)
        marker = getattr(definition, "_fixture_function_marker", None)
        function = getattr(definition, "_fixture_function", None)
        if marker is None or function is None or not marker.autouse:
            continue
        if inspect.iscoroutinefunction(function) or inspect.isgeneratorfunction(function) or \
                len(inspect.signature(function).parameters) != 1:
            raise RuntimeError(f"{type(suite).__name__}.{name}: an autouse fixture the chaos runner cannot run")
        function(suite)


async def open_session(suite: ConformanceSuiteBase) -> None:
    run_plain_autouse_fixtures(suite)
    await asyncio.wait_for(suite.open_conformance_venue(), 30)


async def close_session(suite: ConformanceSuiteBase) -> None:
    await asyncio.wait_for(suite.close_conformance_venue(), 30)


async def reopen_session(suite: ConformanceSuiteBase) -> None:
    """A fresh venue and connector for the next scenario, on the same suite instance."""
    await close_session(suite)
    del suite.conn
    await open_session(suite)
