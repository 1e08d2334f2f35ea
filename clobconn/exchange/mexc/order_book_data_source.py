"""MEXC spot public data: aggregated diff-depth and trade streams (protobuf) on /ws, REST depth snapshots.

https://www.mexc.com/api-docs/spot-v3/websocket-market-streams
The docs' recipe for a local book ("How to Properly Maintain a Local Copy of the Order Book") is the
core's FIRST_LAST rule: each diff covers versions fromVersion..toVersion, the first one kept must
reach the snapshot's lastUpdateId + 1, and each next one must start at the previous toVersion + 1;
anything else is a gap, and the core fetches a new snapshot rather than apply it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.protobuf import protobuf_decoder
from clobconn.core.web.ws import ConnectSpec
from clobconn.exchange.mexc.constants import DEPTH, DEPTH_CHANNEL, DEPTH_LIMIT, HEARTBEAT, TRADES_CHANNEL, WS_PATH
from clobconn.exchange.mexc.pb.push_pb2 import PushDataV3ApiWrapper

logger = logging.getLogger(__name__)

# Every binary frame, public or private, is a PushDataV3ApiWrapper; control frames are JSON text.
decode_push = protobuf_decoder(PushDataV3ApiWrapper)


def push_time(message: Mapping[str, Any]) -> float:
    """When MEXC sent the frame (sendTime, else createTime), in seconds."""
    millis = message.get("sendTime") or message.get("createTime")
    return int(millis) / 1000 if millis else time.time()


def levels(items: Iterable[Mapping[str, Any]]) -> list[RawLevel]:
    return [[item["price"], item["quantity"]] for item in items]


def parse_snapshot(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """GET /api/v3/depth."""
    timestamp = data["timestamp"] / 1000 if data.get("timestamp") else time.time()
    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, data["bids"], data["asks"],
                       int(data["lastUpdateId"]), timestamp=timestamp)


def parse_diff(trading_pair: str, message: Mapping[str, Any]) -> BookMessage:
    """publicAggreDepths: absolute quantities (0 removes the level) for versions fromVersion..toVersion."""
    body = message["publicAggreDepths"]
    return BookMessage(BookMessageType.DIFF, trading_pair, levels(body["bids"]), levels(body["asks"]),
                       int(body["toVersion"]), timestamp=push_time(message), first_id=int(body["fromVersion"]))


def parse_trades(trading_pair: str, message: Mapping[str, Any]) -> list[PublicTrade]:
    """publicAggreDeals: tradeType is the taker's side, 1 buy and 2 sell."""
    trades = []
    for deal in message["publicAggreDeals"]["deals"]:
        side = TradeType.BUY if deal["tradeType"] == 1 else TradeType.SELL
        millis = int(deal["time"])
        # Frames from before MEXC added tradeId (2026-06) have none: time, price and size stand in.
        trade_id = deal.get("tradeId") or f"{millis}:{deal['price']}:{deal['quantity']}"
        trades.append(PublicTrade(trading_pair, trade_id, Decimal(deal["price"]), Decimal(deal["quantity"]),
                                  side, millis / 1000))
    return trades


def log_control_frame(connector_name: str, stream: str, message: Mapping[str, Any]) -> None:
    """A JSON answer to a subscription ({"id", "code", "msg"}): only a refusal is worth a line."""
    if message.get("code") not in (0, None):
        logger.warning("%s %s stream refused a request: %s", connector_name, stream, message)


class MexcOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.FIRST_LAST
    subscribe_verb = "SUBSCRIPTION"
    unsubscribe_verb = "UNSUBSCRIPTION"
    # MEXC's limits on one socket, for the core's socket pool to honour: at most 30 subscriptions
    # (a pair takes two, depth and trades), and the venue closes every socket after 24 hours.
    max_subscriptions_per_socket: ClassVar[int] = 30
    max_socket_lifetime: ClassVar[float] = 24 * 3600.0

    def subscriptions_per_pair(self, stream: str) -> int:
        return 2  # depth and trades: 15 pairs a socket

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{WS_PATH}", heartbeat=HEARTBEAT, binary_decoder=decode_push)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        channels = [channel.format(symbol=self.connector.exchange_symbol(pair)) for pair in trading_pairs
                    for channel in (DEPTH_CHANNEL, TRADES_CHANNEL)]
        return [{"method": verb, "params": channels}] if channels else []

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict):
            return ()
        if "channel" not in message:
            log_control_frame(self.connector.name, stream, message)
            return ()
        pair = self.connector.trading_pair_of(message.get("symbol") or message["channel"].rpartition("@")[2])
        if pair is None:
            return ()
        if "publicAggreDepths" in message:
            return (parse_diff(pair, message),)
        if "publicAggreDeals" in message:
            return parse_trades(pair, message)
        return ()

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        data = await self.connector.rest.call(
            DEPTH, {"symbol": self.connector.exchange_symbol(trading_pair), "limit": DEPTH_LIMIT})
        return parse_snapshot(trading_pair, data)
