"""Bitrue user data: a listen key from open.bitrue.com, then wsapi.bitrue.com/stream?listenKey=.

https://github.com/Bitrue-exchange/Spot-official-api-docs#user-data-streams-websocketafter-2021-11-05
The key endpoints live on another host than the REST API and take the API key header unsigned; the
socket then needs a subscription per channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.errors import MissingCredentials
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.ws import WSConnection
from clobconn.exchange.bitrue.auth import BitrueAuth
from clobconn.exchange.bitrue.constants import (
    CREATE_LISTEN_KEY,
    KEEP_LISTEN_KEY,
    LISTEN_KEY_HOST,
    LISTEN_KEY_KEEPALIVE,
    PRIVATE_WS_PATH,
    USER_HEARTBEAT,
)
from clobconn.exchange.bitrue.parsers import parse_balance_event, parse_order_event

PRIVATE_CHANNELS = ("user_order_update", "user_balance_update")


class BitrueUserStreamDataSource(ListenKeyUserStreamDataSource):
    create_key = CREATE_LISTEN_KEY
    keep_key_alive = KEEP_LISTEN_KEY
    keepalive_interval = LISTEN_KEY_KEEPALIVE
    socket_path = PRIVATE_WS_PATH
    heartbeat = USER_HEARTBEAT
    # No expiry event is documented: an expired key closes the socket, and the reconnect makes a new one.
    expiry_events = frozenset()

    def key_host(self) -> str:
        """open.bitrue.com; a connector pointed at another REST host (a mock, a proxy) uses that one."""
        rest = self.connector.rest.base_url
        if rest != self.connector.domain_urls.rest.rstrip("/"):
            return rest
        return self.connector.domain_urls.extra[LISTEN_KEY_HOST]

    async def call_key_endpoint(self, endpoint: Endpoint, key: str | None) -> Any:
        auth = self.connector.auth
        if not isinstance(auth, BitrueAuth):
            raise MissingCredentials("the Bitrue user stream needs api_key and api_secret")
        # The keepalive names the key in its path, not in a parameter.
        path = endpoint.path.format(key=key) if key is not None else endpoint.path
        return await self.connector.rest.request(endpoint.method, path, headers=auth.api_key_headers(),
                                                 limit_id=endpoint.limit_id, base_url=self.key_host())

    @staticmethod
    def key_from(answer: Any, field: str) -> str:
        # {"msg": "succ", "code": 200, "data": {"listenKey": "..."}}
        data = answer.get("data") if isinstance(answer, Mapping) else None
        return ListenKeyUserStreamDataSource.key_from(data, field)

    async def on_open(self, connection: WSConnection) -> None:
        for channel in PRIVATE_CHANNELS:
            await connection.send({"event": "sub", "params": {"channel": channel}})

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        kind = message.get("e")
        if kind == "executionReport":
            pair = self.connector.trading_pair_of(str(message.get("s", "")).upper())
            return () if pair is None else parse_order_event(pair, message)
        if kind == "BALANCE":
            return parse_balance_event(message, self.connector.balances.get)
        # Subscription answers ("event_rep": "subed") and anything undocumented.
        return ()
