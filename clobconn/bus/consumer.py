"""The consumer side: a live book rebuilt from its stream, and an account's events shared by workers.

``BookReader`` never serves a book it cannot vouch for: an entry missing (its ``seq`` not the next
one: trimmed away, dropped while Redis was down), a publisher that restarted (another ``epoch``), a
diff that does not start where the book is (``prev_id``), Redis failing, or a ``lost`` entry each
mark the book unsynced until the next whole-book entry.

``EventReader`` reads through a consumer group: each entry goes to one worker, is acknowledged once
handled, and entries a dead worker left pending are claimed by another (XAUTOCLAIM) after
``claim_idle`` seconds.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from clobconn.bus import codec
from clobconn.bus.config import BusConfig
from clobconn.bus.keys import StreamKeys
from clobconn.core.order_book.levels import InvalidBookMessage
from clobconn.core.order_book.order_book import OrderBook

logger = logging.getLogger(__name__)


def _before(stream_id: str) -> str:
    """The id just before ``stream_id``: XREAD reads after the id it is given."""
    ms, seq = (int(part) for part in stream_id.split("-"))
    return f"{ms}-{seq - 1}" if seq else f"{ms - 1}-{2**64 - 1}"


class BookReader:
    def __init__(self, connector: str, pair: str, config: BusConfig | None = None, *,
                 redis: Redis | None = None, block: float = 1.0) -> None:
        self.config = config or BusConfig()
        keys = StreamKeys(self.config.prefix)
        self.stream, self._start_key = keys.book(connector, pair), keys.book_start(connector, pair)
        self.pair = pair
        self._redis = redis if redis is not None else self.config.client()
        self._block_ms = int(block * 1000)
        self.book = OrderBook(pair)
        self._epoch = ""
        self._seq = 0
        self._last_id: str | None = None
        # Figures: entries applied, continuity breaks seen, whole-book entries taken, bad entries skipped.
        self.applied = 0
        self.gaps = 0
        self.snapshots = 0
        self.malformed = 0

    @property
    def is_synced(self) -> bool:
        return self.book.is_synced

    async def close(self) -> None:
        await self._redis.aclose()

    async def updates(self) -> AsyncIterator[OrderBook]:
        """The book after each batch of entries read (check ``book.is_synced`` before trusting it)."""
        delay = self.config.retry_delay
        while True:
            try:
                if self._last_id is None:
                    self._last_id = await self._starting_point()
                answer: Any = await self._redis.xread({self.stream: self._last_id}, count=1000,
                                                      block=self._block_ms)
            except (RedisError, OSError) as exc:
                logger.warning("reading %s from %s failed (%s); unsynced until the next whole book",
                               self.stream, self.config.server, type(exc).__name__)
                self._unsync()
                self._last_id = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.max_retry_delay)
                continue
            delay = self.config.retry_delay
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    self._last_id = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    self.apply(entry_id, fields)
            yield self.book

    async def wait_synced(self, timeout: float) -> OrderBook:
        async with asyncio.timeout(timeout):
            async for book in self.updates():
                if book.is_synced:
                    return book
        raise AssertionError("unreachable")

    async def _starting_point(self) -> str:
        """Read from the latest whole-book entry where one is known, else from new entries on."""
        start = await self._redis.get(self._start_key)
        return _before(start.decode() if isinstance(start, bytes) else str(start)) if start else "$"

    def apply(self, entry_id: bytes | str, fields: dict[bytes, bytes]) -> None:
        try:
            entry = codec.read_entry(entry_id, fields)
            self._apply(entry)
        except (ValueError, KeyError, TypeError, InvalidBookMessage) as exc:
            self.malformed += 1
            logger.warning("%s: skipped a bad entry (%s); unsynced until the next whole book", self.stream, exc)
            self._unsync()

    def _apply(self, entry: codec.Entry) -> None:
        in_line = entry.epoch == self._epoch and entry.seq == self._seq + 1
        self._epoch, self._seq = entry.epoch, entry.seq
        body = entry.body
        if entry.kind == codec.SNAPSHOT:
            self.book.apply_snapshot(body["bids"], body["asks"], int(body["update_id"]), float(body["timestamp"]))
            self.book.last_update_id = int(body["update_id"])
            self.book.is_synced = True
            self.snapshots += 1
        elif not in_line:
            if self.book.is_synced:
                self.gaps += 1
                logger.warning("%s: entry %s is not the next one (%s#%d); unsynced until the next whole book",
                               self.stream, entry.stream_id, entry.epoch, entry.seq)
            self._unsync()
            return
        elif entry.kind == codec.DIFF:
            if not self.book.is_synced:
                return
            if int(body["prev_id"]) != self.book.last_update_id:
                self.gaps += 1
                self._unsync()
                return
            self.book.apply_diff(body["bids"], body["asks"], int(body["update_id"]))
            self.book.last_update_id = int(body["update_id"])
            if body.get("depth"):
                self.book.truncate(int(body["depth"]))
        elif entry.kind == codec.LOST:
            self._unsync()
        else:
            raise ValueError(f"unknown book entry kind {entry.kind!r}")
        self.applied += 1

    def _unsync(self) -> None:
        self.book.is_synced = False


@dataclass(slots=True)
class Delivery:
    """One event handed to this worker; ``ack`` once it is handled, or another worker gets it later."""

    event: Any
    entry_id: str
    # The publisher's run and the entry's number in it: the same pair means the same event.
    epoch: str
    seq: int
    _reader: EventReader

    async def ack(self) -> None:
        await self._reader.ack(self.entry_id)


class EventReader:
    def __init__(self, stream: str, group: str, consumer: str, config: BusConfig | None = None, *,
                 redis: Redis | None = None, claim_idle: float = 30.0, block: float = 1.0) -> None:
        self.config = config or BusConfig()
        self.stream, self.group, self.consumer = stream, group, consumer
        self._redis = redis if redis is not None else self.config.client()
        self._claim_idle_ms = int(claim_idle * 1000)
        self._block_ms = int(block * 1000)
        # Events seen lately, by (epoch, seq), with the entry that brought them: a batch the publisher
        # sent twice is handed out once (the second copy is acknowledged unhandled), while the same
        # entry delivered again (claimed back, unacknowledged) is handed out again.
        self._seen: OrderedDict[tuple[str, int], str] = OrderedDict()
        self.claimed = 0
        self.duplicates = 0

    async def close(self) -> None:
        await self._redis.aclose()

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def ack(self, entry_id: str) -> None:
        await self._redis.xack(self.stream, self.group, entry_id)

    async def deliveries(self) -> AsyncIterator[Delivery]:
        """This worker's events: first its own still-pending ones (a restart), then any a dead worker
        left pending, then new ones; each until acknowledged."""
        await self.ensure_group()
        own: Any = await self._redis.xreadgroup(self.group, self.consumer, {self.stream: "0"}, count=1000)
        for delivery in await self._deliveries(own):
            yield delivery
        while True:
            claimed: Any = await self._redis.xautoclaim(self.stream, self.group, self.consumer,
                                                        min_idle_time=self._claim_idle_ms, start_id="0-0", count=100)
            entries = claimed[1] if claimed else []
            self.claimed += len(entries)
            for delivery in await self._deliveries([(self.stream, entries)]):
                yield delivery
            fresh: Any = await self._redis.xreadgroup(self.group, self.consumer, {self.stream: ">"}, count=100,
                                                      block=self._block_ms)
            for delivery in await self._deliveries(fresh):
                yield delivery

    async def run(self, handle: Callable[[Any], Awaitable[None] | None]) -> None:
        """Hand each event to ``handle`` and acknowledge it once ``handle`` returns; an event whose
        handler raised stays pending, for this worker after a restart or for another after ``claim_idle``."""
        async for delivery in self.deliveries():
            try:
                result = handle(delivery.event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("handler raised on %s %s; left pending", self.stream, delivery.entry_id)
                continue
            await delivery.ack()

    async def _deliveries(self, answer: Any) -> list[Delivery]:
        found, copies = [], []
        for _stream, entries in answer or ():
            for entry_id, fields in entries:
                if not fields:
                    continue  # trimmed away while pending: nothing left to hand out
                try:
                    entry = codec.read_entry(entry_id, fields)
                    event = codec.event_from_body(entry.body)
                except (ValueError, KeyError, TypeError) as exc:
                    logger.warning("%s: skipped a bad entry %r (%s)", self.stream, entry_id, exc)
                    continue
                key = (entry.epoch, entry.seq)
                if self._seen.get(key, entry.stream_id) != entry.stream_id:
                    self.duplicates += 1
                    copies.append(entry.stream_id)
                    continue
                self._seen[key] = entry.stream_id
                if len(self._seen) > 100_000:
                    self._seen.popitem(last=False)
                found.append(Delivery(event, entry.stream_id, entry.epoch, entry.seq, self))
        if copies:
            await self._redis.xack(self.stream, self.group, *copies)
        return found
