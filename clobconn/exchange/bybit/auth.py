"""Bybit v5 signing: HMAC-SHA256 hex over ``timestamp + api_key + recv_window + payload``.

https://bybit-exchange.github.io/docs/v5/guide#create-a-request: the payload is the query string
for GET and the JSON body for POST. The private stream logs in with ``op: auth`` and a signature
over ``"GET/realtime" + expires`` (https://bybit-exchange.github.io/docs/v5/ws/connect). No network
code here: the synced clock is handed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.exchange.bybit.constants import RECV_WINDOW_MS

# How far ahead of the venue's clock a WS login's "expires" is set.
WS_AUTH_VALIDITY_MS = 10_000


def sign(secret: str, pre_image: str) -> str:
    return hmac.new(secret.encode(), pre_image.encode(), hashlib.sha256).hexdigest()


def rest_pre_image(timestamp: int, api_key: str, recv_window: int, payload: str) -> str:
    return f"{timestamp}{api_key}{recv_window}{payload}"


class BybitAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int],
                 recv_window: int = RECV_WINDOW_MS) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._time_ms = time_ms
        self._recv_window = recv_window

    def __repr__(self) -> str:
        return f"BybitAuth(recv_window={self._recv_window})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # A GET signs its query, a POST its JSON body, each exactly as sent.
        query, body = request.encode_for_signing()
        payload = body or query
        timestamp = self._time_ms()
        key = self._api_key.get_secret_value()
        request.headers.update({
            "X-BAPI-API-KEY": key,
            "X-BAPI-TIMESTAMP": str(timestamp),
            "X-BAPI-RECV-WINDOW": str(self._recv_window),
            "X-BAPI-SIGN": sign(self._secret.get_secret_value(),
                                rest_pre_image(timestamp, key, self._recv_window, payload)),
        })
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        expires = self._time_ms() + WS_AUTH_VALIDITY_MS
        signature = sign(self._secret.get_secret_value(), f"GET/realtime{expires}")
        return {"op": "auth", "args": [self._api_key.get_secret_value(), expires, signature]}
