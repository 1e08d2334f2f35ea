"""Binance signing for REST requests and WebSocket-API requests (spot and futures), with any key type.

REST: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security
WS-API: https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
Key types: https://github.com/binance/binance-spot-api-docs/blob/master/faqs/api_key_types.md

The key type is read from ``api_secret``: PEM private key material (``-----BEGIN PRIVATE KEY-----``)
is an Ed25519 or RSA key and signs in base64; anything else is an HMAC secret and signs in hex.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from clobconn.core.web.query_auth import QuerySignedAuth, hmac_sha256_hex, payload_signer

__all__ = ["API_KEY_HEADER", "BinanceAuth", "payload_signer", "sign", "signature_param"]

API_KEY_HEADER = "X-MBX-APIKEY"
# The core's HMAC-SHA256 hex signer, under the name Binance's docs give it.
sign = hmac_sha256_hex


def signature_param(signature: str) -> str:
    """The ``signature`` query parameter. It is not part of the signed payload; a base64 signature
    carries + / =, so it is percent-encoded whole, as Binance's RSA and Ed25519 examples do."""
    return f"signature={quote(signature, safe='')}"


class BinanceAuth(QuerySignedAuth):
    api_key_header = API_KEY_HEADER
    asymmetric_keys = True

    def ws_signed_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """WS-API ``params`` with apiKey, timestamp and signature: the payload is sorted and not URL-encoded."""
        signed = {**(params or {}), "apiKey": self._api_key.get_secret_value(), "timestamp": self._time_ms()}
        payload = "&".join(f"{key}={value}" for key, value in sorted(signed.items()))
        # A JSON string carries a base64 signature as it is.
        signed["signature"] = self._signer.sign(payload)
        return signed
