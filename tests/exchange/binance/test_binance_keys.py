"""Binance API key types: HMAC, Ed25519 and RSA, the type read from the secret's material.

Binance publishes one Ed25519 private key with a payload and its expected signature (the FIX logon
example, https://github.com/binance/binance-spot-api-docs/blob/master/fix-api.md, "signature
computation"), which is reproduced here. Its RSA examples (rest-api.md "SIGNED Endpoint Examples",
web-socket-api.md "SIGNED request example (RSA)") do not publish the private key, so RSA signatures
are checked against the key's public half and against the documented percent-encoding of the
documented signature.
"""

from __future__ import annotations

import base64
import logging
import sys
from collections.abc import Callable
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from pydantic import SecretStr
from yarl import URL

from clobconn import InvalidCredentials, MissingExtra
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.binance.auth import BinanceAuth, payload_signer, signature_param
from clobconn.exchange.binance.exchange import BinanceExchange

# fix-api.md: "The Ed25519 private key used in the example computation" (illustration only).
DOC_ED25519_PEM = ("-----BEGIN PRIVATE KEY-----\n"
                   "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
                   "-----END PRIVATE KEY-----\n")
DOC_ED25519_KEY_BODY = "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u"
# The payload is MsgType, SenderCompID, TargetCompID, MsgSeqNum and SendingTime joined by SOH.
DOC_FIX_PAYLOAD = "\x01".join(["A", "EXAMPLE", "SPOT", "1", "20240627-11:17:25.223"])
DOC_FIX_SIGNATURE = "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA=="

# rest-api.md, RSA keys, ASCII example: the base64 signature and, step 3, the same percent-encoded.
DOC_RSA_SIGNATURE = (
    "HZ8HOjiJ1s/igS9JA+n7+7Ti/ihtkRF5BIWcPIEluJP6tlbFM/Bf44LfZka/iemtahZAZzcO9TnI5uaXh3++lrqtNonCwp6/245UFWkiW1el"
    "pgtVAmJPbogcAv6rSlokztAfWk296ZJXzRDYAtzGH0gq7CgSJKfH+XxaCmR0WcvlKjNQnp12/eKXJYO4tDap8UCBLuyxDnR7oJKLHQHJLP0r0"
    "EAVOOSIbrFang/1WOq+Jaq4Efc4XpnTgnwlBbWTmhWDR1pvS9iVEzcSYLHT/fNnMRxFc7u+j3qI//5yuGuu14KR0MuQKKCSpViieD+fIti46s"
    "xPTsjSemoUKp0oXA==")
DOC_RSA_SIGNATURE_ENCODED = (
    "HZ8HOjiJ1s%2FigS9JA%2Bn7%2B7Ti%2FihtkRF5BIWcPIEluJP6tlbFM%2FBf44LfZka%2FiemtahZAZzcO9TnI5uaXh3%2B%2Blrqt"
    "NonCwp6%2F245UFWkiW1elpgtVAmJPbogcAv6rSlokztAfWk296ZJXzRDYAtzGH0gq7CgSJKfH%2BXxaCmR0WcvlKjNQnp12%2FeKXJYO4tD"
    "ap8UCBLuyxDnR7oJKLHQHJLP0r0EAVOOSIbrFang%2F1WOq%2BJaq4Efc4XpnTgnwlBbWTmhWDR1pvS9iVEzcSYLHT%2FfNnMRxFc7u%2Bj3"
    "qI%2F%2F5yuGuu14KR0MuQKKCSpViieD%2BfIti46sxPTsjSemoUKp0oXA%3D%3D")

# rest-api.md, the RSA and Ed25519 POST /api/v3/order example.
DOC_ORDER = {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1",
             "price": "0.2"}
DOC_TIMESTAMP = 1668481559918
DOC_API_KEY = "4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_of(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
           password: bytes | None = None) -> str:
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def doc_ed25519_public_key() -> ed25519.Ed25519PublicKey:
    key = serialization.load_pem_private_key(DOC_ED25519_PEM.encode(), password=None)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    return key.public_key()


def signed_order(auth: BinanceAuth) -> tuple[str, str]:
    """The signed payload and the signature, read back from the finished URL."""
    request = RestRequest("POST", "https://api.binance.com/api/v3/order", "/api/v3/order", params=dict(DOC_ORDER))
    query = URL(auth.rest_authenticate(request).url, encoded=True).raw_query_string
    payload, _, signature = query.rpartition("&signature=")
    return payload, signature


# == Ed25519 =====================================================================================

def test_ed25519_reproduces_the_documented_signature() -> None:
    signer = payload_signer(SecretStr(DOC_ED25519_PEM))
    assert signer.key_type == "Ed25519"
    assert signer.sign(DOC_FIX_PAYLOAD) == DOC_FIX_SIGNATURE


def test_an_ed25519_rest_request_carries_a_percent_encoded_base64_signature_over_the_sent_query() -> None:
    auth = BinanceAuth(SecretStr(DOC_API_KEY), SecretStr(DOC_ED25519_PEM), lambda: DOC_TIMESTAMP)
    payload, sent_signature = signed_order(auth)
    assert payload == ("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2"
                       "&recvWindow=5000&timestamp=1668481559918")
    # No raw + / = reaches the query string: the venue would read "+" as a space.
    assert not set(sent_signature) & set("+/=")
    signature = base64.b64decode(unquote(sent_signature))
    doc_ed25519_public_key().verify(signature, payload.encode())  # raises if it does not verify


def test_the_ws_api_signature_is_plain_base64_over_the_sorted_params() -> None:
    auth = BinanceAuth(SecretStr(DOC_API_KEY), SecretStr(DOC_ED25519_PEM), lambda: 1645423376532)
    params = auth.ws_signed_params({"symbol": "BTCUSDT", "side": "SELL", "recvWindow": 100})
    payload = ("apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&recvWindow=100"
               "&side=SELL&symbol=BTCUSDT&timestamp=1645423376532")
    doc_ed25519_public_key().verify(base64.b64decode(params["signature"]), payload.encode())


# == RSA =========================================================================================

def test_rsa_signs_pkcs1v15_sha256_in_base64(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = BinanceAuth(SecretStr(DOC_API_KEY), SecretStr(pem_of(rsa_key)), lambda: DOC_TIMESTAMP)
    assert auth.key_type == "RSA"
    payload, sent_signature = signed_order(auth)
    signature = base64.b64decode(unquote(sent_signature))
    rsa_key.public_key().verify(signature, payload.encode(), padding.PKCS1v15(), hashes.SHA256())
    # PKCS#1 v1.5 is deterministic: the same payload always gives the same signature.
    assert signature == rsa_key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_the_signature_parameter_is_percent_encoded_as_in_the_documented_rsa_example() -> None:
    assert signature_param(DOC_RSA_SIGNATURE) == f"signature={DOC_RSA_SIGNATURE_ENCODED}"
    # A hex HMAC signature needs no encoding and is left as it is.
    assert signature_param("c8db56825ae71d6d") == "signature=c8db56825ae71d6d"


# == the key type comes from the material ========================================================

def test_anything_but_pem_material_is_an_hmac_secret() -> None:
    auth = BinanceAuth(SecretStr("k"), SecretStr("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"),
                       lambda: 1)
    assert auth.key_type == "HMAC"


@pytest.mark.parametrize("make_pem", [
    lambda: pem_of(ec.generate_private_key(ec.SECP256R1())),
    lambda: pem_of(ed25519.Ed25519PrivateKey.generate(), password=b"a passphrase"),
    lambda: DOC_ED25519_PEM.replace("MC4CAQAw", "MC4CAQAx"),
], ids=["ec-key", "encrypted-key", "corrupt-key"])
def test_an_unusable_private_key_is_refused_when_the_connector_is_made(make_pem: Callable[[], str]) -> None:
    pem = make_pem()
    with pytest.raises(InvalidCredentials) as info:
        BinanceExchange(api_key="k", api_secret=pem)
    body = pem.splitlines()[1]
    assert body not in str(info.value) and body not in repr(info.value)
    # No chained library error either: a chain is logged whole.
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)


def test_without_cryptography_a_private_key_asks_for_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail as if the package were not installed.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.serialization", None)
    with pytest.raises(MissingExtra, match=r"clobconn\[coinbase\]"):
        BinanceExchange(api_key="k", api_secret=DOC_ED25519_PEM)
    # An HMAC secret never needs it.
    BinanceExchange(api_key="k", api_secret="hmac-secret")


# == secrets =====================================================================================

def test_a_private_key_never_shows_in_reprs_configs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    conn = BinanceExchange(api_key=DOC_API_KEY, api_secret=DOC_ED25519_PEM, trading_pairs=["BTC-USDT"])
    assert conn.auth is not None
    signed = conn.auth.rest_authenticate(RestRequest("GET", "https://h/api/v3/account", "/api/v3/account"))
    texts = [repr(conn), repr(conn.auth), repr(conn.config), str(conn.config), signed.url, repr(signed),
             caplog.text]
    assert repr(conn.auth) == "BinanceAuth(key_type=Ed25519, recv_window_ms=5000)"
    for text in texts:
        assert DOC_ED25519_KEY_BODY not in text and "PRIVATE KEY" not in text
