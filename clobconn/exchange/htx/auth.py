"""HTX signing: signature version 2 on REST, 2.1 on the /ws/v2 "auth" request.

https://www.htx.com/en-us/opend/newApiPages/?id=419 (Authentication): base64 HMAC-SHA256 over
``METHOD\\nhost\\npath\\nquery``, where the query is every parameter (the four auth ones and, for a GET,
the request's own; a POST's body is not signed) sorted by name and URI-encoded, ":" as %3A.
No network code: the clock is handed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest, encode_query, hmac_sha256_base64
from clobconn.exchange.htx.constants import PRIVATE_WS_PATH


def utc_timestamp(time_ms: int) -> str:
    """The signed Timestamp: UTC to the second, ``YYYY-MM-DDThh:mm:ss``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time_ms // 1000))


def pre_image(method: str, host: str, path: str, params: dict[str, Any]) -> str:
    """The text signed: method, lower-case host, path and the parameters sorted by name, fully encoded."""
    query = encode_query(dict(sorted(params.items())), safe="")
    return f"{method.upper()}\n{host.lower()}\n{path}\n{query}"


class HtxAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_ms: Callable[[], int], host: str) -> None:
        self._api_key = api_key
        self._secret = api_secret
        self._time_ms = time_ms
        # The host named in the ws/v2 auth pre-image (REST requests sign the host they are sent to).
        self._host = host

    def __repr__(self) -> str:
        return f"HtxAuth(host={self._host!r})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        params: dict[str, Any] = {
            "AccessKeyId": self._api_key.get_secret_value(), "SignatureMethod": "HmacSHA256",
            "SignatureVersion": "2", "Timestamp": utc_timestamp(self._time_ms()),
        }
        # A GET's own parameters are signed with them; a POST carries its parameters in the unsigned body.
        params |= request.params or {}
        # The query is sent exactly as signed: sorted by name, every reserved character encoded.
        request.params = dict(sorted(params.items()))
        query, _ = request.encode_for_signing(safe="")
        host = (urlsplit(request.url).hostname or "").lower()
        signature = hmac_sha256_base64(self._secret.get_secret_value(),
                                       f"{request.method}\n{host}\n{request.path}\n{query}")
        request.url = f"{request.url}&Signature={quote(signature, safe='')}"
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        """The /ws/v2 ``auth`` request: signature version 2.1, signed as a GET of /ws/v2; authType is not signed."""
        params = {"accessKey": self._api_key.get_secret_value(), "signatureMethod": "HmacSHA256",
                  "signatureVersion": "2.1", "timestamp": utc_timestamp(self._time_ms())}
        signature = hmac_sha256_base64(self._secret.get_secret_value(),
                                       pre_image("GET", self._host, PRIVATE_WS_PATH, params))
        return {"action": "req", "ch": "auth", "params": {"authType": "api", **params, "signature": signature}}
