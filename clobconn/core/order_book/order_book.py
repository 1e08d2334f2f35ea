"""A price-level order book.

Inside, each side is a dict price -> size plus its prices in order, best last, cut into blocks of
at most ``_MAX_BLOCK`` with each block's last price beside them (``_SortedKeys``). The common case
(updates near the top) touches the last block's end; an update deep in a 100,000-level book moves
at most one block, not the whole side, as one sorted list would. Keys are floats: a float
parsed from a venue string of up to 15 significant digits (every price and size venues send in
practice) round-trips through ``repr`` to exactly that string's value, so the public readers hand
out ``Decimal(repr(x))`` equal to what the venue sent. Longer strings would be rounded to the
nearest double. Decimal keys would cost more than twice as much per update.

Two clocks are kept apart: ``timestamp`` is the venue's time of the last message that carried one
(some venues send none), ``applied_at`` is this process's ``time.monotonic()`` when the last
snapshot or diff was applied, which every update sets. ``age`` is measured on the latter, so it
is immune to wall-clock jumps and to a venue clock that drifts.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left, insort
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


# A block splits in two halves past this many keys: an insert or delete moves at most this many
# pointers, and a 1,000-level side is one block, where the near-top updates stay as cheap as in a
# single list.
_MAX_BLOCK = 1024


class _SortedKeys:
    """One side's keys in ascending order (the best, largest, last), cut into blocks.

    ``blocks`` holds no empty block; ``maxes[i]`` is ``blocks[i][-1]``. The book's writers inline
    the insert and remove below on their fast paths: these are the general cases.
    """

    __slots__ = ("blocks", "maxes")

    def __init__(self) -> None:
        self.blocks: list[list[float]] = []
        self.maxes: list[float] = []

    def __len__(self) -> int:
        return sum(map(len, self.blocks))

    def clear(self) -> None:
        self.blocks = []
        self.maxes = []

    def insert(self, key: float) -> None:
        """Add a key not present yet."""
        blocks, maxes = self.blocks, self.maxes
        if not maxes:
            blocks.append([key])
            maxes.append(key)
            return
        if key > maxes[-1]:
            index = len(blocks) - 1
            block = blocks[index]
            block.append(key)
            maxes[index] = key
        else:
            index = bisect_left(maxes, key)
            block = blocks[index]
            insort(block, key)
        if len(block) > _MAX_BLOCK:
            half = len(block) // 2
            blocks[index:index + 1] = [block[:half], block[half:]]
            maxes.insert(index, block[half - 1])

    def remove(self, key: float) -> None:
        """Take out a key that is present."""
        blocks, maxes = self.blocks, self.maxes
        index = bisect_left(maxes, key)
        block = blocks[index]
        del block[bisect_left(block, key)]
        if block:
            maxes[index] = block[-1]
        else:
            del blocks[index]
            del maxes[index]

    def best(self, depth: int | None) -> list[float]:
        """The keys best first: all of them, or the best ``depth``."""
        if depth is None or depth < 0:
            ordered = [key for block in reversed(self.blocks) for key in reversed(block)]
            return ordered if depth is None else ordered[:depth]
        chosen: list[float] = []
        for block in reversed(self.blocks):
            wanted = depth - len(chosen)
            if wanted <= 0:
                break
            chosen.extend(block[: -wanted - 1 : -1])
        return chosen

    def __iter__(self) -> Iterator[float]:
        """Ascending (the worst first)."""
        for block in self.blocks:
            yield from block

    def keep_best(self, depth: int) -> list[float]:
        """Keep only the best ``depth`` keys; returns the ones dropped."""
        ordered = list(self)
        cut = max(len(ordered) - depth, 0)
        dropped, kept = ordered[:cut], ordered[cut:]
        self.clear()
        for start in range(0, len(kept), _MAX_BLOCK // 2):
            block = kept[start:start + _MAX_BLOCK // 2]
            self.blocks.append(block)
            self.maxes.append(block[-1])
        return dropped


class OrderBook:
    __slots__ = (
        "_ask_keys",
        "_asks",
        "_bid_prices",
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
        self._bids: dict[float, float] = {}
        self._asks: dict[float, float] = {}
        # Ascending bid prices: best bid last.
        self._bid_prices = _SortedKeys()
        # Ascending negated ask prices: best (lowest) ask last.
        self._ask_keys = _SortedKeys()
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
        self._bids.clear()
        self._asks.clear()
        self._bid_prices.clear()
        self._ask_keys.clear()
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
        self.clear()
        self.apply_levels(bids, asks, update_id, timestamp, raw_bids, raw_asks)

    def apply_levels(
        self, bids: Sequence[Level], asks: Sequence[Level], update_id: int, timestamp: float = 0.0,
        raw_bids: Iterable[RawLevel] | None = None, raw_asks: Iterable[RawLevel] | None = None,
    ) -> None:
        """``apply_diff`` for levels already checked by ``parse_levels`` (the hot path).

        ``raw_bids``/``raw_asks`` are the venue's own levels they were parsed from, kept only by a
        book with ``keep_raw_strings``.
        """
        # The fast paths inline _SortedKeys' insert and remove where they touch the best block's
        # end (most updates, near the top, do); everything else goes through its methods.
        book = self._bids
        sorted_keys = self._bid_prices
        maxes = sorted_keys.maxes
        for price, size in bids:
            if size == 0.0:
                if book.pop(price, None) is not None:
                    if maxes[-1] == price and len(top := sorted_keys.blocks[-1]) > 1:
                        top.pop()
                        maxes[-1] = top[-1]
                    else:
                        sorted_keys.remove(price)
                continue
            if price not in book:
                if maxes and price > maxes[-1] and len(top := sorted_keys.blocks[-1]) < _MAX_BLOCK:
                    top.append(price)
                    maxes[-1] = price
                else:
                    sorted_keys.insert(price)
            book[price] = size
        book = self._asks
        sorted_keys = self._ask_keys
        maxes = sorted_keys.maxes
        for price, size in asks:
            key = -price
            if size == 0.0:
                if book.pop(price, None) is not None:
                    if maxes[-1] == key and len(top := sorted_keys.blocks[-1]) > 1:
                        top.pop()
                        maxes[-1] = top[-1]
                    else:
                        sorted_keys.remove(key)
                continue
            if price not in book:
                if maxes and key > maxes[-1] and len(top := sorted_keys.blocks[-1]) < _MAX_BLOCK:
                    top.append(key)
                    maxes[-1] = key
                else:
                    sorted_keys.insert(key)
            book[price] = size
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
        if len(self._bids) > depth:
            for price in self._bid_prices.keep_best(depth):
                del self._bids[price]
                if self._raw is not None:
                    self._raw.pop(price, None)
        if len(self._asks) > depth:
            for key in self._ask_keys.keep_best(depth):
                del self._asks[-key]
                if self._raw is not None:
                    self._raw.pop(-key, None)

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
        maxes = self._bid_prices.maxes
        return maxes[-1] if maxes else None

    def best_ask_float(self) -> float | None:
        maxes = self._ask_keys.maxes
        return -maxes[-1] if maxes else None

    def bid_levels(self, depth: int | None = None) -> list[tuple[float, float]]:
        bids = self._bids
        return [(p, bids[p]) for p in self._bid_prices.best(depth)]

    def ask_levels(self, depth: int | None = None) -> list[tuple[float, float]]:
        asks = self._asks
        return [(-k, asks[-k]) for k in self._ask_keys.best(depth)]

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
        bid, ask = self.best_bid_float(), self.best_ask_float()
        return bid is not None and ask is not None and bid >= ask

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
