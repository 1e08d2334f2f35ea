"""The AMM connector: swaps (and liquidity) on DEXes through a Gateway server, with the standard events.

It has no order book and no private stream, so it is not an ``ExchangeBase``: it is the same public
surface where that applies (``buy``/``sell`` returning a client order id at once, ``place_swap``
awaiting the submission, balances, ``events()``/``add_listener`` with the same order events) plus
``quote()``, allowances and pools.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from clobconn.core.data_types import Balance, TradeType
from clobconn.core.errors import (
    BadSymbol,
    ClobconnError,
    InvalidArgument,
    InvalidOrderArgument,
    NotSupported,
    OrderOutcomeUnknown,
)
from clobconn.core.events import BalanceUpdatedEvent, ConnectorReadyEvent, EventBus, EventType, Listener, Subscription
from clobconn.core.orders.arguments import as_decimal, as_enum, as_pair
from clobconn.core.tasks import ConnectorTasks
from clobconn.gateway.client import GatewayClient
from clobconn.gateway.config import DexType, GatewayConfig
from clobconn.gateway.errors import GatewayStartError
from clobconn.gateway.liquidity import LiquidityPositions
from clobconn.gateway.liquidity_calls import LiquidityCalls
from clobconn.gateway.models import Quote, Submission, Token, TxStatus
from clobconn.gateway.startup import check_gateway
from clobconn.gateway.swaps import SwapContext, SwapOrder, SwapRunner
from clobconn.gateway.transactions import TransactionWatcher

logger = logging.getLogger(__name__)

BALANCE_INTERVAL = 60.0
MARKET_TYPE = "amm"


class GatewayConnector(LiquidityCalls):
    """``get_connector("gateway", url=..., chain="solana", network="mainnet-beta", dex="raydium",
    dex_type="clmm", wallet_address=..., trading_pairs=["SOL-USDC"])``."""

    # What ``clobconn connectors`` lists for it.
    market_type = MARKET_TYPE
    dex_types: tuple[str, ...] = tuple(t.value for t in DexType)
    order_types: tuple[str, ...] = ("MARKET",)
    features: tuple[str, ...] = ("quote", "allowances", "pools", "liquidity")
    credential_labels: tuple[str, ...] = ("wallet_address (its key stays in Gateway)", "tls.passphrase")

    def __init__(self, **config: Any) -> None:
        self.config = GatewayConfig(**config)
        self.client = GatewayClient(self.config)
        self.event_bus = EventBus(self.config.event_queue_size)
        self.tokens: dict[str, Token] = {}
        self.balances: dict[str, Balance] = {}
        self.native_coin = ""
        self.estimated_fee = Decimal(0)
        self.ready = False
        self._tasks = ConnectorTasks("gateway")
        self._ids = itertools.count(1)
        self.watcher = TransactionWatcher(self.client.poll, self.config.poll_interval, self.config.max_poll_interval)
        self.liquidity = LiquidityPositions(self.client, self.watcher, lambda: self.config.confirmation_deadline)
        self.swaps = SwapRunner(SwapContext(
            execute=self._execute, balances=self._read_balances, publish=self.event_bus.publish,
            watcher=self.watcher, native_coin=lambda: self.native_coin, estimated_fee=lambda: self.estimated_fee,
            confirm_by_balances=self.config.is_evm))

    def __repr__(self) -> str:
        return f"GatewayConnector({self.config.url}, {self.config.chain_network}, {self.config.connector})"

    # == life cycle ===============================================================================

    async def start(self) -> None:
        """Check Gateway and this configuration against it, load tokens, gas and balances. Raises
        ``GatewayStartError`` naming what is wrong (Gateway silent, unknown network, connector or
        wallet, a pair's token unknown)."""
        try:
            facts = await check_gateway(self.client, self.config)
        except BaseException:
            await self.client.close()
            raise
        if facts.wallet_address != self.config.wallet_address:
            self.config = self.config.model_copy(update={"wallet_address": facts.wallet_address})
            self.client.config = self.config
        self.tokens = facts.tokens
        self.native_coin, self.estimated_fee = facts.native_coin, facts.estimated_fee
        await self.update_balances()
        self._tasks.run_periodic("balances", self.update_balances, lambda: BALANCE_INTERVAL, initial_delay=True)
        self.ready = True
        self.event_bus.publish(ConnectorReadyEvent(time.time()))

    async def stop(self) -> None:
        unresolved = [o.client_order_id for o in self.swaps.orders.values() if not o.state.is_done]
        if unresolved:
            logger.warning("stopping with swaps still unresolved (never resubmitted): %s", ", ".join(unresolved))
        self.ready = False
        await self._tasks.stop()
        await self.client.close()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        if not self.ready:
            raise GatewayStartError("the Gateway connector is not started")

    async def __aenter__(self) -> GatewayConnector:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # == events ===================================================================================

    def add_listener(self, event_type: EventType, listener: Listener) -> None:
        self.event_bus.add_listener(event_type, listener)

    def remove_listener(self, event_type: EventType, listener: Listener) -> None:
        self.event_bus.remove_listener(event_type, listener)

    def events(self, *types: EventType, queue_size: int | None = None) -> Subscription:
        return self.event_bus.subscribe(frozenset(types) if types else None, queue_size)

    # == balances =================================================================================

    @property
    def watched_tokens(self) -> list[str]:
        symbols = {symbol for pair in self.config.trading_pairs for symbol in pair.split("-")}
        if self.native_coin:
            symbols.add(self.native_coin)
        return sorted(symbols)

    async def update_balances(self) -> None:
        await self._read_balances(self.watched_tokens)

    async def _read_balances(self, tokens: list[str]) -> Mapping[str, Decimal]:
        amounts = await self.client.balances(tokens)
        now = time.time()
        for symbol, amount in amounts.items():
            known = self.balances.get(symbol)
            if known is None or known.total != amount:
                self.balances[symbol] = Balance(symbol, amount, amount)
                self.event_bus.publish(BalanceUpdatedEvent(self.balances[symbol], now))
        return amounts

    def get_balance(self, asset: str) -> Decimal:
        balance = self.balances.get(asset)
        return balance.total if balance else Decimal(0)

    def get_available_balance(self, asset: str) -> Decimal:
        return self.get_balance(asset)

    # == quotes and swaps =========================================================================

    def _checked(self, trading_pair: object, side: object, amount: object,
                 slippage_pct: object) -> tuple[str, TradeType, Decimal, float | None]:
        """The swap's arguments, refused with a typed error before anything is sent."""
        pair = as_pair(trading_pair)
        trade_type = as_enum(TradeType, side, "side")
        value = as_decimal(amount, "amount", trading_pair=pair)
        base, quote = pair.split("-")
        for symbol in (base, quote):
            if self.tokens and symbol not in self.tokens:
                raise BadSymbol(f"{pair}: Gateway's token list for {self.config.chain_network} has no {symbol}")
        if base in self.tokens:
            value = value.quantize(self.tokens[base].quantum, rounding=ROUND_DOWN)
        if value <= 0:
            raise InvalidOrderArgument(f"{pair}: amount must be positive (in {base}'s decimals), got {amount}",
                                       field="amount", value=amount)
        given = self.config.slippage_pct if slippage_pct is None else slippage_pct
        slippage: float | None = None
        if given is not None:
            bound = as_decimal(given, "slippage_pct", trading_pair=pair, error=InvalidArgument)
            if not 0 <= bound <= 100:
                raise InvalidArgument(f"slippage_pct must be within 0..100, got {given}", field="slippage_pct",
                                      value=given)
            slippage = float(bound)
        return pair, trade_type, value, slippage

    async def quote(self, trading_pair: str, side: TradeType | str, amount: Decimal,
                    slippage_pct: float | None = None, executable: bool = False) -> Quote:
        """What a swap of ``amount`` base would do now: price, amounts in and out, the bound, impact, pool.
        ``executable`` asks the DEX's router for a quote with a ``quote_id`` that ``place_swap`` can
        execute as quoted (Gateway keeps it a short while; after that it is ``QuoteExpired``)."""
        pair, trade_type, value, slippage = self._checked(trading_pair, side, amount, slippage_pct)
        base, quote_token = pair.split("-")
        if executable:
            payload = await self.client.router_quote(base, quote_token, trade_type.value, value, slippage)
        else:
            payload = await self.client.quote(base, quote_token, trade_type.value, value, slippage)
        return Quote.parse(pair, trade_type.value, value, payload)

    def buy(self, trading_pair: str, amount: Decimal, slippage_pct: float | None = None) -> str:
        """Swap for exactly ``amount`` base; returns the client order id at once, the outcome as events."""
        return self._in_background(self._new_order(trading_pair, TradeType.BUY, amount, slippage_pct))

    def sell(self, trading_pair: str, amount: Decimal, slippage_pct: float | None = None) -> str:
        """Swap exactly ``amount`` base away; returns the client order id at once, the outcome as events."""
        return self._in_background(self._new_order(trading_pair, TradeType.SELL, amount, slippage_pct))

    async def place_swap(self, trading_pair: str, side: TradeType | str, amount: Decimal,
                         slippage_pct: float | None = None, quote: Quote | None = None) -> SwapOrder:
        """Submit a swap and wait for Gateway's answer: returns the order with its signature recorded (its
        verdict follows as events; ``wait_final`` awaits it). Raises the typed refusal, or
        ``OrderOutcomeUnknown`` when execute's answer was lost (the order is then settled from balances
        at its deadline, never resubmitted). With an executable ``quote`` (``quote(..., executable=True)``)
        that very quote is executed; an expired one raises ``QuoteExpired`` and is not re-quoted."""
        if quote is not None and quote.quote_id is None:
            raise InvalidArgument("quote must be executable: quote(..., executable=True)", field="quote")
        order = self._new_order(trading_pair, side, amount, slippage_pct)
        if quote is not None:
            if (quote.trading_pair, quote.side, quote.amount) != (order.trading_pair, order.trade_type.value,
                                                                  order.amount):
                del self.swaps.orders[order.client_order_id]
                raise InvalidArgument("the quote is of another pair, side or amount", field="quote")
            order.quote_id = quote.quote_id
        submission = await self.swaps.submit(order)
        self._follow_in_background(order, submission)
        if submission is None:
            raise OrderOutcomeUnknown(order.client_order_id, f"swap {order.client_order_id}: {order.reason}")
        return order

    async def wait_final(self, client_order_id: str, timeout: float | None = None) -> SwapOrder:
        order = self.swaps.orders[client_order_id]
        async with asyncio.timeout(timeout):
            await order.done.wait()
        return order

    @property
    def in_flight_orders(self) -> dict[str, SwapOrder]:
        return {cid: order for cid, order in self.swaps.orders.items() if not order.state.is_done}

    def _new_order(self, trading_pair: object, side: object, amount: object, slippage_pct: object) -> SwapOrder:
        if not self.ready:
            raise GatewayStartError("start() the Gateway connector before swapping")
        pair, trade_type, value, slippage = self._checked(trading_pair, side, amount, slippage_pct)
        client_order_id = f"{trade_type.value.lower()}-{pair}-{int(time.time() * 1000)}{next(self._ids)}"
        order = SwapOrder(client_order_id, pair, trade_type, value, slippage, time.time(),
                          deadline=time.monotonic() + self.config.confirmation_deadline)
        # Known from this moment, so that wait_final and in_flight_orders see a swap still being sent.
        self.swaps.orders[client_order_id] = order
        return order

    def _in_background(self, order: SwapOrder) -> str:
        async def run() -> None:
            submission = await self.swaps.submit(order)
            await self.swaps.follow(order, submission)
        self._tasks.spawn(run(), f"swap:{order.client_order_id}", quiet=ClobconnError)
        return order.client_order_id

    def _follow_in_background(self, order: SwapOrder, submission: Submission | None) -> None:
        self._tasks.spawn(self.swaps.follow(order, submission), f"follow:{order.client_order_id}",
                          quiet=ClobconnError)

    async def _execute(self, order: SwapOrder) -> Submission:
        if order.quote_id is not None:
            return await self.client.execute_quote(order.quote_id)
        return await self.client.execute_swap(order.base, order.quote, order.trade_type.value, order.amount,
                                              order.slippage_pct)

    # == allowances (EVM) =========================================================================

    def _evm_only(self, what: str) -> None:
        if not self.config.is_evm:
            raise NotSupported(f"{what} exists on EVM chains only, not on {self.config.chain}")

    @property
    def default_spender(self) -> str:
        if self.config.connector is None:
            raise InvalidArgument("name the spender (an address or 'dex/type'): the config has no dex",
                                  field="spender")
        return self.config.connector

    async def allowances(self, tokens: list[str] | None = None, spender: str | None = None) -> dict[str, Decimal]:
        """What the DEX's spender (by default the configured connector) may spend of each token."""
        self._evm_only("allowances")
        symbols = tokens or sorted({s for pair in self.config.trading_pairs for s in pair.split("-")})
        return await self.client.allowances(symbols, spender or self.default_spender)

    async def approve(self, token: str, amount: Decimal | None = None, spender: str | None = None,
                      timeout: float | None = None) -> bool:
        """Approve ``spender`` for ``amount`` of ``token`` (None: the maximum) and wait for the transaction:
        True once confirmed, False when it failed. Nothing is ever approved except by this call."""
        self._evm_only("approve")
        if token not in self.tokens:
            raise BadSymbol(f"Gateway's token list for {self.config.chain_network} has no {token}")
        value = None if amount is None else as_decimal(amount, "amount", error=InvalidArgument)
        if value is not None and value <= 0:
            raise InvalidArgument(f"amount must be positive, got {amount}", field="amount", value=amount)
        submission = await self.client.approve(token, spender or self.default_spender, value)
        if submission.status.is_final:
            return submission.status is TxStatus.CONFIRMED
        deadline = time.monotonic() + (timeout or self.config.confirmation_deadline)
        verdict = await self.watcher.follow(submission.signature, deadline)
        if verdict is None:
            raise OrderOutcomeUnknown(f"approve-{token}", f"approval {submission.signature} unresolved at its deadline")
        return verdict.status is TxStatus.CONFIRMED
