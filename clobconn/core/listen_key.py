"""The listen-key user stream, once for every venue that has one (Binance USD-M, MEXC, Bitrue, BingX,
HashKey, ...).

The lifecycle: before every connection a key is created (a venue hands back its live key, or a new
one once the old expired), the private socket's URL carries it, the key is kept alive on the venue's
interval, and when the venue says the key expired (an event on the stream, or a keepalive refused
because the key is unknown) the stream reconnects, which creates a fresh key. A connector declares
its endpoints and the URL shape, and says how its venue signs these calls.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.query_auth import QuerySignedAuth
from clobconn.core.web.ws import Compression, ConnectSpec, Heartbeat, StreamAction

logger = logging.getLogger(__name__)


class ListenKeyUserStreamDataSource(UserStreamDataSource):
    """A private stream opened with a listen key: the venue's endpoints and URL are declared below."""

    # POST (or the venue's verb) that creates the key, or hands back the live one.
    create_key: ClassVar[Endpoint]
    # The call that extends the key's life; None where creating again extends it.
    keep_key_alive: ClassVar[Endpoint | None] = None
    # Seconds between keepalives: comfortably inside the key's life.
    keepalive_interval: ClassVar[float | None] = 30 * 60.0
    # The private socket's path, with ``{key}`` where the key goes (``/ws/{key}``, ``/private?listenKey={key}``).
    socket_path: ClassVar[str]
    heartbeat: ClassVar[Heartbeat] = Heartbeat()
    compression: ClassVar[Compression] = Compression.NONE
    # The field of the venue's answer that holds the key.
    key_field: ClassVar[str] = "listenKey"
    # Whether the listen-key calls are signed like any private call, or carry the API-key header alone
    # (Binance USD-M, BingX: the auth must then be a QuerySignedAuth, which knows that header).
    key_calls_signed: ClassVar[bool] = True
    # Whether the keepalive names the key (a venue whose account has one key may not ask for it).
    keepalive_names_key: ClassVar[bool] = True
    # Stream events that mean the key expired: the stream reconnects with a new key.
    expiry_events: ClassVar[frozenset[str]] = frozenset({"listenKeyExpired"})

    listen_key: str | None = None

    # == what a venue may change =================================================================

    async def call_key_endpoint(self, endpoint: Endpoint, key: str | None) -> Any:
        """Call a listen-key endpoint (``key`` is the live key for a keepalive), signed or keyed as the
        venue declares. A venue that calls them another way (another host, say) overrides this."""
        params = {self.key_field: key} if key is not None and self.keepalive_names_key else None
        if self.key_calls_signed:
            return await self.connector.rest.call(endpoint, params=params)
        auth = self.connector.auth
        if not isinstance(auth, QuerySignedAuth):
            raise MissingCredentials(f"{self.connector.name}: the user stream needs api_key and api_secret")
        return await self.connector.rest.request(endpoint.method, endpoint.path, params=params,
                                                 headers=auth.api_key_headers(), limit_id=endpoint.limit_id)

    def event_type(self, message: Mapping[str, Any]) -> str | None:
        """The name of a stream event, for ``expiry_events`` (Binance's ``e``)."""
        value = message.get("e")
        return value if isinstance(value, str) else None

    def private_ws_base(self) -> str:
        """Where the private socket's path is appended."""
        return self.connector.private_ws_url

    @staticmethod
    def key_from(answer: Any, field: str) -> str:
        """The key out of the venue's answer (a venue wraps it in ``data``, say: override)."""
        if isinstance(answer, Mapping) and isinstance(answer.get(field), str):
            return str(answer[field])
        raise ConnectionError(f"no listen key in the venue's answer: {answer!r}")

    # == the lifecycle ===========================================================================

    async def connect_spec(self) -> ConnectSpec:
        answer = await self.call_key_endpoint(self.create_key, None)
        self.listen_key = self.key_from(answer, self.key_field)
        path = self.socket_path.format(key=self.listen_key)
        return ConnectSpec(url=f"{self.private_ws_base()}{path}", heartbeat=self.heartbeat,
                           compression=self.compression)

    async def keepalive(self) -> None:
        key = self.listen_key
        if key is None:
            return
        # A keepalive the venue refuses (the key expired while the socket was quiet) is logged by the
        # loop; the venue then closes the socket or says the key expired, and the reconnect makes a new one.
        if self.keep_key_alive is None:
            await self.call_key_endpoint(self.create_key, None)
        else:
            await self.call_key_endpoint(self.keep_key_alive, key)

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if isinstance(message, Mapping) and self.event_type(message) in self.expiry_events:
            logger.info("%s: listen key expired; reconnecting with a new one", self.connector.name)
            self.listen_key = None
            return (StreamAction.RECONNECT,)
        return self.parse_event(message)

    @abstractmethod
    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        """Turn one private frame (not an expiry) into order updates, fills, balances or positions."""
