"""Keeps every subscribed pair's book synced: streams, snapshots, gap handling and trades."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import aiohttp

from clobconn.core.data_source import OrderBookDataSource
from clobconn.core.data_types import FundingInfo
from clobconn.core.errors import ClobconnError
from clobconn.core.order_book.levels import InvalidBookMessage
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.sync import BookSynchronizer, ResyncMode, SyncResult
from clobconn.core.validation import RejectionLog
from clobconn.core.web.throttler import AsyncThrottler
from clobconn.core.web.ws import ConnectSpec, StreamAction, StreamRunner, WSConnection

logger = logging.getLogger(__name__)

# Told when a book's sync state flips: (trading pair, synced now, why it was lost or "").
SyncChangeCallback = Callable[[str, bool, str], None]

class OrderBookTracker:
    def __init__(
        self,
        data_source: OrderBookDataSource,
        session: Callable[[], aiohttp.ClientSession],
        throttler: AsyncThrottler | None = None,
        send_limit_id: str = "",
        on_funding_info: Callable[[FundingInfo], None] | None = None,
        on_trade: Callable[[PublicTrade], None] | None = None,
        snapshot_retry_delay: float = 1.0,
        on_sync_change: SyncChangeCallback | None = None,
        max_unbridged_snapshots: int = 3,
    ) -> None:
        self._source = data_source
        self._session = session
        self._throttler = throttler
        self._send_limit_id = send_limit_id
        self._on_funding_info = on_funding_info
        self._on_trade = on_trade
        self._snapshot_retry_delay = snapshot_retry_delay
        self._on_sync_change = on_sync_change
        # Snapshots in a row that cannot bridge the buffered diffs before the last attempt drops
        # the unreachable ones: a resync loop must end.
        self._max_unbridged_snapshots = max_unbridged_snapshots
        # Messages refused for their values, per stream (rejections.count is the total).
        self.rejections = RejectionLog(data_source.connector.name)
        self.syncs: dict[str, BookSynchronizer] = {}
        self.last_trade_price: dict[str, Decimal] = {}
        self.runners: dict[str, StreamRunner] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot_tasks: dict[str, asyncio.Task[None]] = {}
        self.resyncs = 0

    @property
    def trading_pairs(self) -> list[str]:
        return list(self.syncs)

    def order_book(self, trading_pair: str) -> OrderBook:
        return self.syncs[trading_pair].book

    @property
    def rejected_messages(self) -> int:
        """Book messages, trades and funding info skipped because a value was invalid."""
        return self.rejections.count

    @property
    def ready(self) -> bool:
        return all(sync.is_synced for sync in self.syncs.values())

    def _new_sync(self, trading_pair: str) -> BookSynchronizer:
        return BookSynchronizer(trading_pair, self._source.sequence_rule, checksum=self._source.checksum())

    async def start(self, trading_pairs: Iterable[str]) -> None:
        for pair in trading_pairs:
            self.syncs.setdefault(pair, self._new_sync(pair))
        for stream in self._source.stream_names:
            runner = StreamRunner(
                name=f"{type(self._source).__name__}:{stream}",
                session=self._session,
                connect=self._connector_for(stream),
                on_open=self._opener_for(stream),
                on_message=self._handler_for(stream),
                throttler=self._throttler,
                send_limit_id=self._send_limit_id,
                on_disconnect=self._on_disconnect if stream == self._source.book_stream else None,
            )
            self.runners[stream] = runner
            self._tasks.append(asyncio.create_task(runner.run(), name=runner.name))

    async def stop(self) -> None:
        tasks = self._tasks + list(self._snapshot_tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._snapshot_tasks.clear()
        self.runners.clear()

    async def add_trading_pair(self, trading_pair: str) -> None:
        if trading_pair in self.syncs:
            return
        self.syncs[trading_pair] = self._new_sync(trading_pair)
        for stream, runner in self.runners.items():
            for payload in self._source.subscribe_payloads(stream, [trading_pair]):
                await runner.send(payload)
        if self._source.resync_mode is ResyncMode.REST_SNAPSHOT and self.runners:
            self._request_snapshot(trading_pair)

    async def remove_trading_pair(self, trading_pair: str) -> None:
        if self.syncs.pop(trading_pair, None) is None:
            return
        task = self._snapshot_tasks.pop(trading_pair, None)
        if task is not None:
            task.cancel()
        for stream, runner in self.runners.items():
            for payload in self._source.unsubscribe_payloads(stream, [trading_pair]):
                await runner.send(payload)

    # -- stream callbacks ------------------------------------------------------------------------

    def _connector_for(self, stream: str) -> Callable[[], Any]:
        async def connect() -> ConnectSpec:
            spec: ConnectSpec = await self._source.connect_spec(stream)
            return spec
        return connect

    def _opener_for(self, stream: str) -> Callable[[WSConnection], Any]:
        async def on_open(connection: WSConnection) -> None:
            await self._source.on_open(stream, connection, self.trading_pairs)
            if stream == self._source.book_stream and self._source.resync_mode is ResyncMode.REST_SNAPSHOT:
                # Diffs are buffered from the moment we subscribe; the snapshots run concurrently.
                for pair in self.trading_pairs:
                    self._request_snapshot(pair)
        return on_open

    def _handler_for(self, stream: str) -> Callable[[Any], StreamAction | None]:
        def handle(message: Any) -> StreamAction | None:
            action: StreamAction | None = None
            for item in self._source.parse(stream, message):
                if isinstance(item, BookMessage):
                    self._on_book_message(item, stream)
                elif isinstance(item, PublicTrade | FundingInfo) and not self.rejections.accept(item, stream):
                    continue
                elif isinstance(item, PublicTrade):
                    if item.trading_pair in self.syncs:
                        self.last_trade_price[item.trading_pair] = item.price
                        if self._on_trade is not None:
                            self._on_trade(item)
                elif isinstance(item, FundingInfo) and self._on_funding_info is not None:
                    self._on_funding_info(item)
                elif item is StreamAction.RECONNECT:
                    # The venue announced it will close the socket (maintenance, a server swap):
                    # reconnect now rather than wait for the drop; books resync on the new socket.
                    action = item
            return action
        return handle

    def _on_disconnect(self) -> None:
        # Diffs were lost while disconnected: every book must be rebuilt after the reconnect.
        for pair, sync in self.syncs.items():
            was_synced = sync.is_synced
            sync.invalidate()
            self._report_sync_change(pair, was_synced, "disconnected")

    def _on_book_message(self, message: BookMessage, stream: str) -> None:
        sync = self.syncs.get(message.trading_pair)
        if sync is None:
            return
        # The book's flag, not the synchroniser's property: this runs for every message.
        book = sync.book
        was_synced = book.is_synced
        try:
            if message.type is BookMessageType.SNAPSHOT:
                # The stream is ordered: a buffered diff that this snapshot, sent after it, cannot
                # reach never will be (a bogus id), so it is dropped rather than waited for.
                result = sync.on_snapshot(message, drop_unreachable=True)
            else:
                result = sync.on_diff(message)
        except InvalidBookMessage as exc:
            self.rejections.reject(stream, f"{message.trading_pair} {message.type.value}", str(exc))
            # A skipped snapshot leaves the book stale; a skipped diff could have changed it. While
            # the book is not synced a resync is already under way and the message is just dropped.
            if sync.is_synced or message.type is BookMessageType.SNAPSHOT:
                sync.invalidate()
                self._report_sync_change(message.trading_pair, was_synced, SyncResult.INVALID.value)
                self._resync(message.trading_pair, SyncResult.INVALID)
            return
        if book.is_synced is not was_synced:
            self._report_sync_change(message.trading_pair, was_synced, result.value)
        if result.needs_resync:
            self._resync(message.trading_pair, result)

    def _resync(self, trading_pair: str, reason: SyncResult) -> None:
        self.resyncs += 1
        logger.info("%s: resync (%s) by %s", trading_pair, reason.value, self._source.resync_mode.value)
        if self._source.resync_mode is ResyncMode.REST_SNAPSHOT:
            self._request_snapshot(trading_pair)
        else:
            runner = self.runners.get(self._source.book_stream)
            if runner is not None:
                asyncio.get_running_loop().create_task(self._resubscribe(runner, trading_pair))

    async def _resubscribe(self, runner: StreamRunner, trading_pair: str) -> None:
        stream = self._source.book_stream
        for payload in self._source.unsubscribe_payloads(stream, [trading_pair]):
            await runner.send(payload)
        for payload in self._source.subscribe_payloads(stream, [trading_pair]):
            await runner.send(payload)

    def _request_snapshot(self, trading_pair: str) -> None:
        sync = self.syncs.get(trading_pair)
        if sync is None:
            return
        was_synced = sync.is_synced
        sync.invalidate()
        self._report_sync_change(trading_pair, was_synced, "resync")
        running = self._snapshot_tasks.get(trading_pair)
        if running is not None and not running.done():
            return
        self._snapshot_tasks[trading_pair] = asyncio.get_running_loop().create_task(
            self._fetch_snapshot(trading_pair), name=f"snapshot:{trading_pair}"
        )

    async def _fetch_snapshot(self, trading_pair: str) -> None:
        attempt = 0
        unbridged = 0
        while (sync := self.syncs.get(trading_pair)) is not None:
            sync.snapshot_requested()
            try:
                snapshot: BookMessage = await self._source.fetch_snapshot(trading_pair)
            except (ClobconnError, aiohttp.ClientError, TimeoutError) as exc:
                attempt += 1
                logger.warning("%s: snapshot failed (%s); retrying", trading_pair, exc)
                await asyncio.sleep(min(30.0, self._snapshot_retry_delay * attempt))
                continue
            except Exception as exc:
                # A parser that cannot read one answer must not end the loop: it is a bad snapshot.
                attempt += 1
                await self._skip_snapshot(trading_pair, f"unreadable ({type(exc).__name__}: {exc})", attempt)
                continue
            sync = self.syncs.get(trading_pair)
            if sync is None:
                return
            last_try = unbridged + 1 >= self._max_unbridged_snapshots
            was_synced = sync.is_synced
            try:
                result = sync.on_snapshot(snapshot, drop_unreachable=last_try)
            except InvalidBookMessage as exc:
                attempt += 1
                await self._skip_snapshot(trading_pair, str(exc), attempt)
                continue
            self._report_sync_change(trading_pair, was_synced, result.value)
            if not result.needs_resync:
                return
            # The snapshot was older than the buffered diffs could bridge: fetch another.
            unbridged += 1
            attempt += 1
            self.resyncs += 1
            if last_try:
                # Even with the unreachable diffs dropped the snapshot itself does not hold (crossed,
                # or its checksum fails): keep trying, slowly, and say so.
                logger.warning("%s: %d snapshots in a row could not sync the book (last: %s); retrying",
                               trading_pair, unbridged, result.value)
                await asyncio.sleep(min(30.0, self._snapshot_retry_delay * attempt))
            else:
                await asyncio.sleep(min(2.0, 0.05 * attempt))

    async def _skip_snapshot(self, trading_pair: str, problem: str, attempt: int) -> None:
        self.rejections.reject("rest", f"{trading_pair} snapshot", problem)
        await asyncio.sleep(min(30.0, self._snapshot_retry_delay * attempt))

    # -- health ----------------------------------------------------------------------------------

    def _report_sync_change(self, trading_pair: str, was_synced: bool, reason: str) -> None:
        """Tell the owner once per transition: synced to not synced (and why), or back.

        The synchroniser stays pure; each place that hands it a message or invalidates it notes
        ``is_synced`` before and calls this after.
        """
        sync = self.syncs.get(trading_pair)
        if sync is None or sync.is_synced is was_synced or self._on_sync_change is None:
            return
        self._on_sync_change(trading_pair, sync.is_synced, "" if sync.is_synced else reason)
