"""Bitrue public data: ``market_{symbol}_simple_depth_step0`` on one gzip socket, full books only.

https://github.com/Bitrue-exchange/Spot-official-api-docs#market-data-streams-websocket-after-2022-09-22
Every depth push is the whole book, so each is a snapshot: the core replaces the book on each one,
and one stamped earlier than the book shown (``ts``) is stale. No trade stream is documented.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import Compression, ConnectSpec
from clobconn.exchange.bitrue.constants import MARKET_HEARTBEAT, PUBLIC_WS_PATH

logger = logging.getLogger(__name__)

DEPTH_CHANNEL = "market_{cb_id}_simple_depth_step0"
_PREFIX, _SUFFIX = DEPTH_CHANNEL.split("{cb_id}")


def symbol_of_channel(channel: str) -> str | None:
    """The venue symbol a depth channel names (``market_btcusdt_simple_depth_step0`` -> ``BTCUSDT``)."""
    if channel.startswith(_PREFIX) and channel.endswith(_SUFFIX):
        return channel[len(_PREFIX):-len(_SUFFIX)].upper()
    return None


def parse_depth(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    """A depth push: ``tick.buys`` and ``tick.asks`` are the whole book; ``ts`` (ms) orders the pushes."""
    tick = message["tick"]
    ts = int(message["ts"])
    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, tick["buys"], tick["asks"], ts, timestamp=ts / 1000)


class BitrueOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    # A subscription is answered with the current book: resubscribing is how a book is rebuilt.
    resync_mode = ResyncMode.RESUBSCRIBE
    subscribe_verb = "sub"
    unsubscribe_verb = "unsub"

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=MARKET_HEARTBEAT,
                           compression=Compression.GZIP)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One frame per channel: the request names one cb_id and one channel.
        frames = []
        for pair in trading_pairs:
            cb_id = self.connector.exchange_symbol(pair).lower()
            frames.append({"event": verb, "params": {"cb_id": cb_id, "channel": DEPTH_CHANNEL.format(cb_id=cb_id)}})
        return frames

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if "event_rep" in message:
            # A subscription answer: "status": "ok" or a refusal worth a log line.
            if message.get("status") != "ok":
                logger.warning("%s public stream refused a request: %s", self.connector.name, message)
            return ()
        channel = message.get("channel")
        symbol = symbol_of_channel(channel) if isinstance(channel, str) else None
        pair = self.connector.trading_pair_of(symbol) if symbol else None
        if pair is None or "tick" not in message:
            return ()
        return (parse_depth(pair, message),)
