"""Placement and cancel timeouts the venue may or may not have executed, chosen at random: the outcome is
unknown, then reconciled; an order is never placed twice, and no live order is left untracked."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import ClobconnError, OrderOutcomeUnknown
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "timeouts"
# Past the suites' request timeout (1 s): the client gives up while the venue still holds the request.
HELD_FOR = 1.1


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    conn = suite.conn
    rng = ctx.rng_for(FAMILY)
    real_clock = conn.order_lifecycle.clock
    placed = unknown = wrong = 0
    venue_live: set[str] = set()
    for _ in range(1 if ctx.quick else 4):
        suite.serve("place_order", MockResponse({}, delay=HELD_FOR))
        try:
            await conn.place_order(suite.trading_pair, TradeType.BUY, suite.order_amount, OrderType.LIMIT,
                                   suite.order_price)
            wrong += 1  # a timed-out placement must not be reported placed
            continue
        except OrderOutcomeUnknown as exc:
            ctx.note_exception(exc)
            unknown += 1
            client_id = exc.client_order_id
        placed += 1
        order = conn.in_flight_orders[client_id]
        if rng.random() < 0.5:
            # The venue did take it: the status check finds it open.
            found = {"client_order_id": client_id, "state": OrderState.OPEN}
            suite.serve("order_status", suite.reply("order_status", found))
            # A venue with no query by client order id finds it among its recent orders (Coinbase).
            suite.serve_listings(found)
            await conn._update_order_status()
            if order.state is not OrderState.OPEN:
                wrong += 1
                result.error = f"a placement the venue took reconciled to {order.state.name}, not OPEN"
            venue_live.add(client_id)
            wrong += await _cancel_with_a_timeout(suite, client_id, rng.random() < 0.5, venue_live, result)
        else:
            # It never reached the book: after its window and the listings, it is lost, not failed.
            suite.serve("order_status", suite.reply("order_not_found"))
            suite.serve_listings()
            conn.order_lifecycle.clock = lambda: time.time() + 3600.0
            for _ in range(conn.spec.lost_order_threshold + 1):
                await conn._update_order_status()
            conn.order_lifecycle.clock = real_clock
            if client_id in conn.in_flight_orders:
                wrong += 1
                result.error = f"a placement the venue never took is still {order.state.name} past its window"
    placements: dict[str | None, int] = {}
    for request in suite.placements():
        key = suite.extract_order_fields(request)["client_order_id"]
        placements[key] = placements.get(key, 0) + 1
    untracked = sum(1 for client_id in venue_live if client_id not in conn.in_flight_orders)
    result.add("orders placed", placed)
    result.add("outcomes unknown", unknown)
    result.add("duplicates", sum(n - 1 for n in placements.values()), must_be_zero=True)
    result.add("untracked live orders", untracked, must_be_zero=True)
    result.add("wrong final states", wrong, must_be_zero=True)


async def _cancel_with_a_timeout(suite: ConformanceSuiteBase, client_id: str, executed: bool,
                                 venue_live: set[str], result: FamilyResult) -> int:
    """Cancel with the answer held past the timeout; reconcile; close the order whichever way it went.
    Returns how many states were wrong (0 or 1)."""
    conn = suite.conn
    order = conn.in_flight_orders[client_id]
    suite.serve("cancel_order", MockResponse({}, delay=HELD_FOR))
    # A typed error; whether the cancel happened is for the status check to say.
    with contextlib.suppress(ClobconnError):
        await conn.cancel_order(suite.trading_pair, client_id)
    state = OrderState.CANCELED if executed else OrderState.OPEN
    values: dict[str, Any] = suite.order_vars(client_id, state=state)
    suite.serve("order_status", suite.reply("order_status", values))
    await conn._update_order_status()
    wrong = int(order.state is not state)
    if wrong:
        result.error = f"a cancel that {'was' if executed else 'was not'} executed reconciled to {order.state.name}"
    if executed:
        venue_live.discard(client_id)
        return wrong
    # Still live at the venue, and tracked: cancel it for good so that the next round starts clean.
    suite.serve("cancel_order", suite.reply("cancel_order", suite.order_vars(client_id, state=OrderState.CANCELED)))
    suite.serve("order_status", suite.reply("order_status", suite.order_vars(client_id, state=OrderState.CANCELED)))
    try:
        await conn.cancel_order(suite.trading_pair, client_id)
    except ClobconnError:
        await conn._update_order_status()
    if conn.in_flight_orders.get(client_id) is None or order.state is OrderState.CANCELED:
        venue_live.discard(client_id)
    return wrong
