"""AscendEx public data: the ``depth`` and ``trades`` channels on /api/pro/v1/stream, REST depth snapshots.

https://ascendex.github.io/ascendex-pro-api/#channel-level-2-order-book-updates and #ws-orderbook-snapshot:
"seqnum should strictly increase by 1 for each new depth update (each symbol maintain its own seqnum).
If you see a larger than 1 gap from previous seqnum, then there might be data loss": the core's SEQUENCE
rule. The snapshot (GET /api/pro/v1/depth, #order-book-depth) carries the seqnum of the last update it
holds, so the first diff applied after it is that seqnum + 1. A size of 0 removes a level.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.ascendex.constants import DEPTH, HEARTBEAT, PUBLIC_WS_PATH

logger = logging.getLogger(__name__)


def parse_book(kind: BookMessageType, trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """The ``data`` of a ``depth`` message (DIFF) or of a ``depth-snapshot`` (SNAPSHOT)."""
    return BookMessage(kind, trading_pair, data.get("bids") or [], data.get("asks") or [], int(data["seqnum"]),
                       timestamp=int(data["ts"]) / 1000 if data.get("ts") else 0.0)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One item of a ``trades`` message; ``bm`` (the buyer is the maker) means the taker sold."""
    side = TradeType.SELL if trade.get("bm") else TradeType.BUY
    return PublicTrade(trading_pair, str(trade["seqnum"]), Decimal(trade["p"]), Decimal(trade["q"]), side,
                       int(trade["ts"]) / 1000)


class AscendexOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.SEQUENCE
    subscribe_verb = "sub"
    unsubscribe_verb = "unsub"

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        return [{"op": verb, "id": f"{channel}-{pair}", "ch": f"{channel}:{self.connector.exchange_symbol(pair)}"}
                for pair in trading_pairs for channel in ("depth", "trades")]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("m")
        if kind in ("error", "sub", "unsub") and message.get("code") not in (0, None):
            logger.warning("%s public stream refused a request: %s", self.connector.name, message)
            return ()
        data = message.get("data")
        pair = self.connector.trading_pair_of(str(message.get("symbol")))
        if pair is None or data is None:
            return ()
        if kind == "depth" and isinstance(data, dict):
            return (parse_book(BookMessageType.DIFF, pair, data),)
        if kind == "trades" and isinstance(data, list):
            return [parse_trade(pair, trade) for trade in data]
        return ()

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        answer = await self.connector.rest.call(DEPTH, {"symbol": self.connector.exchange_symbol(trading_pair)})
        return parse_book(BookMessageType.SNAPSHOT, trading_pair, answer["data"]["data"])
