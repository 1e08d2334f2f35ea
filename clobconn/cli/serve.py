"""``clobconn sandbox serve``: run the sandbox venue until Ctrl-C or SIGTERM, for any strategy to use."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console

from clobconn.cli.venues import sandbox_for
from clobconn.cli.views import number
from clobconn.core.registry import connector_class

# The connectors that speak the sandbox's protocols, in the order the example shows them.
SANDBOX_CONNECTORS = ("binance", "binance_perpetual")


def connector_example(connector_id: str, config: dict[str, Any], pair: str) -> str:
    """Ready-to-paste Python that builds ``connector_id`` against the running sandbox."""
    variable = "perp" if connector_class(connector_id).spec.is_perpetual else "spot"
    arguments = [f"    {connector_id!r},"]
    arguments += [f"    {key}={value!r}," for key, value in config.items()]
    arguments.append(f"    trading_pairs=[{pair!r}],")
    return "\n".join([f"{variable} = clobconn.get_connector(", *arguments, ")"])


def amounts(balances: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{asset} {number(amount)}" for asset, amount in sorted(balances.items()))


def stop_on_signals(stop: asyncio.Event) -> list[signal.Signals]:
    """Have SIGINT and SIGTERM set ``stop``; returns the signals it could hook (main thread only)."""
    loop = asyncio.get_running_loop()
    hooked = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        hooked.append(sig)
    return hooked


async def serve(console: Console, host: str, port: int, seed: int, pairs: Sequence[str],
                stop: asyncio.Event | None = None) -> None:
    """Start the sandbox, print how to reach it, and run until ``stop`` is set (or a signal arrives)."""
    stop = stop or asyncio.Event()

    def say(text: str = "") -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    sandbox = sandbox_for(seed, pairs, host=host, port=port)
    hooked = stop_on_signals(stop)
    try:
        await sandbox.start()
        try:
            config = sandbox.config
            say(f"clobconn sandbox listening on {sandbox.url} (seed {seed})")
            say(f"spot markets:       {', '.join(config.spot_pairs)}; balances {amounts(config.starting_balances)}")
            say(f"perpetual markets:  {', '.join(config.perp_pairs)}; "
                f"balances {amounts(config.perp_starting_balances)}")
            first = sandbox.connector_config(SANDBOX_CONNECTORS[0])
            say(f"api key:            {first.get('api_key')}")
            say(f"api secret:         {first.get('api_secret')}")
            pair = pairs[0] if pairs else config.spot_pairs[0]
            say()
            say("import clobconn")
            for connector_id in SANDBOX_CONNECTORS:
                say()
                say(connector_example(connector_id, sandbox.connector_config(connector_id), pair))
            say()
            say("press Ctrl-C (or send SIGTERM) to stop")
            console.file.flush()
            await stop.wait()
        finally:
            await sandbox.stop()
        say("sandbox stopped")
    finally:
        loop = asyncio.get_running_loop()
        for sig in hooked:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(sig)
