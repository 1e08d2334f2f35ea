"""A soak: one simulated hour of book diffs, orders placed and cancelled, and dropped sockets, cycle
after cycle. After a warm-up, the process's memory must stay within 5%, its task count flat, and no queue
may grow.

Time is compressed (``clobconn.core.timers``): every timer the connector runs (its polls of balances and
order status, listen-key or token keepalives, funding and trading-rule polls, heartbeat pings, a socket's
lifetime) runs ``SOAK_FACTOR`` times faster, so an hour of them fires in a real minute (three seconds in
the quick run), among cycles run back to back as fast as loopback allows. Idle timeouts stay real: the
mock venue does not ping or push faster, so a quiet socket is not a dead one here (the sockets family
compresses them to catch a silent socket). The simulated span and the factor are printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time
from decimal import Decimal

from clobconn.core.data_types import OrderState
from clobconn.core.events import Subscription
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.timers import time_factor
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "soak"
DIFFS_PER_CYCLE = 20
RECONNECT_EVERY = 25
GROWTH_ALLOWED = 0.05
SIMULATED_SPAN = 3600.0
SOAK_FACTOR = 60.0
QUICK_SOAK_FACTOR = 1200.0


def time_compression(quick: bool) -> tuple[float, bool]:
    """The factor every connector timer runs faster by in the soak; idle timeouts stay real."""
    return (QUICK_SOAK_FACTOR if quick else SOAK_FACTOR), False


def rss_bytes() -> int:
    """Resident memory of this process (Linux /proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


# The loopback venue's own tasks: aiohttp's server runs one per HTTP connection the client keeps alive
# (more of them when compressed polls overlap), the sandbox one writer per socket and its market's loops.
VENUE_TASKS = ("RequestHandler.", "Outbox.", "Sandbox.")


def connector_tasks() -> int:
    """Tasks alive in the process but the venue's own, which are no tasks of the connector's."""
    return sum(1 for task in asyncio.all_tasks()
               if not getattr(task.get_coro(), "__qualname__", "").startswith(VENUE_TASKS))


def queued(suite: ConformanceSuiteBase, subscription: Subscription) -> int:
    """What waits: events in a subscriber's queue (one that reads them), diffs buffered by the books."""
    buffered = sum(len(sync._buffer) for sync in suite.conn.order_book_tracker.syncs.values())
    return subscription.queue.qsize() + buffered


async def read_events(subscription: Subscription) -> None:
    async for _ in subscription:
        pass


async def cycle(suite: ConformanceSuiteBase, number: int) -> int:
    """One cycle; returns how many requests the venue received meanwhile (the connector's polls among them)."""
    conn = suite.conn
    book = conn.get_order_book(suite.trading_pair)
    await eventually(lambda: book.is_synced, timeout=35, what="book synced")
    for step in range(DIFFS_PER_CYCLE):
        last = book.last_update_id
        price = Decimal(f"100.{10 + step % 30:02d}")
        # A size other than the level's now, and the diff applied before the next: a venue model that
        # derives the next frame from the book (Cube's level counts) needs the book current.
        size = Decimal(2) if (price, Decimal(1)) in _levels(book) else Decimal(1)
        await suite.push_diff([(str(price), str(size))], [], last + 1, last + 1, last)
        # A venue model whose book drops a level (a depth-limited book) shows it never: move on.
        with contextlib.suppress(AssertionError):
            await eventually(lambda: (price, size) in _levels(book), timeout=0.2,  # noqa: B023 (awaited here)
                             what="diff applied")
    client_id = await suite.open_order()
    cancelled = {**suite.order_vars(client_id), "state": OrderState.CANCELED}
    suite.serve("cancel_order", suite.reply("cancel_order", cancelled))
    await conn.cancel_order(suite.trading_pair, client_id)
    if number % RECONNECT_EVERY == RECONNECT_EVERY - 1:
        before = suite.venue.connections(suite.public_ws_path)
        await suite.venue.drop(suite.public_ws_path)
        await suite.venue.wait_for_connections(suite.public_ws_path, count=before + 1, timeout=35)
    # What the harness itself keeps (its event log, the mock venue's request log) is no connector's memory.
    requests = len(suite.venue.requests)
    suite.recorded.clear()
    suite.venue.requests.clear()
    return requests


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    factor = time_factor()
    duration = SIMULATED_SPAN / factor
    warm_up = 5 if ctx.quick else 20
    subscription = suite.conn.event_bus.subscribe()
    reader = asyncio.create_task(read_events(subscription))
    try:
        await _soak(suite, result, duration, warm_up, subscription)
    finally:
        reader.cancel()
        subscription.close()


async def _soak(suite: ConformanceSuiteBase, result: FamilyResult, duration: float, warm_up: int,
                subscription: Subscription) -> None:
    for number in range(warm_up):
        await cycle(suite, number)
    gc.collect()
    rss_start, tasks_start, queued_start = rss_bytes(), connector_tasks(), queued(suite, subscription)
    cycles = warm_up
    requests = 0
    started = time.monotonic()
    while time.monotonic() - started < duration:
        requests += await cycle(suite, cycles)
        cycles += 1
    simulated = (time.monotonic() - started) * time_factor()
    await eventually(lambda: suite.conn.ready and suite.conn.get_order_book(suite.trading_pair).is_synced,
                     timeout=35, what="ready and synced")
    # The fewest tasks and queued items over a settling second: a snapshot or a reconnect still in flight
    # at the last cycle is work under way, not growth.
    tasks_end, queued_end = connector_tasks(), queued(suite, subscription)
    settle_until = time.monotonic() + 1.0
    while (tasks_end > tasks_start or queued_end > queued_start) and time.monotonic() < settle_until:
        await asyncio.sleep(0.05)
        tasks_end = min(tasks_end, connector_tasks())
        queued_end = min(queued_end, queued(suite, subscription))
    gc.collect()
    rss_end = rss_bytes()
    growth = (rss_end - rss_start) / rss_start if rss_start else 0.0
    result.add("simulated", f"{simulated / 60:.0f}min")
    result.add("factor", f"x{time_factor():g}")
    result.add("cycles", cycles)
    result.add("orders", cycles)
    result.add("diffs", cycles * DIFFS_PER_CYCLE)
    result.add("requests", requests)
    result.add("RSS start", f"{rss_start / 2**20:.1f}MiB")
    result.add("RSS end", f"{rss_end / 2**20:.1f}MiB")
    result.add("tasks start", tasks_start)
    result.add("tasks end", tasks_end)
    result.add("memory grown past 5%", int(growth > GROWTH_ALLOWED), must_be_zero=True)
    result.add("tasks grown", max(0, tasks_end - tasks_start), must_be_zero=True)
    result.add("queue growth", max(0, queued_end - queued_start), must_be_zero=True)


def _levels(book: OrderBook) -> set[tuple[Decimal, Decimal]]:
    return {(level[0], level[1]) for level in book.bids()}
