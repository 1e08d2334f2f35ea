"""Bitstamp X-Auth v2 signing (https://www.bitstamp.net/api/#section/Authentication).

The signature is the HMAC-SHA256 hex digest (lower case, as the docs' example prints it), keyed with
the API secret, of ``"BITSTAMP " + key + METHOD + host + path + query + content type + nonce +
timestamp + "v2" + body``. The nonce is a fresh UUID (36 characters), the timestamp milliseconds.
A request without a body must carry no Content-Type, and then the content type is absent from the
pre-image too. No network code here: the clock is handed in.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest

AUTH_VERSION = "v2"


def pre_image(api_key: str, method: str, host: str, path: str, query: str, content_type: str, nonce: str,
              timestamp: int, body: str) -> str:
    """The string Bitstamp signs; ``content_type`` is "" when there is no body."""
    return f"BITSTAMP {api_key}{method}{host}{path}{query}{content_type}{nonce}{timestamp}{AUTH_VERSION}{body}"


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class BitstampAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int],
                 new_nonce: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._time_ms = time_ms
        self._new_nonce = new_nonce

    def __repr__(self) -> str:
        return "BitstampAuth()"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        query, body = request.encode_for_signing()
        if not body:
            # An empty form still gets a Content-Type from the encoder: Bitstamp refuses one without a body.
            request.data = None
            request.headers.pop("Content-Type", None)
        content_type = request.headers.get("Content-Type", "") if body else ""
        key = self._api_key.get_secret_value()
        nonce, timestamp = self._new_nonce(), self._time_ms()
        message = pre_image(key, request.method, urlsplit(request.url).hostname or "", request.path, query,
                            content_type, nonce, timestamp, body)
        request.headers.update({
            "X-Auth": f"BITSTAMP {key}",
            "X-Auth-Signature": sign(self._secret.get_secret_value(), message),
            "X-Auth-Nonce": nonce,
            "X-Auth-Timestamp": str(timestamp),
            "X-Auth-Version": AUTH_VERSION,
        })
        return request
