"""HTX public data: the mbp incremental book on /feed, trades on /ws (both gzip, pinged by the venue).

Market By Price (incremental): https://www.htx.com/en-us/opend/newApiPages/?id=7ec5362b-7773-11ed-9966-0242ac110003.
Each push of market.$symbol.mbp.150 carries ``seqNum`` and ``prevSeqNum`` (the previous push's
``seqNum``): PREV_CHAIN. The full book comes from a ``req`` of the same topic on the same socket, which
the venue answers with ``rep`` (STREAM_REQUEST); the pushes that arrive meanwhile are buffered and the
one whose ``prevSeqNum`` is the answer's ``seqNum`` carries on from it. A size of 0 removes a level.
Trade detail: ?id=7ec53b69-7773-11ed-9966-0242ac110003.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import Compression, ConnectSpec
from clobconn.exchange.htx.constants import BOOK_LEVELS, BOOK_WS_PATH, HEARTBEAT, TRADES_WS_PATH

logger = logging.getLogger(__name__)

BOOK, TRADES = "book", "trades"
PATHS = {BOOK: BOOK_WS_PATH, TRADES: TRADES_WS_PATH}


def book_topic(symbol: str) -> str:
    return f"market.{symbol}.mbp.{BOOK_LEVELS}"


def parse_book(trading_pair: str, kind: BookMessageType, data: Mapping[str, Any], millis: Any) -> BookMessage:
    """A push's ``tick`` (DIFF, with ``prevSeqNum``) or a ``rep``'s ``data`` (SNAPSHOT). Levels are
    [price, size] numbers; a side with no change is empty or absent."""
    prev = data.get("prevSeqNum")
    return BookMessage(kind, trading_pair, data.get("bids") or [], data.get("asks") or [], int(data["seqNum"]),
                       timestamp=int(millis) / 1000 if millis else 0.0,
                       prev_id=int(prev) if prev is not None else None)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of a market.$symbol.trade.detail push; ``direction`` is the taker's side."""
    side = TradeType.BUY if trade["direction"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade.get("tradeId", trade.get("id"))), Decimal(str(trade["price"])),
                       Decimal(str(trade["amount"])), side, int(trade["ts"]) / 1000)


class HtxOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.PREV_CHAIN
    resync_mode = ResyncMode.STREAM_REQUEST
    stream_names = (BOOK, TRADES)
    book_stream = BOOK
    subscribe_verb = "sub"
    unsubscribe_verb = "unsub"
    _ids = itertools.count(1)

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PATHS[stream]}", heartbeat=HEARTBEAT,
                           compression=Compression.GZIP)

    def _topic(self, stream: str, trading_pair: str) -> str:
        symbol = self.connector.exchange_symbol(trading_pair)
        return book_topic(symbol) if stream == BOOK else f"market.{symbol}.trade.detail"

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One topic a frame: {"sub": topic, "id": ...}.
        return [{verb: self._topic(stream, pair), "id": str(next(self._ids))} for pair in trading_pairs]

    def snapshot_request_frames(self, trading_pair: str) -> list[Any]:
        return [{"req": self._topic(BOOK, trading_pair), "id": str(next(self._ids))}]

    def _pair_of(self, topic: Any) -> str | None:
        parts = str(topic).split(".")
        return self.connector.trading_pair_of(parts[1]) if len(parts) > 2 else None

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if "rep" in message:
            pair = self._pair_of(message["rep"])
            if message.get("status") != "ok" or pair is None:
                logger.warning("%s: snapshot request refused: %s %s", self.connector.name, message.get("err-code"),
                               message.get("err-msg"))
                return ()
            return (parse_book(pair, BookMessageType.SNAPSHOT, message["data"], message.get("ts")),)
        if message.get("status") == "error":
            logger.warning("%s public stream: %s %s", self.connector.name, message.get("err-code"),
                           message.get("err-msg"))
            return ()
        channel, tick = message.get("ch"), message.get("tick")
        pair = self._pair_of(channel)
        if pair is None or not isinstance(tick, dict):
            return ()
        if str(channel).endswith(".trade.detail"):
            return [parse_trade(pair, trade) for trade in tick.get("data", ())]
        return (parse_book(pair, BookMessageType.DIFF, tick, message.get("ts")),)
