"""Cube signing: base64 HMAC-SHA256 of ``b"cube.xyz"`` + the timestamp in seconds as 8 little-endian bytes,
keyed with the hex-decoded 32-byte secret.

The same signature authenticates REST calls (headers ``x-api-key``, ``x-api-signature``,
``x-api-timestamp``) and the order socket (its first frame, the ``Credentials`` message). The
pre-image signs neither path nor body. No network code here.
https://cubexch.gitbook.io/cube-api/exchange-info#authentication-headers
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest

SIGNING_PREFIX = b"cube.xyz"
SECRET_BYTES = 32


def decode_secret(secret: SecretStr) -> bytes:
    """The HMAC key: the API secret is 32 bytes in hex. One that is not is refused here, before anything
    is signed or sent, by an error that names the expected format and never the secret."""
    try:
        key = bytes.fromhex(secret.get_secret_value())
    except ValueError:
        key = b""
    if len(key) != SECRET_BYTES:
        raise InvalidCredentials(f"cube: api_secret must be {SECRET_BYTES} bytes in hex ({SECRET_BYTES * 2} hex "
                                 "digits, as the API settings page issues it); nothing was sent")
    return key


def signing_pre_image(timestamp: int) -> bytes:
    """``cube.xyz`` followed by the unix time in seconds as an unsigned 64-bit little-endian integer."""
    return SIGNING_PREFIX + timestamp.to_bytes(8, "little", signed=False)


def sign(key: bytes, timestamp: int) -> str:
    return base64.b64encode(hmac.new(key, signing_pre_image(timestamp), hashlib.sha256).digest()).decode()


class CubeAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_s: Callable[[], float]) -> None:
        self._api_key = api_key
        # Checked at construction: a secret that is not 32 hex bytes stops the connector before it starts.
        decode_secret(api_secret)
        self._secret = api_secret
        # The venue's clock in seconds (local time plus the synced offset).
        self._time_s = time_s

    def __repr__(self) -> str:
        # Never name the key or the secret: reprs end up in logs.
        return "CubeAuth()"

    def signature(self) -> tuple[str, int]:
        """(signature, timestamp) for now."""
        timestamp = int(self._time_s())
        return sign(decode_secret(self._secret), timestamp), timestamp

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # Nothing of the request is signed; encoding it still fixes the bytes that are sent.
        request.encode_for_signing()
        signature, timestamp = self.signature()
        request.headers.update({"x-api-key": self._api_key.get_secret_value(), "x-api-signature": signature,
                                "x-api-timestamp": str(timestamp)})
        return request

    def credentials(self) -> dict[str, str]:
        """The order socket's ``Credentials`` message (trade.proto), as a mapping to encode."""
        signature, timestamp = self.signature()
        return {"access_key_id": self._api_key.get_secret_value(), "signature": signature,
                "timestamp": str(timestamp)}
