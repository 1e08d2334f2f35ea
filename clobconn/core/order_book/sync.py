"""Snapshot-plus-diff synchronisation with gap detection.

A connector declares which sequencing rule its venue follows; this module applies it. The
synchroniser is pure (no I/O): it tells the tracker what happened and the tracker acts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import NamedTuple

from clobconn.core.order_book.levels import Level
from clobconn.core.order_book.messages import BookMessage, check_book_message
from clobconn.core.order_book.order_book import OrderBook

logger = logging.getLogger(__name__)


class SequenceRule(Enum):
    # Each diff covers ids first_id..last_id; the next must start at last_id + 1 (Binance spot U/u).
    FIRST_LAST = "first_last"
    # Each diff names the previous diff's id in prev_id (Binance futures pu, OKX prevSeqId).
    PREV_CHAIN = "prev_chain"
    # Every message carries a sequence number one above the last (KuCoin futures).
    SEQUENCE = "sequence"
    # Diffs carry no sequence, only the venue's time (Bitstamp's microtimestamp) as last_id, or a number
    # that rises but not by one (Bitget's books ``seq``): nothing can show a missed diff (a checksum can),
    # but the order can be checked. Right after a snapshot, a diff at or
    # before the snapshot's time is already in it (stale); after that, each diff must be later than
    # the one before, and one that is not (the feed went backwards) asks for a resync.
    TIMESTAMP = "timestamp"
    # Every message's id is a clock that never falls but skips values (BTC Markets' snapshotId, the
    # time in microseconds): a diff older than the book is stale, one at or after it applies, even
    # with the book's own id (several changes share a stamp). The ids cannot show a gap; the venue's
    # checksum, which such venues send, is what detects one.
    MONOTONIC = "monotonic"
    # The ids number every message of one connection, whatever its product or channel (Coinbase's
    # sequence_num): a book's own messages rise but skip the numbers other messages took, so a book
    # cannot see a gap. The data source checks the connection's numbers instead
    # (OrderBookDataSource.connection_sequence) and a gap there resyncs every book on that socket. The
    # book takes ids that rise and refuses older ones as stale; its snapshot comes on the same socket
    # (RESUBSCRIBE), so every diff buffered before it is older than it and is dropped, never replayed
    # (the numbers restart on each connection, so an id cannot tell).
    CONNECTION = "connection"
    # No sequencing: every diff applies (venues with no ids), and every snapshot replaces the book
    # unless it is older than the book (see BookSynchronizer.on_snapshot). The rule of snapshot-only
    # venues, whose depth stream sends the whole book each time (Bitrue, BingX, HashKey).
    NONE = "none"


class ResyncMode(Enum):
    # Fetch a REST snapshot while buffering diffs.
    REST_SNAPSHOT = "rest_snapshot"
    # Unsubscribe and subscribe again; the venue sends a fresh snapshot on the stream.
    RESUBSCRIBE = "resubscribe"
    # Ask for a snapshot on the book's own socket (a request the venue answers on the same stream, as
    # HTX answers a "req" for its mbp topic) while the diffs keep arriving and are buffered.
    STREAM_REQUEST = "stream_request"
    # Open the book's socket again: the venue sends a snapshot only when a socket connects, one socket
    # per market (Cube's /md/book/{market_id}), and has no other way to ask for one.
    RECONNECT = "reconnect"


class SyncResult(Enum):
    APPLIED = "applied"
    BUFFERED = "buffered"
    STALE = "stale"
    GAP = "gap"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    CROSSED = "crossed"
    # The message carried a value no book may hold (see levels.py); it was skipped whole.
    INVALID = "invalid"

    @property
    def needs_resync(self) -> bool:
        return self in (SyncResult.GAP, SyncResult.CHECKSUM_MISMATCH, SyncResult.CROSSED, SyncResult.INVALID)


# Computes the venue's checksum of the current book, to compare with a message's checksum field.
ChecksumFn = Callable[[OrderBook], int]


class _Buffered(NamedTuple):
    """A diff that arrived while the book was not synced, its levels already checked."""

    message: BookMessage
    bids: list[Level]
    asks: list[Level]
    # How many snapshots had been asked for when it arrived (see snapshot_requested).
    epoch: int


class BookSynchronizer:
    """Keeps one pair's book in step with the venue, or says why it cannot."""

    def __init__(
        self,
        trading_pair: str,
        rule: SequenceRule,
        checksum: ChecksumFn | None = None,
        resync_on_crossed: bool = True,
        max_buffer: int = 5000,
        max_depth: int | None = None,
    ) -> None:
        self.rule = rule
        # The depth the venue's subscription keeps, where it sends no removal for a level pushed out of
        # it: the book is cut to it after every message (see OrderBook.truncate).
        self._max_depth = max_depth
        self.book = OrderBook(trading_pair, keep_raw_strings=checksum is not None)
        self._checksum = checksum
        self._resync_on_crossed = resync_on_crossed
        self._buffer: list[_Buffered] = []
        self._max_buffer = max_buffer
        self._epoch = 0
        # True until the first diff after a snapshot has been bridged onto it.
        self._awaiting_bridge = True
        self.gaps = 0
        self.checksum_failures = 0
        self.crossed_count = 0
        self.buffer_overflows = 0
        self.unreachable_dropped = 0

    @property
    def is_synced(self) -> bool:
        return self.book.is_synced

    def invalidate(self) -> None:
        """Mark the book stale; diffs are buffered until the next snapshot."""
        self.book.is_synced = False
        self._awaiting_bridge = True

    def snapshot_requested(self) -> None:
        """Note that a snapshot is being asked for now: every diff buffered so far came before it."""
        self._epoch += 1

    def on_snapshot(self, message: BookMessage, drop_unreachable: bool = False) -> SyncResult:
        """Rebuild the book from a snapshot and replay the buffered diffs onto it.

        A bad value raises InvalidBookMessage before the book is touched. With ``drop_unreachable``
        (the tracker's last attempt) every buffered diff the snapshot cannot bridge is dropped and
        the book is synced at the end of the chain that did bridge.
        """
        bids, asks = check_book_message(message)
        if self.rule is SequenceRule.NONE and self.book.is_synced and _older_than_book(message, self.book):
            # Snapshot-only venues: a snapshot overtaken by a newer one (two sockets during a
            # rollover, a resubscribe's answer) must not take the book back in time.
            return SyncResult.STALE
        if self.rule is SequenceRule.CONNECTION:
            self._buffer.clear()
        self.book.replace_levels(bids, asks, message.last_id, message.timestamp, message.bids, message.asks)
        if self._max_depth is not None:
            self.book.truncate(self._max_depth)
        # A snapshot's id is authoritative even if it is lower (the venue may restart its ids).
        self.book.last_update_id = message.last_id
        self._awaiting_bridge = True
        self.book.is_synced = True
        result = self._verify(message)
        if result is not SyncResult.APPLIED:
            return result
        return self._replay(drop_unreachable)

    def _replay(self, drop_unreachable: bool) -> SyncResult:
        buffered, self._buffer = sorted(self._buffer, key=_order_key), []
        bridged = False
        for index, entry in enumerate(buffered):
            verdict = self._classify(entry.message)
            if verdict is SyncResult.STALE:
                continue
            if verdict is SyncResult.GAP:
                # A diff that was already here when this snapshot was asked for is in the snapshot
                # if it is genuine; one that still leaves a gap after the chain bridged the snapshot
                # can never be reached (a far-future id, say): waiting for another snapshot would not help.
                if drop_unreachable or (bridged and entry.epoch < self._epoch):
                    self._drop_unreachable(entry)
                    continue
                self._buffer = [e for e in buffered[index:] if e.message.last_id > self.book.last_update_id]
                return self._gap(entry.message)
            result = self._apply_checked(entry.message, entry.bids, entry.asks)
            bridged = True
            if result.needs_resync:
                self._buffer = [e for e in buffered[index + 1:] if e.message.last_id > self.book.last_update_id]
                return result
        return SyncResult.APPLIED

    def _drop_unreachable(self, entry: _Buffered) -> None:
        self.unreachable_dropped += 1
        message = entry.message
        logger.warning(
            "%s: dropped a buffered diff %s..%s (prev %s) that no snapshot can reach (book at %d)",
            self.book.trading_pair, message.first_id, message.last_id, message.prev_id, self.book.last_update_id,
        )

    def on_diff(self, message: BookMessage) -> SyncResult:
        """Apply, buffer or refuse one diff; a bad value raises InvalidBookMessage before anything changes."""
        bids, asks = check_book_message(message)
        if not self.book.is_synced:
            if len(self._buffer) >= self._max_buffer:
                self._buffer.pop(0)
                self.buffer_overflows += 1
            self._buffer.append(_Buffered(message, bids, asks, self._epoch))
            return SyncResult.BUFFERED
        verdict = self._classify(message)
        if verdict is SyncResult.APPLIED:
            return self._apply_checked(message, bids, asks)
        if verdict is SyncResult.GAP:
            return self._gap(message)
        return verdict

    def in_step(self, message: BookMessage) -> bool:
        """Whether a diff from a second feed of the same sequence is in step with the synced book: it
        is the diff the book applied last, or the next one. From such a diff on, that feed alone can
        carry the book with nothing lost or doubled."""
        if not self.book.is_synced:
            return False
        return message.last_id == self.book.last_update_id or self._classify(message) is SyncResult.APPLIED

    def _apply_checked(self, message: BookMessage, bids: list[Level], asks: list[Level]) -> SyncResult:
        self.book.apply_levels(bids, asks, message.last_id, message.timestamp, message.bids, message.asks)
        if self._max_depth is not None:
            self.book.truncate(self._max_depth)
        if self.rule is SequenceRule.PREV_CHAIN:
            # A diff that chains is authoritative even when its id is lower: a venue may restart
            # its ids (OKX after maintenance), and the next diff chains to the lower one.
            self.book.last_update_id = message.last_id
        self._awaiting_bridge = False
        return self._verify(message)

    def _gap(self, message: BookMessage) -> SyncResult:
        self.gaps += 1
        logger.warning(
            "%s: sequence gap (book at %d, diff %s..%s prev %s); resyncing", self.book.trading_pair,
            self.book.last_update_id, message.first_id, message.last_id, message.prev_id,
        )
        self.invalidate()
        return SyncResult.GAP

    def _classify(self, message: BookMessage) -> SyncResult:
        last = self.book.last_update_id
        rule = self.rule
        if rule is SequenceRule.NONE:
            return SyncResult.APPLIED
        if rule is SequenceRule.FIRST_LAST:
            first = message.first_id if message.first_id is not None else message.last_id
            if message.last_id <= last:
                return SyncResult.STALE
            return SyncResult.APPLIED if first <= last + 1 else SyncResult.GAP
        if rule is SequenceRule.PREV_CHAIN:
            if message.prev_id == last:
                return SyncResult.APPLIED
            if self._awaiting_bridge and message.first_id is not None and message.first_id <= last <= message.last_id:
                # The first diff after a REST snapshot straddles the snapshot's id.
                return SyncResult.APPLIED
            return SyncResult.STALE if message.last_id <= last else SyncResult.GAP
        if rule is SequenceRule.TIMESTAMP:
            if message.last_id > last:
                return SyncResult.APPLIED
            return SyncResult.STALE if self._awaiting_bridge else SyncResult.GAP
        if rule is SequenceRule.MONOTONIC:
            return SyncResult.STALE if message.last_id < last else SyncResult.APPLIED
        if message.last_id <= last:
            return SyncResult.STALE
        if rule is SequenceRule.CONNECTION:
            return SyncResult.APPLIED
        # SequenceRule.SEQUENCE
        return SyncResult.APPLIED if message.last_id == last + 1 else SyncResult.GAP

    def _verify(self, message: BookMessage) -> SyncResult:
        book = self.book
        if self._checksum is not None and message.checksum is not None:
            expected = self._checksum(book)
            if expected != message.checksum:
                self.checksum_failures += 1
                logger.warning(
                    "%s: checksum mismatch (venue %d, book %d); resyncing", book.trading_pair,
                    message.checksum, expected,
                )
                self.invalidate()
                return SyncResult.CHECKSUM_MISMATCH
        if book.is_crossed:
            self.crossed_count += 1
            if self._resync_on_crossed:
                logger.warning("%s: book crossed (%s >= %s); resyncing", book.trading_pair,
                               book.best_bid, book.best_ask)
                self.invalidate()
                return SyncResult.CROSSED
        return SyncResult.APPLIED


def _older_than_book(message: BookMessage, book: OrderBook) -> bool:
    """Whether a snapshot is older than the book: by update id when both carry one (venues without
    ids give 0), else by the venue's timestamp when both carry one; when neither tells, it is not."""
    if message.last_id > 0 and book.last_update_id > 0:
        return message.last_id < book.last_update_id
    if message.timestamp > 0 and book.timestamp > 0:
        return message.timestamp < book.timestamp
    return False


def _order_key(entry: _Buffered) -> int:
    return entry.message.last_id
