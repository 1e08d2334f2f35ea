"""Coinbase Advanced Trade signing: a fresh JWT per request, signed with the CDP API key.

https://docs.cdp.coinbase.com/get-started/authentication/jwt-authentication: the claims are ``sub``
(the key name), ``iss`` "cdp", ``nbf`` (now), ``exp`` (nbf + 120 s) and, for REST, ``uri`` =
"METHOD host/path"; the header carries ``kid`` (the key name) and a random hex ``nonce``. ES256 for an
EC (P-256) key, EdDSA for an Ed25519 one. The user channel's subscribe message carries a JWT of its own,
without ``uri`` (https://docs.cdp.coinbase.com/coinbase-app/advanced-trade-apis/websocket/websocket-auth).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.core.web.jwt_tokens import JwtSigner
from clobconn.exchange.coinbase_advanced_trade.constants import JWT_LIFETIME

KEY_FORMATS = ("a CDP API key secret: an EC private key as a PEM block ('-----BEGIN EC PRIVATE KEY-----', "
               "multi-line or on one line with \\n escapes) or an Ed25519 key as base64 (64 bytes)")


class CoinbaseAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_s: Callable[[], float]) -> None:
        # The key is read now: a secret that is no key is refused at construction, not at the first order.
        self._signer = JwtSigner(api_secret, KEY_FORMATS)
        self._key_name = api_key
        self._time_s = time_s

    def __repr__(self) -> str:
        return f"CoinbaseAuth(algorithm={self._signer.algorithm})"

    def jwt(self, uri: str | None = None) -> str:
        """A JWT valid for 120 s from now (the venue's clock); ``uri`` is "METHOD host/path" for REST."""
        name = self._key_name.get_secret_value()
        now = int(self._time_s())
        claims: dict[str, Any] = {"sub": name, "iss": "cdp", "nbf": now, "exp": now + JWT_LIFETIME}
        if uri is not None:
            claims["uri"] = uri
        return self._signer.sign(claims, {"kid": name, "nonce": secrets.token_hex(16)})

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The uri names the host and path only: the query is not part of it.
        url = urlsplit(request.url)
        request.headers["Authorization"] = f"Bearer {self.jwt(f'{request.method} {url.netloc}{url.path}')}"
        return request
