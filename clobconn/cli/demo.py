"""``clobconn demo``: the unchanged ``binance`` connector trading against the embedded sandbox.

The script: start the sandbox, connect, watch the book, place a buy that rests under the market,
a buy that crosses the spread and fills, cancel the resting one, then check that the balances
moved by exactly the fills and their fees. Every connector event is printed as it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from clobconn.cli.live import LiveOutput, follow
from clobconn.cli.venues import sandbox_for
from clobconn.cli.views import balance_change_rows, book_table, event_line, number, top_of_book_line
from clobconn.core.data_types import Balance, OrderType, TradeType, TradingRule, quantize_down
from clobconn.core.events import (
    BalanceUpdatedEvent,
    Event,
    EventType,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    PositionUpdatedEvent,
)
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.registry import get_connector

CONNECTOR_ID = "binance"
# How far from the touch the two orders are priced: far enough under the bid that the synthetic
# takers never reach the resting order, far enough over the ask that the crossing one fills whole.
RESTING_DISTANCE = Decimal("0.02")
CROSSING_DISTANCE = Decimal("0.01")
EVENT_TIMEOUT = 10.0
READY_TIMEOUT = 15.0
# On top of --duration: the most the demo may spend starting, waiting for events and stopping.
OVERALL_SLACK = 40.0


class DemoFailed(Exception):
    """The demo could not complete a step; the message says which and why."""


@dataclass(slots=True)
class DemoReport:
    pair: str
    events: list[Event] = field(default_factory=list)
    # Client order id -> role in the script ("resting", "crossing").
    labels: dict[str, str] = field(default_factory=dict)
    start_balances: dict[str, Balance] = field(default_factory=dict)
    final_balances: dict[str, Balance] = field(default_factory=dict)

    def start_total(self, asset: str) -> Decimal:
        balance = self.start_balances.get(asset)
        return balance.total if balance is not None else Decimal(0)

    def order_id(self, label: str) -> str:
        return next(cid for cid, name in self.labels.items() if name == label)

    def events_of(self, label: str) -> list[Event]:
        cid = self.order_id(label)
        return [e for e in self.events if getattr(e, "client_order_id", None) == cid]


class EventRecorder:
    """A listener for every event type: records, prints, and lets the script wait for one."""

    def __init__(self, output: LiveOutput, report: DemoReport) -> None:
        self.output = output
        self.report = report
        self._changed = asyncio.Event()

    def __call__(self, event: Event) -> None:
        self.report.events.append(event)
        self.output.line(event_line(event, self.report.labels))
        self._changed.set()

    async def wait_for(self, predicate: Callable[[Event], bool], what: str, timeout: float = EVENT_TIMEOUT,
                       since: int = 0) -> Event:
        """The first event from index ``since`` on that matches; DemoFailed after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        checked = since
        while True:
            for event in self.report.events[checked:]:
                if predicate(event):
                    return event
            checked = len(self.report.events)
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DemoFailed(f"no {what} within {timeout:g}s")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_for_order(self, client_order_id: str, outcome: type[Event], what: str) -> Event:
        """Wait for ``outcome`` on one order; its failure or an unexpected cancel fails the demo."""
        ends = (outcome, OrderFailedEvent, OrderCancelledEvent)
        event = await self.wait_for(
            lambda e: isinstance(e, ends) and getattr(e, "client_order_id", None) == client_order_id, what)
        if not isinstance(event, outcome):
            reason = event.reason if isinstance(event, OrderFailedEvent) else "it was cancelled"
            raise DemoFailed(f"{what} did not happen: {reason}")
        return event


def demo_amount(rule: TradingRule, price: Decimal) -> Decimal:
    """A small round amount that clears the minimum size and ten times the minimum notional."""
    amount = max(rule.min_order_size, rule.min_notional * 10 / price)
    exponent = amount.adjusted()
    rounded = (amount.scaleb(-exponent).to_integral_value(ROUND_CEILING)).scaleb(exponent)
    step = rule.min_base_amount_increment
    if step > 0:
        rounded = (rounded / step).to_integral_value(ROUND_CEILING) * step
    return rounded


def expected_changes(report: DemoReport, base: str, quote: str) -> dict[str, Decimal]:
    """What the fills (and their fees, in whatever asset) must have done to each balance."""
    changes: dict[str, Decimal] = {base: Decimal(0), quote: Decimal(0)}
    for event in report.events:
        if not isinstance(event, OrderFilledEvent):
            continue
        trade, sign = event.trade, (1 if event.trade_type is TradeType.BUY else -1)
        changes[base] += sign * trade.fill_base_amount
        changes[quote] -= sign * trade.fill_quote_amount
        fee_assets = {f.token for f in trade.fee.flat_fees} | {trade.fee.percent_token or quote}
        for asset in fee_assets:
            changes[asset] = changes.get(asset, Decimal(0)) - trade.fee.amount_in(asset, trade.fill_quote_amount)
    return changes


def balances_match(conn: ExchangeBase, report: DemoReport, expected: dict[str, Decimal]) -> bool:
    """Each asset's total has moved from its starting value by exactly the expected change."""
    return all(conn.get_balance(asset) - report.start_total(asset) == change for asset, change in expected.items())


@dataclass(frozen=True, slots=True)
class DemoVenue:
    """Where the demo's connector trades: ``connect`` yields its keyword arguments for as long as it runs."""

    connector_id: str
    where: str  # "the offline sandbox", "binance mainnet's live book (paper)"
    connect: Callable[[LiveOutput], AbstractAsyncContextManager[dict[str, Any]]]
    ready_line: str = "rules loaded, {pair} book synced, balances fetched, user stream live"
    stopped_line: str = "stopped the connector and the sandbox"
    command: str = "demo"


def sandbox_venue(seed: int, pair: str) -> DemoVenue:
    """The demo's own venue: the embedded sandbox, the binance connector with the sandbox's key."""

    @asynccontextmanager
    async def connect(output: LiveOutput) -> AsyncIterator[dict[str, Any]]:
        sandbox = sandbox_for(seed, [pair])
        await sandbox.start()
        try:
            output.line(f"sandbox  Binance spot + USD-M protocols on {sandbox.url} (seed {seed})")
            yield sandbox.connector_config(CONNECTOR_ID)
        finally:
            await sandbox.stop()

    return DemoVenue(CONNECTOR_ID, "the offline sandbox", connect)


class DemoScreen:
    """The terminal view: the book's top levels and the demo's orders."""

    def __init__(self, pair: str, report: DemoReport, connector_id: str = CONNECTOR_ID) -> None:
        self.pair = pair
        self.connector_id = connector_id
        self.report = report
        self.conn: ExchangeBase | None = None
        # The last full frame: it stays on screen once the connector has stopped.
        self._last: RenderableType | None = None

    def render(self) -> RenderableType:
        if self.conn is None or not self.conn.ready:
            return self._last or Text(f"starting the venue and the {self.connector_id} connector ...")
        orders = Table(title="demo orders", title_justify="left")
        for header in ("order", "side", "price", "amount", "filled", "state"):
            orders.add_column(header)
        for client_order_id, label in self.report.labels.items():
            # find() also returns recently finished orders.
            order = self.conn.orders.find(client_order_id)
            if order is not None:
                orders.add_row(label, order.trade_type.value, number(order.price), number(order.amount),
                               number(order.executed_amount_base), order.state.value)
        book = self.conn.get_order_book(self.pair)
        self._last = Group(book_table(book, 5, self.tick, title=f"{self.connector_id} {self.pair}"), orders)
        return self._last

    def snapshot(self) -> list[str]:
        if self.conn is None:
            return []
        return ["book   " + top_of_book_line(self.conn.get_order_book(self.pair), self.tick)]

    @property
    def tick(self) -> Decimal | None:
        rule = self.conn.trading_rules.get(self.pair) if self.conn is not None else None
        return rule.min_price_increment if rule is not None else None


async def run_demo(console: Console, pair: str = "BTC-USDT", duration: float = 15.0, seed: int = 7,
                   plain: bool = False, venue: DemoVenue | None = None) -> DemoReport:
    """Run the demo script; returns what happened, or raises DemoFailed saying which step did not."""
    demo = Demo(pair, duration, venue or sandbox_venue(seed, pair))
    limit = duration + OVERALL_SLACK
    overall = asyncio.timeout(limit)
    try:
        async with overall:
            with LiveOutput(console, demo.screen.render, plain) as output:
                await demo.run(output)
    except TimeoutError as exc:
        if not overall.expired():
            raise
        # The connector and the sandbox were stopped on the way out; only the reason is left to tell.
        raise DemoFailed(f"the demo did not finish within {limit:g}s") from exc
    return demo.report


class Demo:
    def __init__(self, pair: str, duration: float, venue: DemoVenue) -> None:
        self.pair = pair
        self.base, self.quote = pair.split("-")
        self.duration = duration
        self.venue = venue
        # The book is shown between steps for this long, and the rest of --duration after the last.
        self.pause = max(0.5, duration / 8)
        self.report = DemoReport(pair)
        self.screen = DemoScreen(pair, self.report, venue.connector_id)

    async def run(self, output: LiveOutput) -> None:
        deadline = time.monotonic() + self.duration
        connector_id = self.venue.connector_id
        output.line(f"clobconn {self.venue.command}: the {connector_id} connector trading {self.pair} "
                    f"on {self.venue.where} for {self.duration:g}s")
        try:
            async with self.venue.connect(output) as options:
                conn = get_connector(connector_id, trading_pairs=[self.pair], **options)
                recorder = EventRecorder(output, self.report)
                for event_type in EventType:
                    conn.add_listener(event_type, recorder)
                self.screen.conn = conn
                try:
                    await conn.start()
                    await conn.wait_ready(READY_TIMEOUT)
                    output.line(f"connector {connector_id} ready: {self.venue.ready_line.format(pair=self.pair)}")
                    await self.trade(output, recorder, conn)
                    await follow(output, max(deadline - time.monotonic(), self.pause), self.pause, self.screen.snapshot)
                    await self.check_balances(output, recorder, conn)
                finally:
                    await conn.stop()
        finally:
            output.line(self.venue.stopped_line)

    async def trade(self, output: LiveOutput, recorder: EventRecorder, conn: ExchangeBase) -> None:
        """The three steps: a resting order, a crossing order that fills, the cancel of the first."""
        pair, base, report = self.pair, self.base, self.report
        rule = conn.trading_rules[pair]
        report.start_balances = dict(conn.balances)
        await follow(output, self.pause, self.pause, self.screen.snapshot)

        book = conn.get_order_book(pair)
        best_bid, best_ask = book.best_bid, book.best_ask
        if best_bid is None or best_ask is None:
            raise DemoFailed(f"the sandbox book for {pair} has an empty side")
        amount = demo_amount(rule, best_ask)
        resting_price = quantize_down(best_bid * (1 - RESTING_DISTANCE), rule.min_price_increment)
        output.line(f"step 1/3: a limit BUY {number(amount)} {base} @ {number(resting_price)}, "
                    f"{RESTING_DISTANCE:%} under the best bid {number(best_bid)}: it rests on the book")
        # buy() returns the client order id before anything is sent, so every event can carry the label.
        resting_id = conn.buy(pair, amount, OrderType.LIMIT, resting_price)
        report.labels[resting_id] = "resting"
        await recorder.wait_for_order(resting_id, OrderCreatedEvent, "acknowledgement of the resting order")
        await follow(output, self.pause, self.pause, self.screen.snapshot)

        best_ask = conn.get_order_book(pair).best_ask or best_ask
        crossing_price = quantize_down(best_ask * (1 + CROSSING_DISTANCE), rule.min_price_increment)
        output.line(f"step 2/3: a limit BUY {number(amount)} {base} @ {number(crossing_price)}, "
                    f"{CROSSING_DISTANCE:%} over the best ask {number(best_ask)}: it crosses the spread and fills")
        fills_from = len(report.events)
        crossing_id = conn.buy(pair, amount, OrderType.LIMIT, crossing_price)
        report.labels[crossing_id] = "crossing"
        await recorder.wait_for_order(crossing_id, OrderCompletedEvent, "complete fill of the crossing order")
        if isinstance(conn, PerpetualDerivativeBase):  # a perpetual's buy opens a position, not a base balance
            await recorder.wait_for(lambda e: isinstance(e, PositionUpdatedEvent) and e.position.trading_pair == pair,
                                    f"{pair} position update after the fill", since=fills_from)
        else:
            start_base = report.start_total(base)
            await recorder.wait_for(
                lambda e: isinstance(e, BalanceUpdatedEvent) and e.balance.asset == base
                and e.balance.total != start_base, f"{base} balance update after the fill", since=fills_from)
        await follow(output, self.pause, self.pause, self.screen.snapshot)

        output.line(f"step 3/3: cancel the resting order {resting_id}")
        if not await conn.cancel_order(pair, resting_id):
            raise DemoFailed(f"the venue refused to cancel the resting order {resting_id}")
        await recorder.wait_for_order(resting_id, OrderCancelledEvent, "cancellation of the resting order")

    async def check_balances(self, output: LiveOutput, recorder: EventRecorder, conn: ExchangeBase) -> None:
        if isinstance(conn, PerpetualDerivativeBase):
            await self.check_position(output, recorder, conn)
            return
        report = self.report
        expected = expected_changes(report, self.base, self.quote)
        if not balances_match(conn, report, expected):
            # The last balance push can trail the order events by a moment.
            with contextlib.suppress(DemoFailed):
                await recorder.wait_for(
                    lambda e: isinstance(e, BalanceUpdatedEvent) and balances_match(conn, report, expected),
                    "balance update", timeout=5.0, since=len(report.events))
        report.final_balances = dict(conn.balances)
        assets = [self.base, self.quote, *sorted(set(expected) - {self.base, self.quote})]
        output.line("final balances (start -> final, change):")
        for asset, before, after, change in balance_change_rows(report.start_balances, report.final_balances,
                                                                assets):
            output.line(f"  {asset:<6} {before} -> {after}  ({change})")
        if not balances_match(conn, report, expected):
            wanted = ", ".join(f"{asset} {number(change)}" for asset, change in expected.items())
            raise DemoFailed(f"the balances did not move by exactly the fills and fees (expected {wanted})")
        output.line("balances moved by exactly the fills and their fees")

    async def check_position(self, output: LiveOutput, recorder: EventRecorder, conn: PerpetualDerivativeBase) -> None:
        """A perpetual's buys open a long: the position is the filled amount, the wallet paid only the fees."""
        report, quote = self.report, self.quote
        fills = [e for e in report.events if isinstance(e, OrderFilledEvent)]
        bought = sum((e.trade.fill_base_amount for e in fills if e.trade_type is TradeType.BUY), Decimal(0))
        fees = sum((e.trade.fee.amount_in(quote, e.trade.fill_quote_amount) for e in fills), Decimal(0))

        def settled() -> bool:
            position = conn.get_position(self.pair)
            held = position.amount if position is not None else Decimal(0)
            return held == bought and conn.get_balance(quote) - report.start_total(quote) == -fees

        if not settled():  # the last position and balance pushes can trail the order events by a moment
            with contextlib.suppress(DemoFailed):
                await recorder.wait_for(lambda _: settled(), "position and wallet update", timeout=5.0,
                                        since=len(report.events))
        report.final_balances = dict(conn.balances)
        position = conn.get_position(self.pair)
        output.line(f"position {self.pair}: {number(position.amount if position else Decimal(0))} "
                    f"(bought {number(bought)}), {quote} wallet {number(report.start_total(quote))} -> "
                    f"{number(conn.get_balance(quote))} (fees {number(fees)})")
        if not settled():
            raise DemoFailed(f"the position is not the filled amount {number(bought)}, or the wallet did not move "
                             f"by exactly the fees ({number(fees)} {quote})")
        output.line("the position is the fills, and the wallet moved by exactly their fees")
