"""NDAX signing: HMAC-SHA256, hex, over ``nonce + user id + API key``, keyed with the secret.

https://apidoc.ndax.io/#authenticateuser: the same four values (APIKey, Signature, UserId, Nonce)
are the socket's ``AuthenticateUser`` payload and, as headers, authenticate a REST call. Nothing in
the request itself is signed; the nonce (milliseconds) only grows. No network code here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest


def sign(secret: str, nonce: str, user_id: str, api_key: str) -> str:
    return hmac.new(secret.encode(), f"{nonce}{user_id}{api_key}".encode(), hashlib.sha256).hexdigest()


def check_user_id(user_id: SecretStr) -> str:
    """The user id the key was issued to: a positive integer, refused before anything is sent otherwise."""
    value = user_id.get_secret_value().strip()
    if not value.isdigit() or int(value) == 0:
        raise InvalidCredentials("ndax: the user id is not a positive integer (NDAX shows it with the API key, "
                                 "e.g. user_id=\"96\"); nothing was sent")
    return value


class NdaxAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, user_id: SecretStr,
                 time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self.user_id = check_user_id(user_id)
        self._time_ms = time_ms
        self._last_nonce = 0

    def __repr__(self) -> str:
        # Never name the key or the secret: reprs end up in logs.
        return "NdaxAuth()"

    def credentials(self) -> dict[str, str]:
        """APIKey, Signature, UserId and Nonce: the AuthenticateUser payload and the REST headers."""
        # Strictly increasing, even for two calls in the same millisecond.
        nonce = max(self._time_ms(), self._last_nonce + 1)
        self._last_nonce = nonce
        api_key = self._api_key.get_secret_value()
        return {"APIKey": api_key, "Signature": sign(self._secret.get_secret_value(), str(nonce), self.user_id,
                                                    api_key), "UserId": self.user_id, "Nonce": str(nonce)}

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The request's contents are not signed, but encode them once so what is sent is final.
        request.encode_for_signing()
        request.headers.update(self.credentials())
        return request
