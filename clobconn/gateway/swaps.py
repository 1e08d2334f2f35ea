"""One swap's life: submitted exactly once, its signature recorded first, then followed to a verdict.

The verdicts: FILLED (realized amounts and the fee in the native coin), FAILED (Gateway refused, or the
chain failed or reverted the transaction), or, when neither can be known, UNKNOWN until the deadline
and then settled from the wallet's balances: FILLED if they moved by the swap, LOST if they did not.
A swap is never sent twice: no status, error or silence leads back to ``execute``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from clobconn.core.data_types import FeeType, OrderType, TradeFee, TradeType, TradeUpdate
from clobconn.core.errors import ClobconnError, ExchangeError, NetworkError, RateLimitExceeded
from clobconn.core.events import (
    Event,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
    OrderFilledEvent,
    OrderLostEvent,
)
from clobconn.gateway.errors import TransactionTimeout
from clobconn.gateway.models import MalformedAnswer, Poll, Settlement, Submission, TxStatus
from clobconn.gateway.transactions import TransactionWatcher

logger = logging.getLogger(__name__)


class SwapState(StrEnum):
    SUBMITTING = "SUBMITTING"
    PENDING = "PENDING"
    FILLED = "FILLED"
    FAILED = "FAILED"
    # Sent, but neither its confirmation nor its failure could be learnt: settled from balances.
    UNKNOWN = "UNKNOWN"
    LOST = "LOST"

    @property
    def is_done(self) -> bool:
        return self in (SwapState.FILLED, SwapState.FAILED, SwapState.LOST)


@dataclass(slots=True)
class SwapOrder:
    client_order_id: str
    trading_pair: str
    trade_type: TradeType
    amount: Decimal
    slippage_pct: float | None
    created_at: float
    # On the watcher's (monotonic) clock.
    deadline: float
    state: SwapState = SwapState.SUBMITTING
    signature: str | None = None
    balances_before: dict[str, Decimal] = field(default_factory=dict)
    executed_base: Decimal = Decimal(0)
    executed_quote: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    reason: str = ""
    # A router quote executed as quoted, instead of a fresh swap at the market.
    quote_id: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base(self) -> str:
        return self.trading_pair.split("-")[0]

    @property
    def quote(self) -> str:
        return self.trading_pair.split("-")[1]


@dataclass(frozen=True, slots=True)
class SwapContext:
    """What the swap runner needs from its connector."""

    execute: Callable[[SwapOrder], Awaitable[Submission]]
    balances: Callable[[list[str]], Awaitable[Mapping[str, Decimal]]]
    publish: Callable[[Event], None]
    watcher: TransactionWatcher
    native_coin: Callable[[], str]
    estimated_fee: Callable[[], Decimal]
    # EVM only: Gateway reports a reverted transaction as confirmed; the balances decide.
    confirm_by_balances: bool
    clock: Callable[[], float] = time.monotonic


class SwapRunner:
    def __init__(self, context: SwapContext) -> None:
        self._ctx = context
        self.orders: dict[str, SwapOrder] = {}
        # Signature -> order, written the moment execute answers, before anything else is done with it.
        self.by_signature: dict[str, SwapOrder] = {}

    async def submit(self, order: SwapOrder) -> Submission | None:
        """Send ``order`` to Gateway once and record its signature. Returns None when it may have reached
        the chain without Gateway saying so (its outcome is then unknown); raises the typed refusal when
        Gateway refused it (the order is FAILED: nothing was done)."""
        self.orders[order.client_order_id] = order
        try:
            order.balances_before = dict(await self._ctx.balances([order.base, order.quote]))
        except ClobconnError as exc:
            self._fail(order, f"balances before the swap could not be read, nothing sent: {exc}")
            raise
        submission = await self._submit(order)
        if submission is None:
            return None
        order.signature = submission.signature
        self.by_signature[submission.signature] = order
        order.state = SwapState.PENDING
        self._ctx.publish(OrderCreatedEvent(order.client_order_id, submission.signature, order.trading_pair,
                                            order.trade_type, OrderType.MARKET, order.amount, None, time.time()))
        return submission

    async def follow(self, order: SwapOrder, submission: Submission | None) -> None:
        """Take a submitted order to its verdict: by execute's own status, by polling its signature until
        the deadline, or (with no signature, or past the deadline) by the balances."""
        if submission is None:
            await self._settle_unknown(order)
            return
        if submission.status is TxStatus.FAILED:
            self._fail(order, "the transaction failed on chain")
            return
        if submission.status is TxStatus.CONFIRMED:
            await self._confirmed(order, submission.settlement, None)
            return
        verdict = await self._ctx.watcher.follow(submission.signature, order.deadline)
        if verdict is None:
            order.reason = f"{submission.signature} neither confirmed nor failed by its deadline"
            await self._settle_unknown(order)
        elif verdict.status is TxStatus.FAILED:
            self._fail(order, f"the transaction failed on chain{': ' + verdict.error if verdict.error else ''}")
        else:
            await self._confirmed(order, None, verdict)

    async def _submit(self, order: SwapOrder) -> Submission | None:
        """The one execute call. None when it may have reached the chain without telling us."""
        try:
            return await self._ctx.execute(order)
        except RateLimitExceeded as exc:
            self._fail(order, f"Gateway's rate limit refused the swap, nothing sent: {exc}")
            raise
        except NetworkError as exc:
            if not exc.request_sent:
                self._fail(order, f"Gateway unreachable, nothing sent: {exc}")
                raise
            # A lost answer, or a 5xx without a signature (GatewayUnavailable): Uniswap's execute returns
            # 500 when its 10 s wait for the receipt runs out, with the transaction already sent.
            order.reason = f"execute's outcome was not told: {exc}"
        except TransactionTimeout as exc:
            order.reason = f"Gateway sent the transaction and timed out confirming it: {exc}"
        except MalformedAnswer as exc:
            order.reason = f"execute answered without a usable signature: {exc}"
        except ExchangeError as exc:
            self._fail(order, str(exc))
            raise
        logger.warning("swap %s: outcome unknown (%s); settled from balances at its deadline",
                       order.client_order_id, order.reason)
        order.state = SwapState.UNKNOWN
        return None

    async def _confirmed(self, order: SwapOrder, settlement: Settlement | None, poll: Poll | None) -> None:
        if settlement is not None and not self._ctx.confirm_by_balances:
            self._fill_from_settlement(order, settlement)
            return
        fee = settlement.fee if settlement is not None else (poll.fee if poll is not None and poll.fee is not None
                                                             else self._ctx.estimated_fee())
        changes = await self._balance_changes(order, fee)
        if changes is not None and self._moved(order, changes):
            self._fill(order, abs(changes[0]), abs(changes[1]), fee)
        elif settlement is not None and changes is None:
            # The balances could not be read: the settlement Gateway reported is all there is.
            self._fill_from_settlement(order, settlement)
        elif self._ctx.confirm_by_balances:
            self._fail(order, "Gateway reported the transaction confirmed but the balances did not move: "
                              "it reverted")
        else:
            # Solana's confirmed is a verdict; a balance read that lags it does not undo it.
            self._fill(order, order.amount, Decimal(0), fee)

    def _fill_from_settlement(self, order: SwapOrder, settlement: Settlement) -> None:
        if order.trade_type is TradeType.SELL:
            self._fill(order, settlement.amount_in, settlement.amount_out, settlement.fee)
        else:
            self._fill(order, settlement.amount_out, settlement.amount_in, settlement.fee)

    async def _settle_unknown(self, order: SwapOrder) -> None:
        order.state = SwapState.UNKNOWN
        wait = order.deadline - self._ctx.clock()
        if wait > 0:
            await asyncio.sleep(wait)
        fee = self._ctx.estimated_fee()
        changes = await self._balance_changes(order, fee)
        if changes is not None and self._moved(order, changes):
            self._fill(order, abs(changes[0]), abs(changes[1]), fee)
            return
        order.state = SwapState.LOST
        order.reason = (f"{order.reason}; by its deadline the balances "
                        f"{'could not be read' if changes is None else 'had not moved'}")
        order.done.set()
        self._ctx.publish(OrderLostEvent(order.client_order_id, order.trading_pair, order.reason, time.time()))

    async def _balance_changes(self, order: SwapOrder, fee: Decimal) -> tuple[Decimal, Decimal] | None:
        """How the base and quote balances moved since the submission, the fee put back where the token
        is the native coin that paid it."""
        try:
            after = await self._ctx.balances([order.base, order.quote])
        except ClobconnError as exc:
            logger.warning("swap %s: balances unreadable after the swap: %s", order.client_order_id, exc)
            return None
        before, native = order.balances_before, self._ctx.native_coin()

        def change(token: str) -> Decimal:
            moved = after.get(token, Decimal(0)) - before.get(token, Decimal(0))
            return moved + fee if token == native else moved
        return change(order.base), change(order.quote)

    @staticmethod
    def _moved(order: SwapOrder, changes: tuple[Decimal, Decimal]) -> bool:
        """The base balance moved the swap's way by at least half its amount (gas and other activity
        blur the exact figure)."""
        base_change = changes[0] if order.trade_type is TradeType.BUY else -changes[0]
        return base_change >= order.amount / 2

    def _fill(self, order: SwapOrder, base: Decimal, quote: Decimal, fee: Decimal) -> None:
        order.state = SwapState.FILLED
        order.executed_base, order.executed_quote, order.fee = base, quote, fee
        now = time.time()
        price = quote / base if base else Decimal(0)
        trade = TradeUpdate(
            trade_id=order.signature or order.client_order_id, trading_pair=order.trading_pair, fill_price=price,
            fill_base_amount=base, fill_quote_amount=quote,
            fee=TradeFee.flat(self._ctx.native_coin(), fee, FeeType.ADDED_TO_COST), fill_timestamp=now,
            client_order_id=order.client_order_id, exchange_order_id=order.signature, is_maker=False)
        order.done.set()
        self._ctx.publish(OrderFilledEvent(order.client_order_id, order.signature, order.trading_pair,
                                           order.trade_type, OrderType.MARKET, trade, now))
        self._ctx.publish(OrderCompletedEvent(order.client_order_id, order.signature, order.trading_pair,
                                              order.trade_type, base, quote, now))

    def _fail(self, order: SwapOrder, reason: str) -> None:
        order.state = SwapState.FAILED
        order.reason = reason
        order.done.set()
        self._ctx.publish(OrderFailedEvent(order.client_order_id, order.trading_pair, reason, time.time()))
