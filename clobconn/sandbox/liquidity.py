"""Synthetic, reproducible liquidity for the sandbox engine.

A market maker keeps a ladder of post-only quotes on each side of a mid price that follows a
seeded random walk; a taker now and then sends a market order that prints a trade. On perpetual
markets the mark price tracks the mid and the funding rate wanders a little. Everything random
comes from one ``random.Random(seed)``, and the engine's own clock stamps events, so the same
seed and the same sequence of calls produce the same books and the same tape.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from clobconn.sandbox.engine import Engine, EngineReject, MarketSpec, OrderKind, Side

LADDER_LEVELS = 20  # quotes per side
LEVEL_SPACING = Decimal("0.0001")  # distance between ladder rungs, as a fraction of the mid
REQUOTES_PER_SIDE = 2  # random rungs refreshed each step (besides the ones that must move)
TRACKING_RUNGS = 5  # inner rungs that follow the mid, so the spread stays tight
MID_VOLATILITY = 0.0001  # standard deviation of the mid's relative move per step
TAKER_PROBABILITY = 0.35  # chance per step and symbol of a market order
LEVEL_NOTIONAL = (500.0, 5000.0)  # quote value range of one maker quote
MARK_NOISE = 0.00005  # mark price's relative distance from the mid
FUNDING_RATE_STEP = 0.000002
FUNDING_RATE_CAP = Decimal("0.00075")
FUNDING_RATE_QUANTUM = Decimal("1e-8")  # Binance publishes funding rates with 8 decimals
# Deep pockets, so a long-running sandbox never starves its own liquidity.
# Kept well under Decimal's 28 significant digits once 8-decimal fees are added.
LIQUIDITY_BASE_FUNDS = Decimal(10) ** 7
LIQUIDITY_QUOTE_FUNDS = Decimal(10) ** 11


@dataclass(slots=True)
class _Ladder:
    """The maker's state for one symbol: the mid, the rung spacing and the order on each rung."""

    market: MarketSpec
    mid: Decimal
    spacing: Decimal
    rungs: dict[Side, dict[int, int]] = field(default_factory=lambda: {Side.BUY: {}, Side.SELL: {}})


class SyntheticLiquidity:
    """Keeps the engine's books moving with reproducible maker quotes and taker trades."""

    def __init__(
        self,
        engine: Engine,
        seed: int,
        mid_prices: Mapping[str, Decimal],
        maker_account: str = "sandbox-maker",
        taker_account: str = "sandbox-taker",
    ) -> None:
        self.engine = engine
        self.maker_account = maker_account
        self.taker_account = taker_account
        self._random = random.Random(seed)
        self._ladders: dict[str, _Ladder] = {}
        for name, mid in mid_prices.items():
            symbol = name.replace("-", "").replace("/", "")  # accept "BTC-USDT" as well as "BTCUSDT"
            market = engine.markets.get(symbol)
            if market is None:
                raise ValueError(f"no market {name!r} in the engine")
            mid = _to_tick(mid, market.tick_size)
            spacing = max(market.tick_size, _to_tick(mid * LEVEL_SPACING, market.tick_size))
            self._ladders[symbol] = _Ladder(market, mid, spacing)

    @property
    def symbols(self) -> list[str]:
        return list(self._ladders)

    def mid(self, symbol: str) -> Decimal:
        return self._ladders[symbol].mid

    def seed_book(self) -> None:
        """Fund the maker and taker accounts and quote a full ladder on every symbol."""
        funds: dict[str, Decimal] = {}
        for ladder in self._ladders.values():
            funds[ladder.market.quote] = LIQUIDITY_QUOTE_FUNDS
            if not ladder.market.perpetual:
                funds[ladder.market.base] = LIQUIDITY_BASE_FUNDS
        for account in (self.maker_account, self.taker_account):
            self.engine.open_account(account, funds)
        for symbol, ladder in self._ladders.items():
            self._update_mark(symbol, ladder)
            for side in (Side.BUY, Side.SELL):
                for rung in range(LADDER_LEVELS):
                    self._quote(symbol, ladder, side, rung)

    def step(self) -> None:
        """One tick: move each mid, re-quote some rungs, maybe trade, and move perp marks."""
        for symbol, ladder in self._ladders.items():
            self._walk_mid(ladder)
            self._requote(symbol, ladder)
            if self._random.random() < TAKER_PROBABILITY:
                self._take(symbol, ladder)
            if ladder.market.perpetual:
                self._update_mark(symbol, ladder)

    def maybe_fund(self, now_ms: int) -> None:
        """Settle funding on every perpetual symbol whose funding time has come."""
        for symbol, ladder in self._ladders.items():
            if ladder.market.perpetual and self.engine.next_funding_ms(symbol) <= now_ms:
                self.engine.settle_funding(symbol)

    # -- internals ---------------------------------------------------------------------------

    def _walk_mid(self, ladder: _Ladder) -> None:
        move = _decimal(self._random.gauss(0.0, MID_VOLATILITY))
        floor = ladder.spacing * (LADDER_LEVELS + 1)  # keeps every bid rung above zero
        ladder.mid = max(floor, _to_tick(ladder.mid * (1 + move), ladder.market.tick_size))

    def _rung_price(self, ladder: _Ladder, side: Side, rung: int) -> Decimal:
        offset = ladder.spacing * (rung + 1)
        return ladder.mid - offset if side is Side.BUY else ladder.mid + offset

    def _requote(self, symbol: str, ladder: _Ladder) -> None:
        live = {order.order_id: order.price for order in self.engine.iter_open_orders(self.maker_account, symbol)}
        for side in (Side.BUY, Side.SELL):
            best_allowed = self._rung_price(ladder, side, 0)
            rungs = ladder.rungs[side]
            chosen = set(self._random.sample(range(LADDER_LEVELS), REQUOTES_PER_SIDE))
            for rung in range(LADDER_LEVELS):
                price = live.get(rungs.get(rung, -1))
                # A rung must move when it was filled or the mid came too close to it: the maker
                # never quotes inside its own spread, so it never trades with itself. Inner rungs
                # also follow the mid when it drifts away; deeper ones only move when chosen.
                if price is None or (price > best_allowed if side is Side.BUY else price < best_allowed):
                    stale = True
                else:
                    drift = abs(price - self._rung_price(ladder, side, rung))
                    stale = rung < TRACKING_RUNGS and drift > ladder.spacing
                if stale or rung in chosen:
                    self._quote(symbol, ladder, side, rung)

    def _quote(self, symbol: str, ladder: _Ladder, side: Side, rung: int) -> None:
        previous = ladder.rungs[side].pop(rung, None)
        if previous is not None:
            with contextlib.suppress(EngineReject):  # already filled: nothing to withdraw
                self.engine.cancel(self.maker_account, symbol, order_id=previous)
        price = self._rung_price(ladder, side, rung)
        quantity = self._quantity(ladder.market, price, self._random.uniform(*LEVEL_NOTIONAL))
        try:
            order, _ = self.engine.place(self.maker_account, symbol, side, OrderKind.LIMIT_MAKER, quantity, price)
        except EngineReject:
            return  # e.g. a user's order sits across this price; the rung is retried next step
        ladder.rungs[side][rung] = order.order_id

    def _take(self, symbol: str, ladder: _Ladder) -> None:
        side = Side.BUY if self._random.random() < 0.5 else Side.SELL
        quantity = self._quantity(ladder.market, ladder.mid, self._random.uniform(*LEVEL_NOTIONAL) * 1.5)
        with contextlib.suppress(EngineReject):  # an empty side or a filter: no trade this step
            self.engine.place(self.taker_account, symbol, side, OrderKind.MARKET, quantity)

    def _update_mark(self, symbol: str, ladder: _Ladder) -> None:
        if not ladder.market.perpetual:
            return
        noise = _decimal(self._random.uniform(-MARK_NOISE, MARK_NOISE))
        self.engine.set_mark_price(symbol, _to_tick(ladder.mid * (1 + noise), ladder.market.tick_size))
        drift = _decimal(self._random.uniform(-FUNDING_RATE_STEP, FUNDING_RATE_STEP))
        rate = (self.engine.funding_rate(symbol) + drift).quantize(FUNDING_RATE_QUANTUM)
        self.engine.set_funding_rate(symbol, max(-FUNDING_RATE_CAP, min(FUNDING_RATE_CAP, rate)))

    @staticmethod
    def _quantity(market: MarketSpec, price: Decimal, notional: float) -> Decimal:
        """A quantity worth about ``notional`` quote, on the step grid and inside every filter."""
        step = market.step_size
        quantity = _to_step(_decimal(notional) / price, step, ROUND_DOWN)
        floor = max(market.min_qty, _to_step(market.min_notional / price, step, ROUND_CEILING))
        return min(max(quantity, floor), market.max_qty)


def _decimal(value: float) -> Decimal:
    # Through a rounded string: the same float always gives the same short Decimal.
    return Decimal(f"{value:.10f}")


def _to_tick(value: Decimal, tick: Decimal) -> Decimal:
    if tick <= 0:
        return value
    return (value / tick).to_integral_value(rounding=ROUND_HALF_UP) * tick


def _to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=rounding) * step
