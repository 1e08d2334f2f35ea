"""KuCoin request signing (spot and futures hosts alike): https://www.kucoin.com/docs-new/doc-338144.

KC-API-SIGN is base64(HMAC-SHA256(secret, timestamp + METHOD + path[?query] + body)); with API key
version 2 the passphrase is not sent as typed but as base64(HMAC-SHA256(secret, passphrase)).
No network code here: the synced clock is handed in.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest, hmac_sha256_base64
from clobconn.exchange.kucoin.constants import API_KEY_VERSION

# base64 of the HMAC-SHA256 of the pre-image keyed with the API secret.
sign = hmac_sha256_base64


class KucoinAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, passphrase: SecretStr,
                 time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._passphrase = passphrase
        self._time_ms = time_ms

    def __repr__(self) -> str:
        # Never name the key, the secret or the passphrase: reprs end up in logs.
        return "KucoinAuth()"

    def headers(self, method: str, endpoint: str, body: str) -> dict[str, str]:
        """The KC-API-* headers for ``endpoint`` (the path with its query string) and the body sent."""
        secret = self._secret.get_secret_value()
        timestamp = str(self._time_ms())
        return {
            "KC-API-KEY": self._api_key.get_secret_value(),
            "KC-API-SIGN": sign(secret, f"{timestamp}{method}{endpoint}{body}"),
            "KC-API-TIMESTAMP": timestamp,
            "KC-API-PASSPHRASE": sign(secret, self._passphrase.get_secret_value()),
            "KC-API-KEY-VERSION": API_KEY_VERSION,
        }

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The signed endpoint carries the query; the body is signed exactly as sent.
        query, body = request.encode_for_signing()
        endpoint = f"{request.path}?{query}" if query else request.path
        request.headers.update(self.headers(request.method, endpoint, body))
        return request
