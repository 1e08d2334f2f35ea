"""Bitmart signing: hex HMAC-SHA256 over ``timestamp#memo#queryString``.

https://developer-pro.bitmart.com/en/part2/auth.html: the signed "queryString" is the query string of a GET
or DELETE and the JSON body of a POST or PUT, exactly as sent; the memo (chosen when the key was made)
is signed, never sent. The WebSocket login signs ``bitmart.WebSocket`` in place of a body
(/en/ws/spot_ws/login.html). No network code here: the clock is handed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.exchange.bitmart.constants import WS_LOGIN_BODY


def sign(secret: str, timestamp: str, memo: str, payload: str) -> str:
    """The X-BM-SIGN of ``payload`` (the query string or body as sent)."""
    return hmac.new(secret.encode(), f"{timestamp}#{memo}#{payload}".encode(), hashlib.sha256).hexdigest()


class BitmartAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, memo: SecretStr, time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._memo = memo
        # The venue's clock (local time plus the synced offset): a timestamp a minute off is refused.
        self._time_ms = time_ms

    def __repr__(self) -> str:
        # Never name the key, the secret or the memo: reprs end up in logs.
        return "BitmartAuth()"

    def _sign(self, timestamp: str, payload: str) -> str:
        return sign(self._secret.get_secret_value(), timestamp, self._memo.get_secret_value(), payload)

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        query, body = request.encode_for_signing()
        timestamp = str(self._time_ms())
        request.headers.update({
            "X-BM-KEY": self._api_key.get_secret_value(),
            "X-BM-SIGN": self._sign(timestamp, query if request.method in ("GET", "DELETE") else body),
            "X-BM-TIMESTAMP": timestamp,
        })
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        """The ``login`` op on /user: [key, timestamp in ms, sign of ``bitmart.WebSocket``]."""
        timestamp = str(self._time_ms())
        return {"op": "login", "args": [self._api_key.get_secret_value(), timestamp,
                                        self._sign(timestamp, WS_LOGIN_BODY)]}
