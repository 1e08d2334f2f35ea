"""The stream roles of the venues that speak the op/arg channel protocol (OKX v5, Bitget v2; the
envelope is in ``channel_frames.py``). The public source opens each push and hands the venue the
pair and the channel's entries. The private source logs in with its signer's ``login`` op, subscribes,
counts as live once the venue acknowledges the orders channel, and reconnects on an error event.
A venue says which channels it subscribes and what their entries mean; nothing here is venue code.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar

from clobconn.core.channel_frames import ChannelPush, acknowledges, channel_push
from clobconn.core.data_source import MarketMessage, OrderBookDataSource, UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_op
from clobconn.core.web.ws import ConnectSpec, Heartbeat, StreamAction, WSConnection

logger = logging.getLogger(__name__)


class ChannelMarketSource(OrderBookDataSource):
    # Events announcing that the venue closes the socket soon (OKX's "notice"): move to a new one now.
    closing_events: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    def parse_push(self, trading_pair: str, push: ChannelPush) -> Iterable[MarketMessage]:
        """The core messages of one push on a channel of a known pair."""

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if isinstance(message, dict) and "event" in message:
            # Acks carry no data; a refused subscription or a notice of a coming disconnect is worth a line.
            event = message["event"]
            if event == "error" or event in self.closing_events:
                logger.warning("%s public stream: %s %s", self.connector.name, message.get("code"), message.get("msg"))
            return (StreamAction.RECONNECT,) if event in self.closing_events else ()
        push = channel_push(message)
        pair = None if push is None else self.connector.trading_pair_of(str(push.arg.get("instId")))
        return () if push is None or pair is None else self.parse_push(pair, push)


class ChannelUserStream(UserStreamDataSource):
    # The stream counts as live once the venue acknowledges ``confirm_channel``.
    confirms_subscription = True
    confirm_channel: ClassVar[str] = "orders"
    ws_path: ClassVar[str]
    heartbeat: ClassVar[Heartbeat]
    # Events after which the stream reconnects: a refused subscription, a notice that the socket closes.
    reconnect_events: ClassVar[frozenset[str]] = frozenset({"error"})

    @abstractmethod
    def subscribe_frame(self) -> Any:
        """The frame that subscribes the private channels, sent once the login is acknowledged."""

    @abstractmethod
    def parse_push(self, push: ChannelPush) -> Iterable[UserMessage]:
        """The core messages of one push on a private channel."""

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{self.ws_path}", heartbeat=self.heartbeat)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        frame = None if auth is None else auth.ws_login_payload()
        if frame is None:
            raise MissingCredentials(f"the {self.connector.name} private stream needs api_key, api_secret and "
                                     "passphrase")
        # Private channels may only be subscribed once the login is acknowledged; the error table says
        # which refusals stop the stream and which reconnect.
        await login_op(connection, frame, self.connector.name, self.connector.spec.error_table)
        await connection.send(self.subscribe_frame())

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if acknowledges(message, self.confirm_channel):
            return (StreamAction.SUBSCRIBED,)
        if isinstance(message, dict) and message.get("event") in self.reconnect_events:
            logger.error("%s private stream: %s %s", self.connector.name, message.get("code"), message.get("msg"))
            return (StreamAction.RECONNECT,)
        push = channel_push(message)
        return () if push is None else self.parse_push(push)
