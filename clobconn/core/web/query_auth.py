"""Query-string signing, as Binance does it and the venues that copy it (MEXC, Bitrue, BingX, HashKey).

The request's parameters gain a timestamp (and, where the venue takes one, a validity window); the
query string and the body, exactly as they are sent, are signed; the signature is appended to the
query and the API key travels in a header. The secret is an HMAC-SHA256 key (hex signature), or, on
venues that accept them, a PEM Ed25519 or RSA private key (base64 signature, see private_keys.py).
A venue declares its header and parameter names on a subclass; nothing here is venue code.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import ClassVar
from urllib.parse import quote

from pydantic import SecretStr

from clobconn.core.web.auth import QUERY_SAFE, AuthBase, RestRequest
from clobconn.core.web.private_keys import PayloadSigner, is_pem_private_key, load_pem_signer


def hmac_sha256_hex(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload`` keyed with the API secret."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class HmacSigner:
    key_type = "HMAC"

    def __init__(self, secret: SecretStr) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "HmacSigner()"

    def sign(self, payload: str) -> str:
        return hmac_sha256_hex(self._secret.get_secret_value(), payload)


def payload_signer(api_secret: SecretStr, asymmetric_keys: bool = True) -> PayloadSigner:
    """The signer the secret's material calls for: a PEM private key (Ed25519 or RSA, where the venue
    takes them) or an HMAC secret."""
    if asymmetric_keys and is_pem_private_key(api_secret):
        return load_pem_signer(api_secret)
    return HmacSigner(api_secret)


class QuerySignedAuth(AuthBase):
    # The header that carries the API key (X-MBX-APIKEY, X-MEXC-APIKEY, X-BX-APIKEY, X-HK-APIKEY, ...).
    api_key_header: ClassVar[str]
    timestamp_param: ClassVar[str] = "timestamp"
    # The validity window's parameter, or None where the venue takes none.
    recv_window_param: ClassVar[str | None] = "recvWindow"
    signature_param: ClassVar[str] = "signature"
    # Whether the venue takes Ed25519/RSA keys as well as HMAC secrets.
    asymmetric_keys: ClassVar[bool] = False
    # Whether the venue signs its parameters sorted by name (BingX): they are then also sent in that order.
    sort_params: ClassVar[bool] = False
    # The characters the query carries unencoded (signed and sent alike): the core's default, or ""
    # where the venue verifies over a fully percent-encoded query (MEXC's batch parameters).
    query_safe: ClassVar[str] = QUERY_SAFE

    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int],
                 recv_window_ms: int = 5000) -> None:
        self._api_key = api_key
        # Loaded here, so an unusable key is refused when the connector is made, before anything is sent.
        self._signer = payload_signer(api_secret, self.asymmetric_keys)
        # The venue's clock (local time plus the synced offset), in milliseconds.
        self._time_ms = time_ms
        self._recv_window = recv_window_ms

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_type={self._signer.key_type}, recv_window_ms={self._recv_window})"

    @property
    def key_type(self) -> str:
        """HMAC, Ed25519 or RSA."""
        return self._signer.key_type

    def api_key_headers(self) -> dict[str, str]:
        """The header alone, for calls the venue wants keyed but unsigned (a listen key's, say)."""
        return {self.api_key_header: self._api_key.get_secret_value()}

    def signed_params(self) -> dict[str, int]:
        """What every signed request adds to its parameters before signing."""
        params = {} if self.recv_window_param is None else {self.recv_window_param: self._recv_window}
        params[self.timestamp_param] = self._time_ms()
        return params

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.params = {**(request.params or {}), **self.signed_params()}
        if self.sort_params:
            request.params = dict(sorted(request.params.items()))
        # The query string concatenated with the body, exactly as they are sent.
        query, body = request.encode_for_signing(self.query_safe)
        signature = quote(self._signer.sign(query + body), safe="")
        request.url = f"{request.url}&{self.signature_param}={signature}"
        request.headers.update(self.api_key_headers())
        return request
