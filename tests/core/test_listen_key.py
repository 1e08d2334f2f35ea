"""The listen-key user stream: a key per connection, kept alive, and a reconnect when it expires."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, cast

from clobconn.core.data_source import ConnectorView, UserMessage
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.ws import StreamAction

CREATE = Endpoint("POST", "/api/v3/userDataStream")
EXTEND = Endpoint("PUT", "/api/v3/userDataStream")


class FakeRest:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any] | None]] = []
        self.keys = iter(["key-1", "key-2", "key-3"])

    async def call(self, endpoint: Endpoint, params: dict[str, Any] | None = None) -> Any:
        self.calls.append((endpoint.method, params))
        return {"listenKey": next(self.keys)} if endpoint is CREATE else {}


class Stream(ListenKeyUserStreamDataSource):
    create_key = CREATE
    keep_key_alive = EXTEND
    socket_path = "/ws/{key}"

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        return ()


def stream() -> tuple[Stream, FakeRest]:
    rest = FakeRest()
    connector = SimpleNamespace(name="venue", rest=rest, private_ws_url="wss://private.example")
    return Stream(cast(ConnectorView, connector)), rest


async def test_each_connection_gets_a_key_in_its_url_and_the_keepalive_names_it() -> None:
    source, rest = stream()
    assert (await source.connect_spec()).url == "wss://private.example/ws/key-1"
    await source.keepalive()
    assert rest.calls == [("POST", None), ("PUT", {"listenKey": "key-1"})]
    assert (await source.connect_spec()).url == "wss://private.example/ws/key-2"


async def test_an_expired_key_reconnects_and_the_next_connection_has_a_new_one() -> None:
    source, rest = stream()
    await source.connect_spec()
    assert list(source.parse({"e": "listenKeyExpired", "E": 1})) == [StreamAction.RECONNECT]
    await source.keepalive()  # no key to keep alive until the reconnect makes one
    assert rest.calls == [("POST", None)]
    assert (await source.connect_spec()).url.endswith("/ws/key-2")


async def test_no_keepalive_before_the_first_key() -> None:
    source, rest = stream()
    await source.keepalive()
    assert rest.calls == []


class KeyedOnly(Stream):
    key_calls_signed = False
    keepalive_names_key = False


async def test_calls_keyed_but_unsigned_carry_the_api_key_header_alone() -> None:
    from pydantic import SecretStr

    from clobconn.core.web.query_auth import QuerySignedAuth

    class Auth(QuerySignedAuth):
        api_key_header = "X-KEY"

    sent: list[tuple[str, str, Any, Any]] = []

    class Rest:
        async def request(self, method: str, path: str, *, params: Any = None, headers: Any = None,
                          limit_id: str | None = None) -> Any:
            sent.append((method, path, params, headers))
            return {"listenKey": "k1"}

    auth = Auth(SecretStr("the-key"), SecretStr("the-secret"), lambda: 0)
    connector = SimpleNamespace(name="venue", rest=Rest(), auth=auth, private_ws_url="wss://p")
    source = KeyedOnly(cast(ConnectorView, connector))
    await source.connect_spec()
    await source.keepalive()
    assert sent == [("POST", CREATE.path, None, {"X-KEY": "the-key"}), ("PUT", EXTEND.path, None, {"X-KEY": "the-key"})]
