"""A price-level order book.

Inside, each side keeps its levels in order, best last, cut into blocks of at most ``_MAX_BLOCK``:
per block a list of price keys, an ``array('d')`` of the sizes beside them, and the block's last key
(``_Side``). No dict: a level is found by bisecting the blocks' last keys, then its block, which
keeps a 1,000-level-a-side book near 100 KiB (a dict would add an entry and a size object per
level), and an insert or delete deep in a 100,000-level book moves one block, not the whole side.
Updates near the top, most of them, land in the best block's end.

Keys are floats (asks negated, so that the best ask is the largest key, last): a float parsed from
a venue string of up to 15 significant digits (every price and size venues send in practice)
round-trips through ``repr`` to exactly that string's value, so the public readers hand out
``Decimal(repr(x))`` equal to what the venue sent. Longer strings would be rounded to the nearest
double. Decimal keys would cost more than twice as much per update.

Two clocks are kept apart: ``timestamp`` is the venue's time of the last message that carried one
(some venues send none), ``applied_at`` is this process's ``time.monotonic()`` when the last
snapshot or diff was applied, which every update sets. ``age`` is measured on the latter, so it
is immune to wall-clock jumps and to a venue clock that drifts.
"""

from __future__ import annotations

import math
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from clobconn.core.order_book.levels import Level, RawLevel, parse_levels


class BookLevel(NamedTuple):
    price: Decimal
    size: Decimal


_monotonic = time.monotonic


def to_decimal(value: float) -> Decimal:
    return Decimal(repr(value))


# A block splits in two halves past this many levels: an insert or delete moves at most this many
# keys and sizes, and a 1,000-level side is one block.
_MAX_BLOCK = 1024


class _Side:
    """One side's levels in ascending key order (the best, largest, last), cut into blocks.

    ``keys[i]`` and ``sizes[i]`` are one block's keys and their sizes; ``maxes[i]`` is
    ``keys[i][-1]``; no block is empty. A bid's key is its price, an ask's its negated price.
    """

    __slots__ = ("keys", "maxes", "negated", "sizes")

    def __init__(self, negated: bool) -> None:
        self.negated = negated
        self.keys: list[list[float]] = []
        self.sizes: list[array[float]] = []
        self.maxes: list[float] = []

    def __len__(self) -> int:
        return sum(map(len, self.keys))

    def load(self, levels: Iterable[Level]) -> None:
        """Replace every level with these (applied in order: a later one for the same price wins)."""
        negated = self.negated
        latest = {(-price if negated else price): size for price, size in levels}
        self._fill(sorted((key, size) for key, size in latest.items() if size != 0.0))

    def _fill(self, ordered: Sequence[tuple[float, float]]) -> None:
        """Full blocks from (key, size) pairs in ascending key order: a 1,000-level side is one block,
        whose end takes most updates; the first insert into a full block splits it."""
        self.keys, self.sizes, self.maxes = [], [], []
        step = _MAX_BLOCK
        for start in range(0, len(ordered), step):
            chunk = ordered[start:start + step]
            self.keys.append([key for key, _ in chunk])
            self.sizes.append(array("d", [size for _, size in chunk]))
            self.maxes.append(chunk[-1][0])

    def apply(self, levels: Iterable[Level]) -> None:
        """Set each level to its new absolute size (0 removes it)."""
        keys, sizes, maxes, negated = self.keys, self.sizes, self.maxes, self.negated
        # len(maxes), kept in step by the rare steps that add or drop a block.
        block_count = len(maxes)
        for price, size in levels:
            key = -price if negated else price
            index = bisect_left(maxes, key)
            if index == block_count:
                # Beyond the best level (or an empty side): a new best, at the best block's end.
                if size != 0.0:
                    if maxes and len(keys[-1]) < _MAX_BLOCK:
                        keys[-1].append(key)
                        sizes[-1].append(size)
                        maxes[-1] = key
                    else:
                        keys.append([key])
                        sizes.append(array("d", (size,)))
                        maxes.append(key)
                        block_count += 1
                continue
            block = keys[index]
            at = bisect_left(block, key)
            if block[at] == key:
                if size != 0.0:
                    sizes[index][at] = size
                    continue
                del block[at]
                del sizes[index][at]
                if not block:
                    del keys[index], sizes[index], maxes[index]
                    block_count -= 1
                elif at == len(block):
                    maxes[index] = block[-1]
            elif size != 0.0:
                block.insert(at, key)
                sizes[index].insert(at, size)
                if len(block) > _MAX_BLOCK:
                    half = len(block) // 2
                    block_sizes = sizes[index]
                    keys[index:index + 1] = [block[:half], block[half:]]
                    sizes[index:index + 1] = [block_sizes[:half], block_sizes[half:]]
                    maxes.insert(index, block[half - 1])
                    block_count += 1

    def best(self, depth: int | None) -> list[tuple[float, float]]:
        """(key, size) best first: all of them, or the best ``depth``."""
        chosen: list[tuple[float, float]] = []
        # A negative depth leaves out that many of the worst, as a slice would.
        wanted = len(self) if depth is None else depth if depth >= 0 else len(self) + depth
        for block, block_sizes in zip(reversed(self.keys), reversed(self.sizes), strict=True):
            missing = wanted - len(chosen)
            if missing <= 0:
                break
            chosen.extend(zip(block[: -missing - 1 : -1], block_sizes[: -missing - 1 : -1], strict=True))
        return chosen

    def __iter__(self) -> Iterator[tuple[float, float]]:
        """(key, size) ascending (the worst first)."""
        for block, block_sizes in zip(self.keys, self.sizes, strict=True):
            yield from zip(block, block_sizes, strict=True)

    def keep_best(self, depth: int) -> list[float]:
        """Keep only the best ``depth`` levels; returns the keys dropped."""
        ordered = list(self)
        cut = max(len(ordered) - depth, 0)
        self._fill(ordered[cut:])
        return [key for key, _ in ordered[:cut]]


class OrderBook:
    __slots__ = (
        "_asks",
        "_bids",
        "_raw",
        "applied_at",
        "is_synced",
        "last_update_id",
        "timestamp",
        "trading_pair",
    )

    def __init__(self, trading_pair: str = "", keep_raw_strings: bool = False) -> None:
        self.trading_pair = trading_pair
        # Ascending bid prices: best bid last.
        self._bids = _Side(negated=False)
        # Ascending negated ask prices: best (lowest) ask last.
        self._asks = _Side(negated=True)
        # The venue's own strings per level, kept only for venues whose checksum is over them.
        self._raw: dict[float, tuple[str, str]] | None = {} if keep_raw_strings else None
        self.last_update_id: int = -1
        # The venue's time of the last update that carried one (seconds); 0.0 until then.
        self.timestamp: float = 0.0
        # time.monotonic() when the last snapshot or diff was applied; 0.0 until then.
        self.applied_at: float = 0.0
        self.is_synced: bool = False

    # -- writers ---------------------------------------------------------------------------------

    def clear(self) -> None:
        self._bids.load(())
        self._asks.load(())
        if self._raw is not None:
            self._raw.clear()

    def apply_snapshot(
        self, bids: Iterable[RawLevel], asks: Iterable[RawLevel], update_id: int, timestamp: float = 0.0
    ) -> None:
        """Replace the book with these levels; a bad level raises InvalidBookMessage and changes nothing."""
        self.replace_levels(parse_levels(bids, "bid"), parse_levels(asks, "ask"), update_id, timestamp, bids, asks)

    def apply_diff(
        self, bids: Iterable[RawLevel], asks: Iterable[RawLevel], update_id: int, timestamp: float = 0.0
    ) -> None:
        """Set each level to its new absolute size; a bad level raises InvalidBookMessage and changes nothing."""
        self.apply_levels(parse_levels(bids, "bid"), parse_levels(asks, "ask"), update_id, timestamp, bids, asks)

    def replace_levels(
        self, bids: Sequence[Level], asks: Sequence[Level], update_id: int, timestamp: float = 0.0,
        raw_bids: Iterable[RawLevel] | None = None, raw_asks: Iterable[RawLevel] | None = None,
    ) -> None:
        """``apply_snapshot`` for levels already checked by ``parse_levels``."""
        self._bids.load(bids)
        self._asks.load(asks)
        if self._raw is not None:
            self._raw.clear()
        self._applied(bids, asks, update_id, timestamp, raw_bids, raw_asks)

    def apply_levels(
        self, bids: Sequence[Level], asks: Sequence[Level], update_id: int, timestamp: float = 0.0,
        raw_bids: Iterable[RawLevel] | None = None, raw_asks: Iterable[RawLevel] | None = None,
    ) -> None:
        """``apply_diff`` for levels already checked by ``parse_levels`` (the hot path).

        ``raw_bids``/``raw_asks`` are the venue's own levels they were parsed from, kept only by a
        book with ``keep_raw_strings``.
        """
        self._bids.apply(bids)
        self._asks.apply(asks)
        self._applied(bids, asks, update_id, timestamp, raw_bids, raw_asks)

    def _applied(
        self, bids: Sequence[Level], asks: Sequence[Level], update_id: int, timestamp: float,
        raw_bids: Iterable[RawLevel] | None, raw_asks: Iterable[RawLevel] | None,
    ) -> None:
        if self._raw is not None:
            self._keep_raw(bids, raw_bids)
            self._keep_raw(asks, raw_asks)
        if update_id > self.last_update_id or update_id < 0:
            self.last_update_id = update_id
        if timestamp:
            self.timestamp = timestamp
        self.applied_at = _monotonic()

    def truncate(self, depth: int) -> None:
        """Keep only the best ``depth`` levels a side. A venue whose subscription has a depth sends no
        removal for a level pushed out of it (Kraken's ``book``), so a level beyond it is stale: left
        in, it would come back as the top-N when better levels go, and the venue's checksum would fail."""
        for side in (self._bids, self._asks):
            if len(side) > depth:
                dropped = side.keep_best(depth)
                if self._raw is not None:
                    for key in dropped:
                        self._raw.pop(-key if side.negated else key, None)

    # -- freshness -------------------------------------------------------------------------------

    @property
    def age(self) -> float:
        """Seconds since the last snapshot or diff was applied (local monotonic clock); ``inf``
        before the first. A synced book that stops updating is quiet or cut off: ``is_synced``
        turns False only once the connector notices (a disconnect, a gap)."""
        if not self.applied_at:
            return math.inf
        return _monotonic() - self.applied_at

    @property
    def last_update_time(self) -> float | None:
        """Wall-clock seconds (``time.time()`` scale) of the last applied update; None before the first."""
        if not self.applied_at:
            return None
        return time.time() - self.age

    def _keep_raw(self, levels: Sequence[Level], raw_levels: Iterable[RawLevel] | None) -> None:
        raw = self._raw
        assert raw is not None
        for (price, size), level in zip(levels, levels if raw_levels is None else raw_levels, strict=True):
            if size == 0.0:
                raw.pop(price, None)
            else:
                raw[price] = (str(level[0]), str(level[1]))

    # -- float readers (for hot internal paths) --------------------------------------------------

    def best_bid_float(self) -> float | None:
        maxes = self._bids.maxes
        return maxes[-1] if maxes else None

    def best_ask_float(self) -> float | None:
        maxes = self._asks.maxes
        return -maxes[-1] if maxes else None

    def bid_levels(self, depth: int | None = None) -> list[tuple[float, float]]:
        return self._bids.best(depth)

    def ask_levels(self, depth: int | None = None) -> list[tuple[float, float]]:
        return [(-key, size) for key, size in self._asks.best(depth)]

    def raw_levels(self, side_is_bid: bool, depth: int) -> list[tuple[str, str]]:
        """The venue's own strings for the top ``depth`` levels (only with keep_raw_strings)."""
        if self._raw is None:
            raise RuntimeError("this book does not keep the venue's strings")
        levels = self.bid_levels(depth) if side_is_bid else self.ask_levels(depth)
        return [self._raw[p] for p, _ in levels]

    # -- public readers: Decimal, equal to the venue's strings -----------------------------------

    @property
    def best_bid(self) -> Decimal | None:
        price = self.best_bid_float()
        return None if price is None else to_decimal(price)

    @property
    def best_ask(self) -> Decimal | None:
        price = self.best_ask_float()
        return None if price is None else to_decimal(price)

    @property
    def mid_price(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        if bid is None or ask is None:
            return None
        return (bid + ask) / 2

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self.best_bid, self.best_ask
        return None if bid is None or ask is None else ask - bid

    @property
    def is_crossed(self) -> bool:
        # Read on every message by the synchroniser: the blocks' last keys, no method calls.
        bid_maxes, ask_maxes = self._bids.maxes, self._asks.maxes
        return bool(bid_maxes and ask_maxes and bid_maxes[-1] >= -ask_maxes[-1])

    @property
    def bid_depth(self) -> int:
        return len(self._bids)

    @property
    def ask_depth(self) -> int:
        return len(self._asks)

    def bids(self, n: int | None = None) -> list[BookLevel]:
        return [BookLevel(to_decimal(p), to_decimal(s)) for p, s in self.bid_levels(n)]

    def asks(self, n: int | None = None) -> list[BookLevel]:
        return [BookLevel(to_decimal(p), to_decimal(s)) for p, s in self.ask_levels(n)]

    def _walk(self, is_buy: bool, volume: Decimal) -> tuple[Decimal, Decimal, Decimal] | None:
        """Take ``volume`` from the side a buy (asks) or sell (bids) would hit.

        Returns (worst price reached, base filled, quote spent), or None when the book is too thin.
        """
        if volume <= 0:
            raise ValueError("volume must be positive")
        remaining = volume
        quote = Decimal(0)
        levels = self.ask_levels() if is_buy else self.bid_levels()
        for price_f, size_f in levels:
            price, size = to_decimal(price_f), to_decimal(size_f)
            take = min(size, remaining)
            quote += take * price
            remaining -= take
            if remaining == 0:
                return price, volume, quote
        return None

    def price_for_volume(self, is_buy: bool, volume: Decimal) -> Decimal | None:
        """The worst price a market order of ``volume`` base would reach; None if the book is thinner."""
        walked = self._walk(is_buy, volume)
        return None if walked is None else walked[0]

    def vwap_for_volume(self, is_buy: bool, volume: Decimal) -> Decimal | None:
        """The average price a market order of ``volume`` base would pay; None if the book is thinner."""
        walked = self._walk(is_buy, volume)
        return None if walked is None else walked[2] / walked[1]

    def snapshot(self, depth: int | None = None) -> tuple[list[BookLevel], list[BookLevel]]:
        return self.bids(depth), self.asks(depth)

    def __repr__(self) -> str:
        return (
            f"OrderBook({self.trading_pair!r}, bid={self.best_bid}, ask={self.best_ask}, "
            f"levels={self.bid_depth}/{self.ask_depth}, id={self.last_update_id}, synced={self.is_synced})"
        )
