"""Synthetic liquidity: a live, uncrossed, reproducible book and tape; perp marks and funding."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from clobconn.sandbox.engine import BookDelta, Engine, MarketSpec, OrderKind, Side
from clobconn.sandbox.liquidity import LADDER_LEVELS, SyntheticLiquidity

SPOT = [
    MarketSpec("BTCUSDT", "BTC", "USDT", D("0.01"), D("0.00001"), D("0.00001"), D("9000"), D("5"), D("0.001"),
               D("0.001")),
    MarketSpec("ETHUSDT", "ETH", "USDT", D("0.01"), D("0.0001"), D("0.0001"), D("9000"), D("5"), D("0.001"),
               D("0.001")),
]
PERP = [
    MarketSpec("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("1000"), D("5"), D("0.0002"),
               D("0.0005"), perpetual=True, max_leverage=125),
]
MIDS = {"BTC-USDT": D("60000"), "ETHUSDT": D("3000")}


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


class Tape:
    """Records the public events, the things that must be reproducible."""

    def __init__(self) -> None:
        self.items: list[object] = []

    def on_book_delta(self, delta: BookDelta) -> None:
        self.items.append(delta)

    def on_trade(self, trade: object) -> None:
        self.items.append(trade)

    def on_order(self, order: object, fill: object) -> None:
        self.items.append((order, fill))

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        pass

    def on_position(self, account: str, position: object) -> None:
        self.items.append(position)

    def on_funding(self, payment: object) -> None:
        self.items.append(payment)


def run_spot(seed: int, steps: int) -> tuple[Engine, Tape, SyntheticLiquidity]:
    clock = Clock()
    engine = Engine(SPOT, clock)
    tape = Tape()
    engine.add_listener(tape)
    liquidity = SyntheticLiquidity(engine, seed, MIDS)
    liquidity.seed_book()
    for _ in range(steps):
        clock.now += 250
        liquidity.step()
    return engine, tape, liquidity


def run_perp(seed: int, steps: int) -> tuple[Engine, Tape, SyntheticLiquidity, Clock]:
    clock = Clock()
    engine = Engine(PERP, clock, funding_interval_ms=10_000)
    tape = Tape()
    engine.add_listener(tape)
    liquidity = SyntheticLiquidity(engine, seed, {"BTCUSDT": D("60000")})
    liquidity.seed_book()
    for _ in range(steps):
        clock.now += 250
        liquidity.step()
        liquidity.maybe_fund(clock.now)
    return engine, tape, liquidity, clock


def test_seed_book_quotes_a_full_ladder_each_side() -> None:
    engine, _, _ = run_spot(seed=1, steps=0)
    for symbol in ("BTCUSDT", "ETHUSDT"):
        _, bids, asks = engine.depth(symbol, 100)
        assert len(bids) == LADDER_LEVELS and len(asks) == LADDER_LEVELS
        assert bids[0][0] < asks[0][0]
        assert all(quantity > 0 for _, quantity in bids + asks)


def test_same_seed_same_calls_give_identical_books_and_tapes() -> None:
    first_engine, first_tape, _ = run_spot(seed=42, steps=150)
    second_engine, second_tape, _ = run_spot(seed=42, steps=150)
    assert first_tape.items == second_tape.items
    for symbol in ("BTCUSDT", "ETHUSDT"):
        assert first_engine.depth(symbol, 1000) == second_engine.depth(symbol, 1000)
        assert first_engine.recent_trades(symbol, 1000) == second_engine.recent_trades(symbol, 1000)
    other_engine, _, _ = run_spot(seed=43, steps=150)
    assert other_engine.recent_trades("BTCUSDT", 1000) != first_engine.recent_trades("BTCUSDT", 1000)


def test_book_moves_stays_uncrossed_and_prints_trades() -> None:
    engine, _, liquidity = run_spot(seed=7, steps=0)
    start_mid = liquidity.mid("BTCUSDT")
    for _ in range(200):
        liquidity.step()
        for symbol in ("BTCUSDT", "ETHUSDT"):
            bid, ask = engine.best_bid_ask(symbol)
            assert bid is not None and ask is not None and bid < ask
    assert liquidity.mid("BTCUSDT") != start_mid
    trades = engine.recent_trades("BTCUSDT", 1000)
    assert len(trades) > 20
    assert {t.buyer_is_maker for t in trades} == {True, False}
    _, bids, asks = engine.depth("BTCUSDT", 100)
    assert len(bids) >= LADDER_LEVELS // 2 and len(asks) >= LADDER_LEVELS // 2


def test_liquidity_preserves_every_asset_total() -> None:
    engine, _, liquidity = run_spot(seed=3, steps=0)

    def totals() -> dict[str, D]:
        result = dict(engine.house_balances())
        for account in engine.accounts():
            for asset, (free, locked) in engine.balances(account).items():
                result[asset] = result.get(asset, D(0)) + free + locked
        return result

    before = totals()
    for _ in range(100):
        liquidity.step()
    assert engine.house_balances()  # fees were collected, so trades did happen
    assert totals() == before


def test_user_order_resting_inside_the_spread_gets_filled_by_takers() -> None:
    engine, _, liquidity = run_spot(seed=11, steps=0)
    engine.open_account("user", {"USDT": D("100000"), "BTC": D("1")})
    bid, ask = engine.best_bid_ask("BTCUSDT")
    assert bid is not None and ask is not None
    # A bid well above the ladder: sellers hit it first, the maker never crosses it.
    order, _ = engine.place("user", "BTCUSDT", Side.BUY, OrderKind.LIMIT, D("0.001"), ask - D("0.01"))
    for _ in range(300):
        liquidity.step()
        if not engine.open_orders("user"):
            break
    assert engine.get_order("user", "BTCUSDT", order.order_id).executed_qty > 0


def test_perp_mark_tracks_mid_and_funding_settles_when_due() -> None:
    engine, tape, liquidity, clock = run_perp(seed=5, steps=200)  # 50 s with a 10 s interval
    mark = engine.mark_price("BTCUSDT")
    assert abs(mark - liquidity.mid("BTCUSDT")) / liquidity.mid("BTCUSDT") < D("0.001")
    assert engine.next_funding_ms("BTCUSDT") > clock.now
    payments = engine.funding_payments("sandbox-taker", "BTCUSDT") + engine.funding_payments("sandbox-maker")
    assert len({p.time_ms for p in payments}) >= 4
    ids = [p.payment_id for p in sorted(payments, key=lambda p: p.payment_id)]
    assert ids == sorted(set(ids))
    assert abs(engine.funding_rate("BTCUSDT")) <= D("0.00075")
    _, second_tape, _, _ = run_perp(seed=5, steps=200)
    assert tape.items == second_tape.items


def test_unknown_symbol_is_refused() -> None:
    engine = Engine(SPOT, Clock())
    with pytest.raises(ValueError, match="SOLUSDT"):
        SyntheticLiquidity(engine, 1, {"SOLUSDT": D("100")})
