"""RestClient against the loopback MockVenue (and once against aioresponses)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from yarl import URL

from clobconn.core.errors import (
    AuthenticationError,
    BadSymbol,
    ClobconnError,
    DuplicateClientOrderId,
    ErrorRule,
    ExchangeError,
    ExchangeNotAvailable,
    InsufficientFunds,
    InvalidTimestamp,
    MissingCredentials,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RateLimitExceeded,
    RequestTimeout,
    VenueErrorTable,
    redact,
)
from clobconn.core.venue import RateLimitReset, ResetUnit
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.rest import RestClient, default_error_extractor
from clobconn.core.web.throttler import AsyncThrottler, LinkedLimit, RateLimit
from clobconn.testing import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.helpers import eventually

API_KEY = "KEY-9f8e7d6c5b4a-public-but-private"
SIGNATURE = "SIG-0123456789abcdef0123456789abcdef"

ERROR_TABLE: VenueErrorTable = {
    "-1121": BadSymbol,
    "-1021": InvalidTimestamp,
    "-2013": OrderNotFound,
    # One code, several meanings: split by the venue's message.
    "-2010": ErrorRule(
        OrderRejected,
        ("insufficient balance", InsufficientFunds),
        ("duplicate order", DuplicateClientOrderId),
    ),
}

LIMITS = [
    RateLimit("REQUEST_WEIGHT", 6000, 60.0),
    RateLimit("ORDERS", 50, 10.0),
    RateLimit("/api/v3/ticker", 6000, 60.0, linked_limits=(LinkedLimit("REQUEST_WEIGHT", 2),)),
    RateLimit("/api/v3/order", 6000, 60.0, linked_limits=(LinkedLimit("REQUEST_WEIGHT", 1), LinkedLimit("ORDERS", 1))),
    RateLimit("/api/v3/account", 6000, 60.0, linked_limits=(LinkedLimit("REQUEST_WEIGHT", 20),)),
    RateLimit("/err", 6000, 60.0),
    RateLimit("/slow", 6000, 60.0),
]


class FakeAuth(AuthBase):
    """Signs like Binance: timestamp and signature in the parameters, the key in a header and a param."""

    def __init__(self) -> None:
        self.calls = 0

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        self.calls += 1
        params = dict(request.params or {})
        params["timestamp"] = str(1_700_000_000_000 + self.calls)
        params["apiKey"] = API_KEY
        params["signature"] = SIGNATURE
        request.params = params
        request.headers["X-MBX-APIKEY"] = API_KEY
        return request


@pytest.fixture
async def client(venue: MockVenue) -> AsyncIterator[RestClient]:
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), auth=FakeAuth(), error_table=ERROR_TABLE, timeout=5.0)
    try:
        yield rest
    finally:
        await rest.close()


# -- success paths -----------------------------------------------------------------------------


async def test_json_body_is_decoded(venue: MockVenue, client: RestClient) -> None:
    venue.route("GET", "/api/v3/ticker", {"symbol": "BTCUSDT", "price": "27000.10", "levels": [["1", "2"]]})
    result = await client.request("GET", "/api/v3/ticker", params={"symbol": "BTCUSDT"})
    assert result == {"symbol": "BTCUSDT", "price": "27000.10", "levels": [["1", "2"]]}
    (recorded,) = venue.requests_to("GET", "/api/v3/ticker")
    assert recorded.query == {"symbol": "BTCUSDT"}
    assert "X-MBX-APIKEY" not in recorded.headers  # unsigned requests are not signed


async def test_json_data_is_sent_as_json(venue: MockVenue, client: RestClient) -> None:
    venue.route("POST", "/api/v3/order", {"orderId": 42})
    result = await client.request("POST", "/api/v3/order", data={"symbol": "BTCUSDT", "qty": "0.001"})
    assert result == {"orderId": 42}
    (recorded,) = venue.requests_to("POST", "/api/v3/order")
    assert recorded.json == {"symbol": "BTCUSDT", "qty": "0.001"}
    assert recorded.headers["Content-Type"] == "application/json"


async def test_non_json_and_empty_bodies(venue: MockVenue, client: RestClient) -> None:
    venue.route("GET", "/api/v3/ticker", MockResponse("pong", headers={"Content-Type": "text/plain"}))
    assert await client.request("GET", "/api/v3/ticker") == "pong"
    venue.route("DELETE", "/api/v3/order", MockResponse(b""))
    assert await client.request("DELETE", "/api/v3/order") is None


async def test_a_request_without_a_body_carries_no_content_type(venue: MockVenue, client: RestClient) -> None:
    # aiohttp alone adds application/octet-stream to a bodiless POST; Bitstamp signs the content type
    # and refuses a bodiless request that names one.
    venue.route("POST", "/api/v2/websockets_token/", {"token": "t"})
    await client.request("POST", "/api/v2/websockets_token/")
    (recorded,) = venue.requests_to("POST", "/api/v2/websockets_token/")
    assert "Content-Type" not in recorded.headers and recorded.body == b""


async def test_endpoint_path_fields_and_form_bodies(venue: MockVenue, client: RestClient) -> None:
    venue.route("POST", "/api/v2/buy/btcusd/", {"id": "1"})
    endpoint = Endpoint("POST", "/api/v2/buy/{pair}/", signed=False, form=True)
    assert await client.call(endpoint, data={"amount": "0.5"}, path_values={"pair": "btcusd"}) == {"id": "1"}
    (recorded,) = venue.requests_to("POST", "/api/v2/buy/btcusd/")
    assert recorded.form == {"amount": "0.5"}
    assert recorded.headers["Content-Type"] == "application/x-www-form-urlencoded"


class RecordingThrottler(AsyncThrottler):
    def __init__(self) -> None:
        super().__init__(LIMITS)
        self.acquired: list[str] = []

    async def acquire(self, limit_id: str) -> None:
        self.acquired.append(limit_id)
        await super().acquire(limit_id)


async def test_every_request_spends_its_limit_id(venue: MockVenue) -> None:
    venue.route("GET", "/api/v3/ticker", {"ok": 1})
    throttler = RecordingThrottler()
    rest = RestClient(venue.http_url, throttler)
    try:
        await rest.request("GET", "/api/v3/ticker")  # the path is the limit id by default
        await rest.request("GET", "/api/v3/ticker", limit_id="REQUEST_WEIGHT")
    finally:
        await rest.close()
    assert throttler.acquired == ["/api/v3/ticker", "REQUEST_WEIGHT"]
    named = RecordingThrottler()
    rest = RestClient(venue.http_url, named, default_limit_id="REQUEST_WEIGHT")
    try:
        await rest.request("GET", "/api/v3/ticker")
    finally:
        await rest.close()
    assert named.acquired == ["REQUEST_WEIGHT"]


async def test_signed_request_is_signed(venue: MockVenue, client: RestClient) -> None:
    venue.route("GET", "/api/v3/account", {"balances": []})
    await client.request("GET", "/api/v3/account", params={"omitZeroBalances": "true"}, signed=True)
    (recorded,) = venue.requests_to("GET", "/api/v3/account")
    assert recorded.query["signature"] == SIGNATURE
    assert recorded.query["omitZeroBalances"] == "true"
    assert recorded.headers["X-MBX-APIKEY"] == API_KEY


# -- error mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, {"code": -1121, "msg": "Invalid symbol."}, BadSymbol),
        (400, {"code": -2013, "msg": "Order does not exist."}, OrderNotFound),
        (400, {"code": -2010, "msg": "Account has insufficient balance for requested action."}, InsufficientFunds),
        (400, {"code": -2010, "msg": "Duplicate order sent."}, DuplicateClientOrderId),
        (400, {"code": -2010, "msg": "Order would immediately match and take."}, OrderRejected),
        (400, {"code": -9999, "msg": "Something new."}, ExchangeError),
        (401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, AuthenticationError),
        (403, "<html>WAF says no</html>", PermissionDenied),
        (404, {"msg": "not here"}, ExchangeError),
        (500, {"msg": "internal error"}, ExchangeNotAvailable),
        (502, "<html>Bad Gateway</html>", ExchangeNotAvailable),
        (503, {"code": -1001, "msg": "Internal error; unable to process your request."}, ExchangeNotAvailable),
    ],
)
async def test_refusals_map_to_typed_errors(
    venue: MockVenue, client: RestClient, status: int, body: Any, expected: type[ClobconnError]
) -> None:
    headers = {"Content-Type": "text/html"} if isinstance(body, str) else {}
    venue.route("GET", "/err", MockResponse(body, status=status, headers=headers))
    with pytest.raises(ClobconnError) as caught:
        await client.request("GET", "/err")
    error = caught.value
    assert type(error) is expected
    if isinstance(body, dict):
        assert error.venue_code == body.get("code")
        assert error.venue_message == body["msg"]
        assert body["msg"] in str(error)
    assert error.request["method"] == "GET"
    assert error.request["path"] == "/err"
    assert error.request["status"] == status
    if isinstance(error, NetworkError):
        assert error.request_sent is True


async def test_venue_code_wins_over_http_status(venue: MockVenue, client: RestClient) -> None:
    # A code from the table decides even on a 5xx answer.
    venue.route("GET", "/err", MockResponse({"code": -1121, "msg": "Invalid symbol."}, status=503))
    with pytest.raises(BadSymbol):
        await client.request("GET", "/err")


async def test_200_with_an_error_body_is_refused_by_a_venue_extractor(venue: MockVenue) -> None:
    def okx_style(status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and payload.get("code") not in (None, "0"):
            return payload["code"], payload.get("msg", "")
        return default_error_extractor(status, payload)

    table: VenueErrorTable = {"51008": InsufficientFunds}
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), error_table=table, error_extractor=okx_style)
    try:
        venue.route("POST", "/api/v3/order", {"code": "51008", "msg": "Order failed. Insufficient balance", "data": []},
                    {"code": "0", "msg": "", "data": [{"ordId": "1"}]})
        with pytest.raises(InsufficientFunds) as caught:
            await rest.request("POST", "/api/v3/order", data={"sz": "1"})
        assert caught.value.venue_code == "51008"
        assert caught.value.request["status"] == 200
        assert await rest.request("POST", "/api/v3/order", data={"sz": "1"}) == {"code": "0", "msg": "",
                                                                                  "data": [{"ordId": "1"}]}
    finally:
        await rest.close()


# -- rate limits -------------------------------------------------------------------------------


async def test_429_with_retry_after_pauses_the_pools(venue: MockVenue, client: RestClient) -> None:
    venue.route("POST", "/api/v3/order",
                MockResponse({"code": -1015, "msg": "Too many new orders."}, status=429, headers={"Retry-After": "7"}))
    before = time.monotonic()
    with pytest.raises(RateLimitExceeded) as caught:
        await client.request("POST", "/api/v3/order", data={"symbol": "BTCUSDT"})
    error = caught.value
    assert error.retry_after == 7.0
    assert error.venue_code == -1015
    assert error.request_sent is True
    throttler = client.throttler
    now = time.monotonic()
    # Every pool the endpoint spends on is paused for the Retry-After seconds; others are not.
    for limit_id in ("/api/v3/order", "ORDERS", "REQUEST_WEIGHT"):
        assert throttler.paused_until(limit_id) > now
        assert before + 7.0 <= throttler.paused_until(limit_id) <= now + 7.0
    assert throttler.paused_until("/err") == 0.0
    assert throttler.delay_for("/api/v3/ticker") > 6.0  # shares REQUEST_WEIGHT


@pytest.mark.parametrize(("status", "default_pause"), [(429, 1.0), (418, 60.0)])
async def test_429_and_418_without_retry_after(venue: MockVenue, client: RestClient, status: int,
                                               default_pause: float) -> None:
    venue.route("GET", "/err", MockResponse({"code": -1003, "msg": "Way too many requests."}, status=status))
    before = time.monotonic()
    with pytest.raises(RateLimitExceeded) as caught:
        await client.request("GET", "/err")
    assert caught.value.retry_after == default_pause
    assert client.throttler.paused_until("/err") >= before + default_pause


async def test_rate_limit_code_from_the_table_pauses_too(venue: MockVenue) -> None:
    table: VenueErrorTable = {"-1003": RateLimitExceeded}
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), error_table=table)
    try:
        venue.route("GET", "/err", MockResponse({"code": -1003, "msg": "Too much request weight used."}, status=400))
        before = time.monotonic()
        with pytest.raises(RateLimitExceeded):
            await rest.request("GET", "/err")
        assert rest.throttler.paused_until("/err") >= before + 1.0
    finally:
        await rest.close()


# -- transport failures --------------------------------------------------------------------------


async def test_slow_answer_raises_request_timeout_with_request_sent(venue: MockVenue, client: RestClient) -> None:
    release = asyncio.Event()

    async def slow(_: RecordedRequest) -> MockResponse:
        await release.wait()
        return MockResponse({"late": True})

    venue.route("POST", "/slow", slow)
    try:
        with pytest.raises(RequestTimeout) as caught:
            await client.request("POST", "/slow", data={"symbol": "BTCUSDT"}, timeout=0.2)
    finally:
        release.set()
    assert caught.value.request_sent is True
    assert caught.value.request == {"method": "POST", "path": "/slow", "data": {"symbol": "BTCUSDT"}}
    # The venue got it exactly once (on a loaded machine it may read the request after the client gave up).
    await eventually(lambda: len(venue.requests_to("POST", "/slow")) >= 1, what="the request at the venue")
    await asyncio.sleep(0.05)
    assert len(venue.requests_to("POST", "/slow")) == 1


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_refused_connection_is_exchange_not_available_not_sent() -> None:
    rest = RestClient(f"http://127.0.0.1:{closed_port()}", AsyncThrottler(LIMITS), timeout=5.0)
    try:
        with pytest.raises(ExchangeNotAvailable) as caught:
            await rest.request("POST", "/api/v3/order", data={"symbol": "BTCUSDT"})
    finally:
        await rest.close()
    error = caught.value
    assert type(error) is ExchangeNotAvailable
    assert error.request_sent is False
    assert error.request["path"] == "/api/v3/order"


async def test_signed_request_without_auth_sends_nothing(venue: MockVenue) -> None:
    venue.route("GET", "/api/v3/account", {"balances": []})
    throttler = RecordingThrottler()
    rest = RestClient(venue.http_url, throttler, auth=None)
    try:
        with pytest.raises(MissingCredentials) as caught:
            await rest.request("GET", "/api/v3/account", signed=True)
        assert isinstance(caught.value, AuthenticationError)
        assert caught.value.request == {"method": "GET", "path": "/api/v3/account"}
        # Nothing went out, and no rate-limit budget was spent on it.
        assert venue.requests == []
        assert throttler.acquired == []
        assert await rest.request("GET", "/api/v3/account") == {"balances": []}  # unsigned is fine
    finally:
        await rest.close()


# -- timestamp retry -----------------------------------------------------------------------------

TIMESTAMP_REFUSAL = MockResponse(
    {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}, status=400
)


async def test_invalid_timestamp_resyncs_and_retries_once(venue: MockVenue) -> None:
    resyncs: list[float] = []

    async def on_timestamp_error() -> None:
        resyncs.append(time.monotonic())

    auth = FakeAuth()
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), auth=auth, error_table=ERROR_TABLE,
                      on_timestamp_error=on_timestamp_error)
    try:
        venue.route("GET", "/api/v3/account", TIMESTAMP_REFUSAL, {"balances": ["ok"]})
        assert await rest.request("GET", "/api/v3/account", signed=True) == {"balances": ["ok"]}
    finally:
        await rest.close()
    assert len(resyncs) == 1
    first, second = venue.requests_to("GET", "/api/v3/account")
    # The retry is signed afresh, with a new timestamp.
    assert first.query["timestamp"] != second.query["timestamp"]
    assert second.query["signature"] == SIGNATURE
    assert auth.calls == 2


def resyncing_client(venue: MockVenue) -> tuple[RestClient, list[None]]:
    """A client whose clock re-syncs are counted (one list entry each)."""
    resyncs: list[None] = []

    async def on_timestamp_error() -> None:
        resyncs.append(None)

    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), auth=FakeAuth(), error_table=ERROR_TABLE,
                      on_timestamp_error=on_timestamp_error)
    return rest, resyncs


async def test_invalid_timestamp_retried_only_once(venue: MockVenue) -> None:
    rest, resyncs = resyncing_client(venue)
    try:
        venue.route("GET", "/api/v3/account", TIMESTAMP_REFUSAL)
        with pytest.raises(InvalidTimestamp):
            await rest.request("GET", "/api/v3/account", signed=True)
    finally:
        await rest.close()
    assert len(resyncs) == 1
    assert len(venue.requests_to("GET", "/api/v3/account")) == 2


async def test_invalid_timestamp_on_unsigned_request_is_not_retried(venue: MockVenue) -> None:
    rest, resyncs = resyncing_client(venue)
    try:
        venue.route("GET", "/api/v3/ticker", TIMESTAMP_REFUSAL, {"never": "reached"})
        with pytest.raises(InvalidTimestamp):
            await rest.request("GET", "/api/v3/ticker")
    finally:
        await rest.close()
    assert resyncs == []
    assert len(venue.requests_to("GET", "/api/v3/ticker")) == 1


# -- redaction -----------------------------------------------------------------------------------


async def test_error_request_summary_redacts_credentials(
    venue: MockVenue, client: RestClient, caplog: pytest.LogCaptureFixture
) -> None:
    venue.route("POST", "/api/v3/order",
                MockResponse({"code": -2010, "msg": "Account has insufficient balance for requested action."},
                             status=400))
    with pytest.raises(InsufficientFunds) as caught:
        await client.request("POST", "/api/v3/order", params={"symbol": "BTCUSDT", "quantity": "1"}, signed=True)
    error = caught.value
    # The venue did receive the real values.
    (recorded,) = venue.requests_to("POST", "/api/v3/order")
    assert recorded.query["signature"] == SIGNATURE
    params = error.request["params"]
    assert params["symbol"] == "BTCUSDT"
    assert params["quantity"] == "1"
    # The summary describes the request before signing: the signature never enters it.
    assert "signature" not in params
    assert "apiKey" not in params
    assert "headers" not in error.request
    logging.getLogger("test").error("order failed: %s %r %s", error, error, error.request)
    for text in (str(error), repr(error), repr(error.request), caplog.text):
        assert API_KEY not in text
        assert SIGNATURE not in text
    assert "insufficient balance" in str(error)
    assert "[POST /api/v3/order]" in str(error)


async def test_error_request_summary_redacts_json_body(venue: MockVenue, client: RestClient) -> None:
    venue.route("POST", "/api/v3/order", MockResponse({"code": -1121, "msg": "Invalid symbol."}, status=400))
    with pytest.raises(BadSymbol) as caught:
        await client.request("POST", "/api/v3/order", data={"symbol": "NOPE", "signature": SIGNATURE, "key": API_KEY})
    assert caught.value.request["data"] == {"symbol": "NOPE", "signature": "***", "key": "***"}
    assert SIGNATURE not in repr(caught.value.request)


async def test_error_request_summary_redacts_nested_credentials(venue: MockVenue, client: RestClient) -> None:
    venue.route("POST", "/api/v3/order", MockResponse({"code": -1121, "msg": "Invalid symbol."}, status=400))
    body = {"method": "private/buy", "params": {"instrument": "NOPE", "signature": SIGNATURE, "api_key": API_KEY}}
    with pytest.raises(BadSymbol) as caught:
        await client.request("POST", "/api/v3/order", data=body)
    assert SIGNATURE not in repr(caught.value.request)
    assert API_KEY not in repr(caught.value.request)


# -- without a server: aioresponses --------------------------------------------------------------


class CompatResponse(ClientResponse):
    """aioresponses 0.7.9 builds responses without the ``stream_writer`` that aiohttp 3.14 made required
    (pnuckowski/aioresponses#289); its ``response_class`` hook lets us supply a stand-in."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)



async def test_default_error_extractor_with_aioresponses() -> None:
    rest = RestClient("https://api.venue.test", AsyncThrottler(LIMITS), error_table=ERROR_TABLE)
    try:
        with aioresponses() as mocked:
            mocked.get("https://api.venue.test/api/v3/ticker?symbol=NOPE", status=400,
                       payload={"code": -1121, "msg": "Invalid symbol."}, response_class=CompatResponse)
            mocked.get("https://api.venue.test/api/v3/ticker?symbol=BTCUSDT", status=200,
                       payload={"price": "27000.10"}, response_class=CompatResponse)
            with pytest.raises(BadSymbol) as caught:
                await rest.request("GET", "/api/v3/ticker", params={"symbol": "NOPE"})
            assert await rest.request("GET", "/api/v3/ticker", params={"symbol": "BTCUSDT"}) == {"price": "27000.10"}
    finally:
        await rest.close()
    assert caught.value.venue_code == -1121
    assert caught.value.venue_message == "Invalid symbol."
    assert caught.value.request == {"method": "GET", "path": "/api/v3/ticker", "params": {"symbol": "NOPE"},
                                    "status": 400}


async def test_connect_timeout_means_nothing_was_sent() -> None:
    rest = RestClient("https://api.venue.test", AsyncThrottler(LIMITS))
    try:
        with aioresponses() as mocked:
            mocked.post("https://api.venue.test/api/v3/order",
                        exception=aiohttp.ConnectionTimeoutError("Connection timeout to host"))
            with pytest.raises(NetworkError) as caught:
                await rest.request("POST", "/api/v3/order", data={"symbol": "BTCUSDT"})
    finally:
        await rest.close()
    assert caught.value.request_sent is False


def test_default_error_extractor_reads_code_and_message() -> None:
    assert default_error_extractor(200, {"code": -1, "msg": "ignored below 400"}) is None
    assert default_error_extractor(400, {"code": -1121, "msg": "Invalid symbol."}) == (-1121, "Invalid symbol.")
    assert default_error_extractor(400, {"message": "bad"}) == (None, "bad")
    assert default_error_extractor(400, {"code": 7}) == (7, "")
    assert default_error_extractor(502, "x" * 600) == (None, "x" * 500)


@pytest.mark.parametrize("name", ["signature", "X-MBX-APIKEY", "OK-ACCESS-SIGN", "KC-API-PASSPHRASE", "TPL-KEY",
                                  "api_secret", "listenKey", "Authorization", "key", "private_key"])
def test_credential_names_are_redacted(name: str) -> None:
    assert redact({name: "s3cr3t", "symbol": "BTCUSDT"}) == {name: "***", "symbol": "BTCUSDT"}


@pytest.mark.parametrize(("reset", "header_value", "expected"), [
    (RateLimitReset("Retry-After", ResetUnit.SECONDS), "3", 3.0),
    (RateLimitReset("gw-ratelimit-reset", ResetUnit.MILLISECONDS), "2500", 2.5),
    # An epoch on the venue's clock: the venue is 100 s ahead of this machine, the reset 4 s after its now.
    (RateLimitReset("X-Bapi-Limit-Reset-Timestamp", ResetUnit.EPOCH_MILLISECONDS), "1700000004000", 4.0),
])
async def test_rate_limit_pause_follows_the_venues_reset_header(
        venue: MockVenue, reset: RateLimitReset, header_value: str, expected: float) -> None:
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS), rate_limit_resets=(reset,),
                      venue_time=lambda: 1_700_000_000.0)
    try:
        # Bybit answers a rate-limited request with HTTP 200 and retCode 10006.
        venue.route("GET", "/err", MockResponse({"code": 10006, "msg": "Too many visits!"}, status=429,
                                                 headers={reset.header: header_value}))
        before = time.monotonic()
        with pytest.raises(RateLimitExceeded) as caught:
            await rest.request("GET", "/err")
        assert caught.value.retry_after == pytest.approx(expected)
        assert rest.throttler.paused_until("/err") >= before + expected - 0.01
    finally:
        await rest.close()


async def test_a_reset_header_on_an_answer_that_is_not_a_refusal_pauses_nothing(venue: MockVenue) -> None:
    rest = RestClient(venue.http_url, AsyncThrottler(LIMITS),
                      rate_limit_resets=(RateLimitReset("X-Bapi-Limit-Reset-Timestamp", ResetUnit.EPOCH_MILLISECONDS),))
    try:
        # Bybit sends its reset header on every answer, refused or not.
        venue.route("GET", "/err", MockResponse({"ok": True},
                                                 headers={"X-Bapi-Limit-Reset-Timestamp": "99999999999999"}))
        assert await rest.request("GET", "/err") == {"ok": True}
        assert rest.throttler.paused_until("/err") == 0.0
    finally:
        await rest.close()


async def test_an_endpoint_path_is_filled_from_path_values_and_keeps_its_limit(venue: MockVenue) -> None:
    from clobconn.core.web.endpoints import Endpoint

    order = Endpoint("DELETE", "/v3/orders/{id}", signed=False)
    venue.route("DELETE", "/v3/orders/7001", {"orderId": "7001"})
    throttler = RecordingThrottler()
    rest = RestClient(venue.http_url, throttler)
    try:
        assert await rest.call(order, path_values={"id": "7001"}) == {"orderId": "7001"}
    finally:
        await rest.close()
    assert throttler.acquired == ["DELETE /v3/orders/{id}"]
    assert [r.path for r in venue.requests] == ["/v3/orders/7001"]
