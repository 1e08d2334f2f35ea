"""Where the commands connect: the venue's own URLs, overridden URLs, or an embedded sandbox.

Market-data commands build connectors with ``trading=False``: they need no credentials and open
no private stream, even when pointed at the sandbox (whose key they are then simply not given).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clobconn.core.data_types import TradingRule
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.registry import get_connector

if TYPE_CHECKING:
    from clobconn.sandbox import Sandbox

# What a public connector needs from Sandbox.connector_config: its URLs, not the key.
URL_KEYS = ("rest_url", "ws_url", "private_ws_url")


class SandboxUnavailable(RuntimeError):
    """clobconn.sandbox cannot be imported (a broken install, or a checkout without it)."""


def sandbox_classes() -> tuple[type[Sandbox], type[Any]]:
    """(Sandbox, SandboxConfig), imported on first use so the other commands never depend on them."""
    try:
        from clobconn.sandbox import Sandbox, SandboxConfig
    except ImportError as exc:
        raise SandboxUnavailable(f"the sandbox venue is not available: {exc}") from exc
    return Sandbox, SandboxConfig


def sandbox_for(seed: int, pairs: Sequence[str] = (), host: str | None = None, port: int | None = None) -> Sandbox:
    """A Sandbox (not started) with ``pairs`` listed on both its spot and perpetual markets."""
    sandbox_class, config_class = sandbox_classes()
    options: dict[str, Any] = {"seed": seed}
    if pairs:
        options["spot_pairs"] = tuple(pairs)
        options["perp_pairs"] = tuple(pairs)
    if host is not None:
        options["host"] = host
    if port is not None:
        options["port"] = port
    return sandbox_class(config_class(**options))


@dataclass(frozen=True, slots=True)
class VenueTarget:
    """Which venue a market-data command talks to."""

    connector_id: str
    sandbox: bool = False
    seed: int = 7
    domain: str | None = None
    # Advanced: point the connector at any server speaking the venue's protocol (a mock, a proxy).
    rest_url: str | None = None
    ws_url: str | None = None

    def describe(self) -> str:
        if self.sandbox:
            return "the embedded sandbox"
        if self.rest_url or self.ws_url:
            return f"{self.rest_url or '(default REST)'} / {self.ws_url or '(default WS)'}"
        return f"{self.connector_id} {self.domain or 'mainnet'}"


@asynccontextmanager
async def connector_urls(target: VenueTarget) -> AsyncIterator[dict[str, Any]]:
    """The connector keyword arguments that point it at ``target``; a sandbox lives as long as the block.

    The embedded sandbox lists its own default pairs, whatever pair a command names: it is a venue,
    and a venue refuses a market it does not have rather than opening one on request.
    """
    if not target.sandbox:
        given = {"domain": target.domain, "rest_url": target.rest_url, "ws_url": target.ws_url}
        yield {key: value for key, value in given.items() if value is not None}
        return
    sandbox = sandbox_for(target.seed)
    await sandbox.start()
    try:
        config = sandbox.connector_config(target.connector_id)
        yield {key: config[key] for key in URL_KEYS if key in config}
    finally:
        await sandbox.stop()


def public_connector(connector_id: str, urls: dict[str, Any], pairs: Sequence[str] = ()) -> ExchangeBase:
    return get_connector(connector_id, trading=False, trading_pairs=list(pairs), **urls)


async def fetch_markets(target: VenueTarget) -> list[TradingRule]:
    """The connector's trading rules, fetched exactly as it fetches them when it starts."""
    async with connector_urls(target) as urls:
        conn = public_connector(target.connector_id, urls)
        try:
            # Only the rules: starting the whole connector would also open its market-data sockets.
            rules = await conn.load_trading_rules()
        finally:
            await conn.stop()
        return sorted(rules.values(), key=lambda rule: rule.trading_pair)
