"""Cube signing: base64 HMAC-SHA256 of ``b"cube.xyz"`` + the time in seconds as 8 little-endian bytes, keyed
with the hex-decoded 32-byte secret. It signs no part of the request, and authenticates REST calls (headers
``x-api-key``, ``x-api-signature``, ``x-api-timestamp``) and the order socket (its ``Credentials`` frame).
https://cubexch.gitbook.io/cube-api/exchange-info#authentication-headers. No network code here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest


def decode_secret(secret: SecretStr) -> bytes:
    """The HMAC key. A secret that is not 32 bytes in hex is refused before anything is signed or sent, by an
    error that names the expected format and never the secret."""
    try:
        key = bytes.fromhex(secret.get_secret_value())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InvalidCredentials("cube: api_secret must be 32 bytes in hex (64 hex digits, as the API settings "
                                 "page issues it); nothing was sent")
    return key


def signing_pre_image(timestamp: int) -> bytes:
    return b"cube.xyz" + timestamp.to_bytes(8, "little", signed=False)


def sign(key: bytes, timestamp: int) -> str:
    return base64.b64encode(hmac.new(key, signing_pre_image(timestamp), hashlib.sha256).digest()).decode()


class CubeAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_s: Callable[[], float]) -> None:
        self._api_key = api_key
        # Checked at construction: a secret that does not parse stops the connector before it starts.
        decode_secret(api_secret)
        self._secret = api_secret
        self._time_s = time_s  # the venue's clock in seconds

    def __repr__(self) -> str:
        return "CubeAuth()"  # never the key or the secret: reprs end up in logs

    def _signed_now(self) -> tuple[str, str, int]:
        timestamp = int(self._time_s())
        return self._api_key.get_secret_value(), sign(decode_secret(self._secret), timestamp), timestamp

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.encode_for_signing()  # nothing of it is signed, but this fixes the bytes that are sent
        key, signature, timestamp = self._signed_now()
        request.headers.update({"x-api-key": key, "x-api-signature": signature, "x-api-timestamp": str(timestamp)})
        return request

    def credentials(self) -> dict[str, str]:
        """The order socket's ``Credentials`` message (trade.proto), as a mapping to encode."""
        key, signature, timestamp = self._signed_now()
        return {"access_key_id": key, "signature": signature, "timestamp": str(timestamp)}
