"""The two stream roles a connector fills in: public market data and the private user stream.

They describe; the core drives. Neither holds a loop, a socket or a retry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Protocol

from clobconn.core.data_types import Balance, FundingInfo, OrderUpdate, Position, TradeUpdate, TradingRule
from clobconn.core.errors import NotSupported
from clobconn.core.order_book.messages import BookMessage, PublicTrade
from clobconn.core.order_book.sync import ChecksumFn, ResyncMode, SequenceRule
from clobconn.core.orders.tracker import ClientOrderTracker
from clobconn.core.venue import DomainUrls, VenueSpec
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.rest import RestClient
from clobconn.core.web.socket_requests import SocketRequests
from clobconn.core.web.time_sync import TimeSynchronizer
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection

# A public parser may also yield StreamAction.RECONNECT, when the venue announces it will close the socket.
MarketMessage = BookMessage | PublicTrade | FundingInfo | StreamAction
UserMessage = OrderUpdate | TradeUpdate | Balance | Position | StreamAction


class ConnectorView(Protocol):
    """What a data source may read of its connector (``ExchangeBase`` is one): its URLs, clients and
    symbol map. Sources see the connector through this, so that neither role imports the other.
    A venue whose sources need more declares a narrower protocol of its own on top of this one."""

    rest: RestClient
    auth: AuthBase | None
    ws_url: str
    private_ws_url: str
    domain_urls: DomainUrls
    trading_rules: dict[str, TradingRule]
    balances: dict[str, Balance]
    orders: ClientOrderTracker
    time_sync: TimeSynchronizer
    # The venue's account context once fetched (ExchangeBase.account_context), else None.
    account: dict[str, str] | None
    # Requests sent on the user stream's socket, whose answers the user stream hands back (Cube's orders).
    stream_requests: SocketRequests

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> VenueSpec: ...

    @property
    def has_credentials(self) -> bool: ...

    def exchange_symbol(self, trading_pair: str) -> str: ...

    def trading_pair_of(self, symbol: str) -> str | None: ...


class OrderBookDataSource(ABC):
    """Subscriptions and parsers for one venue's public streams.

    A venue may spread its public data over several sockets (Binance futures serves depth and
    mark prices on different paths): ``stream_names`` lists them and every method takes the name.
    """

    sequence_rule: ClassVar[SequenceRule]
    resync_mode: ClassVar[ResyncMode] = ResyncMode.REST_SNAPSHOT
    # The stream that carries the book; RESUBSCRIBE resyncs act on it.
    book_stream: ClassVar[str] = "public"
    stream_names: ClassVar[tuple[str, ...]] = ("public",)
    # How many subscriptions (topics, as the venue counts them: see subscriptions_per_pair) one
    # socket may carry, or None for no cap; the core spreads a stream's pairs over as many sockets
    # as the cap needs (MEXC: 30).
    max_subscriptions_per_socket: ClassVar[int | None] = None
    # Seconds the venue keeps a socket open before it closes it, or None; the core replaces each
    # socket before then, without a moment where a book is unsynced (MEXC: 24 h).
    max_socket_lifetime: ClassVar[float | None] = None
    # The depth of the venue's book subscription where the venue sends no removal for a level that
    # falls out of it (Kraken): the core cuts each book to it after every message. None: the venue
    # removes every level it stops covering, or covers the whole book.
    book_depth: ClassVar[int | None] = None

    # Whether the venue numbers every frame of a connection, whatever its channel (Coinbase's
    # sequence_num): the tracker then follows each socket's numbers (connection_sequence), and a number
    # skipped resyncs every book that socket feeds, since nobody can say which book the lost frame was for.
    sequenced_connections: ClassVar[bool] = False

    def __init__(self, connector: ConnectorView) -> None:
        self.connector = connector

    def connection_sequence(self, stream: str, message: Any) -> int | None:
        """With ``sequenced_connections``: the connection-wide number ``message`` carries, or None for a
        frame that carries none. Called for every frame, before ``parse``."""
        return None

    def checksum(self) -> ChecksumFn | None:
        """The venue's book checksum, for venues whose messages carry one."""
        return None

    @abstractmethod
    async def connect_spec(self, stream: str) -> ConnectSpec:
        """Where and how to connect ``stream`` (called before every connection)."""

    # The word a venue's subscribe and unsubscribe frames carry: on most venues they differ by nothing else.
    subscribe_verb: ClassVar[str] = "subscribe"
    unsubscribe_verb: ClassVar[str] = "unsubscribe"

    async def connect_spec_for(self, stream: str, trading_pairs: Sequence[str]) -> ConnectSpec:
        """Where and how to connect the socket of ``stream`` that carries ``trading_pairs``: a venue whose
        socket URL names its market (Cube's ``/md/book/{market_id}``, with ``max_subscriptions_per_socket = 1``)
        overrides this; by default every socket of a stream connects alike (``connect_spec``)."""
        return await self.connect_spec(stream)

    @abstractmethod
    def subscription_frames(self, verb: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        """Frames that subscribe or unsubscribe (``verb``) ``trading_pairs`` on ``stream``."""

    def subscriptions_per_pair(self, stream: str) -> int:
        """How many of the venue's subscriptions one pair takes on ``stream`` (depth and trades: two)."""
        return 1

    def subscribe_payloads(self, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        """Frames that subscribe ``trading_pairs`` on ``stream``."""
        return self.subscription_frames(self.subscribe_verb, stream, trading_pairs)

    def unsubscribe_payloads(self, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        """Frames that unsubscribe ``trading_pairs`` on ``stream``."""
        return self.subscription_frames(self.unsubscribe_verb, stream, trading_pairs)

    def resync_payloads(self, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        """Frames that bring a fresh book snapshot on ``stream`` (``ResyncMode.RESUBSCRIBE``): unsubscribe
        and subscribe again by default; a venue that answers a snapshot request on a live subscription
        (Bitmart's ``op: request``) sends that instead."""
        return self.unsubscribe_payloads(stream, trading_pairs) + self.subscribe_payloads(stream, trading_pairs)

    @abstractmethod
    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        """Turn one decoded frame into core messages; control frames give nothing."""

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        """A REST book snapshot; venues that resync by resubscribing need not implement it."""
        raise NotSupported(f"{type(self).__name__} has no REST snapshot; it resyncs by {self.resync_mode.value}")

    # STREAM_REQUEST: seconds to wait for the venue's answer to a snapshot request before asking again.
    snapshot_request_timeout: ClassVar[float] = 5.0

    def snapshot_request_frames(self, trading_pair: str) -> list[Any]:
        """STREAM_REQUEST: the frames that ask the book's socket for ``trading_pair``'s snapshot. The
        venue's answer comes on the same stream, and ``parse`` yields it as a SNAPSHOT message."""
        raise NotSupported(f"{type(self).__name__} asks for no snapshot on its stream; it resyncs by "
                           f"{self.resync_mode.value}")

    async def on_open(self, stream: str, connection: WSConnection, trading_pairs: Sequence[str]) -> None:
        """Send what a fresh connection needs; by default the subscriptions."""
        for payload in self.subscribe_payloads(stream, trading_pairs):
            await connection.send(payload)


class UserStreamDataSource(ABC):
    """How to open a venue's private stream and what its messages mean."""

    # Seconds between keepalive calls (a listen key refresh), or None.
    keepalive_interval: ClassVar[float | None] = None
    # True where the venue acknowledges the subscription: the stream then counts as live only once
    # ``parse`` has yielded StreamAction.SUBSCRIBED, not as soon as the socket is open.
    confirms_subscription: ClassVar[bool] = False

    def __init__(self, connector: ConnectorView) -> None:
        self.connector = connector

    @abstractmethod
    async def connect_spec(self) -> ConnectSpec:
        """Where to connect; may create a listen key or fetch a token first."""

    async def on_open(self, connection: WSConnection) -> None:
        """Log in and subscribe on a fresh connection."""

    @abstractmethod
    def parse(self, message: Any) -> Iterable[UserMessage]:
        """Turn one private frame into order updates, fills, balances, positions or a reconnect."""

    async def keepalive(self) -> None:
        """Refresh whatever keeps the stream alive (called every ``keepalive_interval``)."""
