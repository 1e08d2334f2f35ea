"""Mirror a running connector onto Redis Streams: its books, public trades, and its account's events.

The connector's loop only ever appends an encoded entry to a bounded buffer; one task sends the
buffer to Redis, a pipeline round trip per batch. Redis slow or down therefore never blocks the
connector: the buffer fills, entries beyond it are dropped and counted, and every book that lost an
entry is published whole again once Redis takes entries. After Redis failed, every book is published
whole again (a restarted Redis has lost the streams). A batch whose round trip failed is sent again:
account entries are at least once, told apart by their (epoch, seq).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from clobconn.bus import codec
from clobconn.bus.config import BusConfig
from clobconn.bus.keys import StreamKeys
from clobconn.core.events import EventType
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.order_book.changes import BookChange, BookChangeKind
from clobconn.core.order_book.messages import PublicTrade
from clobconn.core.order_book.order_book import OrderBook

logger = logging.getLogger(__name__)

ORDER_EVENTS = (EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED,
                EventType.ORDER_CANCELLED, EventType.ORDER_FAILED, EventType.ORDER_LOST)
BALANCE_EVENTS = (EventType.BALANCE_UPDATED, EventType.POSITION_UPDATED, EventType.FUNDING_PAYMENT)


@dataclass(slots=True)
class _Pending:
    stream: str
    fields: dict[bytes, bytes]
    maxlen: int
    # Set for a book's snapshot entry: the key that points consumers at it.
    start_key: str | None = None


class BusPublisher:
    def __init__(self, connector: ExchangeBase, config: BusConfig | None = None, *, account: str = "main",
                 redis: Redis | None = None) -> None:
        self.connector = connector
        self.config = config or BusConfig()
        self.account = account
        self.keys = StreamKeys(self.config.prefix)
        self.epoch = uuid.uuid4().hex[:12]
        self._redis = redis if redis is not None else self.config.client()
        self._buffer: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        # Set while nothing waits to be sent.
        self._drained = asyncio.Event()
        self._drained.set()
        self._seq: Counter[str] = Counter()
        self._republish: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._last_snapshot: dict[str, float] = {}
        self._marker = f"{self.config.prefix}:publisher:{self.epoch}"
        self._marked = False
        # Figures, for logs, tests and the benchmarks.
        self.published = 0
        self.round_trips = 0
        self.dropped: Counter[str] = Counter()
        self.redis_failures = 0
        self.data_losses = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    # -- attaching -------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen to the connector and start sending; books already synced are published whole now."""
        tracker = self.connector.order_book_tracker
        tracker.book_listeners.append(self._on_book_change)
        tracker.trade_listeners.append(self._on_trade)
        for event_type in ORDER_EVENTS + BALANCE_EVENTS:
            self.connector.add_listener(event_type, self._on_event)
        for pair in tracker.trading_pairs:
            book = tracker.order_book(pair)
            if book.is_synced:
                self._snapshot(pair, book)
        self._tasks = [asyncio.get_running_loop().create_task(self._send_forever(), name="bus:send"),
                       asyncio.get_running_loop().create_task(self._refresh_snapshots(), name="bus:snapshots")]
        logger.info("publishing %s to %s (epoch %s)", self.connector.name, self.config.server, self.epoch)

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Stop listening, send what is buffered (for at most ``flush_timeout`` seconds), and close."""
        tracker = self.connector.order_book_tracker
        with contextlib.suppress(ValueError):
            tracker.book_listeners.remove(self._on_book_change)
            tracker.trade_listeners.remove(self._on_trade)
        for event_type in ORDER_EVENTS + BALANCE_EVENTS:
            self.connector.event_bus.remove_listener(event_type, self._on_event)
        if self._buffer and self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), flush_timeout)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        with contextlib.suppress(RedisError, OSError):
            await self._redis.delete(self._marker)
        await self._redis.aclose()

    async def flushed(self, timeout: float) -> None:
        """Wait until everything appended so far is on the server (or raise TimeoutError)."""
        await asyncio.wait_for(self._drained.wait(), timeout)

    # -- the connector's side: encode and append, nothing more -----------------------------------

    def _on_book_change(self, change: BookChange) -> None:
        pair = change.trading_pair
        if change.kind is BookChangeKind.SNAPSHOT:
            self._snapshot(pair, change.book)
            return
        body: dict[str, Any] = {"pair": pair, "prev_id": change.prev_id, "update_id": change.update_id}
        if change.kind is BookChangeKind.DIFF:
            body["bids"], body["asks"] = change.bids, change.asks
            body["depth"] = self.connector.order_book_tracker.book_depth
            self._append(self.keys.book(self.connector.name, pair), codec.DIFF, body, self.config.book_maxlen)
        else:
            self._append(self.keys.book(self.connector.name, pair), codec.LOST, body, self.config.book_maxlen)

    def _snapshot(self, pair: str, book: OrderBook) -> None:
        body = {"pair": pair, "prev_id": book.last_update_id, "update_id": book.last_update_id,
                "bids": [[repr(p), repr(s)] for p, s in book.bid_levels()],
                "asks": [[repr(p), repr(s)] for p, s in book.ask_levels()],
                "depth": self.connector.order_book_tracker.book_depth, "timestamp": book.timestamp}
        stream = self.keys.book(self.connector.name, pair)
        if self._append(stream, codec.SNAPSHOT, body, self.config.book_maxlen,
                        start_key=self.keys.book_start(self.connector.name, pair)):
            self._last_snapshot[pair] = time.monotonic()

    def _on_trade(self, trade: PublicTrade) -> None:
        self._append(self.keys.trades(self.connector.name, trade.trading_pair), codec.TRADE,
                     codec.event_body(trade), self.config.trades_maxlen)

    def _on_event(self, event: Any) -> None:
        stream = (self.keys.balances if event.type in BALANCE_EVENTS else self.keys.orders)(
            self.connector.name, self.account)
        self._append(stream, event.type.value, codec.event_body(event), self.config.account_maxlen)

    def _append(self, stream: str, kind: str, body: Any, maxlen: int, start_key: str | None = None) -> bool:
        # The number is taken even by an entry that is dropped: the gap it leaves is what tells.
        self._seq[stream] += 1
        if len(self._buffer) >= self.config.buffer_size:
            self.dropped[stream] += 1
            if kind in (codec.SNAPSHOT, codec.DIFF, codec.LOST):
                self._republish.add(body["pair"])
            if sum(self.dropped.values()) in (1, 1000) or sum(self.dropped.values()) % 10_000 == 0:
                logger.warning("bus buffer full (%d entries; Redis at %s behind): %d entries dropped so far",
                               len(self._buffer), self.config.server, sum(self.dropped.values()))
            return False
        fields = codec.entry(kind, self.epoch, self._seq[stream], body)
        self._buffer.append(_Pending(stream, fields, maxlen, start_key))
        self._drained.clear()
        self._wake.set()
        return True

    # -- the sender ------------------------------------------------------------------------------

    async def _send_forever(self) -> None:
        delay = self.config.retry_delay
        while True:
            if not self._buffer:
                self._wake.clear()
                await self._wake.wait()
            batch = [self._buffer[i] for i in range(min(self.config.batch_size, len(self._buffer)))]
            try:
                await self._send(batch)
            except (RedisError, OSError) as exc:
                self.redis_failures += 1
                logger.warning("Redis at %s failed (%s); retrying in %.1fs with %d entries buffered",
                               self.config.server, type(exc).__name__, delay, len(self._buffer))
                # Whatever Redis had may be gone (a restart): every book is published whole again.
                self._republish.update(self.connector.order_book_tracker.trading_pairs)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_retry_delay)
                continue
            delay = self.config.retry_delay
            for _ in batch:
                self._buffer.popleft()
            self.published += len(batch)
            if not self._buffer:
                self._drained.set()
            if self._republish and len(self._buffer) < self.config.buffer_size // 2:
                self._publish_books_again()

    async def _send(self, batch: list[_Pending]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        # The marker this run leaves on the server: gone means the server lost its data (restarted
        # without persistence, flushed), however quietly redis-py reconnected.
        pipe.exists(self._marker)
        for pending in batch:
            pipe.xadd(pending.stream, pending.fields, maxlen=pending.maxlen, approximate=True)  # type: ignore[arg-type]
        marker_found, *ids = await pipe.execute()
        self.round_trips += 1
        follow_up = [(p.start_key, entry_id) for p, entry_id in zip(batch, ids, strict=True) if p.start_key]
        if not marker_found:
            if self._marked:
                self.data_losses += 1
                logger.warning("Redis at %s lost its data (a restart?): publishing every book whole again",
                               self.config.server)
                self._republish.update(self.connector.order_book_tracker.trading_pairs)
            follow_up.append((self._marker, self.epoch))
        if follow_up:
            pipe = self._redis.pipeline(transaction=False)
            for key, value in follow_up:
                pipe.set(key, value)
            await pipe.execute()
            self.round_trips += 1
            self._marked = True

    def _publish_books_again(self) -> None:
        pairs, self._republish = self._republish, set()
        tracker = self.connector.order_book_tracker
        for pair in pairs:
            if pair not in tracker.syncs:
                continue
            book = tracker.order_book(pair)
            if book.is_synced:
                self._snapshot(pair, book)
            else:
                # Stale until the tracker resyncs it, which publishes it whole then.
                self._append(self.keys.book(self.connector.name, pair), codec.LOST,
                             {"pair": pair, "prev_id": book.last_update_id, "update_id": book.last_update_id},
                             self.config.book_maxlen)

    async def _refresh_snapshots(self) -> None:
        """A synced book is published whole every ``snapshot_interval``: where a late or lagging
        consumer starts from."""
        interval = self.config.snapshot_interval
        while True:
            await asyncio.sleep(interval / 4)
            tracker = self.connector.order_book_tracker
            now = time.monotonic()
            for pair in tracker.trading_pairs:
                book = tracker.order_book(pair)
                if book.is_synced and now - self._last_snapshot.get(pair, 0.0) >= interval:
                    self._snapshot(pair, book)
