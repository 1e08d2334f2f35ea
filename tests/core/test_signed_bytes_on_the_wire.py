"""What each venue receives is what was signed: signatures recomputed over the raw request line.

Every connector with signed REST sends a GET and a POST whose query values (and JSON body values)
carry , : / * ! ' and a JSON fragment, through its real RestClient, to a loopback server that keeps
the request line exactly as it arrived (``raw_path``) and the raw body. Each venue's signature is then
recomputed here from the venue's signing docs, never by calling the connector's signer, over what was
received, and compared with the signature the request carried.

Before the fix the query was signed as ``urlencode`` wrote it (``BTC%2CUSDT``) and yarl sent it
re-normalised (``BTC,USDT``): OKX, Bybit, KuCoin and Gate.io all failed here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

import clobconn
from clobconn.core.web.auth import RestRequest, encode_query

API_KEY = "wire-test-api-key"
API_SECRET = "wire-test-api-secret"
PASSPHRASE = "wire-test-passphrase"
PATH = "/signed/probe"

# The characters the issue names, in query values, plus a JSON fragment (its braces and quotes must be
# percent-encoded, so the encoded and the signed forms are checked on those too).
QUERY = {"ccy": "BTC,USDT", "instId": "BTC-USDT:SWAP/a*b!c'd", "filter": '{"state":["live","partially_filled"]}'}
BODY = {"text": "t-a,b:c/d*e!f'g", "clOrdId": "x:y", "meta": '{"k":[1,"v,w"]}'}


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    raw_path: str  # path and raw query string exactly as they arrived
    body: bytes
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.raw_path.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.raw_path.split("?", 1)[1] if "?" in self.raw_path else ""


def hmac_sha256(secret: str, payload: str) -> bytes:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()


# == each venue's rule, from its docs =============================================================

def total_params_signatures(key_header: str) -> Callable[[Received], tuple[str, str]]:
    """Binance's rule, which MEXC, Bitrue and HashKey follow under their own key header: totalParams
    (the query string concatenated with the body) signed with HMAC-SHA256, hex; the signature is the
    last query parameter.
    https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security,
    https://www.mexc.com/api-docs/spot-v3/general-info#signed,
    https://github.com/Bitrue-exchange/Spot-official-api-docs#signed-trade-and-user_data-endpoint-security,
    https://hashkeyglobal-apidoc.readme.io/reference/authentication"""
    def signatures(sent: Received) -> tuple[str, str]:
        payload, _, signature = sent.query.rpartition("&signature=")
        assert sent.headers[key_header] == API_KEY
        return hmac_sha256(API_SECRET, payload + sent.body.decode()).hex(), unquote(signature)
    return signatures


binance_signatures = total_params_signatures("X-MBX-APIKEY")
bitrue_signatures = total_params_signatures("X-MBX-APIKEY")
hashkey_signatures = total_params_signatures("X-HK-APIKEY")
mexc_signatures = total_params_signatures("X-MEXC-APIKEY")


def okx_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA256(timestamp + METHOD + requestPath (with its query) + body)).
    https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature"""
    pre_image = f"{sent.headers['OK-ACCESS-TIMESTAMP']}{sent.method}{sent.raw_path}{sent.body.decode()}"
    assert sent.headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
    return base64.b64encode(hmac_sha256(API_SECRET, pre_image)).decode(), sent.headers["OK-ACCESS-SIGN"]


def bybit_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA256(timestamp + api_key + recv_window + queryString for GET, or the JSON body for POST).
    https://bybit-exchange.github.io/docs/v5/guide#create-a-request"""
    payload = sent.query if sent.method == "GET" else sent.body.decode()
    pre_image = f"{sent.headers['X-BAPI-TIMESTAMP']}{API_KEY}{sent.headers['X-BAPI-RECV-WINDOW']}{payload}"
    return hmac_sha256(API_SECRET, pre_image).hex(), sent.headers["X-BAPI-SIGN"]


def kucoin_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA256(timestamp + METHOD + endpoint (with its query) + body)); key version 2 sends the
    passphrase signed too. https://www.kucoin.com/docs-new/doc-338144"""
    pre_image = f"{sent.headers['KC-API-TIMESTAMP']}{sent.method}{sent.raw_path}{sent.body.decode()}"
    assert sent.headers["KC-API-PASSPHRASE"] == base64.b64encode(hmac_sha256(API_SECRET, PASSPHRASE)).decode()
    return base64.b64encode(hmac_sha256(API_SECRET, pre_image)).decode(), sent.headers["KC-API-SIGN"]


def bitget_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA256(timestamp + METHOD + requestPath + "?" + queryString + body)), the timestamp in
    epoch milliseconds, the passphrase as typed. https://www.bitget.com/api-doc/common/signature"""
    pre_image = f"{sent.headers['ACCESS-TIMESTAMP']}{sent.method}{sent.raw_path}{sent.body.decode()}"
    assert sent.headers["ACCESS-PASSPHRASE"] == PASSPHRASE and sent.headers["ACCESS-KEY"] == API_KEY
    assert sent.headers["ACCESS-TIMESTAMP"].isdigit() and len(sent.headers["ACCESS-TIMESTAMP"]) == 13
    return base64.b64encode(hmac_sha256(API_SECRET, pre_image)).decode(), sent.headers["ACCESS-SIGN"]


def gate_io_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA512(METHOD\\npath\\nquery string without URL encoding\\nhex SHA512(body)\\ntimestamp): the
    query as the venue decodes it. https://www.gate.com/docs/developers/apiv4/en/#api-signature-string-generation"""
    pre_image = "\n".join([sent.method, sent.path, unquote(sent.query), hashlib.sha512(sent.body).hexdigest(),
                           sent.headers["Timestamp"]])
    expected = hmac.new(API_SECRET.encode(), pre_image.encode(), hashlib.sha512).hexdigest()
    return expected, sent.headers["SIGN"]


def bing_x_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA256 over the parameters sorted by name, as sent (every one in the query string); the
    signature is the last parameter. https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/REST%20API.md#signature-authentication"""
    payload, _, signature = sent.query.rpartition("&signature=")
    names = [piece.partition("=")[0] for piece in payload.split("&")]
    assert names == sorted(names), names
    assert sent.headers["X-BX-APIKEY"] == API_KEY
    return hmac_sha256(API_SECRET, payload).hex(), signature


def htx_signatures(sent: Received) -> tuple[str, str]:
    """base64 HMAC-SHA256 over METHOD\\nhost\\npath\\nthe query (the auth parameters with the request's
    own, sorted by name, every reserved character encoded); the signature is the last parameter.
    https://huobiapi.github.io/docs/spot/v1/en/#signature-authentication"""
    payload, _, signature = sent.query.rpartition("&Signature=")
    names = [piece.partition("=")[0] for piece in payload.split("&")]
    assert names == sorted(names), names
    assert f"AccessKeyId={API_KEY}" in payload.split("&") and "SignatureVersion=2" in payload.split("&")
    host = sent.headers["Host"].split(":")[0]
    pre_image = f"{sent.method}\n{host}\n{sent.path}\n{payload}"
    return base64.b64encode(hmac_sha256(API_SECRET, pre_image)).decode(), unquote(signature)


def bitstamp_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA256("BITSTAMP " + key + METHOD + host + path + query + content type + nonce + timestamp
    + "v2" + body); a request without a body has no Content-Type, in its headers or in the pre-image.
    https://www.bitstamp.net/api/#section/Authentication"""
    content_type = sent.headers["Content-Type"] if sent.body else ""
    assert sent.body or "Content-Type" not in sent.headers
    host = sent.headers["Host"].rsplit(":", 1)[0]
    pre_image = (f"BITSTAMP {API_KEY}{sent.method}{host}{sent.path}{sent.query}{content_type}"
                 f"{sent.headers['X-Auth-Nonce']}{sent.headers['X-Auth-Timestamp']}v2{sent.body.decode()}")
    assert sent.headers["X-Auth"] == f"BITSTAMP {API_KEY}" and sent.headers["X-Auth-Version"] == "v2"
    return hmac_sha256(API_SECRET, pre_image).hex(), sent.headers["X-Auth-Signature"]


def bitmart_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA256(timestamp#memo#queryString): the query string of a GET, the JSON body of a POST, as
    sent; the memo is the passphrase, signed and never sent. https://developer-pro.bitmart.com/en/part2/auth.html"""
    payload = sent.query if sent.method == "GET" else sent.body.decode()
    assert PASSPHRASE not in repr(sent.headers) and sent.headers["X-BM-KEY"] == API_KEY
    pre_image = f"{sent.headers['X-BM-TIMESTAMP']}#{PASSPHRASE}#{payload}"
    return hmac_sha256(API_SECRET, pre_image).hex(), sent.headers["X-BM-SIGN"]


# BTC Markets issues its secrets base64-encoded and refuses any other (this one decodes to 24 bytes).
BASE64_SECRET = base64.b64encode(b"wire-test-api-secret-b64").decode()


def btc_markets_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA512(base64-decoded secret, METHOD + path (without its query) + timestamp + body)).
    https://docs.btcmarkets.net/v3/#section/Authentication; github.com/BTCMarkets/api-v3-client-python"""
    pre_image = f"{sent.method}{sent.path}{sent.headers['BM-AUTH-TIMESTAMP']}{sent.body.decode()}"
    assert sent.headers["BM-AUTH-APIKEY"] == API_KEY
    digest = hmac.new(base64.b64decode(BASE64_SECRET), pre_image.encode(), hashlib.sha512).digest()
    return base64.b64encode(digest).decode(), sent.headers["BM-AUTH-SIGNATURE"]


NDAX_USER_ID = "96"


def ndax_signatures(sent: Received) -> tuple[str, str]:
    """hex HMAC-SHA256(Nonce + UserId + APIKey): the request itself is not signed, the four values travel
    as headers. https://apidoc.ndax.io/#authenticateuser"""
    headers = sent.headers
    assert headers["APIKey"] == API_KEY and headers["UserId"] == NDAX_USER_ID
    return hmac_sha256(API_SECRET, f"{headers['Nonce']}{NDAX_USER_ID}{API_KEY}").hex(), headers["Signature"]


def ascendex_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA256(secret, "<x-auth-timestamp>+<api-path>")), the api-path being the call's name
    under the account group and the account category ("order" for /{group}/api/pro/v1/cash/order); the
    query and the body are not signed. https://ascendex.github.io/ascendex-pro-api/#sign-a-request"""
    assert sent.path == ASCENDEX_PATH and sent.headers["x-auth-key"] == API_KEY
    pre_image = f"{sent.headers['x-auth-timestamp']}+order"
    return base64.b64encode(hmac_sha256(API_SECRET, pre_image)).decode(), sent.headers["x-auth-signature"]


# AscendEx signs the name of a documented call, so its probe is one: placing an order in account group 6.
ASCENDEX_PATH = "/6/api/pro/v1/cash/order"


KRAKEN_SECRET = base64.b64encode(API_SECRET.encode()).decode()


def kraken_signatures(sent: Received) -> tuple[str, str]:
    """base64 HMAC-SHA512, keyed with the base64-decoded secret, of path + SHA256(nonce + body); the nonce
    is in the body (a JSON body here) and the query is not signed. https://docs.kraken.com/api/docs/guides/spot-rest-auth"""
    nonce = str(orjson.loads(sent.body)["nonce"])
    digest = hashlib.sha256(nonce.encode() + sent.body).digest()
    signature = hmac.new(base64.b64decode(KRAKEN_SECRET), sent.path.encode() + digest, hashlib.sha512).digest()
    assert sent.headers["API-Key"] == API_KEY
    return base64.b64encode(signature).decode(), sent.headers["API-Sign"]
# Cube issues its secrets as 32 bytes in hex and refuses any other.
HEX_SECRET = hashlib.sha256(b"wire-test-api-secret-hex").hexdigest()


def cube_signatures(sent: Received) -> tuple[str, str]:
    """base64(HMAC-SHA256(hex-decoded secret, b"cube.xyz" + the x-api-timestamp seconds as 8 little-endian
    bytes)): nothing of the request itself is signed, so the bytes sent only need to arrive intact.
    https://cubexch.gitbook.io/cube-api/exchange-info#authentication-headers"""
    assert sent.headers["x-api-key"] == API_KEY
    pre_image = b"cube.xyz" + int(sent.headers["x-api-timestamp"]).to_bytes(8, "little")
    digest = hmac.new(bytes.fromhex(HEX_SECRET), pre_image, hashlib.sha256).digest()
    return base64.b64encode(digest).decode(), sent.headers["x-api-signature"]


@dataclass(frozen=True, slots=True)
class Venue:
    connector_id: str
    signatures: Callable[[Received], tuple[str, str]]
    answer: dict[str, Any]  # a success envelope the connector's error extractor accepts
    body_in_query: bool = False  # Binance sends every parameter in the query string, POSTs included
    # The comma as it travels: raw by default, percent-encoded where the venue wants every reserved
    # character encoded (MEXC).
    comma: str = ","
    # The secret the venue accepts (BTC Markets: base64 only).
    secret: str = API_SECRET
    # The third credential as the venue takes it (NDAX: the user id, a number).
    passphrase: str = PASSPHRASE
    # The path probed (a venue whose signature names the call needs a real one).
    path: str = PATH


VENUES = [
    Venue("binance", binance_signatures, {}, body_in_query=True),
    Venue("binance_perpetual", binance_signatures, {}, body_in_query=True),
    Venue("bing_x", bing_x_signatures, {"code": 0, "msg": "", "data": {}}, body_in_query=True),
    Venue("bitrue", bitrue_signatures, {}, body_in_query=True),
    Venue("mexc", mexc_signatures, {}, body_in_query=True, comma="%2C"),
    Venue("okx", okx_signatures, {"code": "0", "msg": "", "data": []}),
    Venue("bybit", bybit_signatures, {"retCode": 0, "retMsg": "OK", "result": {}}),
    Venue("bybit_perpetual", bybit_signatures, {"retCode": 0, "retMsg": "OK", "result": {}}),
    Venue("kucoin", kucoin_signatures, {"code": "200000", "data": {}}),
    Venue("kucoin_perpetual", kucoin_signatures, {"code": "200000", "data": {}}),
    Venue("gate_io", gate_io_signatures, {}),
    Venue("gate_io_perpetual", gate_io_signatures, {}),
    Venue("hashkey", hashkey_signatures, {}, body_in_query=True),
    # The perpetual sends its batch as a JSON body: totalParams is the query followed by that body.
    Venue("hashkey_perpetual", hashkey_signatures, {}),
    Venue("htx", htx_signatures, {"status": "ok", "data": {}}, comma="%2C"),
    Venue("bitstamp", bitstamp_signatures, {}),
    Venue("bitmart", bitmart_signatures, {"code": 1000, "message": "OK", "data": {}}),
    Venue("btc_markets", btc_markets_signatures, {}, secret=BASE64_SECRET),
    Venue("ndax", ndax_signatures, {}, passphrase=NDAX_USER_ID),
    Venue("bitget_perpetual", bitget_signatures, {"code": "00000", "msg": "success", "data": {}}),
    Venue("ascendex", ascendex_signatures, {"code": 0, "data": {}}, path=ASCENDEX_PATH),
    Venue("kraken", kraken_signatures, {"error": [], "result": {}}, secret=KRAKEN_SECRET),
    Venue("cube", cube_signatures, {"result": {}}, secret=HEX_SECRET),
]


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[Received], dict[str, Any]]]:
    """A loopback server that records every request as received and answers with ``answer``."""
    received: list[Received] = []
    answer: dict[str, Any] = {}

    async def record(request: web.Request) -> web.Response:
        received.append(Received(request.method, request.raw_path, await request.read(), dict(request.headers)))
        return web.json_response(answer)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", received, answer
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("venue", VENUES, ids=[venue.connector_id for venue in VENUES])
async def test_the_signature_covers_the_bytes_the_venue_receives(
    venue: Venue, recorder: tuple[str, list[Received], dict[str, Any]]
) -> None:
    url, received, answer = recorder
    answer.update(venue.answer)
    conn = clobconn.get_connector(venue.connector_id, api_key=API_KEY, api_secret=venue.secret,
                                  passphrase=venue.passphrase, rest_url=url, trading=False)
    try:
        await conn.rest.request("GET", venue.path, params=QUERY, signed=True)
        if venue.body_in_query:
            await conn.rest.request("POST", venue.path, params={**QUERY, **BODY}, signed=True)
        else:
            await conn.rest.request("POST", venue.path, params=QUERY, data=BODY, signed=True)
    finally:
        await conn.rest.close()

    assert [sent.method for sent in received] == ["GET", "POST"]
    for sent in received:
        # The values reached the venue intact (the server decodes them back to what was given)...
        query = _parse_query(sent.query)
        for key, value in QUERY.items():
            assert query[key] == value
        # ... the request carries the characters under test as they were encoded once, not re-normalised...
        assert f"BTC{venue.comma}USDT" in sent.query and "%7B%22state%22" in sent.query
        # ... and the signature is the venue's, over exactly what arrived.
        expected, carried = venue.signatures(sent)
        assert carried == expected, f"{venue.connector_id} {sent.method} {sent.raw_path}"
    if not venue.body_in_query:
        # (Kraken puts its nonce first.)
        assert received[1].body.decode().split('"text":', 1)[1].startswith('"t-a,b:c/d*e!f\'g"')


def _parse_query(raw: str) -> dict[str, str]:
    return {unquote(key): unquote(value) for key, _, value in (piece.partition("=") for piece in raw.split("&"))}


def test_the_query_is_encoded_once_with_only_unambiguous_characters_left_raw() -> None:
    # Left raw: what a server reads the same whether it decodes or not. Encoded: what it would split
    # on or decode differently (& = + ; # % ? and space, never "+" for a space), JSON, and non-ASCII.
    query = encode_query({"a": "BTC,USDT:x/y*z!w'()@", "b": "1 2+3&c=4;5#6%7?8", "j": '{"k":[1]}', "s": "\uff11"})
    assert query == ("a=BTC,USDT:x/y*z!w'()@&b=1%202%2B3%26c%3D4%3B5%236%257%3F8&j=%7B%22k%22:%5B1%5D%7D"
                     "&s=%EF%BC%91")


def test_an_unsigned_request_is_finished_by_the_same_encoder() -> None:
    request = RestRequest("GET", "https://h/api/x", "/api/x", params={"symbols": '["BTCUSDT","ETHUSDT"]'})
    assert request.encode_for_signing() == ('symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D', "")
    # A second call (the RestClient's, after a signer's) changes nothing and returns the same strings.
    assert request.encode_for_signing() == ('symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D', "")
    assert request.url == "https://h/api/x?symbols=%5B%22BTCUSDT%22,%22ETHUSDT%22%5D" and request.params is None


async def test_a_binance_ed25519_signature_arrives_percent_encoded_and_verifies_over_the_received_query(
    recorder: tuple[str, list[Received], dict[str, Any]]
) -> None:
    url, received, _ = recorder
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    conn = clobconn.get_connector("binance", api_key=API_KEY, api_secret=pem, rest_url=url, trading=False)
    try:
        await conn.rest.request("GET", PATH, params=QUERY, signed=True)
    finally:
        await conn.rest.close()
    (sent,) = received
    payload, _, signature = sent.query.rpartition("&signature=")
    # base64's + / = travel percent-encoded ("+" would arrive as a space)...
    assert not set(signature) & set("+/=")
    # ... and the signature is Ed25519 over the query exactly as it arrived.
    key.public_key().verify(base64.b64decode(unquote(signature)), payload.encode())


async def test_a_coinbase_jwt_names_the_method_host_and_path_the_venue_receives(
    recorder: tuple[str, list[Received], dict[str, Any]]
) -> None:
    """Coinbase signs no bytes of the request: its JWT's uri claim is "METHOD host/path" (no query), and it
    must name what the venue received. https://docs.cdp.coinbase.com/get-started/authentication/jwt-authentication"""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    url, received, _ = recorder
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption()).decode()
    conn = clobconn.get_connector("coinbase_advanced_trade", api_key=API_KEY, api_secret=pem, rest_url=url,
                                  trading=False)
    try:
        await conn.rest.request("GET", PATH, params=QUERY, signed=True)
        await conn.rest.request("POST", PATH, params=QUERY, data=BODY, signed=True)
    finally:
        await conn.rest.close()
    for sent in received:
        token = sent.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, key.public_key(), algorithms=["ES256"])
        assert claims["uri"] == f"{sent.method} {sent.headers['Host']}{sent.path}"
        assert _parse_query(sent.query) == QUERY
