"""``clobconn paper``: the demo's script (rest, cross, cancel, balance check) paper-traded on a venue's live book.

The connector is the venue's own, in paper mode (``clobconn/paper``): its books and trades come from the
venue, its orders are filled by the paper engine against them; no keys are needed. Where the venue cannot
be reached (no internet) or with ``--sandbox``, the venue is the embedded sandbox, which speaks Binance's
protocols: the binance (or, for a perpetual, binance_perpetual) connector paper-trades its book instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from rich.console import Console

from clobconn.cli.demo import DemoReport, DemoVenue, run_demo
from clobconn.cli.live import LiveOutput
from clobconn.cli.venues import VenueTarget, public_connector, sandbox_for
from clobconn.core.errors import NetworkError
from clobconn.core.registry import connector_class

logger = logging.getLogger(__name__)
REACH_TIMEOUT = 10.0
PAPER_READY = "rules loaded, {pair} book synced from the venue, paper balances set"
PAPER_STOPPED = "stopped the connector"


def paper_balances(pair: str, given: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """What the paper account starts with: the given amounts, else 100000 of the pair's quote asset."""
    return dict(given) if given else {pair.rsplit("-", maxsplit=1)[-1]: Decimal(100_000)}


def live_venue(target: VenueTarget, balances: Mapping[str, Decimal]) -> DemoVenue:
    @asynccontextmanager
    async def connect(output: LiveOutput) -> AsyncIterator[dict[str, Any]]:
        output.line(f"venue    {target.describe()}: its live book and trades; orders filled on paper")
        given = {"domain": target.domain, "rest_url": target.rest_url, "ws_url": target.ws_url}
        yield {"paper": True, "paper_balances": dict(balances), **{k: v for k, v in given.items() if v is not None}}

    return DemoVenue(target.connector_id, f"{target.describe()}'s live book (paper)", connect, PAPER_READY,
                     PAPER_STOPPED, "paper")


def sandbox_paper_venue(connector_id: str, seed: int, pair: str, balances: Mapping[str, Decimal]) -> DemoVenue:
    """The embedded sandbox as the live venue: its public streams feed the paper engine."""
    sandbox_connector = "binance_perpetual" if connector_class(connector_id).spec.is_perpetual else "binance"

    @asynccontextmanager
    async def connect(output: LiveOutput) -> AsyncIterator[dict[str, Any]]:
        sandbox = sandbox_for(seed, [pair])
        await sandbox.start()
        try:
            output.line(f"sandbox  Binance spot + USD-M protocols on {sandbox.url} (seed {seed}): "
                        "its live book and trades; orders filled on paper")
            config = sandbox.connector_config(sandbox_connector)
            yield {"paper": True, "paper_balances": dict(balances), "rest_url": config["rest_url"],
                   "ws_url": config["ws_url"]}
        finally:
            await sandbox.stop()

    return DemoVenue(sandbox_connector, "the offline sandbox's live book (paper)", connect, PAPER_READY,
                     "stopped the connector and the sandbox", "paper")


async def venue_reachable(target: VenueTarget) -> str | None:
    """None when the venue's public REST answers; else why not."""
    urls = {key: value for key, value in {"domain": target.domain, "rest_url": target.rest_url,
                                          "ws_url": target.ws_url}.items() if value is not None}
    conn = public_connector(target.connector_id, urls)
    try:
        await asyncio.wait_for(conn.load_trading_rules(), REACH_TIMEOUT)
    except (NetworkError, TimeoutError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        await conn.stop()
    return None


async def run_paper(console: Console, target: VenueTarget, pair: str, duration: float, plain: bool,
                    balances: Mapping[str, Decimal]) -> DemoReport:
    start = paper_balances(pair, balances)
    if not target.sandbox:
        problem = await venue_reachable(target)
        if problem is None:
            return await run_demo(console, pair, duration, plain=plain, venue=live_venue(target, start))
        replacement = "binance_perpetual" if connector_class(target.connector_id).spec.is_perpetual else "binance"
        console.print(f"{target.describe()} cannot be reached ({problem}): paper-trading the embedded sandbox's "
                      f"book with the {replacement} connector instead", markup=False, highlight=False, soft_wrap=True)
    venue = sandbox_paper_venue(target.connector_id, target.seed, pair, start)
    return await run_demo(console, pair, duration, plain=plain, venue=venue)
