"""Kraken REST signing: API-Sign is the base64 HMAC-SHA512, keyed with the base64-decoded secret, of
``URI path + SHA256(nonce + POST body)``; the nonce travels in the body.

https://docs.kraken.com/api/docs/guides/spot-rest-auth. No network code here. The private WebSocket
takes no signature: its token comes from REST GetWebSocketsToken (user_stream_data_source.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest


def sign(secret: bytes, path: str, nonce: int, body: str) -> str:
    """API-Sign for ``path`` (from /0/private) and ``body`` (the exact bytes sent, nonce included)."""
    digest = hashlib.sha256(f"{nonce}{body}".encode()).digest()
    return base64.b64encode(hmac.new(secret, path.encode() + digest, hashlib.sha512).digest()).decode()


def decode_secret(api_secret: SecretStr) -> bytes:
    """The secret's bytes; an API secret that is not base64 is refused here, before anything is sent,
    with a message that names the format expected and never the secret."""
    try:
        return base64.b64decode(api_secret.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        pass
    # Raised outside the handler, so no decoding error travels along as its context.
    raise InvalidCredentials("kraken: api_secret must be the base64 private key Kraken shows when the API key "
                             "is created (letters, digits, '+', '/', '=' padding)")


class NonceClock:
    """Strictly increasing nonces from the wall clock in microseconds: Kraken refuses a nonce not above the
    last one the key saw. The clock keeps them rising across restarts (unless it is set back), and ``next``
    never goes at or below the last one given, within one microsecond or with a clock stepped back. One
    clock serves the whole process (``NONCES``), so a rebuilt connector never goes below the last one. Nothing
    is persisted. Concurrent requests may still arrive out of order: the key's "nonce window" allows for it."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return self._last


NONCES = NonceClock()


class KrakenAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, nonces: NonceClock = NONCES) -> None:
        self._api_key = api_key
        # Checked at construction: a secret that is not base64 never gets as far as a request.
        decode_secret(api_secret)
        self._secret = api_secret
        self._nonces = nonces

    def __repr__(self) -> str:
        # Never name the key or the secret: reprs end up in logs.
        return "KrakenAuth()"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The nonce is the body's first field; the signature covers the body exactly as it is sent.
        nonce = self._nonces.next()
        request.data = {"nonce": nonce, **(request.data or {})}
        _, body = request.encode_for_signing()
        request.headers.update({"API-Key": self._api_key.get_secret_value(),
                                "API-Sign": sign(decode_secret(self._secret), request.path, nonce, body)})
        return request
