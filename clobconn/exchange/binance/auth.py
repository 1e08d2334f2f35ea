"""Binance HMAC-SHA256 signing, for REST requests and WebSocket-API requests (spot and futures).

REST: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security
WS-API: https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/request-security
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest

API_KEY_HEADER = "X-MBX-APIKEY"


def sign(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload`` keyed with the API secret."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class BinanceAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int],
                 recv_window_ms: int = 5000) -> None:
        self._api_key = api_key
        self._secret = api_secret
        # The venue's clock (local time plus the synced offset), in milliseconds.
        self._time_ms = time_ms
        self._recv_window = recv_window_ms

    def __repr__(self) -> str:
        return f"BinanceAuth(recv_window_ms={self._recv_window})"

    def api_key_headers(self) -> dict[str, str]:
        """The header for key-only (unsigned) calls such as futures listen-key management."""
        return {API_KEY_HEADER: self._api_key.get_secret_value()}

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.params = {**(request.params or {}), "recvWindow": self._recv_window, "timestamp": self._time_ms()}
        # totalParams: the query string concatenated with the body, exactly as they are sent.
        query, body = request.encode_for_signing()
        signature = sign(self._secret.get_secret_value(), query + body)
        request.url = f"{request.url}&signature={signature}"
        request.headers.update(self.api_key_headers())
        return request

    def ws_signed_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """WS-API ``params`` with apiKey, timestamp and signature: the payload is sorted and not URL-encoded."""
        signed = {**(params or {}), "apiKey": self._api_key.get_secret_value(), "timestamp": self._time_ms()}
        payload = "&".join(f"{key}={value}" for key, value in sorted(signed.items()))
        signed["signature"] = sign(self._secret.get_secret_value(), payload)
        return signed
