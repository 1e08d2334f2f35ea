"""Coinbase Advanced Trade specifics that need no venue: the JWT, the key formats, the extra.

The JWT is decoded here and each claim and header field checked against the docs
(https://docs.cdp.coinbase.com/get-started/authentication/jwt-authentication), and its signature verified
with the public half of a key made for the test, for an EC (ES256) and an Ed25519 (EdDSA) key alike.
"""

from __future__ import annotations

import base64
import importlib
import sys
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials, MissingExtra
from clobconn.core.registry import connector_class, get_connector
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.coinbase_advanced_trade.auth import CoinbaseAuth

KEY_NAME = "organizations/1b8c5b6e-4c55-4d93-8f43-0a7c51c1a111/apiKeys/5f2d9a10-75a4-4a7b-9a64-2b3a7f5e9c01"
NOW = 1_700_000_000.0

EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED_KEY = Ed25519PrivateKey.generate()
Raw, Pem = serialization.Encoding.Raw, serialization.Encoding.PEM


def pem(key: Any, form: serialization.PrivateFormat = serialization.PrivateFormat.PKCS8) -> str:
    return str(key.private_bytes(Pem, form, serialization.NoEncryption()).decode())


EC_SEC1 = pem(EC_KEY, serialization.PrivateFormat.TraditionalOpenSSL)
ED_SEED = ED_KEY.private_bytes(Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
ED_PUBLIC = ED_KEY.public_key().public_bytes(Raw, serialization.PublicFormat.Raw)
# The CDP portal's Ed25519 secret: base64 of the 32-byte seed followed by the 32-byte public key.
ED_CDP = base64.b64encode(ED_SEED + ED_PUBLIC).decode()


def auth(secret: str) -> CoinbaseAuth:
    return CoinbaseAuth(SecretStr(KEY_NAME), SecretStr(secret), lambda: NOW)


def signed(auth_: CoinbaseAuth, method: str, url: str, params: dict[str, Any] | None = None) -> str:
    path = url.split("api.coinbase.com", 1)[1]
    request = auth_.rest_authenticate(RestRequest(method, url, path, params=params, is_auth_required=True))
    header = request.headers["Authorization"]
    assert header.startswith("Bearer ")
    return header.removeprefix("Bearer ")


# == the JWT =====================================================================================

@pytest.mark.parametrize(("secret", "public", "algorithm"), [
    (EC_SEC1, EC_KEY.public_key(), "ES256"), (ED_CDP, ED_KEY.public_key(), "EdDSA")], ids=["ec", "ed25519"])
def test_a_rest_jwt_carries_every_claim_and_header_field_and_verifies(secret: str, public: Any,
                                                                      algorithm: str) -> None:
    signer = auth(secret)
    token = signed(signer, "POST", "https://api.coinbase.com/api/v3/brokerage/orders")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == algorithm and header["typ"] == "JWT" and header["kid"] == KEY_NAME
    assert len(header["nonce"]) == 32 and int(header["nonce"], 16) >= 0
    # The signature verifies with the public key, and the claims are exactly the documented ones.
    claims = jwt.decode(token, public, algorithms=[algorithm], options={"verify_exp": False, "verify_nbf": False})
    assert claims == {"sub": KEY_NAME, "iss": "cdp", "nbf": int(NOW), "exp": int(NOW) + 120,
                      "uri": "POST api.coinbase.com/api/v3/brokerage/orders"}
    # A signature made with another key does not verify: the check above was not vacuous.
    other = ec.generate_private_key(ec.SECP256R1()).public_key() if algorithm == "ES256" else \
        Ed25519PrivateKey.generate().public_key()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=[algorithm], options={"verify_exp": False, "verify_nbf": False})


def test_every_request_gets_a_fresh_jwt_whose_uri_leaves_the_query_out() -> None:
    signer = auth(EC_SEC1)
    url = "https://api.coinbase.com/api/v3/brokerage/orders/historical/batch"
    first = signed(signer, "GET", url, {"order_status": "OPEN", "product_ids": "BTC-USD"})
    second = signed(signer, "GET", url, {"order_status": "OPEN", "product_ids": "BTC-USD"})
    assert jwt.get_unverified_header(first)["nonce"] != jwt.get_unverified_header(second)["nonce"]
    claims = jwt.decode(first, EC_KEY.public_key(), algorithms=["ES256"], options={"verify_exp": False,
                                                                                   "verify_nbf": False})
    assert claims["uri"] == "GET api.coinbase.com/api/v3/brokerage/orders/historical/batch"


@pytest.mark.parametrize(("secret", "public", "algorithm"), [
    (EC_SEC1, EC_KEY.public_key(), "ES256"), (ED_CDP, ED_KEY.public_key(), "EdDSA")], ids=["ec", "ed25519"])
def test_the_user_channel_jwt_has_no_uri(secret: str, public: Any, algorithm: str) -> None:
    token = auth(secret).jwt()
    assert jwt.get_unverified_header(token)["kid"] == KEY_NAME
    claims = jwt.decode(token, public, algorithms=[algorithm], options={"verify_exp": False, "verify_nbf": False})
    assert claims == {"sub": KEY_NAME, "iss": "cdp", "nbf": int(NOW), "exp": int(NOW) + 120}


# == key formats =================================================================================

ACCEPTED = {
    "ec-sec1-pem": (EC_SEC1, EC_KEY),
    "ec-pem-one-line-with-escapes": (EC_SEC1.strip().replace("\n", "\\n"), EC_KEY),
    "ec-pem-quoted-with-escapes": ('"' + EC_SEC1.replace("\n", "\\n") + '"', EC_KEY),
    "ec-pkcs8-pem": (pem(EC_KEY), EC_KEY),
    "ed25519-cdp-base64-64-bytes": (ED_CDP, ED_KEY),
    "ed25519-base64-seed": (base64.b64encode(ED_SEED).decode(), ED_KEY),
    "ed25519-pkcs8-pem": (pem(ED_KEY), ED_KEY),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_every_documented_key_form_loads_and_signs_with_its_key(name: str) -> None:
    secret, key = ACCEPTED[name]
    conn = get_connector("coinbase_advanced_trade", api_key=KEY_NAME, api_secret=secret)
    assert isinstance(conn.auth, CoinbaseAuth)
    algorithm = "ES256" if key is EC_KEY else "EdDSA"
    jwt.decode(conn.auth.jwt(), key.public_key(), algorithms=[algorithm])


REFUSED = {
    "not-a-key": "my-api-secret-0123456789",
    "truncated-pem": EC_SEC1[:120],
    "rsa-key": pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    "p384-ec-key": pem(ec.generate_private_key(ec.SECP384R1())),
    "ed25519-with-a-foreign-public-half": base64.b64encode(ED_SEED + bytes(32)).decode(),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_key_that_does_not_parse_is_refused_at_construction_naming_the_format(name: str) -> None:
    secret = REFUSED[name]
    with pytest.raises(InvalidCredentials) as info:
        get_connector("coinbase_advanced_trade", api_key=KEY_NAME, api_secret=secret)
    text = str(info.value)
    assert "expected a CDP API key secret" in text and "EC PRIVATE KEY" in text and "Ed25519" in text
    # Nothing of the key shows, in the message or a chained exception.
    for line in secret.splitlines():
        if len(line) > 20 and not line.startswith("-----"):
            assert line not in text and line not in repr(info.value)
    assert info.value.__cause__ is None and (info.value.__context__ is None or info.value.__suppress_context__)


def test_the_auth_repr_names_the_algorithm_only() -> None:
    assert repr(auth(EC_SEC1)) == "CoinbaseAuth(algorithm=ES256)"
    assert repr(auth(ED_CDP)) == "CoinbaseAuth(algorithm=EdDSA)"


# == the extra ===================================================================================

def test_importing_the_connector_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in [name for name in sys.modules if name.startswith("clobconn.exchange.coinbase_advanced_trade")]:
        monkeypatch.delitem(sys.modules, module)
    # None in sys.modules makes the import fail, as if PyJWT were not installed.
    monkeypatch.setitem(sys.modules, "jwt", None)
    with pytest.raises(MissingExtra, match=r"pip install 'clobconn\[coinbase\]'"):
        importlib.import_module("clobconn.exchange.coinbase_advanced_trade.exchange")
    with pytest.raises(MissingExtra, match="Coinbase Advanced Trade"):
        connector_class("coinbase_advanced_trade")
