"""The order book workloads every engine replays, generated from a fixed seed.

A book with a 0.01 tick, then level updates in venue style (price and size as strings with eight
decimals, as Binance sends them), grouped ten to a message; about 20% set a size of zero. Two
shapes:

- near the top (``generate``): a 1,000-level-a-side book, update depths drawn from an exponential
  distribution (mean 25 levels) so most land near the top, as on a liquid pair's diff stream;
- uniform depth (``generate(..., levels=N, uniform=True)``): an N-level-a-side book (10k, 100k)
  whose updates land anywhere in it with equal odds, where keeping levels in order costs most.

Bids only ever sit at or below the initial best bid and asks at or above the initial best ask, so
the book can never cross. That keeps the engines comparable: Hummingbot silently truncates
crossed levels and the others do not, which would make "the same book" depend on crossing rules
rather than on applying updates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20_240_501
TICK_DECIMALS = 2
SIZE_DECIMALS = 8
BOOK_LEVELS = 1_000
# Initial best bid in ticks (30,000.00); the best ask is one tick above.
BEST_BID_TICKS = 3_000_000
# Mean depth (in levels from the top) of an update; 86% of updates land in the top 50 levels.
MEAN_UPDATE_DEPTH = 25.0
DELETE_SHARE = 0.20
UPDATES_PER_MESSAGE = 10
# Reads: best bid and ask after every message (10 updates), the top 20 levels after every 10th (100 updates).
TOP_N = 20
TOP_N_EVERY = 10

# A level as the venue sends it, and as it comes out of a JSON decoder: [price, size].
StrLevel = list[str]


@dataclass(slots=True)
class Message:
    bids: list[StrLevel]
    asks: list[StrLevel]
    update_id: int


@dataclass(slots=True)
class Workload:
    snapshot_bids: list[StrLevel]
    snapshot_asks: list[StrLevel]
    snapshot_id: int
    messages: list[Message]

    @property
    def updates(self) -> int:
        return sum(len(m.bids) + len(m.asks) for m in self.messages)


def price_text(ticks: int) -> str:
    # Built from integers so the text is exactly what a venue would send, with no float artefacts.
    whole, frac = divmod(ticks, 10**TICK_DECIMALS)
    return f"{whole}.{frac:0{TICK_DECIMALS}d}{'0' * (SIZE_DECIMALS - TICK_DECIMALS)}"


def size_text(units: int) -> str:
    whole, frac = divmod(units, 10**SIZE_DECIMALS)
    return f"{whole}.{frac:0{SIZE_DECIMALS}d}"


def _random_size(rng: random.Random) -> int:
    # Sizes from 0.0001 to 5 base units, in steps of 0.00001 (Binance BTCUSDT's lot step).
    return rng.randint(10, 500_000) * 1_000


def level_ticks(is_bid: bool, depth: int) -> int:
    return BEST_BID_TICKS - depth if is_bid else BEST_BID_TICKS + 1 + depth


def generate(updates: int, seed: int = SEED, first_update_id: int = 1_000_000, levels: int = BOOK_LEVELS,
             uniform: bool = False) -> Workload:
    rng = random.Random(seed)
    snapshot_bids = [[price_text(level_ticks(True, d)), size_text(_random_size(rng))] for d in range(levels)]
    snapshot_asks = [[price_text(level_ticks(False, d)), size_text(_random_size(rng))] for d in range(levels)]
    zero = size_text(0)
    # Updates may reach a little past the initial book, so it also grows and shrinks at the bottom.
    max_depth = levels + levels // 10
    # Every price an update can name, formatted once.
    texts = {level_ticks(is_bid, d): price_text(level_ticks(is_bid, d))
             for is_bid in (True, False) for d in range(max_depth)}
    messages: list[Message] = []
    update_id = first_update_id
    for _ in range(updates // UPDATES_PER_MESSAGE):
        bids: list[StrLevel] = []
        asks: list[StrLevel] = []
        # A venue names each price at most once per message.
        touched: set[int] = set()
        while len(touched) < UPDATES_PER_MESSAGE:
            is_bid = rng.random() < 0.5
            if uniform:
                depth = rng.randrange(max_depth)
            else:
                depth = min(int(rng.expovariate(1.0 / MEAN_UPDATE_DEPTH)), max_depth - 1)
            ticks = level_ticks(is_bid, depth)
            if ticks in touched:
                continue
            touched.add(ticks)
            size = zero if rng.random() < DELETE_SHARE else size_text(_random_size(rng))
            (bids if is_bid else asks).append([texts[ticks], size])
        update_id += 1
        messages.append(Message(bids, asks, update_id))
    return Workload(snapshot_bids, snapshot_asks, first_update_id, messages)
