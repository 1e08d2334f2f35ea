"""HashKey Global private stream: a listen key from REST, then /api/v1/ws/{listenKey}.

https://hashkeyglobal-apidoc.readme.io/reference/create-a-listen-key (POST, signed, 60 min life),
keepalive with PUT every 30 min; events: https://hashkeyglobal-apidoc.readme.io/reference/user-data-stream.
Each frame is a JSON array of events. The server pings (``{"ping": ms}``) and wants a pong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.exchange.hashkey.constants import (
    HEARTBEAT,
    KEEPALIVE_LISTEN_KEY,
    LISTEN_KEY,
    LISTEN_KEY_KEEPALIVE,
    PRIVATE_WS_PATH,
)
from clobconn.exchange.hashkey.parsers import parse_balance, parse_execution_report


class HashkeyUserStreamDataSource(ListenKeyUserStreamDataSource):
    create_key = LISTEN_KEY
    keep_key_alive = KEEPALIVE_LISTEN_KEY
    keepalive_interval = LISTEN_KEY_KEEPALIVE
    socket_path = PRIVATE_WS_PATH
    heartbeat = HEARTBEAT

    def parse(self, message: Any) -> Iterable[UserMessage]:
        # Events come in arrays; the base class looks at one event at a time for an expiry.
        events = message if isinstance(message, list) else [message]
        items: list[UserMessage] = []
        for event in events:
            items.extend(super().parse(event))
        return items

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, Mapping):
            return ()
        kind = message.get("e")
        if kind == "executionReport":
            pair = self.connector.trading_pair_of(str(message.get("s")))
            return () if pair is None else parse_execution_report(pair, message)
        if kind == "outboundAccountInfo":
            return [parse_balance(balance) for balance in message.get("B", ())]
        # ticketInfo repeats executionReport's fill without the fee; pongs and the rest carry nothing.
        return ()
