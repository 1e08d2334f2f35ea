"""OKX public data on /ws/v5/public: the ``books`` channel (400 levels) and ``trades``.

https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel. The venue sends
the book snapshot on the stream when we subscribe, so a broken ``prevSeqId`` chain is repaired by
resubscribing, not by the REST book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.channel_frames import ChannelPush
from clobconn.core.channel_streams import ChannelMarketSource
from clobconn.core.data_source import MarketMessage
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.checksums import interleaved_checksum
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.okx.constants import HEARTBEAT, PUBLIC_WS_PATH

# The top 25 levels a side are checked (see core/order_book/checksums.py).
CHECKSUM_DEPTH = 25
BOOK_ACTIONS = {"snapshot": BookMessageType.SNAPSHOT, "update": BookMessageType.DIFF}
book_checksum = interleaved_checksum(CHECKSUM_DEPTH)


def parse_book(trading_pair: str, action: str, data: Mapping[str, Any]) -> BookMessage:
    """One entry of a ``books`` push: levels [price, size, "0", order count], ``seqId``/``prevSeqId``.

    Updates chain ``prevSeqId`` to the previous ``seqId`` (PREV_CHAIN). The documented exceptions need
    nothing more: a no-change heartbeat has prevSeqId == seqId == the last id, and after a maintenance
    reset the update with seqId < prevSeqId still chains, and the next ones chain to the lower id.
    Since 2026-06-23 ``checksum`` is always 0 (deprecated): 0 means no checksum to verify.
    """
    checksum = int(data.get("checksum") or 0)
    return BookMessage(BOOK_ACTIONS[action], trading_pair, data["bids"], data["asks"], int(data["seqId"]),
                       timestamp=int(data["ts"]) / 1000, prev_id=int(data["prevSeqId"]),
                       checksum=checksum or None)


def parse_trade(trading_pair: str, trade: Mapping[str, Any]) -> PublicTrade:
    """One entry of a ``trades`` push; ``side`` is the taker's."""
    side = TradeType.BUY if trade["side"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(trade["tradeId"]), Decimal(trade["px"]), Decimal(trade["sz"]), side,
                       int(trade["ts"]) / 1000)


class OkxOrderBookDataSource(ChannelMarketSource):
    # A notice (64008) says the socket closes soon for a service upgrade: move to a new one now.
    closing_events = frozenset({"notice"})
    sequence_rule = SequenceRule.PREV_CHAIN
    resync_mode = ResyncMode.RESUBSCRIBE

    def checksum(self) -> ChecksumFn:
        return book_checksum

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{PUBLIC_WS_PATH}", heartbeat=HEARTBEAT)

    def subscription_frames(self, op: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        args = [{"channel": channel, "instId": self.connector.exchange_symbol(pair)}
                for pair in trading_pairs for channel in ("books", "trades")]
        return [{"op": op, "args": args}] if args else []

    def parse_push(self, trading_pair: str, push: ChannelPush) -> Iterable[MarketMessage]:
        if push.channel == "books":
            return [parse_book(trading_pair, str(push.action), entry) for entry in push.data]
        if push.channel == "trades":
            return [parse_trade(trading_pair, trade) for trade in push.data]
        return ()
