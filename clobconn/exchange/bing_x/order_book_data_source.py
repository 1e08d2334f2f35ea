"""BingX spot public data: ``<SYMBOL>@depth100`` and ``<SYMBOL>@trade`` on ``/market``, gzip frames.

https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/WebSocket%20API.md
The depth stream pushes the top 100 levels whole, every time: each frame is a snapshot that replaces
the book, there are no diffs and no sequence ids, and a resync is a resubscription.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ResyncMode, SequenceRule
from clobconn.core.web.ws import Compression, ConnectSpec
from clobconn.exchange.bing_x.constants import HEARTBEAT, WS_PATH

logger = logging.getLogger(__name__)

DEPTH_CHANNEL = "depth100"
TRADE_CHANNEL = "trade"


def parse_depth(trading_pair: str, data: Mapping[str, Any], snapshot_id: int) -> BookMessage:
    """``<SYMBOL>@depth100`` "data": the whole visible book. The frame carries no id, so the
    connector numbers the snapshots in arrival order."""
    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, data["bids"], data["asks"], snapshot_id,
                       timestamp=time.time())


def parse_trade(trading_pair: str, data: Mapping[str, Any]) -> PublicTrade:
    """``<SYMBOL>@trade`` "data": one trade; m says the buyer was the maker, so the taker sold."""
    side = TradeType.SELL if data["m"] else TradeType.BUY
    return PublicTrade(trading_pair, str(data["t"]), Decimal(data["p"]), Decimal(data["q"]), side, data["T"] / 1000)


class BingXOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RESUBSCRIBE
    subscribe_verb = "sub"
    unsubscribe_verb = "unsub"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_ids = itertools.count(1)
        self._snapshot_ids = itertools.count(1)

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT,
                           compression=Compression.GZIP)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One topic per frame, acknowledged with its id; only an unsubscribe names its verb.
        verb_field = {"reqType": verb} if verb == self.unsubscribe_verb else {}
        return [{"id": str(next(self._request_ids)), **verb_field,
                 "dataType": f"{self.connector.exchange_symbol(pair)}@{channel}"}
                for pair in trading_pairs for channel in (DEPTH_CHANNEL, TRADE_CHANNEL)]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        data_type = message.get("dataType")
        if not isinstance(data_type, str) or not isinstance(message.get("data"), dict):
            # Acknowledgements: {"id", "code": 0, "msg": ""}; anything else is a refusal worth a line.
            if message.get("code") not in (None, 0):
                logger.warning("%s public stream refused a frame: %s", self.connector.name, message)
            return ()
        symbol, _, channel = data_type.partition("@")
        pair = self.connector.trading_pair_of(symbol)
        if pair is None:
            return ()
        if channel == DEPTH_CHANNEL:
            return (parse_depth(pair, message["data"], next(self._snapshot_ids)),)
        if channel == TRADE_CHANNEL:
            return (parse_trade(pair, message["data"]),)
        return ()
