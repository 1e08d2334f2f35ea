"""The sandbox venue: a spot and a perpetual engine with synthetic liquidity, served over loopback
as Binance spot and Binance USD-M futures by one aiohttp app, so the unchanged ``binance`` and
``binance_perpetual`` connectors trade against it.

    async with Sandbox() as sandbox:
        connector = get_connector("binance", trading_pairs=["BTC-USDT"], **sandbox.connector_config("binance"))
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from aiohttp import web

from clobconn.sandbox.binance_common import ApiCredential, LiveSockets, RequestVerifier, binance_errors
from clobconn.sandbox.binance_perp import PerpProtocol
from clobconn.sandbox.binance_spot import SpotProtocol
from clobconn.sandbox.engine import Engine, MarketSpec
from clobconn.sandbox.liquidity import SyntheticLiquidity

logger = logging.getLogger(__name__)

USER_ACCOUNT = "user"
CONNECTOR_IDS = ("binance", "binance_perpetual")
SOCKET_GROUPS = ("all", "spot", "perp", "public", "user")


@dataclass(frozen=True, slots=True)
class MarketModel:
    """What a base asset trades like: a typical price and Binance's increments for it."""

    mid: Decimal
    spot_tick: Decimal
    spot_step: Decimal
    perp_tick: Decimal
    perp_step: Decimal
    perp_min_notional: Decimal
    max_leverage: int


# Binance's filters for the pairs people try first; any other base trades like GENERIC_MARKET.
KNOWN_MARKETS = {
    "BTC": MarketModel(Decimal(60000), Decimal("0.01"), Decimal("0.00001"), Decimal("0.1"), Decimal("0.001"),
                       Decimal(100), 125),
    "ETH": MarketModel(Decimal(3000), Decimal("0.01"), Decimal("0.0001"), Decimal("0.01"), Decimal("0.001"),
                       Decimal(20), 100),
    "SOL": MarketModel(Decimal(150), Decimal("0.01"), Decimal("0.001"), Decimal("0.01"), Decimal("1"),
                       Decimal(5), 75),
    "BNB": MarketModel(Decimal(600), Decimal("0.01"), Decimal("0.001"), Decimal("0.01"), Decimal("0.01"),
                       Decimal(5), 75),
}
GENERIC_MARKET = MarketModel(Decimal(100), Decimal("0.01"), Decimal("0.001"), Decimal("0.01"), Decimal("0.001"),
                             Decimal(5), 20)
SPOT_FEES = (Decimal("0.001"), Decimal("0.001"))  # maker, taker: Binance's base tier
PERP_FEES = (Decimal("0.0002"), Decimal("0.0005"))
SPOT_MIN_NOTIONAL = Decimal(5)
MAX_QTY = Decimal(9000)


def model_for(base: str) -> MarketModel:
    return KNOWN_MARKETS.get(base, GENERIC_MARKET)


def split_pair(pair: str) -> tuple[str, str]:
    base, _, quote = pair.upper().partition("-")
    if not base or not quote:
        raise ValueError(f"a sandbox pair is BASE-QUOTE, got {pair!r}")
    return base, quote


def market_spec(pair: str, perpetual: bool) -> MarketSpec:
    base, quote = split_pair(pair)
    model = model_for(base)
    tick, step = (model.perp_tick, model.perp_step) if perpetual else (model.spot_tick, model.spot_step)
    maker, taker = PERP_FEES if perpetual else SPOT_FEES
    return MarketSpec(symbol=base + quote, base=base, quote=quote, tick_size=tick, step_size=step, min_qty=step,
                      max_qty=MAX_QTY, min_notional=model.perp_min_notional if perpetual else SPOT_MIN_NOTIONAL,
                      maker_fee=maker, taker_fee=taker, perpetual=perpetual, max_leverage=model.max_leverage)


def _frozen(values: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class SandboxConfig:
    seed: int = 7
    spot_pairs: tuple[str, ...] = ("BTC-USDT", "ETH-USDT")
    perp_pairs: tuple[str, ...] = ("BTC-USDT", "ETH-USDT")
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port, read it from Sandbox.url
    tick_interval: float = 0.25  # seconds between liquidity steps
    funding_interval: float = 8 * 3600  # seconds; tests shorten it
    liquidity: bool = True  # False starts with the liquidity paused (the seeded book is still there)
    api_key: str = "sandbox-key"
    api_secret: str = field(default="sandbox-secret", repr=False)
    starting_balances: Mapping[str, Decimal] = field(default_factory=lambda: _frozen(
        {"BTC": Decimal(10), "ETH": Decimal(100), "USDT": Decimal(100_000)}))
    # The futures wallet is separate from spot, as on Binance: margin in the quote asset.
    perp_starting_balances: Mapping[str, Decimal] = field(default_factory=lambda: _frozen(
        {"USDT": Decimal(100_000)}))
    mark_price_interval: float = 1.0  # seconds between markPrice stream events


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Sandbox:
    """The engines, the liquidity that moves them and the server that speaks Binance over them."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.user_account = USER_ACCOUNT
        clock = wall_clock_ms
        funding_ms = int(self.config.funding_interval * 1000)
        self.spot = Engine([market_spec(pair, False) for pair in self.config.spot_pairs], clock)
        self.perp = Engine([market_spec(pair, True) for pair in self.config.perp_pairs], clock,
                           funding_interval_ms=funding_ms)
        self.spot_liquidity = SyntheticLiquidity(
            self.spot, self.config.seed, {pair: model_for(split_pair(pair)[0]).mid for pair in self.config.spot_pairs})
        # Its own seed, so adding a perp pair does not change the spot books.
        self.perp_liquidity = SyntheticLiquidity(
            self.perp, self.config.seed + 1,
            {pair: model_for(split_pair(pair)[0]).mid for pair in self.config.perp_pairs})
        self.sockets = LiveSockets()
        verifier = RequestVerifier(
            [ApiCredential(self.config.api_key, self.config.api_secret, USER_ACCOUNT)], clock)
        self.spot_protocol = SpotProtocol(self.spot, verifier, self.sockets, clock)
        self.perp_protocol = PerpProtocol(self.perp, verifier, self.sockets, clock)
        self.app = web.Application(middlewares=[binance_errors])
        self.spot_protocol.add_routes(self.app)
        self.perp_protocol.add_routes(self.app)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._paused = not self.config.liquidity
        self._seeded = False
        self._port: int | None = None

    # == lifecycle ===============================================================================

    async def start(self) -> None:
        if self._runner is not None:
            return
        if not self._seeded:
            self._seed()
        runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._tasks = [asyncio.create_task(self._drive_liquidity(), name="sandbox:liquidity"),
                       asyncio.create_task(self._publish_mark_prices(), name="sandbox:mark-prices")]
        logger.info("sandbox serving Binance spot and USD-M futures at %s", self.url)

    def _seed(self) -> None:
        self.spot_liquidity.seed_book()
        self.perp_liquidity.seed_book()
        self.spot.open_account(USER_ACCOUNT, self.config.starting_balances)
        self.perp.open_account(USER_ACCOUNT, self.config.perp_starting_balances)
        self._seeded = True

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        # Open sockets would hold the shutdown for its whole timeout.
        await self.sockets.drop("all")
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # == where to connect ========================================================================

    @property
    def url(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT`` (after start)."""
        if self._port is None:
            raise RuntimeError("the sandbox has no address until it is started")
        return f"http://{self.config.host}:{self._port}"

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def connector_config(self, connector_id: str) -> dict[str, Any]:
        """Keyword arguments for ``clobconn.get_connector(connector_id, **...)``: the sandbox's key and
        URLs. Add ``trading_pairs`` (and anything else) yourself."""
        if connector_id not in CONNECTOR_IDS:
            raise ValueError(f"the sandbox serves {' and '.join(CONNECTOR_IDS)}, not {connector_id!r}")
        config: dict[str, Any] = {"api_key": self.config.api_key, "api_secret": self.config.api_secret,
                                  "rest_url": self.url, "ws_url": self.ws_url, "private_ws_url": self.ws_url}
        if connector_id == "binance_perpetual":
            # The sandbox's futures venue has no WebSocket API (ws-fapi): its orders go over REST.
            config["order_entry"] = "rest"
        return config

    # == controls (tests and demos) ==============================================================

    async def drop_connections(self, which: str = "all") -> int:
        """Close live WebSockets mid-stream, as a venue restart does; returns how many were closed.
        ``which``: "all", "spot", "perp", "public" (market streams) or "user" (user streams)."""
        if which not in SOCKET_GROUPS:
            raise ValueError(f"which must be one of {', '.join(SOCKET_GROUPS)}, got {which!r}")
        return await self.sockets.drop(which)

    @property
    def liquidity_paused(self) -> bool:
        return self._paused

    def pause_liquidity(self) -> None:
        self._paused = True

    def resume_liquidity(self) -> None:
        self._paused = False

    def step(self, n: int = 1) -> None:
        """Run ``n`` liquidity ticks now (paused or not): books move, trades print, funding falls due."""
        for _ in range(n):
            self.spot_liquidity.step()
            self.perp_liquidity.step()
            self.perp_liquidity.maybe_fund(wall_clock_ms())

    async def _drive_liquidity(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_interval)
            if self._paused:
                continue
            try:
                self.step()
            except Exception:
                # One bad tick must not stop the market for the rest of the session.
                logger.exception("sandbox liquidity step failed")

    async def _publish_mark_prices(self) -> None:
        while True:
            await asyncio.sleep(self.config.mark_price_interval)
            self.perp_protocol.publish_mark_prices()
