"""BTC Markets v3 signing: base64 HMAC-SHA512, keyed with the base64-decoded secret.

REST: the pre-image is ``METHOD + path + timestamp + body``; the path carries no query string (the
venue's own clients sign ``/v3/orders`` for ``GET /v3/orders?status=all``). The private WebSocket
subscription signs ``/users/self/subscribe`` + ``"\\n"`` + timestamp. No network code here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.exchange.btc_markets.constants import WS_SIGN_PATH


def decode_secret(secret: SecretStr) -> bytes:
    """The HMAC key: the API secret is base64. One that is not is refused here, before anything is
    signed or sent, by an error that names the cause and never the secret."""
    try:
        return base64.b64decode(secret.get_secret_value(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCredentials("btc_markets: api_secret is not valid base64 (the venue issues it base64-encoded); "
                                 "nothing was sent") from None


def sign(key: bytes, pre_image: str) -> str:
    """Base64 of the HMAC-SHA512 of ``pre_image``."""
    return base64.b64encode(hmac.new(key, pre_image.encode(), hashlib.sha512).digest()).decode()


class BtcMarketsAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int]) -> None:
        self._api_key = api_key
        # Checked at construction: a secret that is not base64 stops the connector before it starts.
        decode_secret(api_secret)
        self._secret = api_secret
        # The venue's clock (local time plus the synced offset).
        self._time_ms = time_ms

    def __repr__(self) -> str:
        # Never name the key or the secret: reprs end up in logs.
        return "BtcMarketsAuth()"

    def _hmac_key(self) -> bytes:
        return decode_secret(self._secret)

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The body is signed exactly as sent; the query is sent but not signed.
        _, body = request.encode_for_signing()
        timestamp = str(self._time_ms())
        request.headers.update({
            "BM-AUTH-APIKEY": self._api_key.get_secret_value(),
            "BM-AUTH-TIMESTAMP": timestamp,
            "BM-AUTH-SIGNATURE": sign(self._hmac_key(), f"{request.method}{request.path}{timestamp}{body}"),
        })
        return request

    def ws_subscribe_fields(self) -> dict[str, Any]:
        """``key``, ``timestamp`` and ``signature``, which a subscription to private channels carries."""
        timestamp = str(self._time_ms())
        return {"key": self._api_key.get_secret_value(), "timestamp": timestamp,
                "signature": sign(self._hmac_key(), f"{WS_SIGN_PATH}\n{timestamp}")}
