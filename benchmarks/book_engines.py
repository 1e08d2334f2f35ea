"""One adapter per order book engine: load a snapshot, replay the workload, read the book back.

Each replay loop is written the way that engine's own users drive it, with its readers, and
nothing else in the loop: the same reads for all (best bid and ask after every message, the top
20 levels of both sides after every 10th message). Three replays per engine:

- ``replay_parsed`` ("book-only"): levels already converted to floats, in the engine's own input
  type, applied straight to the book: no message object, no sequence check;
- ``replay_full`` ("full path"): what the engine's own stack does with a decoded diff, from the
  venue's strings: build its message object, check the message's sequence against the book, convert
  and apply, then read floats. Each class's docstring says exactly which steps those are;
- ``replay_decimal`` ("full path, Decimal reads"): the same, reading the book through the API a
  strategy uses for money (``Decimal`` best bid and ask, ``Decimal`` top-20 levels), where the
  engine's users have one.

A peer that is not installed is reported as missing, never silently skipped.
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal
from itertools import islice
from typing import Any

from benchmarks.book_workload import TOP_N, TOP_N_EVERY, Message, StrLevel, Workload

# Best first, as (price, size) floats.
Levels = list[tuple[float, float]]


def _floats(levels: list[StrLevel]) -> list[tuple[float, float]]:
    return [(float(p), float(s)) for p, s in levels]


class Engine(ABC):
    name: str
    package: str

    @property
    def version(self) -> str:
        return importlib.metadata.version(self.package)

    @abstractmethod
    def load(self, workload: Workload) -> None:
        """A fresh book holding the workload's snapshot (untimed)."""

    @abstractmethod
    def parse(self, messages: list[Message]) -> Any:
        """The messages with levels already converted, in this engine's input type (untimed)."""

    @abstractmethod
    def replay_parsed(self, parsed: Any) -> None:
        """Apply pre-converted updates, with the reads (timed)."""

    @abstractmethod
    def replay_full(self, messages: list[Message]) -> None:
        """Message object, sequence check, convert and apply, with float reads (timed)."""

    def replay_decimal(self, messages: list[Message]) -> None:
        """As replay_full, with the Decimal reads a strategy uses (timed); not every engine has them."""
        raise NotImplementedError(f"{self.name} has no Decimal readers")

    @property
    def has_decimal_reads(self) -> bool:
        return type(self).replay_decimal is not Engine.replay_decimal

    @abstractmethod
    def levels(self) -> tuple[Levels, Levels]:
        """Every level of the final book, best first, for the equality check."""


class ClobconnEngine(Engine):
    """clobconn's ``OrderBook`` behind its ``BookSynchronizer``, as the tracker drives them.

    Full path, per message: a ``BookMessage`` (what a data source's ``parse`` returns), then
    ``BookSynchronizer.on_diff`` under Binance spot's rule (``FIRST_LAST``): the sequence fields'
    types, the levels checked and converted (``parse_levels``), the id check, ``apply_levels``, and
    the crossed-book check. Book-only calls ``apply_levels`` on levels already checked.
    """

    name = "clobconn"
    package = "clobconn"

    def __init__(self) -> None:
        from clobconn.core.order_book.messages import BookMessage, BookMessageType
        from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule

        self._message = BookMessage
        self._diff = BookMessageType.DIFF
        self._new_sync = lambda: BookSynchronizer("BTC-USDT", SequenceRule.FIRST_LAST)
        self.sync = self._new_sync()
        self.book = self.sync.book

    def load(self, workload: Workload) -> None:
        from clobconn.core.order_book.messages import BookMessageType

        self.sync = self._new_sync()
        self.book = self.sync.book
        self.sync.on_snapshot(self._message(BookMessageType.SNAPSHOT, "BTC-USDT", workload.snapshot_bids,
                                            workload.snapshot_asks, workload.snapshot_id))

    def parse(self, messages: list[Message]) -> list[tuple[list[tuple[float, float]], list[tuple[float, float]], int]]:
        return [(_floats(m.bids), _floats(m.asks), m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[Any, Any, int]]) -> None:
        book = self.book
        apply_levels, best_bid, best_ask = book.apply_levels, book.best_bid_float, book.best_ask_float
        bid_levels, ask_levels = book.bid_levels, book.ask_levels
        for n, (bids, asks, update_id) in enumerate(parsed, 1):
            apply_levels(bids, asks, update_id)
            best_bid(), best_ask()
            if n % TOP_N_EVERY == 0:
                bid_levels(TOP_N), ask_levels(TOP_N)

    def replay_full(self, messages: list[Message]) -> None:
        book = self.book
        on_diff, new_message, diff = self.sync.on_diff, self._message, self._diff
        best_bid, best_ask = book.best_bid_float, book.best_ask_float
        bid_levels, ask_levels = book.bid_levels, book.ask_levels
        for n, m in enumerate(messages, 1):
            on_diff(new_message(diff, "BTC-USDT", m.bids, m.asks, m.update_id, first_id=m.update_id))
            best_bid(), best_ask()
            if n % TOP_N_EVERY == 0:
                bid_levels(TOP_N), ask_levels(TOP_N)

    def replay_decimal(self, messages: list[Message]) -> None:
        book = self.book
        on_diff, new_message, diff = self.sync.on_diff, self._message, self._diff
        bids, asks = book.bids, book.asks
        for n, m in enumerate(messages, 1):
            on_diff(new_message(diff, "BTC-USDT", m.bids, m.asks, m.update_id, first_id=m.update_id))
            _ = book.best_bid, book.best_ask
            if n % TOP_N_EVERY == 0:
                bids(TOP_N), asks(TOP_N)

    def levels(self) -> tuple[Levels, Levels]:
        return self.book.bid_levels(), self.book.ask_levels()


class HummingbotEngine(Engine):
    """Hummingbot's Cython/C++ ``OrderBook`` (a std::set of entries per side).

    Full path, per message: an ``OrderBookMessage`` (what its data sources build from a decoded
    diff), its tracker's sequence check (``_order_book_diff_router`` drops a diff older than the
    book's snapshot), then ``apply_diffs(message.bids, message.asks, message.update_id)``, whose
    ``bids``/``asks`` properties turn the strings into ``OrderBookRow`` floats. Decimal reads are
    what its connectors hand strategies: ``Decimal(str(price))`` of the float readers.
    """

    name = "hummingbot"
    package = "hummingbot"

    def __init__(self) -> None:
        from hummingbot.core.data_type.order_book import OrderBook
        from hummingbot.core.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
        from hummingbot.core.data_type.order_book_row import OrderBookRow

        self._cls = OrderBook
        self._message = OrderBookMessage
        self._diff = OrderBookMessageType.DIFF
        self._row = OrderBookRow
        self.book = OrderBook()

    def load(self, workload: Workload) -> None:
        row, uid = self._row, workload.snapshot_id
        self.book = self._cls()
        self.book.apply_snapshot([row(float(p), float(s), uid) for p, s in workload.snapshot_bids],
                                 [row(float(p), float(s), uid) for p, s in workload.snapshot_asks], uid)

    def parse(self, messages: list[Message]) -> list[tuple[list[Any], list[Any], int]]:
        row = self._row
        return [([row(float(p), float(s), m.update_id) for p, s in m.bids],
                 [row(float(p), float(s), m.update_id) for p, s in m.asks], m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[list[Any], list[Any], int]]) -> None:
        book = self.book
        apply_diffs, get_price = book.apply_diffs, book.get_price
        bid_entries, ask_entries = book.bid_entries, book.ask_entries
        for n, (bids, asks, update_id) in enumerate(parsed, 1):
            apply_diffs(bids, asks, update_id)
            get_price(False), get_price(True)
            if n % TOP_N_EVERY == 0:
                list(islice(bid_entries(), TOP_N)), list(islice(ask_entries(), TOP_N))

    def replay_full(self, messages: list[Message]) -> None:
        book = self.book
        apply_diffs, get_price = book.apply_diffs, book.get_price
        bid_entries, ask_entries = book.bid_entries, book.ask_entries
        new_message, diff = self._message, self._diff
        for n, m in enumerate(messages, 1):
            message = new_message(diff, {"trading_pair": "BTC-USDT", "update_id": m.update_id,
                                         "bids": m.bids, "asks": m.asks}, 0.0)
            if book.snapshot_uid > message.update_id:
                continue
            apply_diffs(message.bids, message.asks, message.update_id)
            get_price(False), get_price(True)
            if n % TOP_N_EVERY == 0:
                list(islice(bid_entries(), TOP_N)), list(islice(ask_entries(), TOP_N))

    def replay_decimal(self, messages: list[Message]) -> None:
        book = self.book
        apply_diffs, get_price = book.apply_diffs, book.get_price
        bid_entries, ask_entries = book.bid_entries, book.ask_entries
        new_message, diff = self._message, self._diff
        for n, m in enumerate(messages, 1):
            message = new_message(diff, {"trading_pair": "BTC-USDT", "update_id": m.update_id,
                                         "bids": m.bids, "asks": m.asks}, 0.0)
            if book.snapshot_uid > message.update_id:
                continue
            apply_diffs(message.bids, message.asks, message.update_id)
            Decimal(str(get_price(False))), Decimal(str(get_price(True)))
            if n % TOP_N_EVERY == 0:
                [(Decimal(str(r.price)), Decimal(str(r.amount))) for r in islice(bid_entries(), TOP_N)]
                [(Decimal(str(r.price)), Decimal(str(r.amount))) for r in islice(ask_entries(), TOP_N)]

    def levels(self) -> tuple[Levels, Levels]:
        return ([(r.price, r.amount) for r in self.book.bid_entries()],
                [(r.price, r.amount) for r in self.book.ask_entries()])


class CcxtEngine(Engine):
    """ccxt.pro's pure-Python ``OrderBook`` (a bisect-sorted list per side).

    Full path, per message: the decoded dict is its message (no object is built); ccxt.pro's
    Binance handler checks the diff's ids against the book's nonce (a diff at or before it is
    skipped, one past ``nonce + 1`` is a gap), then ``handle_deltas`` (``safe_float`` per price and
    size, then ``store``) on asks and bids, then sets the nonce.
    """

    name = "ccxt.pro"
    package = "ccxt"

    def __init__(self) -> None:
        import ccxt.pro
        from ccxt.async_support.base.ws.order_book import OrderBook

        self._cls = OrderBook
        # Only its parsing methods are used: nothing here opens a connection.
        self._exchange = ccxt.pro.binance()
        self.book: Any = OrderBook({})

    def load(self, workload: Workload) -> None:
        self.book = self._cls({})
        # Lists, not tuples: ccxt updates a level's size in place.
        self.book.reset({"bids": [[float(p), float(s)] for p, s in workload.snapshot_bids],
                         "asks": [[float(p), float(s)] for p, s in workload.snapshot_asks],
                         "nonce": workload.snapshot_id})

    def parse(self, messages: list[Message]) -> list[tuple[Any, Any, int]]:
        return [(_floats(m.bids), _floats(m.asks), m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[Any, Any, int]]) -> None:
        book = self.book
        bids_side, asks_side = book["bids"], book["asks"]
        # store() builds a fresh [price, size] per level: storeArray would keep (and later mutate)
        # the workload's own lists inside the book.
        store_bid, store_ask = bids_side.store, asks_side.store
        for n, (bids, asks, update_id) in enumerate(parsed, 1):
            for price, size in asks:
                store_ask(price, size)
            for price, size in bids:
                store_bid(price, size)
            book["nonce"] = update_id
            bids_side[0], asks_side[0]
            if n % TOP_N_EVERY == 0:
                bids_side[:TOP_N], asks_side[:TOP_N]

    def replay_full(self, messages: list[Message]) -> None:
        book = self.book
        bids_side, asks_side = book["bids"], book["asks"]
        handle_deltas = self._exchange.handle_deltas
        for n, m in enumerate(messages, 1):
            nonce = book["nonce"]
            if m.update_id <= nonce:
                continue
            if m.update_id > nonce + 1:
                raise RuntimeError(f"gap after {nonce}: the workload has none")
            # As ccxt.pro's binance.handle_order_book_message does: asks, bids, then the nonce.
            handle_deltas(asks_side, m.asks)
            handle_deltas(bids_side, m.bids)
            book["nonce"] = m.update_id
            bids_side[0], asks_side[0]
            if n % TOP_N_EVERY == 0:
                bids_side[:TOP_N], asks_side[:TOP_N]

    def levels(self) -> tuple[Levels, Levels]:
        return ([(p, s) for p, s in self.book["bids"]], [(p, s) for p, s in self.book["asks"]])


class CryptofeedEngine(Engine):
    """cryptofeed's ``order-book`` C extension (a hash map with a lazily sorted key index per side).

    Full path: cryptofeed's Binance feed checks each diff's first id against the last one it
    applied (a gap resyncs), converts and stores. Its feeds convert with ``Decimal(...)``; we give
    it ``float(...)``, the cheaper conversion, and build no message object, so the figure flatters
    the peer.
    """

    name = "cryptofeed order-book"
    package = "order-book"

    def __init__(self) -> None:
        from order_book import OrderBook

        self._cls = OrderBook
        self.book: Any = OrderBook()

    def load(self, workload: Workload) -> None:
        self.book = self._cls()
        for price, size in _floats(workload.snapshot_bids):
            self.book.bids[price] = size
        for price, size in _floats(workload.snapshot_asks):
            self.book.asks[price] = size

    def parse(self, messages: list[Message]) -> list[tuple[Any, Any, int]]:
        return [(_floats(m.bids), _floats(m.asks), m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[Any, Any, int]]) -> None:
        bids_side, asks_side = self.book.bids, self.book.asks
        for n, (bids, asks, _) in enumerate(parsed, 1):
            # cryptofeed's own update loop: a zero size deletes the level if it is there.
            for price, size in bids:
                if size == 0.0:
                    if price in bids_side:
                        del bids_side[price]
                else:
                    bids_side[price] = size
            for price, size in asks:
                if size == 0.0:
                    if price in asks_side:
                        del asks_side[price]
                else:
                    asks_side[price] = size
            bids_side.index(0), asks_side.index(0)
            if n % TOP_N_EVERY == 0:
                [bids_side.index(i) for i in range(TOP_N)], [asks_side.index(i) for i in range(TOP_N)]

    def replay_full(self, messages: list[Message]) -> None:
        bids_side, asks_side = self.book.bids, self.book.asks
        last = -1
        for n, m in enumerate(messages, 1):
            if last >= 0 and m.update_id != last + 1:
                raise RuntimeError(f"gap after {last}: the workload has none")
            last = m.update_id
            for price_text, size_text in m.bids:
                price, size = float(price_text), float(size_text)
                if size == 0.0:
                    if price in bids_side:
                        del bids_side[price]
                else:
                    bids_side[price] = size
            for price_text, size_text in m.asks:
                price, size = float(price_text), float(size_text)
                if size == 0.0:
                    if price in asks_side:
                        del asks_side[price]
                else:
                    asks_side[price] = size
            bids_side.index(0), asks_side.index(0)
            if n % TOP_N_EVERY == 0:
                [bids_side.index(i) for i in range(TOP_N)], [asks_side.index(i) for i in range(TOP_N)]

    def levels(self) -> tuple[Levels, Levels]:
        return list(self.book.bids.to_list()), list(self.book.asks.to_list())


class DictCeilingEngine(Engine):
    """The ceiling: a bare dict per side, set or pop, nothing kept in order.

    It cannot answer the reads without sorting, so it does none: it is the most an update loop
    in Python can do, not a usable book. Its "full path" is only the strings' conversion.
    """

    name = "dict ceiling"
    package = "clobconn"

    @property
    def version(self) -> str:
        return "-"

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}

    def load(self, workload: Workload) -> None:
        self.bids = dict(_floats(workload.snapshot_bids))
        self.asks = dict(_floats(workload.snapshot_asks))

    def parse(self, messages: list[Message]) -> list[tuple[Any, Any, int]]:
        return [(_floats(m.bids), _floats(m.asks), m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[Any, Any, int]]) -> None:
        bids_side, asks_side = self.bids, self.asks
        for bids, asks, _ in parsed:
            for price, size in bids:
                if size == 0.0:
                    bids_side.pop(price, None)
                else:
                    bids_side[price] = size
            for price, size in asks:
                if size == 0.0:
                    asks_side.pop(price, None)
                else:
                    asks_side[price] = size

    def replay_full(self, messages: list[Message]) -> None:
        # No message object and no sequence check: the most a loop over the strings can do.
        bids_side, asks_side = self.bids, self.asks
        for m in messages:
            for price_text, size_text in m.bids:
                size = float(size_text)
                if size == 0.0:
                    bids_side.pop(float(price_text), None)
                else:
                    bids_side[float(price_text)] = size
            for price_text, size_text in m.asks:
                size = float(size_text)
                if size == 0.0:
                    asks_side.pop(float(price_text), None)
                else:
                    asks_side[float(price_text)] = size

    def levels(self) -> tuple[Levels, Levels]:
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())


# In table order: ours first, then the peers, then the ceiling.
ENGINES: list[tuple[str, Callable[[], Engine]]] = [
    ("clobconn", ClobconnEngine),
    ("hummingbot", HummingbotEngine),
    ("ccxt.pro", CcxtEngine),
    ("cryptofeed order-book", CryptofeedEngine),
    ("dict ceiling", DictCeilingEngine),
]


def available_engines() -> tuple[list[Engine], dict[str, str]]:
    """The engines that import here, and why each other one does not."""
    engines: list[Engine] = []
    missing: dict[str, str] = {}
    for name, factory in ENGINES:
        try:
            engines.append(factory())
        except ImportError as exc:
            missing[name] = f"{type(exc).__name__}: {exc}"
    return engines, missing
