"""Order entry over a venue's WebSocket trading API: one socket kept open for placing and cancelling.

A connector whose venue takes orders on a socket (Binance's WS-API ``order.place``/``order.cancel``)
declares a ``WSOrderRoute``: where the socket is, how to build a request and how to read its answer.
``TradingSocket`` does the rest: it keeps the socket connected (``StreamRunner``), pairs each answer
with its request by id (``SocketRequests``), spends on the same rate-limit pools as the REST call
would, and types a refusal from the venue's error table as REST does.

Outcome truth is the REST path's (``core/orders/lifecycle.py``): no live socket means nothing was sent
(``NetworkError(request_sent=False)``, and ``ExchangeBase`` places over REST instead); a socket that
closes, or a venue silent past the request timeout, after the request went out is an unknown outcome
(``RequestTimeout(request_sent=True)``): the order is reconciled by client order id, never re-sent.
A 5xx answer is unknown too (the venue says so: the request may have been executed).

The socket is on the connector's ``trading_ws_url``: the private stream's host, or the venue's own trading
host where it has one (``DomainUrls.trading_ws``: Binance USDⓈ-M futures' ws-fapi). A venue that answers a
request twice (Gate.io: an ``ack`` frame, then the result with the same request id) names the first with
``WSOrderRoute.is_interim``: it is skipped, and the request waits for the answer that says what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import InFlightOrder, OrderUpdate, Placement
from clobconn.core.errors import (
    AuthenticationError,
    ClobconnError,
    InvalidTimestamp,
    NetworkError,
    RateLimitExceeded,
    error_class_for,
)
from clobconn.core.venue import VenueSpec
from clobconn.core.web.rest import RestClient
from clobconn.core.web.socket_requests import SocketRequests
from clobconn.core.web.throttler import AsyncThrottler
from clobconn.core.web.ws import ConnectSpec, Heartbeat, StreamRunner, WSConnection

logger = logging.getLogger(__name__)

# (connector, order, request id) -> the request frame. The connector is the declaring connector's own class.
RequestBuilder = Callable[[Any, InFlightOrder, int], Any]
# A refused answer's (status, venue code, venue message); None for an answer that succeeded.
Refusal = tuple[int, "str | int | None", str]


@dataclass(frozen=True, slots=True)
class WSOrderRoute:
    """A connector's table for order entry over its venue's WebSocket trading API."""

    # Appended to the connector's ``trading_ws_url``: a path, or (connector) -> the path where it differs
    # between the venue's domains.
    path: str | Callable[[Any], str]
    # The operations' names, for logs and errors (never the request itself: it carries the signature).
    place_op: str
    cancel_op: str
    build_place: RequestBuilder
    build_cancel: RequestBuilder
    # The request id an incoming frame answers; None for a frame that answers no request.
    answer_id: Callable[[Any], Hashable | None]
    # (connector, answer) -> a refused answer's status, code and message; None for a success.
    refusal: Callable[[Any, Any], Refusal | None]
    # (connector, order, the answer) -> what it says; refusals never get here.
    read_placement: Callable[[Any, InFlightOrder, Any], Placement]
    read_cancel: Callable[[Any, InFlightOrder, Any], OrderUpdate]
    # The REST endpoints' rate-limit ids: a venue counts an order the same on either route.
    place_limit_id: str
    cancel_limit_id: str
    heartbeat: Heartbeat = field(default_factory=lambda: Heartbeat(protocol_ping=30.0, idle_timeout=86_400.0))
    # A login sent once connected (a venue that authenticates the session); None where every request is signed.
    login: Callable[[Any, WSConnection], Awaitable[None]] | None = None
    # A frame that only says a request was received, ahead of its answer with the same id (Gate.io's
    # ``"ack": true``); None where the first frame for an id is the answer.
    is_interim: Callable[[Any], bool] | None = None


class TradingConnector(Protocol):
    """What the trading socket needs from its connector (``ExchangeBase`` has it all)."""

    rest: RestClient
    throttler: AsyncThrottler
    trading_ws_url: str

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> VenueSpec: ...

    @property
    def config(self) -> ConnectorConfig: ...

    async def _resync_clock(self) -> None: ...

    def _on_auth_refused(self, call: str, exc: Exception) -> None: ...


class TradingSocket:
    def __init__(self, connector: TradingConnector, route: WSOrderRoute) -> None:
        self._connector = connector
        self.route = route
        name = connector.spec.connector_id
        self._requests = SocketRequests(f"{name} trading socket", self._send, connector.config.request_timeout)
        self.runner = StreamRunner(
            name=f"{name}:trading",
            session=lambda: connector.rest.session,
            connect=self._connect_spec,
            on_open=self._on_open,
            on_message=self._on_message,
            on_disconnect=self._requests.connection_lost,
            fatal=(AuthenticationError,),
            on_fatal=lambda exc: connector._on_auth_refused("the trading socket login", exc),
        )

    @property
    def live(self) -> bool:
        return self.runner.connected.is_set()

    async def run(self) -> None:
        await self.runner.run()

    async def place(self, order: InFlightOrder) -> Placement:
        route = self.route
        answer = await self._call(order, route.build_place, route.place_op, route.place_limit_id)
        return route.read_placement(self._connector, order, answer)

    async def cancel(self, order: InFlightOrder) -> OrderUpdate:
        route = self.route
        answer = await self._call(order, route.build_cancel, route.cancel_op, route.cancel_limit_id)
        return route.read_cancel(self._connector, order, answer)

    async def _call(self, order: InFlightOrder, build: RequestBuilder, op: str, limit_id: str) -> Any:
        try:
            return await self._call_once(order, build, op, limit_id)
        except InvalidTimestamp:
            # Refused for its timestamp (so certainly not executed): as on REST, re-sync and try once more.
            await self._connector._resync_clock()
            logger.info("%s: timestamp refused on %s; the clock was re-synced, retrying once",
                        self._connector.name, op)
            return await self._call_once(order, build, op, limit_id)

    async def _call_once(self, order: InFlightOrder, build: RequestBuilder, op: str, limit_id: str) -> Any:
        connector = self._connector
        request_id = self._requests.next_id()
        if not self.live:
            raise NetworkError(f"{connector.name}: {op} not sent: the trading socket is not connected",
                               request_sent=False)
        payload = build(connector, order, request_id)
        await connector.throttler.acquire(limit_id)
        # Keyed by the id's text: a venue that wants a string id (OKX) echoes one, others echo the number.
        answer = await self._requests.request(str(request_id), payload, f"{op} {order.client_order_id}")
        refused = self.route.refusal(connector, answer)
        if refused is None:
            return answer
        status, code, message = refused
        summary = {"method": op, "path": self._path(), "status": status}
        error_cls = error_class_for(connector.spec.error_table, code, message, status)
        if error_cls is RateLimitExceeded or status in (418, 429):
            pause = 60.0 if status == 418 else 1.0
            connector.throttler.pause(limit_id, pause)
            raise RateLimitExceeded(f"rate limited on {op}", retry_after=pause, venue_code=code,
                                    venue_message=message, request=summary)
        error: ClobconnError = error_cls(f"{op} refused: {message}", venue_code=code, venue_message=message,
                                         request=summary)
        raise error

    async def _send(self, payload: Any) -> bool:
        return self.live and await self.runner.send(payload)

    def _path(self) -> str:
        path = self.route.path
        return path if isinstance(path, str) else path(self._connector)

    async def _connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self._connector.trading_ws_url}{self._path()}", heartbeat=self.route.heartbeat)

    async def _on_open(self, connection: WSConnection) -> None:
        if self.route.login is not None:
            await self.route.login(self._connector, connection)

    def _on_message(self, message: Any) -> None:
        key = self.route.answer_id(message)
        is_interim = self.route.is_interim
        if key is not None and is_interim is not None and is_interim(message):
            # Received, not yet done: the answer with this id follows.
            logger.debug("%s: trading socket request %r acknowledged; waiting for its result",
                         self._connector.name, key)
        elif key is None:
            logger.debug("%s: trading socket frame answers no request; skipped", self._connector.name)
        elif not self._requests.answer(str(key), message):
            # Its request timed out (the order is being reconciled) or was never ours.
            logger.info("%s: trading socket answer to request %r came after its wait ended", self._connector.name,
                        key)
