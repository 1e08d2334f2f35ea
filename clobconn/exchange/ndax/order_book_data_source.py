"""NDAX public data on the gateway socket: SubscribeLevel2 and SubscribeTrades per instrument.

https://apidoc.ndax.io/#subscribelevel2: the reply to SubscribeLevel2 is the book (one entry per
level), then Level2UpdateEvent frames change it. Each entry is [MDUpdateId, Accounts, ActionDateTime,
ActionType, LastTradePrice, Orders, Price, ProductPairCode, Quantity, Side]; ActionType 0 new and 1
update set the level's quantity, 2 deletes it; Side 0 is a bid, 1 an ask.

MDUpdateId is documented as a sequential id that orders the updates, not as one that rises by
exactly one per event or per level (each entry carries its own), so a lost event cannot be told
from the ids: an event older than the book is stale and dropped (``SequenceRule.MONOTONIC``), and a
crossed book resyncs. A resync resubscribes, and the new reply is the book.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import ConnectorView, MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.ndax.constants import BOOK_DEPTH, OMS_ID, WS_PATH
from clobconn.exchange.ndax.frames import MessageType, RequestNumbers, heartbeat, read_frame, request_frame

logger = logging.getLogger(__name__)

DELETE = 2
BID = 0
FUNCTIONS = {"subscribe": ("SubscribeLevel2", "SubscribeTrades"),
             "unsubscribe": ("UnsubscribeLevel2", "UnsubscribeTrades")}


def parse_book(kind: BookMessageType, trading_pair: str, entries: Sequence[Sequence[Any]]) -> BookMessage:
    """Level 2 entries as one book message; a deleted level is a level of size 0. Entries apply in order
    (a level deleted then added again in one event ends added). The message's id is its newest MDUpdateId."""
    bids: list[RawLevel] = []
    asks: list[RawLevel] = []
    for entry in entries:
        level = [entry[6], 0 if entry[3] == DELETE else entry[8]]
        (bids if entry[9] == BID else asks).append(level)
    return BookMessage(kind, trading_pair, bids, asks, max((int(e[0]) for e in entries), default=0),
                       timestamp=max((int(e[2]) for e in entries), default=0) / 1000)


def parse_trade(trading_pair: str, trade: Sequence[Any]) -> PublicTrade:
    """A TradeDataUpdateEvent entry: [TradeId, InstrumentId, Quantity, Price, Order1, Order2, TradeTime (ms),
    Direction, TakerSide (0 buy, 1 sell), BlockTrade, ClientOrderId]."""
    side = TradeType.BUY if trade[8] == 0 else TradeType.SELL
    return PublicTrade(trading_pair, str(trade[0]), Decimal(str(trade[3])), Decimal(str(trade[2])), side,
                       int(trade[6]) / 1000)


def by_instrument(entries: Iterable[Sequence[Any]], position: int) -> dict[str, list[Sequence[Any]]]:
    """Entries grouped by their instrument id (at ``position``), in order: one frame may carry several."""
    groups: dict[str, list[Sequence[Any]]] = defaultdict(list)
    for entry in entries:
        groups[str(entry[position])].append(entry)
    return groups


class NdaxOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.MONOTONIC
    resync_mode = ResyncMode.RESUBSCRIBE

    def __init__(self, connector: ConnectorView) -> None:
        super().__init__(connector)
        self.numbers = RequestNumbers()
        # The pair each SubscribeLevel2 asked for, by the request's number: an empty book names none.
        self._book_requests: dict[int, str] = {}

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=heartbeat(self.numbers))

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        book, trades = FUNCTIONS[verb]
        frames = []
        for pair in trading_pairs:
            instrument = int(self.connector.exchange_symbol(pair))
            payload: dict[str, Any] = {"OMSId": OMS_ID, "InstrumentId": instrument}
            sequence = self.numbers()
            if verb == "subscribe":
                self._book_requests[sequence] = pair
                frames += [request_frame(sequence, book, payload | {"Depth": BOOK_DEPTH}),
                           request_frame(self.numbers(), trades, payload | {"IncludeLastCount": 0})]
            else:
                frames += [request_frame(sequence, book, payload), request_frame(self.numbers(), trades, payload)]
        return frames

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        frame = read_frame(message)
        if frame is None:
            return ()
        if frame.kind is MessageType.ERROR or not isinstance(frame.payload, list):
            if frame.function.startswith("Subscribe") and frame.kind is not MessageType.EVENT:
                logger.warning("%s refused %s: %s", self.connector.name, frame.function, frame.payload)
            return ()
        if frame.function == "SubscribeLevel2":
            pair = self._book_requests.pop(frame.sequence, None)
            if pair is None and frame.payload:
                pair = self.connector.trading_pair_of(str(frame.payload[0][7]))
            return (parse_book(BookMessageType.SNAPSHOT, pair, frame.payload),) if pair is not None else ()
        if frame.function == "Level2UpdateEvent":
            return self._per_pair(frame.payload, 7, lambda pair, entries: [
                parse_book(BookMessageType.DIFF, pair, entries)])
        if frame.function in ("SubscribeTrades", "TradeDataUpdateEvent"):
            return self._per_pair(frame.payload, 1, lambda pair, entries: [parse_trade(pair, e) for e in entries])
        return ()

    def _per_pair(self, entries: list[Sequence[Any]], position: int,
                  build: Callable[[str, list[Sequence[Any]]], list[MarketMessage]]) -> list[MarketMessage]:
        messages: list[MarketMessage] = []
        for instrument, group in by_instrument(entries, position).items():
            pair = self.connector.trading_pair_of(instrument)
            if pair is not None:
                messages += build(pair, group)
        return messages
