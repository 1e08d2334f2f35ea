"""OKX v5 signing: base64 HMAC-SHA256 over ``timestamp + METHOD + requestPath(?query) + body``.

https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature and #overview-websocket-login.
No network code here: the clock is handed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest, hmac_sha256_base64
from clobconn.exchange.okx.constants import DEMO_HEADERS, WS_LOGIN_PATH

# base64 of the HMAC-SHA256 of the pre-image keyed with the API secret.
sign = hmac_sha256_base64


def iso_timestamp(time_ms: int) -> str:
    """OK-ACCESS-TIMESTAMP: ISO 8601 in UTC with milliseconds, e.g. ``2020-12-08T09:08:57.715Z``."""
    seconds, millis = divmod(time_ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


class OkxAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, passphrase: SecretStr,
                 time_ms: Callable[[], int], demo: bool = False) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._passphrase = passphrase
        # The venue's clock (local time plus the synced offset): requests more than 30 s off are refused.
        self._time_ms = time_ms
        self._demo = demo

    def __repr__(self) -> str:
        # Never name the key, the secret or the passphrase: reprs end up in logs.
        return f"OkxAuth(demo={self._demo})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The query belongs to the signed path; the body is signed exactly as sent.
        query, body = request.encode_for_signing()
        path = f"{request.path}?{query}" if query else request.path
        timestamp = iso_timestamp(self._time_ms())
        request.headers.update({
            "OK-ACCESS-KEY": self._api_key.get_secret_value(),
            "OK-ACCESS-SIGN": sign(self._secret.get_secret_value(), f"{timestamp}{request.method}{path}{body}"),
            "OK-ACCESS-TIMESTAMP": timestamp,
            "OK-ACCESS-PASSPHRASE": self._passphrase.get_secret_value(),
        })
        if self._demo:
            request.headers.update(DEMO_HEADERS)
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        """The ``login`` op on /ws/v5/private: Unix seconds, signed as ``GET /users/self/verify``."""
        timestamp = str(self._time_ms() // 1000)
        return {"op": "login", "args": [{
            "apiKey": self._api_key.get_secret_value(),
            "passphrase": self._passphrase.get_secret_value(),
            "timestamp": timestamp,
            "sign": sign(self._secret.get_secret_value(), f"{timestamp}GET{WS_LOGIN_PATH}"),
        }]}
