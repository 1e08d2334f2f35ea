"""MEXC spot user data: a listen key from /api/v3/userDataStream, then three protobuf channels on /ws.

https://www.mexc.com/api-docs/spot-v3/websocket-user-data-streams
The key's lifecycle (create, keep alive every 30 minutes, renew on reconnect) is the core's; MEXC
adds a subscription frame, which it acknowledges in JSON before any event comes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.mexc.constants import (
    CREATE_LISTEN_KEY,
    HEARTBEAT,
    KEEP_LISTEN_KEY,
    PRIVATE_CHANNELS,
    WS_PATH,
)
from clobconn.exchange.mexc.order_book_data_source import decode_push
from clobconn.exchange.mexc.parsers import stream_balance, stream_order_update, stream_trade_update

logger = logging.getLogger(__name__)


class MexcUserStreamDataSource(ListenKeyUserStreamDataSource):
    create_key = CREATE_LISTEN_KEY
    keep_key_alive = KEEP_LISTEN_KEY
    # A key lives 60 minutes from its last PUT; the docs advise one every 30 minutes.
    keepalive_interval = 30 * 60.0
    socket_path = f"{WS_PATH}?listenKey={{key}}"
    heartbeat = HEARTBEAT
    # MEXC sends no expiry event: an expired key's socket is closed, and the reconnect makes a new key.
    expiry_events = frozenset()
    # The stream is live once MEXC has acknowledged the subscription, not as soon as the socket opens.
    confirms_subscription = True
    # The same socket limits as the public streams (see MexcOrderBookDataSource).
    max_socket_lifetime = 24 * 3600.0

    async def connect_spec(self) -> ConnectSpec:
        spec = await super().connect_spec()
        spec.binary_decoder = decode_push
        return spec

    async def on_open(self, connection: WSConnection) -> None:
        await connection.send({"method": "SUBSCRIPTION", "params": list(PRIVATE_CHANNELS)})

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        if "channel" not in message:
            # The JSON answer to our subscription: {"id": 0, "code": 0, "msg": "<channels>"}.
            if message.get("code") == 0 and str(message.get("msg", "")).startswith("spot@private"):
                return (StreamAction.SUBSCRIBED,)
            if message.get("code") not in (0, None):
                logger.error("%s: user stream subscription refused: %s", self.connector.name, message)
                return (StreamAction.RECONNECT,)
            return ()
        if "privateAccount" in message:
            return (stream_balance(message["privateAccount"]),)
        pair = self.connector.trading_pair_of(message.get("symbol", ""))
        if pair is None:
            return ()
        if "privateOrders" in message:
            return (stream_order_update(pair, message["privateOrders"]),)
        if "privateDeals" in message:
            return (stream_trade_update(pair, message["privateDeals"]),)
        return ()
