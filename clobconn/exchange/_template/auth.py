"""Template Exchange signing: HMAC-SHA256 hex over ``timestamp + METHOD + path + body``.

docs/connectors/_template.md#authentication. No network code here: the clock is handed in.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.exchange._template.constants import PRIVATE_WS_PATH


def sign(secret: str, timestamp: int, method: str, path: str, body: str) -> str:
    """The venue's signature: ``path`` includes the query string, ``body`` is the JSON sent (or "")."""
    pre_image = f"{timestamp}{method}{path}{body}"
    return hmac.new(secret.encode(), pre_image.encode(), hashlib.sha256).hexdigest()


class TemplateAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        # The venue's clock (local time plus the synced offset): TPL-TS must be within 5 s of it.
        self._time_ms = time_ms

    def __repr__(self) -> str:
        # Never name the key or the secret: reprs end up in logs.
        return "TemplateAuth()"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The query belongs to the signed path; the body is signed exactly as sent.
        query, body = request.encode_for_signing()
        path = f"{request.path}?{query}" if query else request.path
        timestamp = self._time_ms()
        request.headers.update({
            "TPL-KEY": self._api_key.get_secret_value(),
            "TPL-SIGN": sign(self._secret.get_secret_value(), timestamp, request.method, path, body),
            "TPL-TS": str(timestamp),
        })
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        """The first frame on /ws/private: the REST rule applied to ``GET /ws/private`` with no body."""
        timestamp = self._time_ms()
        return {"op": "login", "key": self._api_key.get_secret_value(), "ts": timestamp,
                "sign": sign(self._secret.get_secret_value(), timestamp, "GET", PRIVATE_WS_PATH, "")}
