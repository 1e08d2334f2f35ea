"""Pre-hash signing: base64 HMAC-SHA256 over ``timestamp + METHOD + requestPath[?query] + body``.

OKX, KuCoin and Bitget sign a REST request this way and send the key, the signature, the timestamp
and the API key's passphrase in four headers; they differ only in the headers' names, the timestamp's
form (OKX: ISO 8601; KuCoin and Bitget: epoch milliseconds) and what travels as the passphrase
(KuCoin sends it signed too). OKX and Bitget log in on their private WebSocket with the same
``login`` op, signing ``timestamp + "GET" + <a fixed path>`` with the timestamp in seconds.
A venue declares its names on a subclass; nothing here is venue code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest, hmac_sha256_base64


class PrehashSignedAuth(AuthBase):
    key_header: ClassVar[str]
    sign_header: ClassVar[str]
    timestamp_header: ClassVar[str]
    passphrase_header: ClassVar[str]
    # The path the WebSocket ``login`` op signs in place of a request path, where the venue logs in that way.
    ws_login_path: ClassVar[str | None] = None

    def __init__(self, api_key: SecretStr, api_secret: SecretStr, passphrase: SecretStr,
                 time_ms: Callable[[], int], fixed_headers: Mapping[str, str] | None = None) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._passphrase = passphrase
        # The venue's clock (local time plus the synced offset), in milliseconds.
        self._time_ms = time_ms
        # Sent with every signed request (a demo-trading flag, say).
        self._fixed_headers = dict(fixed_headers or {})

    def __repr__(self) -> str:
        # Never name the key, the secret or the passphrase: reprs end up in logs.
        return f"{type(self).__name__}(fixed_headers={sorted(self._fixed_headers)})"

    def sign(self, pre_image: str) -> str:
        return hmac_sha256_base64(self._secret.get_secret_value(), pre_image)

    def timestamp(self) -> str:
        """The timestamp header's value, which the pre-image starts with: epoch milliseconds by default."""
        return str(self._time_ms())

    def passphrase_value(self) -> str:
        """What the passphrase header carries: the passphrase as typed, by default."""
        return self._passphrase.get_secret_value()

    def extra_headers(self) -> dict[str, str]:
        """Headers the venue wants on every signed request besides the four (a key version, a demo flag)."""
        return dict(self._fixed_headers)

    def headers(self, method: str, request_path: str, body: str) -> dict[str, str]:
        """The signed headers for ``request_path`` (the path with its ``?query``) and the body as sent."""
        timestamp = self.timestamp()
        return {
            self.key_header: self._api_key.get_secret_value(),
            self.sign_header: self.sign(f"{timestamp}{method}{request_path}{body}"),
            self.timestamp_header: timestamp,
            self.passphrase_header: self.passphrase_value(),
            **self.extra_headers(),
        }

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The query belongs to the signed path; the body is signed exactly as sent.
        query, body = request.encode_for_signing()
        path = f"{request.path}?{query}" if query else request.path
        request.headers.update(self.headers(request.method, path, body))
        return request

    def ws_login_payload(self) -> dict[str, Any] | None:
        """The ``login`` op: Unix seconds, signed as ``GET <ws_login_path>``."""
        if self.ws_login_path is None:
            return None
        timestamp = str(self._time_ms() // 1000)
        return {"op": "login", "args": [{
            "apiKey": self._api_key.get_secret_value(),
            "passphrase": self._passphrase.get_secret_value(),
            "timestamp": timestamp,
            "sign": self.sign(f"{timestamp}GET{self.ws_login_path}"),
        }]}
