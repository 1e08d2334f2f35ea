"""A loopback mock venue: a real aiohttp server on 127.0.0.1 that tests script.

It serves REST routes (scripted replies, 429s, 5xx, slow answers that time the client out) and
WebSocket endpoints (push frames, drop, reset or silence sockets, auto-reply to what the client
sends), and records
every request with its headers and body. Because it is a real server, the connector's real
aiohttp code paths run.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import WSMsgType, web

from clobconn.sandbox import socket_faults


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    received_at: float

    @property
    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    @property
    def params(self) -> dict[str, str]:
        """Query and form body merged: where a venue puts a signed request's parameters."""
        merged = dict(self.query)
        content_type = self.headers.get("Content-Type", "")
        if self.body and "json" not in content_type and not self.body.startswith((b"{", b"[")):
            merged.update(self.form)
        return merged

    @property
    def text(self) -> str:
        return f"{self.path}?{self.query}\n{self.body.decode(errors='replace')}"


@dataclass(slots=True)
class MockResponse:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds before answering; longer than the client's timeout makes it time out.
    delay: float = 0.0


def _path_pattern(path: str) -> re.Pattern[str]:
    """A route path with {name} (one segment) or {name:regex} placeholders, as a regular expression."""
    parts = re.split(r"\{(\w+)(?::([^}]+))?\}", path)
    regex = ""
    for index in range(0, len(parts), 3):
        regex += re.escape(parts[index])
        if index + 2 < len(parts):
            regex += f"({parts[index + 2] or '[^/]+'})"
    return re.compile(regex)


Responder = Callable[[RecordedRequest], "MockResponse | Awaitable[MockResponse]"]
WsReplier = Callable[[Any], list[Any]]
# Which requests a route answers, where a venue serves several queries on one path.
RequestFilter = Callable[[RecordedRequest], bool]


@dataclass(slots=True)
class _Route:
    responses: list[MockResponse | Responder]
    # The last scripted response repeats once the others are used up.
    index: int = 0

    def next(self) -> MockResponse | Responder:
        response = self.responses[min(self.index, len(self.responses) - 1)]
        self.index += 1
        return response


class WsEndpoint:
    """The sockets connected to one path, and everything they sent."""

    def __init__(self) -> None:
        self.sockets: list[web.WebSocketResponse] = []
        # One list of received messages per connection, in connection order.
        self.sessions: list[list[Any]] = []
        self.connect_paths: list[str] = []
        self.replier: WsReplier | None = None
        # Frames sent to each socket as soon as it connects (a venue's welcome), given its path and query.
        self.greeter: Callable[[str], list[Any]] | None = None
        # While set, connections are refused with 503 (a venue whose stream is down).
        self.refusing = False
        # Each live socket with the messages it sent, for venues that route frames by subscription.
        self.live: list[tuple[web.WebSocketResponse, list[Any]]] = []
        # Each live socket's TCP transport, to reset or silence it under the WebSocket layer.
        self.transports: dict[web.WebSocketResponse, asyncio.Transport] = {}
        # Sockets the venue keeps open but has gone silent on: nothing is sent to them, nothing read.
        self.silent: set[web.WebSocketResponse] = set()

    async def close(self, ws: web.WebSocketResponse) -> None:
        """Close a socket from the venue's side; a silent one, which reads no close answer, is aborted."""
        transport = self.transports.get(ws)
        if ws in self.silent and transport is not None:
            transport.abort()
        else:
            await ws.close()

    @property
    def received(self) -> list[Any]:
        return [m for session in self.sessions for m in session]


class MockVenue:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], _Route] = {}
        self._filtered: dict[tuple[str, str, RequestFilter], _Route] = {}
        self.endpoints: dict[str, WsEndpoint] = {}
        self.requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # No access log: it is the venue's record of the URLs it received (HTX's carry the API key in the
        # query), and a test that captures every log line to look for secrets must see only the client's.
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for endpoint in self.endpoints.values():
            for ws in list(endpoint.sockets):
                with contextlib.suppress(Exception):
                    await endpoint.close(ws)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MockVenue:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # -- REST scripting --------------------------------------------------------------------------

    def route(self, method: str, path: str, *responses: MockResponse | Responder | Any,
              when: RequestFilter | None = None) -> None:
        """Script the replies to ``method path``; a plain value is a 200 JSON body.

        A path may hold placeholders for ids venues put in the path: ``{name}`` matches one segment,
        ``{name:.+}`` anything (``/orders/{id}``, ``/orders/{ref:.+}``). An exact route wins.
        ``when`` narrows the route to the requests it accepts, for venues that answer two queries on
        one path told apart by their parameters; such routes are tried first, in the order scripted.
        """
        scripted = [r if isinstance(r, MockResponse) or callable(r) else MockResponse(r) for r in responses]
        route = _Route(scripted or [MockResponse(None, 404)])
        if when is None:
            self._routes[(method.upper(), path)] = route
        else:
            self._filtered[(method.upper(), path, when)] = route

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        if "{" in path:
            pattern = _path_pattern(path)
            return [r for r in self.requests if r.method == method.upper() and pattern.fullmatch(r.path)]
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def _find_route(self, method: str, path: str, request: RecordedRequest) -> _Route | None:
        for (route_method, route_path, when), candidate in self._filtered.items():
            if route_method == method and route_path == path and when(request):
                return candidate
        route = self._routes.get((method, path))
        if route is not None:
            return route
        for (route_method, route_path), candidate in self._routes.items():
            if route_method == method and "{" in route_path and _path_pattern(route_path).fullmatch(path):
                return candidate
        return None

    async def wait_for_requests(self, method: str, path: str, count: int = 1, timeout: float = 5.0) -> list[
            RecordedRequest]:
        await self._wait(lambda: len(self.requests_to(method, path)) >= count, timeout,
                         f"{count} request(s) to {method} {path}")
        return self.requests_to(method, path)

    # -- WebSocket scripting ---------------------------------------------------------------------

    def endpoint(self, path: str) -> WsEndpoint:
        return self.endpoints.setdefault(path, WsEndpoint())

    def on_ws_message(self, path: str, replier: WsReplier) -> None:
        """Answer each message a client sends on ``path`` with the frames ``replier`` returns."""
        self.endpoint(path).replier = replier

    def refuse_connections(self, path: str, refuse: bool = True) -> None:
        """Refuse (or accept again) new WebSocket connections on ``path``; live ones are untouched."""
        self.endpoint(path).refusing = refuse

    def on_ws_connect(self, path: str, greeter: Callable[[str], list[Any]]) -> None:
        """Greet each socket that connects to ``path`` with the frames ``greeter`` returns for its path+query."""
        self.endpoint(path).greeter = greeter

    async def push(self, path: str, frame: Any) -> int:
        """Send a frame (JSON-encoded unless str/bytes) to every client on ``path``; returns how many."""
        sent = 0
        endpoint = self.endpoint(path)
        for ws in list(endpoint.sockets):
            if ws.closed or ws in endpoint.silent:
                continue
            await _send(ws, frame)
            sent += 1
        return sent

    async def push_where(self, path: str, frame: Any, sent_by: Callable[[list[Any]], bool]) -> int:
        """Send a frame to each live client on ``path`` whose messages so far satisfy ``sent_by``
        (those subscribed to it, say); returns how many."""
        sent = 0
        endpoint = self.endpoint(path)
        for ws, session in list(endpoint.live):
            if ws.closed or ws in endpoint.silent or not sent_by(session):
                continue
            await _send(ws, frame)
            sent += 1
        return sent

    async def drop_where(self, path: str, sent_by: Callable[[list[Any]], bool]) -> int:
        """Close, from the server side, each client socket on ``path`` whose messages satisfy ``sent_by``."""
        endpoint = self.endpoint(path)
        dropped = [ws for ws, session in list(endpoint.live) if sent_by(session)]
        for ws in dropped:
            await endpoint.close(ws)
        return len(dropped)

    async def drop(self, path: str) -> None:
        """Close every client socket on ``path`` from the server side."""
        endpoint = self.endpoint(path)
        for ws in list(endpoint.sockets):
            await endpoint.close(ws)

    def reset(self, path: str) -> int:
        """Reset every client socket on ``path`` at the TCP level: the connection is aborted with an RST,
        with no WebSocket close frame (a venue's host or a middlebox dying). Returns how many."""
        endpoint = self.endpoint(path)
        reset = 0
        for ws in list(endpoint.sockets):
            transport = endpoint.transports.get(ws)
            reset += transport is not None and socket_faults.reset(transport)
        return reset

    def silence(self, path: str) -> int:
        """Keep every client socket on ``path`` open at the TCP level but go silent on it: no frame is
        sent, and nothing the client sends is read, so its pings go unanswered and no close frame is
        answered. Only the client's own heartbeat or idle timeout can tell. Returns how many."""
        endpoint = self.endpoint(path)
        silenced = 0
        for ws in list(endpoint.sockets):
            transport = endpoint.transports.get(ws)
            if transport is None or ws in endpoint.silent or not socket_faults.stop_reading(transport):
                continue
            endpoint.silent.add(ws)
            silenced += 1
        return silenced

    def connections(self, path: str) -> int:
        return len(self.endpoint(path).sessions)

    def live_connections(self, path: str) -> int:
        """Sockets open and spoken on (a silenced one is open, but dead to its client)."""
        endpoint = self.endpoint(path)
        return sum(1 for ws in endpoint.sockets if not ws.closed and ws not in endpoint.silent)

    async def wait_for_connections(self, path: str, count: int = 1, timeout: float = 5.0) -> None:
        await self._wait(lambda: self.connections(path) >= count and self.live_connections(path) > 0, timeout,
                         f"{count} connection(s) on {path}")

    async def wait_for_ws_message(self, path: str, predicate: Callable[[Any], bool], count: int = 1,
                                  timeout: float = 5.0) -> list[Any]:
        def found() -> list[Any]:
            return [m for m in self.endpoint(path).received if predicate(m)]
        await self._wait(lambda: len(found()) >= count, timeout, f"{count} matching message(s) on {path}")
        return found()

    # -- serving ---------------------------------------------------------------------------------

    async def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
            except TimeoutError:
                raise AssertionError(f"mock venue: timed out waiting for {what}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def scripted_answer(self, recorded: RecordedRequest) -> MockResponse | None:
        """Record a request and return the response scripted for its method and path (after its delay),
        or None where no route is scripted. HTTP requests come here; so do the requests a venue takes on
        a socket (Cube's order socket), which a test bridges to routes so the scenarios script them alike."""
        self.requests.append(recorded)
        await self._notify()
        route = self._find_route(recorded.method, recorded.path, recorded)
        if route is None:
            return None
        scripted = route.next()
        response = scripted if isinstance(scripted, MockResponse) else scripted(recorded)
        if not isinstance(response, MockResponse):
            response = await response
        if response.delay:
            await asyncio.sleep(response.delay)
        return response

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._serve_ws(request)
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=await request.read(),
            received_at=time.monotonic(),
        )
        response = await self.scripted_answer(recorded)
        if response is None:
            return web.json_response({"error": f"no mock route for {request.method} {request.path}"}, status=404)
        body = response.body if isinstance(response.body, bytes | str) else orjson.dumps(response.body)
        return web.Response(body=body, status=response.status, headers=response.headers,
                            content_type=None if "Content-Type" in response.headers else "application/json")

    async def _serve_ws(self, request: web.Request) -> web.WebSocketResponse:
        if self.endpoint(request.path).refusing:
            raise web.HTTPServiceUnavailable(text="stream unavailable")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        endpoint = self.endpoint(request.path)
        session: list[Any] = []
        endpoint.sockets.append(ws)
        endpoint.sessions.append(session)
        endpoint.live.append((ws, session))
        if isinstance(request.transport, asyncio.Transport):
            endpoint.transports[ws] = request.transport
        endpoint.connect_paths.append(request.path_qs)
        await self._notify()
        try:
            for greeting in endpoint.greeter(request.path_qs) if endpoint.greeter is not None else ():
                await _send(ws, greeting)
            async for frame in ws:
                if frame.type is WSMsgType.BINARY:
                    # A venue whose clients send protobuf (Cube): the frame is recorded as the bytes it is.
                    message = frame.data
                elif frame.type is not WSMsgType.TEXT:
                    continue
                else:
                    try:
                        message = orjson.loads(frame.data)
                    except orjson.JSONDecodeError:
                        message = frame.data
                session.append(message)
                if endpoint.replier is not None:
                    for reply in endpoint.replier(message):
                        await _send(ws, reply)
                await self._notify()
        finally:
            endpoint.sockets.remove(ws)
            endpoint.live.remove((ws, session))
            endpoint.transports.pop(ws, None)
            endpoint.silent.discard(ws)
            await self._notify()
        return ws


async def _send(ws: web.WebSocketResponse, frame: Any) -> None:
    """A frame as a venue sends it: bytes as a binary frame, text as it is, anything else as JSON text."""
    if isinstance(frame, bytes):
        await ws.send_bytes(frame)
    else:
        await ws.send_str(frame if isinstance(frame, str) else orjson.dumps(frame).decode())
