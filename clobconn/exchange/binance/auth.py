"""Binance signing for REST requests and WebSocket-API requests (spot and futures), with any key type.

REST: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security
WS-API: https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
Key types: https://github.com/binance/binance-spot-api-docs/blob/master/faqs/api_key_types.md

The key type is read from ``api_secret``: PEM private key material (``-----BEGIN PRIVATE KEY-----``)
is an Ed25519 or RSA key and signs in base64; anything else is an HMAC secret and signs in hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.core.web.private_keys import PayloadSigner, is_pem_private_key, load_pem_signer

API_KEY_HEADER = "X-MBX-APIKEY"


def sign(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload`` keyed with the API secret."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class HmacSigner:
    key_type = "HMAC"

    def __init__(self, secret: SecretStr) -> None:
        self._secret = secret

    def __repr__(self) -> str:
        return "HmacSigner()"

    def sign(self, payload: str) -> str:
        return sign(self._secret.get_secret_value(), payload)


def payload_signer(api_secret: SecretStr) -> PayloadSigner:
    """The signer the secret's material calls for: a PEM private key (Ed25519 or RSA) or an HMAC secret."""
    return load_pem_signer(api_secret) if is_pem_private_key(api_secret) else HmacSigner(api_secret)


def signature_param(signature: str) -> str:
    """The ``signature`` query parameter. It is not part of the signed payload; a base64 signature
    carries + / =, so it is percent-encoded whole, as Binance's RSA and Ed25519 examples do."""
    return f"signature={quote(signature, safe='')}"


class BinanceAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int],
                 recv_window_ms: int = 5000) -> None:
        self._api_key = api_key
        # Loaded here, so an unusable key is refused when the connector is made, before anything is sent.
        self._signer = payload_signer(api_secret)
        # The venue's clock (local time plus the synced offset), in milliseconds.
        self._time_ms = time_ms
        self._recv_window = recv_window_ms

    def __repr__(self) -> str:
        return f"BinanceAuth(key_type={self._signer.key_type}, recv_window_ms={self._recv_window})"

    @property
    def key_type(self) -> str:
        """HMAC, Ed25519 or RSA."""
        return self._signer.key_type

    def api_key_headers(self) -> dict[str, str]:
        """The header for key-only (unsigned) calls such as futures listen-key management."""
        return {API_KEY_HEADER: self._api_key.get_secret_value()}

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.params = {**(request.params or {}), "recvWindow": self._recv_window, "timestamp": self._time_ms()}
        # totalParams: the query string concatenated with the body, exactly as they are sent.
        query, body = request.encode_for_signing()
        request.url = f"{request.url}&{signature_param(self._signer.sign(query + body))}"
        request.headers.update(self.api_key_headers())
        return request

    def ws_signed_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """WS-API ``params`` with apiKey, timestamp and signature: the payload is sorted and not URL-encoded."""
        signed = {**(params or {}), "apiKey": self._api_key.get_secret_value(), "timestamp": self._time_ms()}
        payload = "&".join(f"{key}={value}" for key, value in sorted(signed.items()))
        # A JSON string carries a base64 signature as it is.
        signed["signature"] = self._signer.sign(payload)
        return signed
