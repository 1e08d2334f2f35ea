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
from clobconn.core.order_book.changes import BookChange, BookChangeKind, BookListener
from clobconn.core.order_book.levels import InvalidBookMessage
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.order_book import OrderBook
from clobconn.core.order_book.socket_pool import (
    FORCE_HANDOVER_AT,
    ROLLOVER_AT,
    PooledSocket,
    chunked,
    pair_capacity,
    socket_with_room,
)
from clobconn.core.order_book.sync import BookSynchronizer, ResyncMode, SyncResult
from clobconn.core.timers import timer
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
        # Each stream's sockets: one unless the venue caps subscriptions per socket, two while one
        # is being replaced before its lifetime ends.
        self.pools: dict[str, list[PooledSocket]] = {}
        # The book-stream socket each pair's book (and trades) are taken from.
        self._book_owner: dict[str, PooledSocket] = {}
        # Book-stream sockets being replaced; empty outside a rollover, so the per-message check is one test.
        self._rollovers: set[PooledSocket] = set()
        self._socket_serial = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._snapshot_tasks: dict[str, asyncio.Task[None]] = {}
        # Resubscriptions in flight, held so that none is collected before it ends.
        self._resubscriptions: set[asyncio.Task[None]] = set()
        # STREAM_REQUEST: set when a snapshot arrives on the stream for a pair whose snapshot was asked for.
        self._snapshot_answers: dict[str, asyncio.Event] = {}
        self.resyncs = 0
        # Sockets replaced before their lifetime ended, and books moved to the replacement only
        # because the hand-over deadline came (a pair quiet through the whole overlap).
        self.rollovers = 0
        self.forced_handovers = 0
        # Frames skipped in a socket's own numbering (sequenced_connections venues): each resyncs that socket's books.
        self.connection_gaps = 0
        # Told of every change to a book (see changes.py) and every public trade; empty unless something
        # mirrors the books elsewhere, so the per-message cost is one test.
        self.book_listeners: list[BookListener] = []
        self.trade_listeners: list[Callable[[PublicTrade], None]] = []

    @property
    def runners(self) -> dict[str, StreamRunner]:
        """Every open socket's runner: a stream's first socket under the stream's name, the next ones
        under ``name#2``, ``name#3``..."""
        return {
            stream if index == 0 else f"{stream}#{index + 1}": socket.runner
            for stream, pool in self.pools.items()
            for index, socket in enumerate(pool)
        }

    @property
    def trading_pairs(self) -> list[str]:
        return list(self.syncs)

    def order_book(self, trading_pair: str) -> OrderBook:
        return self.syncs[trading_pair].book

    @property
    def book_depth(self) -> int | None:
        """The depth books are cut to after each message, where the venue's subscription has one."""
        return self._source.book_depth

    @property
    def rejected_messages(self) -> int:
        """Book messages, trades and funding info skipped because a value was invalid."""
        return self.rejections.count

    @property
    def _asks_for_snapshots(self) -> bool:
        """Whether a book is rebuilt from a snapshot we ask for (over REST or on its socket), rather than
        one the venue sends on subscribing."""
        return self._source.resync_mode in (ResyncMode.REST_SNAPSHOT, ResyncMode.STREAM_REQUEST)

    @property
    def ready(self) -> bool:
        return all(sync.is_synced for sync in self.syncs.values())

    def _new_sync(self, trading_pair: str) -> BookSynchronizer:
        return BookSynchronizer(trading_pair, self._source.sequence_rule, checksum=self._source.checksum(),
                                max_depth=self._source.book_depth)

    async def start(self, trading_pairs: Iterable[str]) -> None:
        for pair in trading_pairs:
            self.syncs.setdefault(pair, self._new_sync(pair))
        for stream in self._source.stream_names:
            self.pools[stream] = []
            for pairs in chunked(self.trading_pairs, self._capacity(stream)):
                self._open_socket(stream, pairs)

    async def stop(self) -> None:
        sockets = [socket for pool in self.pools.values() for socket in pool]
        tasks = self._tasks + list(self._snapshot_tasks.values()) + list(self._resubscriptions) + [
            socket.lifetime_timer for socket in sockets if socket.lifetime_timer is not None
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._snapshot_tasks.clear()
        self.pools.clear()
        self._book_owner.clear()
        self._rollovers.clear()

    async def add_trading_pair(self, trading_pair: str) -> None:
        if trading_pair in self.syncs:
            return
        self.syncs[trading_pair] = self._new_sync(trading_pair)
        for stream, pool in list(self.pools.items()):
            socket = socket_with_room(pool, self._capacity(stream))
            if socket is None:
                # Its on_open subscribes the pair (and asks for the snapshot).
                self._open_socket(stream, [trading_pair])
                continue
            socket.pairs.append(trading_pair)
            if stream == self._source.book_stream:
                self._book_owner[trading_pair] = socket
            for payload in self._source.subscribe_payloads(stream, [trading_pair]):
                await socket.runner.send(payload)
        owner = self._book_owner.get(trading_pair)
        if self._asks_for_snapshots and owner is not None and owner.runner.connected.is_set():
            self._request_snapshot(trading_pair)

    async def remove_trading_pair(self, trading_pair: str) -> None:
        if self.syncs.pop(trading_pair, None) is None:
            return
        task = self._snapshot_tasks.pop(trading_pair, None)
        if task is not None:
            task.cancel()
        self._book_owner.pop(trading_pair, None)
        for stream, pool in list(self.pools.items()):
            for socket in list(pool):
                if trading_pair not in socket.pairs:
                    continue
                socket.pairs.remove(trading_pair)
                for payload in self._source.unsubscribe_payloads(stream, [trading_pair]):
                    await socket.runner.send(payload)
                # A socket left with nothing to carry is closed, unless it is its stream's last.
                if not socket.pairs and not socket.retired and (socket.replaced_by is not None or (
                        socket.replaces is None and len(pool) > 1)):
                    self._retire(socket)

    # -- the socket pool -------------------------------------------------------------------------

    def _capacity(self, stream: str) -> int | None:
        return pair_capacity(self._source.max_subscriptions_per_socket, self._source.subscriptions_per_pair(stream))

    def _open_socket(self, stream: str, pairs: list[str], replaces: PooledSocket | None = None) -> PooledSocket:
        self._socket_serial += 1
        socket = PooledSocket(stream, f"{type(self._source).__name__}:{stream}#{self._socket_serial}", list(pairs),
                              replaces=replaces)
        if stream == self._source.book_stream and replaces is None:
            for pair in pairs:
                self._book_owner[pair] = socket
        socket.runner = StreamRunner(
            name=socket.name,
            session=self._session,
            connect=self._connector_for(socket),
            on_open=self._opener_for(socket),
            on_message=self._handler_for(socket),
            throttler=self._throttler,
            send_limit_id=self._send_limit_id,
            on_disconnect=lambda: self._on_disconnect(socket),
            on_connect=lambda: self._on_connect(socket),
        )
        self.pools[stream].append(socket)
        socket.task = asyncio.create_task(socket.runner.run(), name=socket.name)
        self._tasks.append(socket.task)
        return socket

    def _on_connect(self, socket: PooledSocket) -> None:
        lifetime = self._source.max_socket_lifetime
        if lifetime is not None:
            # The venue counts the lifetime from this connection (a reconnect starts it again).
            if socket.lifetime_timer is not None:
                socket.lifetime_timer.cancel()
            socket.lifetime_timer = asyncio.get_running_loop().create_task(
                self._live_out(socket, lifetime), name=f"lifetime:{socket.name}")
        old = socket.replaces
        if old is not None and (socket.stream != self._source.book_stream or not old.pairs):
            # Only books need a hand-over; any other stream's replacement takes over once connected.
            self._retire(old)

    async def _live_out(self, socket: PooledSocket, lifetime: float) -> None:
        await asyncio.sleep(timer(lifetime * ROLLOVER_AT))
        self._roll_over(socket)
        await asyncio.sleep(timer(lifetime * (FORCE_HANDOVER_AT - ROLLOVER_AT)))
        new = socket.replaced_by
        if new is not None and not new.runner.connected.is_set():
            # The replacement is not connected (the venue refuses it, say): the old socket keeps
            # the books until it is, or until the venue closes the old one (see _on_disconnect).
            await new.runner.connected.wait()
        self._finish_rollover(socket)

    def _roll_over(self, old: PooledSocket) -> None:
        """Open the socket that replaces ``old``: it subscribes the same pairs while ``old`` still feeds
        the books, and each book moves over once the new socket can carry it on (``_takes``)."""
        if old.retiring:
            return
        logger.info("stream %s: lifetime nearly over; opening its replacement", old.name)
        old.replaced_by = self._open_socket(old.stream, old.pairs, replaces=old)
        if old.stream == self._source.book_stream:
            self._rollovers.add(old)

    def _finish_rollover(self, old: PooledSocket) -> None:
        """Move the books ``old`` still feeds to its replacement and close ``old``."""
        new = old.replaced_by
        if old.retired or new is None:
            return
        for pair in old.pairs:
            if self._book_owner.get(pair) is old:
                self._book_owner[pair] = new
                self.forced_handovers += 1
                # Synced, it stays synced: a diff the new socket missed shows as a gap. Unsynced (the
                # old socket dropped), it needs the snapshot the old socket's reconnect would have asked for.
                if self._asks_for_snapshots and new.runner.connected.is_set() and (
                        pair in self.syncs and not self.syncs[pair].is_synced):
                    self._request_snapshot(pair)
        self._retire(old)

    def _retire(self, socket: PooledSocket) -> None:
        socket.retired = True
        self._rollovers.discard(socket)
        pool = self.pools.get(socket.stream, [])
        if socket in pool:
            pool.remove(socket)
        new = socket.replaced_by
        if new is not None:
            new.replaces = None
            self.rollovers += 1
        timer = socket.lifetime_timer
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        if socket.task is not None:
            socket.task.cancel()
        self._tasks = [task for task in self._tasks if not task.done()]

    def _takes(self, socket: PooledSocket, message: BookMessage) -> bool:
        """During a rollover: whether ``socket``'s book message is the one the pair's book takes.

        Each book is fed by one socket at a time. The replacement takes over a pair's book at the
        first message that carries it on from where the old socket left it: a snapshot (it replaces
        the book whole), a diff in step with the book's sequence (the one it applied last, or the
        next: ``BookSynchronizer.in_step``), or anything while the book is not
        synced (it is being rebuilt anyway). From then on the old socket's messages for it are dropped,
        so no diff is applied twice and none is missed.
        """
        pair = message.trading_pair
        owner = self._book_owner.get(pair)
        if owner is socket:
            return True
        if owner is None or socket.replaces is not owner:
            return False
        sync = self.syncs.get(pair)
        if sync is not None and message.type is BookMessageType.DIFF and sync.is_synced and not sync.in_step(message):
            return False
        self._book_owner[pair] = socket
        if pair in owner.pairs:
            owner.pairs.remove(pair)
        if not owner.pairs:
            self._retire(owner)
        return True

    def _fed_by(self, socket: PooledSocket, trading_pair: str) -> bool:
        return socket.stream != self._source.book_stream or self._book_owner.get(trading_pair) is socket

    # -- stream callbacks ------------------------------------------------------------------------

    def _connector_for(self, socket: PooledSocket) -> Callable[[], Any]:
        async def connect() -> ConnectSpec:
            spec: ConnectSpec = await self._source.connect_spec_for(socket.stream, list(socket.pairs))
            return spec
        return connect

    def _opener_for(self, socket: PooledSocket) -> Callable[[WSConnection], Any]:
        stream = socket.stream
        async def on_open(connection: WSConnection) -> None:
            # A venue numbers each connection's frames afresh.
            socket.last_sequence = None
            await self._source.on_open(stream, connection, list(socket.pairs))
            if stream == self._source.book_stream and self._asks_for_snapshots:
                # Diffs are buffered from the moment we subscribe; the snapshots run concurrently. A
                # replacement asks for none: the books it will take over are synced. A request on the
                # socket is made again on this one: one made on the old socket will never be answered.
                for pair in socket.pairs:
                    if self._book_owner.get(pair) is socket:
                        self._request_snapshot(pair, restart=self._source.resync_mode is ResyncMode.STREAM_REQUEST)
        return on_open

    def _handler_for(self, socket: PooledSocket) -> Callable[[Any], StreamAction | None]:
        stream = socket.stream
        sequenced = self._source.sequenced_connections
        def handle(message: Any) -> StreamAction | None:
            action: StreamAction | None = None
            if sequenced:
                self._check_connection_sequence(socket, message)
            for item in self._source.parse(stream, message):
                if isinstance(item, BookMessage):
                    if self._rollovers and not self._takes(socket, item):
                        continue
                    self._on_book_message(item, stream)
                elif isinstance(item, PublicTrade | FundingInfo) and not self.rejections.accept(item, stream):
                    continue
                elif isinstance(item, PublicTrade):
                    pair = item.trading_pair
                    if pair in self.syncs and (not self._rollovers or self._fed_by(socket, pair)):
                        self.last_trade_price[pair] = item.price
                        if self._on_trade is not None:
                            self._on_trade(item)
                        if self.trade_listeners:
                            self._tell_trade(item)
                elif isinstance(item, FundingInfo) and self._on_funding_info is not None:
                    self._on_funding_info(item)
                elif item is StreamAction.RECONNECT:
                    # The venue announced it will close the socket (maintenance, a server swap):
                    # reconnect now rather than wait for the drop; books resync on the new socket.
                    action = item
                elif item is StreamAction.REFRESH_BOOKS:
                    self._refresh_books(socket)
            return action
        return handle

    def _refresh_books(self, socket: PooledSocket) -> None:
        """Fetch a fresh snapshot of every book ``socket`` feeds. By resubscribing (snapshot-only venues)
        no book is marked unsynced: each serves its last snapshot until the new one replaces it whole;
        by REST snapshot a book is unsynced until its snapshot lands, as in any resync."""
        if socket.stream != self._source.book_stream:
            return
        for pair in list(socket.pairs):
            if self._book_owner.get(pair) is not socket or pair not in self.syncs:
                continue
            if self._source.resync_mode is ResyncMode.RESUBSCRIBE:
                asyncio.get_running_loop().create_task(self._resubscribe(socket.runner, pair))
            else:
                self._request_snapshot(pair)

    def _check_connection_sequence(self, socket: PooledSocket, message: Any) -> None:
        """Follow the socket's own numbering; a skipped number resyncs every book the socket feeds.

        The venue numbers every frame of a connection whatever its channel (sequenced_connections), so a
        lost frame could have been any book's: each is rebuilt. A number that goes back is no loss (the
        venue never sends one; counting simply restarts from it).
        """
        number = self._source.connection_sequence(socket.stream, message)
        if number is None:
            return
        last, socket.last_sequence = socket.last_sequence, number
        if last is None or number == last + 1:
            return
        if number <= last:
            logger.warning("stream %s: sequence went back from %d to %d; counting from there", socket.name, last,
                           number)
            return
        self.connection_gaps += 1
        logger.warning("stream %s: %d frame(s) missed (sequence %d after %d); resyncing the books it feeds",
                       socket.name, number - last - 1, number, last)
        if socket.stream != self._source.book_stream:
            return
        for pair in list(socket.pairs):
            sync = self.syncs.get(pair)
            if sync is None or self._book_owner.get(pair) is not socket:
                continue
            was_synced = sync.is_synced
            sync.gaps += 1
            sync.invalidate()
            self._report_sync_change(pair, was_synced, SyncResult.GAP.value)
            self._resync(pair, SyncResult.GAP)

    def _on_disconnect(self, socket: PooledSocket) -> None:
        if socket.retired or socket.stream != self._source.book_stream:
            return
        # Diffs were lost while disconnected: the books this socket fed must be rebuilt after the
        # reconnect. The other sockets' books lost nothing.
        for pair in socket.pairs:
            sync = self.syncs.get(pair)
            if sync is None or self._book_owner.get(pair) is not socket:
                continue
            was_synced = sync.is_synced
            sync.invalidate()
            self._report_sync_change(pair, was_synced, "disconnected")
        if socket.replaced_by is not None:
            # Dropped while being replaced: its replacement takes its books now.
            self._finish_rollover(socket)

    def _on_book_message(self, message: BookMessage, stream: str) -> None:
        sync = self.syncs.get(message.trading_pair)
        if sync is None:
            return
        # The book's flag, not the synchroniser's property: this runs for every message.
        book = sync.book
        was_synced = book.is_synced
        prev_id = book.last_update_id
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
        if self.book_listeners and result is SyncResult.APPLIED and book.is_synced:
            if message.type is BookMessageType.DIFF:
                self._tell(BookChange(BookChangeKind.DIFF, message.trading_pair, book, message.bids, message.asks,
                                      prev_id, book.last_update_id))
            else:
                self._tell_snapshot(message.trading_pair, book)
        # An applied message (nearly every one) skips the property: it costs about 0.5 µs a call.
        if result is not SyncResult.APPLIED and result.needs_resync:
            self._resync(message.trading_pair, result)
        if message.type is BookMessageType.SNAPSHOT and self._snapshot_answers:
            answered = self._snapshot_answers.get(message.trading_pair)
            if answered is not None:
                answered.set()

    def _resync(self, trading_pair: str, reason: SyncResult) -> None:
        self.resyncs += 1
        logger.info("%s: resync (%s) by %s", trading_pair, reason.value, self._source.resync_mode.value)
        if self._asks_for_snapshots:
            self._request_snapshot(trading_pair)
        else:
            owner = self._book_owner.get(trading_pair)
            if owner is None:
                return
            if self._source.resync_mode is ResyncMode.RECONNECT:
                # Only a fresh connection brings a snapshot; its disconnect marks the book unsynced meanwhile.
                owner.runner.request_reconnect()
            else:
                task = asyncio.get_running_loop().create_task(self._resubscribe(owner.runner, trading_pair))
                self._resubscriptions.add(task)
                task.add_done_callback(self._resubscriptions.discard)

    async def _resubscribe(self, runner: StreamRunner, trading_pair: str) -> None:
        try:
            for payload in self._source.resync_payloads(self._source.book_stream, [trading_pair]):
                await runner.send(payload)
        except (ConnectionError, RuntimeError) as exc:
            # The socket closed under the send ("Cannot write to closing transport"): its reconnect
            # subscribes the book afresh, which resyncs it, so there is nothing left to do here.
            logger.info("%s: resubscription not sent, the socket is closing (%s)", trading_pair, exc)

    def _request_snapshot(self, trading_pair: str, restart: bool = False) -> None:
        sync = self.syncs.get(trading_pair)
        if sync is None:
            return
        was_synced = sync.is_synced
        sync.invalidate()
        self._report_sync_change(trading_pair, was_synced, "resync")
        running = self._snapshot_tasks.get(trading_pair)
        if running is not None and not running.done():
            if not restart:
                return
            running.cancel()
        stream_request = self._source.resync_mode is ResyncMode.STREAM_REQUEST
        work = self._ask_stream_snapshot(trading_pair) if stream_request else self._fetch_snapshot(trading_pair)
        self._snapshot_tasks[trading_pair] = asyncio.get_running_loop().create_task(
            work, name=f"snapshot:{trading_pair}")

    async def _ask_stream_snapshot(self, trading_pair: str) -> None:
        """STREAM_REQUEST: ask the book's socket for a snapshot until one syncs the book.

        The answer comes on the stream and is applied where every stream message is (``_on_book_message``,
        replaying the diffs buffered since the request); this only asks, waits for it and asks again when
        none comes within ``snapshot_request_timeout`` or it did not sync the book.
        """
        attempt = 0
        answered: asyncio.Event | None = None
        try:
            while (sync := self.syncs.get(trading_pair)) is not None and not sync.is_synced:
                owner = self._book_owner.get(trading_pair)
                if owner is None:
                    return
                answered = self._snapshot_answers[trading_pair] = asyncio.Event()
                sync.snapshot_requested()
                sent = True
                for frame in self._source.snapshot_request_frames(trading_pair):
                    sent = await owner.runner.send(frame) and sent
                if not sent:
                    # No live socket: its reconnect asks again once it has subscribed.
                    return
                attempt += 1
                try:
                    async with asyncio.timeout(self._source.snapshot_request_timeout):
                        await answered.wait()
                except TimeoutError:
                    logger.warning("%s: no snapshot answer on the stream within %.0fs; asking again",
                                   trading_pair, self._source.snapshot_request_timeout)
                    continue
                if not sync.is_synced:
                    # The answer could not sync the book (crossed, or a bad value): pause, then ask again.
                    await asyncio.sleep(min(30.0, self._snapshot_retry_delay * attempt))
        finally:
            # A restarted request (a reconnect) has put its own event in already: leave that one.
            if answered is not None and self._snapshot_answers.get(trading_pair) is answered:
                del self._snapshot_answers[trading_pair]

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
                if self.book_listeners and sync.is_synced:
                    self._tell_snapshot(trading_pair, sync.book)
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
        if sync is None or sync.is_synced is was_synced:
            return
        if self.book_listeners and not sync.is_synced:
            book = sync.book
            self._tell(BookChange(BookChangeKind.LOST, trading_pair, book, [], [], book.last_update_id,
                                  book.last_update_id))
        if self._on_sync_change is not None:
            self._on_sync_change(trading_pair, sync.is_synced, "" if sync.is_synced else reason)

    def _tell_snapshot(self, trading_pair: str, book: OrderBook) -> None:
        self._tell(BookChange(BookChangeKind.SNAPSHOT, trading_pair, book, [], [], book.last_update_id,
                              book.last_update_id))

    def _tell_trade(self, trade: PublicTrade) -> None:
        for listener in self.trade_listeners:
            try:
                listener(trade)
            except Exception:
                logger.exception("trade listener raised on %s; ignored", trade.trading_pair)

    def _tell(self, change: BookChange) -> None:
        for listener in self.book_listeners:
            try:
                listener(change)
            except Exception:
                # A mirror's fault must never stop the book it mirrors.
                logger.exception("book listener raised on %s %s; ignored", change.trading_pair, change.kind.value)
