"""Binance spot public data: diff-depth and trade streams on one socket, REST depth snapshots.

https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
The parsers also serve the USDⓈ-M futures streams, whose payloads are the same shapes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import msgspec

from clobconn.core.data_source import MarketMessage, OrderBookDataSource
from clobconn.core.data_types import TradeType
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.core.order_book.sync import SequenceRule
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.typed_frames import TypedFrames
from clobconn.core.web.ws import ConnectSpec, Heartbeat
from clobconn.exchange.binance.constants import DEPTH_LIMIT, ROUTES

logger = logging.getLogger(__name__)

Parser = Callable[[str, Mapping[str, Any]], MarketMessage]


def parse_snapshot(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """GET /api/v3/depth (and GET /fapi/v1/depth)."""
    timestamp = data["E"] / 1000 if "E" in data else time.time()
    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, data["bids"], data["asks"],
                       int(data["lastUpdateId"]), timestamp=timestamp)


def parse_diff(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """<symbol>@depth@100ms: ids U..u; the futures twin adds pu, the previous event's u."""
    prev = data.get("pu")
    # Positional (type, pair, bids, asks, last_id, timestamp, first_id, prev_id): keywords cost a
    # dataclass's __init__ about 0.3 µs more, on every diff.
    return BookMessage(BookMessageType.DIFF, trading_pair, data["b"], data["a"], int(data["u"]),
                       data["E"] / 1000, int(data["U"]), None if prev is None else int(prev))


# An id or a clock as orjson would read it: a signed 64-bit integer (a frame with a larger one is refused).
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class DepthUpdate(msgspec.Struct, gc=False):
    """A <symbol>@depth@100ms frame as it arrives (the stream's hot message, decoded typed by
    ``DEPTH_FRAMES``): the fields ``parse_diff`` reads, levels still the venue's strings. (It can hold
    no reference cycle, so the garbage collector need not track it: ``gc=False``.)"""

    E: Int64
    s: str
    U: Int64
    u: Int64
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    # USDⓈ-M only: the previous event's u.
    pu: Int64 | None = None


# Binance's streams write the event type first, without spaces: a depth diff is known by its first
# bytes (a frame written otherwise is still read, by orjson and parse_diff).
DEPTH_FRAMES = TypedFrames({'{"e":"depthUpdate",': DepthUpdate})


def parse_depth_update(trading_pair: str, data: DepthUpdate) -> BookMessage:
    """``parse_diff`` for a typed frame."""
    # The ignore: lists are invariant, so list[tuple[str, str]] is not list[RawLevel], though each level is one.
    return BookMessage(BookMessageType.DIFF, trading_pair, data.b, data.a, data.u,  # type: ignore[arg-type]
                       data.E / 1000, data.U, data.pu)


def parse_trade(trading_pair: str, data: Mapping[str, Any]) -> PublicTrade:
    """<symbol>@trade (id t), and the futures <symbol>@aggTrade (id a)."""
    trade_id = data["t"] if "t" in data else data["a"]
    # m: the buyer was the maker, so the taker sold.
    side = TradeType.SELL if data["m"] else TradeType.BUY
    return PublicTrade(trading_pair, str(trade_id), Decimal(data["p"]), Decimal(data["q"]), side, data["T"] / 1000)


class BinanceOrderBookDataSource(OrderBookDataSource):
    sequence_rule = SequenceRule.FIRST_LAST
    # Stream-name suffixes per socket: "<symbol>@<suffix>".
    channels: ClassVar[Mapping[str, tuple[str, ...]]] = {"public": ("depth@100ms", "trade")}
    parsers: ClassVar[Mapping[str, Parser]] = {"depthUpdate": parse_diff, "trade": parse_trade}
    snapshot_endpoint: ClassVar[Endpoint] = ROUTES.depth
    # Binance pings every 20 s and aiohttp answers; a socket silent this long is presumed dead.
    heartbeat: ClassVar[Heartbeat] = Heartbeat(idle_timeout=120.0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_id = 0

    def ws_path(self, stream: str) -> str:
        return "/ws"

    async def connect_spec(self, stream: str) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.ws_url}{self.ws_path(stream)}", heartbeat=self.heartbeat,
                           text_decoder=DEPTH_FRAMES)

    subscribe_verb = "SUBSCRIBE"
    unsubscribe_verb = "UNSUBSCRIBE"

    def subscription_frames(self, method: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        names = [f"{self.connector.exchange_symbol(pair).lower()}@{channel}"
                 for pair in trading_pairs for channel in self.channels[stream]]
        if not names:
            return []
        self._request_id += 1
        return [{"method": method, "params": names, "id": self._request_id}]

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if message.__class__ is DepthUpdate:
            pair = self.connector.trading_pair_of(message.s)
            return () if pair is None else (parse_depth_update(pair, message),)
        if not isinstance(message, dict):
            return ()
        # /stream (combined) connections wrap each event; /ws ones do not.
        data = message.get("data", message)
        parser = self.parsers.get(data.get("e", ""))
        if parser is None:
            if "code" in data:
                logger.warning("%s %s stream refused a request: %s", self.connector.name, stream, data)
            return ()
        pair = self.connector.trading_pair_of(data.get("s", ""))
        return () if pair is None else (parser(pair, data),)

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        endpoint = self.snapshot_endpoint
        data = await self.connector.rest.request(
            endpoint.method, endpoint.path, limit_id=endpoint.limit_id,
            params={"symbol": self.connector.exchange_symbol(trading_pair), "limit": DEPTH_LIMIT})
        return parse_snapshot(trading_pair, data)
