"""Cube public data: a socket per market, wss://api.cube.exchange/md/book/{market_id}, protobuf both ways
(https://cubexch.gitbook.io/cube-api/websocket-market-data-api, market_data.proto). After our ``Config`` the
venue sends a market-by-price snapshot in chunks 0 .. ``num_chunks - 1``, then diffs, which carry no sequence
but each side's level count once applied: the core checks those as the book's checksum (``level_counts``),
and a mismatch resyncs by connecting again, the only way to get a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.errors import NotSupported
from clobconn.core.order_book.checksums import level_counts, level_counts_of
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.web.protobuf import protobuf_decoder, protobuf_encoder
from clobconn.core.web.ws import ConnectSpec, Heartbeat, StreamAction
from clobconn.exchange.cube.constants import BOOK_WS_PATH, HEARTBEAT_INTERVAL, IDLE_TIMEOUT
from clobconn.exchange.cube.parsers import CubeView, Market, nanos
from clobconn.exchange.cube.pb.market_data_pb2 import ClientMessage, MdMessages

decode_md = protobuf_decoder(MdMessages)
encode_md_client = protobuf_encoder(ClientMessage)
# AggressingSide: the taker's side (the implied variants traded through another market).
TAKER_SIDES = {"AGGRESSING_BID": TradeType.BUY, "AGGRESSING_IMPLIED_BID": TradeType.BUY,
               "AGGRESSING_ASK": TradeType.SELL, "AGGRESSING_IMPLIED_ASK": TradeType.SELL}


# The service's heartbeat reply is an MdMessages holding nothing but heartbeats.
MD_HEARTBEAT = Heartbeat(
    app_ping=HEARTBEAT_INTERVAL, idle_timeout=IDLE_TIMEOUT,
    app_ping_payload=lambda: encode_md_client({"heartbeat": {"timestamp": str(time.time_ns())}}),
    is_pong=lambda message: isinstance(message, dict) and bool(message.get("messages")) and all(
        "heartbeat" in entry for entry in message["messages"]))


def book_levels(market: Market, levels: Iterable[Mapping[str, Any]]) -> tuple[list[RawLevel], list[RawLevel]]:
    """Integer levels as (price, size) strings per side; a REMOVE diff is a size of zero."""
    sides: dict[str, list[RawLevel]] = {"BID": [], "ASK": []}
    for level in levels:
        size = "0" if level.get("op") == "REMOVE" else str(market.quantity(level["quantity"]))
        sides[level["side"]].append([str(market.price(level["price"])), size])
    return sides["BID"], sides["ASK"]


def parse_diff(market: Market, body: Mapping[str, Any]) -> BookMessage:
    """mbp_diff: absolute sizes per level, and the side counts after it (the checksum)."""
    bids, asks = book_levels(market, body["diffs"])
    return BookMessage(BookMessageType.DIFF, market.trading_pair, bids, asks, 0,
                       checksum=level_counts_of(int(body["total_bid_levels"]), int(body["total_ask_levels"])))


def parse_trades(market: Market, body: Mapping[str, Any]) -> list[PublicTrade]:
    """trades: ``price`` and ``fill_quantity`` in the market's units, ``transact_time`` in nanoseconds."""
    return [PublicTrade(market.trading_pair, str(trade["tradeId"]), market.price(trade["price"]),
                        market.quantity(trade["fill_quantity"]), TAKER_SIDES[trade["aggressing_side"]],
                        nanos(trade["transact_time"])) for trade in body["trades"]]


class CubeOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.NONE
    resync_mode = ResyncMode.RECONNECT
    # The socket's path names its market.
    max_subscriptions_per_socket: ClassVar[int] = 1
    connector: CubeView

    def __init__(self, connector: CubeView) -> None:
        super().__init__(connector)
        # Per pair, the levels of each snapshot chunk so far, until the last one completes the snapshot.
        self._chunks: dict[str, list[list[Mapping[str, Any]]]] = {}

    def checksum(self) -> ChecksumFn:
        return level_counts

    async def connect_spec(self, stream: str) -> ConnectSpec:
        raise NotSupported("a Cube book socket serves one market: its URL comes from connect_spec_for")

    async def connect_spec_for(self, stream: str, trading_pairs: Sequence[str]) -> ConnectSpec:
        path = BOOK_WS_PATH.format(market_id=self.connector.markets[trading_pairs[0]].market_id)
        return ConnectSpec(url=f"{self.connector.ws_url}{path}", heartbeat=MD_HEARTBEAT, binary_decoder=decode_md)

    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # Market by price and trades. The socket is the subscription: closing it is the only unsubscribe.
        subscribe = verb == self.subscribe_verb and trading_pairs
        return [encode_md_client({"config": {"mbp": True, "trades": True}})] if subscribe else []

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        parsed: list[MarketMessage] = []
        for entry in message.get("messages", ()) if isinstance(message, dict) else ():
            market = self.connector.markets_by_id.get(int(entry.get("market_id", -1)))
            if market is None:
                continue
            if "mbp_snapshot" in entry:
                parsed.extend(self._snapshot_chunk(market, entry["mbp_snapshot"]))
            elif "mbp_diff" in entry:
                parsed.append(parse_diff(market, entry["mbp_diff"]))
            elif "trades" in entry:
                parsed.extend(parse_trades(market, entry["trades"]))
        return parsed

    def _snapshot_chunk(self, market: Market, body: Mapping[str, Any]) -> list[BookMessage | StreamAction]:
        """mbp_snapshot: the book once every chunk has come, in order from chunk 0."""
        pair, chunk = market.trading_pair, int(body["chunk"])
        if chunk == 0:
            self._chunks[pair] = []
        elif len(self._chunks.get(pair, ())) != chunk:
            # A chunk out of order: the snapshot is broken, and only a new connection brings another.
            self._chunks.pop(pair, None)
            return [StreamAction.RECONNECT]
        self._chunks[pair].append(body["levels"])
        if chunk < int(body["num_chunks"]) - 1:
            return []
        bids, asks = book_levels(market, (level for levels in self._chunks.pop(pair) for level in levels))
        return [BookMessage(BookMessageType.SNAPSHOT, pair, bids, asks, 0)]
