"""Request security: the sandbox checks keys, HMAC signatures and timestamps as Binance does, and
answers a refusal with Binance's HTTP status, code and message.

https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security
https://developers.binance.com/docs/binance-spot-api-docs/errors
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from clobconn import AuthenticationError, get_connector
from clobconn.exchange.binance.auth import sign
from clobconn.exchange.binance.constants import ROUTES as SPOT_ROUTES
from clobconn.sandbox import Sandbox

BAD_SIGNATURE = {"code": -1022, "msg": "Signature for this request is not valid."}
STALE = {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
EARLY = {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
UNKNOWN_KEY = {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
ACCOUNT_PATHS = ("/api/v3/account", "/fapi/v3/account")


def now_ms() -> int:
    return int(time.time() * 1000)


def signed_query(secret: str, **params: Any) -> str:
    """The query string as a client builds it: the parameters, then the HMAC of exactly those bytes."""
    query = URL.build(query=params).raw_query_string
    return f"{query}&signature={sign(secret, query)}"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, url: str, key: str, body: str | None = None,
               ) -> tuple[int, Any]:
    headers = {"X-MBX-APIKEY": key, "Content-Type": "application/x-www-form-urlencoded"}
    async with http.request(method, url, headers=headers, data=body) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("path", ACCOUNT_PATHS)
async def test_signed_requests_are_checked_like_binance(sandbox: Sandbox, http: aiohttp.ClientSession,
                                                        path: str) -> None:
    key, secret = sandbox.config.api_key, sandbox.config.api_secret
    url = f"{sandbox.url}{path}"

    status, _ = await call(http, "GET", f"{url}?{signed_query(secret, recvWindow=5000, timestamp=now_ms())}", key)
    assert status == 200
    assert await call(http, "GET", f"{url}?{signed_query('not-the-secret', timestamp=now_ms())}", key) == (
        400, BAD_SIGNATURE)
    stale = signed_query(secret, recvWindow=5000, timestamp=now_ms() - 10_000)
    assert await call(http, "GET", f"{url}?{stale}", key) == (400, STALE)
    early = signed_query(secret, timestamp=now_ms() + 5_000)
    assert await call(http, "GET", f"{url}?{early}", key) == (400, EARLY)
    assert await call(http, "GET", f"{url}?{signed_query(secret, timestamp=now_ms())}", "not-a-key") == (
        401, UNKNOWN_KEY)
    # A tampered parameter breaks the signature it was signed under.
    tampered = signed_query(secret, recvWindow=5000, timestamp=now_ms()).replace("recvWindow=5000", "recvWindow=6000")
    assert await call(http, "GET", f"{url}?{tampered}", key) == (400, BAD_SIGNATURE)


async def test_the_body_is_signed_after_the_query_string(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    """totalParams is the query string concatenated with the body, as sent."""
    key, secret = sandbox.config.api_key, sandbox.config.api_secret
    query = URL.build(query={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT"}).raw_query_string
    body = URL.build(query={"timeInForce": "GTC", "quantity": "0.001", "price": "50000",
                            "timestamp": now_ms()}).raw_query_string
    url = f"{sandbox.url}/api/v3/order?{query}"
    status, answer = await call(http, "POST", url, key, f"{body}&signature={sign(secret, query + body)}")
    assert (status, answer["status"], answer["price"]) == (200, "NEW", "50000.00000000")
    assert await call(http, "POST", url, key, f"{body}&signature={sign(secret, body)}") == (400, BAD_SIGNATURE)


async def test_the_user_stream_subscription_is_signed(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    """WS-API: params sorted by name, ``key=value`` joined by ``&``, not URL-encoded."""
    key, secret = sandbox.config.api_key, sandbox.config.api_secret
    async with http.ws_connect(f"{sandbox.ws_url}/ws-api/v3") as ws:
        timestamp = now_ms()
        for request_id, signer in ((1, "not-the-secret"), (2, secret)):
            signature = sign(signer, f"apiKey={key}&timestamp={timestamp}")
            await ws.send_json({"id": request_id, "method": "userDataStream.subscribe.signature",
                                "params": {"apiKey": key, "timestamp": timestamp, "signature": signature}})
        assert await ws.receive_json() == {"id": 1, "status": 400, "error": BAD_SIGNATURE}
        assert await ws.receive_json() == {"id": 2, "status": 200, "result": {"subscriptionId": 0}}


async def test_the_connector_sees_typed_refusals(sandbox: Sandbox) -> None:
    config = sandbox.connector_config("binance") | {"api_secret": "not-the-secret"}
    connector = get_connector("binance", **config)
    try:
        with pytest.raises(AuthenticationError) as refused:
            await connector.rest.call(SPOT_ROUTES.balances)
        assert (refused.value.venue_code, refused.value.venue_message) == (-1022, BAD_SIGNATURE["msg"])
    finally:
        await connector.stop()
