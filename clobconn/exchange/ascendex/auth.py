"""AscendEx signing: base64 HMAC-SHA256 of ``<timestamp>+<api-path>``.

https://ascendex.github.io/ascendex-pro-api/#authenticate-a-restful-request: headers ``x-auth-key``,
``x-auth-timestamp`` (milliseconds) and ``x-auth-signature``; the pre-image names the call (``order``,
``balance``, ``order/status``; constants.SIGNED_NAMES), not its parameters or body. The secret is used
as it is typed (the docs' worked examples). The private stream signs ``stream`` in an ``auth`` op.
No network code: the clock is handed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest, hmac_sha256_base64
from clobconn.exchange.ascendex.constants import SIGNED_NAMES


def pre_image(timestamp_ms: int, api_path: str) -> str:
    return f"{timestamp_ms}+{api_path}"


def signed_name(path: str) -> str:
    """The api-path a request's pre-image names: what follows /api/pro/ (after the account group)."""
    return SIGNED_NAMES[path.split("/api/pro/", 1)[1].split("?", 1)[0]]


class AscendexAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._time_ms = time_ms

    def __repr__(self) -> str:
        return "AscendexAuth()"

    def headers(self, api_path: str) -> dict[str, str]:
        timestamp = int(self._time_ms())
        signature = hmac_sha256_base64(self._secret.get_secret_value(), pre_image(timestamp, api_path))
        return {"x-auth-key": self._api_key.get_secret_value(), "x-auth-timestamp": str(timestamp),
                "x-auth-signature": signature}

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The query and body are not signed; they are still finished here, as for every venue.
        request.encode_for_signing()
        request.headers.update(self.headers(signed_name(request.path)))
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        """The private stream's ``auth`` op (Method 2 of WebSocket Authentication)."""
        headers = self.headers(SIGNED_NAMES["v1/stream"])
        return {"op": "auth", "id": "login", "t": int(headers["x-auth-timestamp"]),
                "key": headers["x-auth-key"], "sig": headers["x-auth-signature"]}
