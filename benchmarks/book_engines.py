"""One adapter per order book engine: load a snapshot, replay the workload, read the book back.

Each replay loop is written the way that engine's own users drive it, with its readers, and
nothing else in the loop: the same reads for all (best bid and ask after every message, the top
20 levels of both sides after every 10th message). Two replays per engine:

- ``replay_parsed``: levels already converted to floats, in the engine's own input type;
- ``replay_strings``: the venue's strings, converted by the engine's own path where it has one.

A peer that is not installed is reported as missing, never silently skipped.
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from collections.abc import Callable
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
    def replay_strings(self, messages: list[Message]) -> None:
        """Convert the venue's strings and apply, with the reads (timed)."""

    @abstractmethod
    def levels(self) -> tuple[Levels, Levels]:
        """Every level of the final book, best first, for the equality check."""


class ClobconnEngine(Engine):
    name = "clobconn"
    package = "clobconn"

    def __init__(self) -> None:
        from clobconn.core.order_book.order_book import OrderBook

        self._cls = OrderBook
        self.book = OrderBook()

    def load(self, workload: Workload) -> None:
        self.book = self._cls("BTC-USDT")
        self.book.apply_snapshot(workload.snapshot_bids, workload.snapshot_asks, workload.snapshot_id)

    def parse(self, messages: list[Message]) -> list[tuple[list[tuple[float, float]], list[tuple[float, float]], int]]:
        return [(_floats(m.bids), _floats(m.asks), m.update_id) for m in messages]

    def replay_parsed(self, parsed: list[tuple[Any, Any, int]]) -> None:
        book = self.book
        apply_diff, best_bid, best_ask = book.apply_diff, book.best_bid_float, book.best_ask_float
        bid_levels, ask_levels = book.bid_levels, book.ask_levels
        for n, (bids, asks, update_id) in enumerate(parsed, 1):
            apply_diff(bids, asks, update_id)
            best_bid(), best_ask()
            if n % TOP_N_EVERY == 0:
                bid_levels(TOP_N), ask_levels(TOP_N)

    def replay_strings(self, messages: list[Message]) -> None:
        book = self.book
        apply_diff, best_bid, best_ask = book.apply_diff, book.best_bid_float, book.best_ask_float
        bid_levels, ask_levels = book.bid_levels, book.ask_levels
        for n, message in enumerate(messages, 1):
            # apply_diff takes the venue's [price, size] strings and converts them itself.
            apply_diff(message.bids, message.asks, message.update_id)
            best_bid(), best_ask()
            if n % TOP_N_EVERY == 0:
                bid_levels(TOP_N), ask_levels(TOP_N)

    def levels(self) -> tuple[Levels, Levels]:
        return self.book.bid_levels(), self.book.ask_levels()


class HummingbotEngine(Engine):
    """Hummingbot's Cython/C++ ``OrderBook`` (a std::set of entries per side).

    From strings goes through ``OrderBookMessage``, whose ``bids``/``asks`` properties are where
    Hummingbot turns a venue's strings into ``OrderBookRow`` floats; its tracker then calls
    ``apply_diffs(message.bids, message.asks, message.update_id)``, as here.
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

    def replay_strings(self, messages: list[Message]) -> None:
        book = self.book
        apply_diffs, get_price = book.apply_diffs, book.get_price
        bid_entries, ask_entries = book.bid_entries, book.ask_entries
        new_message, diff = self._message, self._diff
        for n, m in enumerate(messages, 1):
            message = new_message(diff, {"trading_pair": "BTC-USDT", "update_id": m.update_id,
                                         "bids": m.bids, "asks": m.asks}, 0.0)
            apply_diffs(message.bids, message.asks, message.update_id)
            get_price(False), get_price(True)
            if n % TOP_N_EVERY == 0:
                list(islice(bid_entries(), TOP_N)), list(islice(ask_entries(), TOP_N))

    def levels(self) -> tuple[Levels, Levels]:
        return ([(r.price, r.amount) for r in self.book.bid_entries()],
                [(r.price, r.amount) for r in self.book.ask_entries()])


class CcxtEngine(Engine):
    """ccxt.pro's pure-Python ``OrderBook`` (a bisect-sorted list per side).

    From strings goes through ccxt.pro's Binance ``handle_deltas``, which is what its Binance
    stream handler calls on each diff (``safe_float`` per price and size, then ``store``).
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

    def replay_strings(self, messages: list[Message]) -> None:
        book = self.book
        bids_side, asks_side = book["bids"], book["asks"]
        handle_deltas = self._exchange.handle_deltas
        for n, m in enumerate(messages, 1):
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

    It has no string path of its own: cryptofeed's feeds convert with ``Decimal(...)`` before
    storing. We give it ``float(...)``, the cheaper conversion, so the figure flatters the peer.
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

    def replay_strings(self, messages: list[Message]) -> None:
        bids_side, asks_side = self.book.bids, self.book.asks
        for n, m in enumerate(messages, 1):
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
    in Python can do, not a usable book.
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

    def replay_strings(self, messages: list[Message]) -> None:
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
