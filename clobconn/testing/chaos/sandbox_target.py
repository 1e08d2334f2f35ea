"""The sandbox venue as a chaos target: the real ``binance`` and ``binance_perpetual`` connectors against
the embedded sandbox (``clobconn sandbox serve``'s engine and protocols), where every fill, cancel and
balance is the matching engine's, not a script's.

The families that make sense against a real engine:
- sockets: every socket of the product dropped, reset or silenced (at random); while they are down the
  engine fills part of a resting order; the connector must come back, its book equal to the engine's,
  the order's fills equal to the engine's (none lost, none doubled);
- timeouts: placements whose answer is held past the request timeout (``middleware`` at the sandbox's
  edge), the engine having taken the order or not: outcome unknown, then reconciled; no order twice on the
  engine; no live order on the engine that the connector does not track;
- races: a cancel racing a full fill, a partial fill racing a cancel, a fill before the placement's answer
  (the engine fills it before the answer leaves): the connector's final state and fills equal the engine's;
  the balances equal the engine's at the end;
- soak: a simulated hour (timers compressed) of moving books and orders, memory and tasks flat;
- secrets: the sandbox's secret and every signature sent, never in a log, repr or exception text.
Rate limits are not among them: the sandbox does not limit requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

import clobconn
from clobconn import ExchangeBase, OrderState, OrderType, TradeType, get_connector
from clobconn.core.data_types import InFlightOrder
from clobconn.core.errors import OrderNotFound
from clobconn.core.timers import compressed_time, time_factor
from clobconn.sandbox import Sandbox, SandboxConfig
from clobconn.sandbox.engine import Engine, OrderKind, Side, TimeInForce
from clobconn.testing.chaos import secrets, soak
from clobconn.testing.chaos.context import ChaosContext, capturing, guarded
from clobconn.testing.chaos.report import ConnectorResult, FamilyResult, milliseconds, percentile
from clobconn.testing.chaos.sockets import KINDS
from clobconn.testing.helpers import eventually

TARGET = "sandbox"
CONNECTORS = ("binance", "binance_perpetual")
PAIR, SYMBOL = "BTC-USDT", "BTCUSDT"
FULL_DEPTH = 5000
RECOVER_WITHIN = 45.0
SETTLE_WITHIN = 15.0
REQUEST_TIMEOUT = 1.0
# A placement answer held this long is past the connector's request timeout.
HELD_FOR = REQUEST_TIMEOUT + 0.5
# Where ``python -m clobconn.cli`` imports this very clobconn from.
REPO_ROOT = Path(clobconn.__file__).resolve().parents[1]
SOCKETS_FACTOR, QUICK_SOCKETS_FACTOR = 10.0, 30.0
QUICK_SOAK_FACTOR = 600.0


class SandboxRun:
    """One sandbox and one connector on it, opened fresh for each family."""

    def __init__(self, connector_id: str) -> None:
        self.connector_id = connector_id
        self.product = "perp" if connector_id.endswith("perpetual") else "spot"
        self.sandbox = Sandbox(SandboxConfig(liquidity=False, tick_interval=0.05, mark_price_interval=0.2))
        self._conn: ExchangeBase | None = None
        # Placements the edge holds past the request timeout: True if the engine is to take the order.
        self.hold_placements: list[bool] = []
        # Run at the edge once the engine has taken a placement, before its answer leaves.
        self.after_placement: Callable[[], None] | None = None
        # Every value the connector sent under a name like a signature, seen at the edge.
        self.signatures: set[str] = set()

    @property
    def conn(self) -> ExchangeBase:
        assert self._conn is not None
        return self._conn

    @property
    def engine(self) -> Engine:
        return self.sandbox.perp if self.product == "perp" else self.sandbox.spot

    @property
    def user(self) -> str:
        return self.sandbox.user_account

    @property
    def taker(self) -> str:
        liquidity = self.sandbox.perp_liquidity if self.product == "perp" else self.sandbox.spot_liquidity
        return liquidity.taker_account

    async def open(self) -> None:
        self.sandbox.app.middlewares.append(self._edge)
        await self.sandbox.start()
        # Orders over REST: the edge that holds placement answers and fills between the engine taking an
        # order and its answer leaving is an HTTP middleware (WS-API order entry has its own scenarios).
        config = {"trading_pairs": [PAIR], "fast_poll_interval": 1.0, "request_timeout": REQUEST_TIMEOUT,
                  "placement_reconcile_after": 1.0,
                  **self.sandbox.connector_config(self.connector_id), "order_entry": "rest"}
        self._conn = get_connector(self.connector_id, **config)
        await self._conn.start()
        await asyncio.wait_for(self._conn.wait_ready(), 30)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.stop()
        await self.sandbox.stop()

    @web.middleware
    async def _edge(self, request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        """The sandbox's edge: records the signatures sent, holds placement answers, runs a hook
        between the engine taking a placement and its answer leaving."""
        self.signatures |= secrets.signatures_in(dict(request.query))
        if request.can_read_body:
            self.signatures |= secrets.signatures_in(dict(parse_qsl(await request.text())))
        if request.method != "POST" or not request.path.endswith("/order"):
            return await handler(request)
        taken = self.hold_placements.pop(0) if self.hold_placements else None
        if taken is False:
            await asyncio.sleep(HELD_FOR)
            raise web.HTTPGatewayTimeout(text="held at the edge")
        response = await handler(request)
        if self.after_placement is not None:
            self.after_placement()
            await asyncio.sleep(0.05)  # the stream's frames leave before the answer
        if taken:
            await asyncio.sleep(HELD_FOR)
        return response

    # -- the engine's view ---------------------------------------------------------------------------

    def best_bid(self) -> Decimal:
        return self.engine.depth(SYMBOL, 1)[1][0][0]

    def tick(self) -> Decimal:
        return self.engine.markets[SYMBOL].tick_size

    def hit_bids_down_to(self, price: Decimal, quantity: Decimal) -> None:
        """The taker sells through every bid better than ``price``, then ``quantity`` at ``price``."""
        _, bids, _ = self.engine.depth(SYMBOL, FULL_DEPTH)
        ahead = sum((size for level, size in bids if level > price), Decimal(0))
        self.engine.place(self.taker, SYMBOL, Side.SELL, OrderKind.LIMIT, ahead + quantity, price, TimeInForce.IOC)

    def book_matches(self) -> bool:
        last_update_id, bids, asks = self.engine.depth(SYMBOL, FULL_DEPTH)
        book = self.conn.get_order_book(PAIR)
        return (book.is_synced and book.last_update_id == last_update_id
                and [(level.price, level.size) for level in book.bids()] == bids
                and [(level.price, level.size) for level in book.asks()] == asks)

    def engine_fills(self, order: InFlightOrder) -> dict[str, tuple[Decimal, Decimal]]:
        return {str(fill.trade_id): (fill.price, fill.qty)
                for fill in self.engine.fills(self.user, SYMBOL, int(order.exchange_order_id or 0))}

    def fills_seen(self, order: InFlightOrder) -> dict[str, tuple[Decimal, Decimal]]:
        return {fill.trade_id: (fill.fill_price, fill.fill_base_amount) for fill in order.fills.values()}

    def balances_match(self) -> bool:
        """The connector's total per asset equals the engine's: spot free + locked, perp the wallet
        balance (as Binance's futures account reports it)."""
        return all(self.conn.get_balance(asset) == total for asset, (total, _) in self.engine.wallet(self.user).items())


@contextlib.asynccontextmanager
async def opened(connector_id: str, ctx: ChaosContext) -> AsyncIterator[SandboxRun]:
    run = SandboxRun(connector_id)
    try:
        await run.open()
        yield run
    finally:
        if run._conn is not None:
            ctx.reprs.extend([repr(run.conn), repr(run.conn.config), str(run.conn.config), repr(run.conn.auth)])
        ctx.signatures |= run.signatures
        await run.close()


async def sockets_family(connector_id: str, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(f"{TARGET}:sockets")
    factor = QUICK_SOCKETS_FACTOR if ctx.quick else SOCKETS_FACTOR
    kinds = [rng.choice(KINDS)] if ctx.quick else [*KINDS, *KINDS]
    rng.shuffle(kinds)
    recovery: dict[str, list[float]] = {kind: [] for kind in KINDS}
    injected = {kind: 0 for kind in KINDS}
    unrestored = lost = doubled = book_differs = 0
    failures: list[str] = []
    with compressed_time(factor):
        async with opened(connector_id, ctx) as run:
            sockets = run.sandbox.sockets
            await eventually(lambda: sockets.count(run.product) >= 2, what="the product's sockets open")
            wanted = sockets.count(run.product)
            for kind in kinds:
                price = run.best_bid() + run.tick()
                order = await run.conn.place_order(PAIR, TradeType.BUY, Decimal("0.5"), OrderType.LIMIT, price)
                started = time.monotonic()
                if kind == "drop":
                    await sockets.drop(run.product)
                elif kind == "reset":
                    sockets.reset(run.product)
                else:
                    sockets.silence(run.product)
                injected[kind] += 1
                # While the sockets are down the order fills in part and the book moves on.
                run.hit_bids_down_to(price, Decimal("0.1"))
                run.sandbox.step(10)
                try:
                    await eventually(lambda: sockets.count(run.product) - _silent(run) >= wanted
                                     and run.conn.ready and run.book_matches(),
                                     timeout=RECOVER_WITHIN, what="sockets back, ready, book equal to the engine's")
                    recovery[kind].append(time.monotonic() - started)
                except AssertionError as exc:
                    unrestored += 1
                    book_differs += not run.book_matches()
                    failures.append(f"{kind}: {exc}")
                try:
                    await eventually(lambda: run.engine_fills(order) == run.fills_seen(order),  # noqa: B023
                                     timeout=SETTLE_WITHIN, what="the fills equal to the engine's")
                except AssertionError:
                    seen, made = run.fills_seen(order), run.engine_fills(order)
                    lost += len(set(made) - set(seen))
                    doubled += len(set(seen) - set(made))
                    failures.append(f"{kind}: fills seen {sorted(seen)}, made {sorted(made)}")
                await run.conn.cancel_order(PAIR, order.client_order_id)
    result.add("timers compressed", f"x{factor:g}")
    for kind in KINDS:
        result.add(f"{kind}s", injected[kind])
        result.add(f"{kind} recoveries", len(recovery[kind]))
        result.add(f"{kind} p50 recovery", milliseconds(percentile(recovery[kind], 50)))
        result.add(f"{kind} p99 recovery", milliseconds(percentile(recovery[kind], 99)))
    result.add("not recovered", unrestored, must_be_zero=True)
    result.add("book differs from the engine's", book_differs, must_be_zero=True)
    result.add("fills lost", lost, must_be_zero=True)
    result.add("fills doubled", doubled, must_be_zero=True)
    if failures:
        result.error = "; ".join(failures[:2])


def _silent(run: SandboxRun) -> int:
    """Sockets the sandbox still holds open but went silent on (dead to the connector)."""
    return sum(1 for outbox, _ in run.sandbox.sockets._edges.values() if outbox.silent)


async def timeouts_family(connector_id: str, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(f"{TARGET}:timeouts")
    rounds = 1 if ctx.quick else 4
    placed = unknown = duplicates = untracked = wrong = 0
    failures: list[str] = []
    async with opened(connector_id, ctx) as run:
        for _ in range(rounds):
            taken = rng.random() < 0.5
            run.hold_placements.append(taken)
            price = run.best_bid() - 50 * run.tick()
            before = set(run.conn.in_flight_orders)
            with contextlib.suppress(Exception):
                await run.conn.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, price)
            placed += 1
            order = next((o for client_id, o in run.conn.in_flight_orders.items() if client_id not in before), None)
            unknown += order is not None and order.outcome_unknown
            if order is None:
                wrong += taken  # the engine holds an order the connector dropped
                continue
            client_id = order.client_order_id
            on_engine = [o for o in run.engine.open_orders(run.user, SYMBOL) if o.client_order_id == client_id]
            duplicates += max(0, len(on_engine) - 1)
            try:
                if taken:
                    await eventually(lambda: order.state is OrderState.OPEN,  # noqa: B023
                                     timeout=SETTLE_WITHIN, what="reconciled as open")
                else:
                    # Past its acceptance window (the clock an hour on, as the mock-venue family does),
                    # the engine not knowing it, the order is lost, not live.
                    real_clock = run.conn.order_lifecycle.clock
                    run.conn.order_lifecycle.clock = lambda: time.time() + 3600.0
                    try:
                        for _ in range(run.conn.spec.lost_order_threshold + 1):
                            await run.conn._update_order_status()
                    finally:
                        run.conn.order_lifecycle.clock = real_clock
                    await eventually(lambda: order.is_done, timeout=SETTLE_WITHIN,  # noqa: B023
                                     what="given up as never placed")
            except AssertionError:
                wrong += 1
                failures.append(f"{'taken' if taken else 'not taken'}: {order.state.name}"
                                f"{', outcome unknown' if order.outcome_unknown else ''}")
        tracked = {o.client_order_id for o in run.conn.in_flight_orders.values()}
        untracked = sum(1 for o in run.engine.open_orders(run.user, SYMBOL) if o.client_order_id not in tracked)
    result.add("orders placed", placed)
    result.add("outcomes unknown", unknown)
    result.add("duplicates", duplicates, must_be_zero=True)
    result.add("untracked live orders", untracked, must_be_zero=True)
    result.add("wrong final states", wrong, must_be_zero=True)
    if failures:
        result.error = "; ".join(failures[:2])


async def races_family(connector_id: str, ctx: ChaosContext, result: FamilyResult) -> None:
    rng = ctx.rng_for(f"{TARGET}:races")
    races = list(RACES) * (1 if ctx.quick else 4)
    rng.shuffle(races)
    wrong = mismatched = 0
    failures: list[str] = []
    async with opened(connector_id, ctx) as run:
        for name in races:
            order = await RACES[name](run)
            engine_order = run.engine.get_order(run.user, SYMBOL, int(order.exchange_order_id or 0))
            want = OrderState.FILLED if engine_order.executed_qty == engine_order.quantity else OrderState.CANCELED
            try:
                await eventually(lambda: order.state is want, timeout=SETTLE_WITHIN,  # noqa: B023
                                 what=f"{name}: {want.name}")
            except AssertionError:
                wrong += 1
                failures.append(f"{name}: {order.state.name}, engine {engine_order.status}")
            try:
                await eventually(lambda: run.fills_seen(order) == run.engine_fills(order),  # noqa: B023
                                 timeout=SETTLE_WITHIN, what="fills")
            except AssertionError:
                mismatched += 1
                failures.append(f"{name}: fills {sorted(run.fills_seen(order))} != {sorted(run.engine_fills(order))}")
        try:
            await eventually(run.balances_match, timeout=SETTLE_WITHIN, what="balances equal to the engine's")
            balances_differ = 0
        except AssertionError:
            balances_differ = 1
    result.add("races run", len(races))
    result.add("wrong final states", wrong, must_be_zero=True)
    result.add("fill-count mismatches", mismatched, must_be_zero=True)
    result.add("balances differ from the engine's", balances_differ, must_be_zero=True)
    if failures:
        result.error = "; ".join(failures[:2])


async def _cancel_racing_a_fill(run: SandboxRun) -> InFlightOrder:
    price = run.best_bid() + run.tick()
    order = await run.conn.place_order(PAIR, TradeType.BUY, Decimal("0.02"), OrderType.LIMIT, price)
    cancel = asyncio.ensure_future(run.conn.cancel_order(PAIR, order.client_order_id))
    run.hit_bids_down_to(price, Decimal("0.02"))  # filled whole while the cancel is on its way
    with contextlib.suppress(Exception):
        await cancel
    return order


async def _partial_fills_racing_a_cancel(run: SandboxRun) -> InFlightOrder:
    price = run.best_bid() + run.tick()
    order = await run.conn.place_order(PAIR, TradeType.BUY, Decimal("0.03"), OrderType.LIMIT, price)
    run.hit_bids_down_to(price, Decimal("0.01"))
    cancel = asyncio.ensure_future(run.conn.cancel_order(PAIR, order.client_order_id))
    run.hit_bids_down_to(price, Decimal("0.01"))
    with contextlib.suppress(Exception):
        await cancel
    return order


async def _fill_before_the_answer(run: SandboxRun) -> InFlightOrder:
    price = run.best_bid() + run.tick()
    run.after_placement = functools.partial(run.hit_bids_down_to, price, Decimal("0.02"))
    try:
        return await run.conn.place_order(PAIR, TradeType.BUY, Decimal("0.02"), OrderType.LIMIT, price)
    finally:
        run.after_placement = None


RACES: dict[str, Callable[[SandboxRun], Awaitable[InFlightOrder]]] = {
    "cancel racing a fill": _cancel_racing_a_fill,
    "partial fills racing a cancel": _partial_fills_racing_a_cancel,
    "fill before the answer": _fill_before_the_answer,
}


async def soak_family(connector_id: str, ctx: ChaosContext, result: FamilyResult) -> None:
    """The soak runs against ``clobconn sandbox serve`` in its own process: the engine keeps every order
    and trade it ever saw, and in this process its memory would be counted as the connector's."""
    # Against a real engine the quick run compresses less than against the mock venue: at x1200 the time
    # sync (every 10 min) and the polls fire every few ms and queue behind the throttler.
    factor, idle = (QUICK_SOAK_FACTOR, False) if ctx.quick else soak.time_compression(quick=False)
    warm_up = 5 if ctx.quick else 20
    with compressed_time(factor, idle_timeouts=idle):
        async with served_sandbox(ctx.seed) as url:
            config = SandboxConfig()
            conn = get_connector(connector_id, trading_pairs=[PAIR], api_key=config.api_key,
                                 api_secret=config.api_secret, rest_url=url, ws_url="ws" + url.removeprefix("http"),
                                 private_ws_url="ws" + url.removeprefix("http"), request_timeout=REQUEST_TIMEOUT)
            await conn.start()
            subscription = conn.event_bus.subscribe()
            reader = asyncio.create_task(soak.read_events(subscription))
            try:
                await asyncio.wait_for(conn.wait_ready(), 30)
                for number in range(warm_up):
                    await _soak_cycle(conn, number)
                await _ready(conn)
                gc.collect()
                rss_start, tasks_start = soak.rss_bytes(), soak.connector_tasks()
                queued_start = subscription.queue.qsize()
                cycles, started = warm_up, time.monotonic()
                while time.monotonic() - started < soak.SIMULATED_SPAN / time_factor():
                    await _soak_cycle(conn, cycles)
                    cycles += 1
                simulated = (time.monotonic() - started) * time_factor()
                await _ready(conn)
                tasks_end, queued_end = soak.connector_tasks(), subscription.queue.qsize()
                settle_until = time.monotonic() + 1.0
                while (tasks_end > tasks_start or queued_end > queued_start) and time.monotonic() < settle_until:
                    await asyncio.sleep(0.05)
                    tasks_end = min(tasks_end, soak.connector_tasks())
                    queued_end = min(queued_end, subscription.queue.qsize())
                gc.collect()
                rss_end = soak.rss_bytes()
            finally:
                reader.cancel()
                subscription.close()
                ctx.reprs.extend([repr(conn), repr(conn.config), str(conn.config), repr(conn.auth)])
                await conn.stop()
    growth = (rss_end - rss_start) / rss_start if rss_start else 0.0
    result.add("simulated", f"{simulated / 60:.0f}min")
    result.add("factor", f"x{factor:g}")
    result.add("cycles", cycles)
    result.add("RSS start", f"{rss_start / 2**20:.1f}MiB")
    result.add("RSS end", f"{rss_end / 2**20:.1f}MiB")
    result.add("tasks start", tasks_start)
    result.add("tasks end", tasks_end)
    result.add("memory grown past 5%", int(growth > soak.GROWTH_ALLOWED), must_be_zero=True)
    result.add("tasks grown", max(0, tasks_end - tasks_start), must_be_zero=True)
    result.add("queue growth", max(0, queued_end - queued_start), must_be_zero=True)


@contextlib.asynccontextmanager
async def served_sandbox(seed: int) -> AsyncIterator[str]:
    """``clobconn sandbox serve`` in a child process on a free loopback port; yields its REST URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clobconn.cli", "sandbox", "serve", "--port", str(port), "--seed", str(seed % 2**31),
        cwd=REPO_ROOT, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with session.get(f"{url}/api/v3/ping") as answer:
                        if answer.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline or process.returncode is not None:
                    raise RuntimeError("clobconn sandbox serve did not come up")
                await asyncio.sleep(0.2)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _ready(conn: ExchangeBase) -> None:
    try:
        await eventually(lambda: conn.ready, timeout=35, what="ready")
    except AssertionError:
        down = [name for name, ok in conn.status_dict.items() if not ok]
        raise AssertionError(f"timed out waiting for ready (not: {', '.join(down)})") from None


async def _soak_cycle(conn: ExchangeBase, number: int) -> None:
    """An order placed and cancelled below the sandbox's moving book; a socket reconnected now and then."""
    book = conn.get_order_book(PAIR)
    await eventually(lambda: book.is_synced and book.best_bid is not None, timeout=35, what="book synced")
    assert book.best_bid is not None
    price = book.best_bid * Decimal("0.99")
    order = await conn.place_order(PAIR, TradeType.BUY, Decimal("0.01"), OrderType.LIMIT, price)
    await asyncio.sleep(0.05)
    with contextlib.suppress(OrderNotFound):  # the moving book filled it first: the venue's answer
        await conn.cancel_order(PAIR, order.client_order_id)
    if number % soak.RECONNECT_EVERY == soak.RECONNECT_EVERY - 1:
        runners = conn.order_book_tracker.runners
        runners[sorted(runners)[0]].request_reconnect()


Family = Callable[[str, ChaosContext, FamilyResult], Awaitable[None]]
FAMILIES: list[tuple[str, Family]] = [
    ("sockets", sockets_family),
    ("timeouts", timeouts_family),
    ("races", races_family),
    ("soak", soak_family),
]


async def run_target(connector_id: str, seed: int, quick: bool) -> ConnectorResult:
    """Every family against the sandbox for one of the connectors it serves; secrets scanned last."""
    result = ConnectorResult(f"{TARGET}:{connector_id}", f"clobconn.sandbox ({connector_id} protocol)")
    ctx = ChaosContext(f"{TARGET}:{connector_id}", seed, quick)
    timeout = 120.0 if quick else 600.0
    with capturing(ctx):
        for name, family in FAMILIES:
            family_result = FamilyResult(name)
            await guarded(family_result, ctx, asyncio.wait_for(family(connector_id, ctx, family_result), timeout),
                          timeout)
            result.families.append(family_result)
    config = SandboxConfig()
    result.families.append(secrets.scan(ctx, {"API key": config.api_key, "API secret": config.api_secret}))
    return result
