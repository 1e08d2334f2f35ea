"""Gate.io APIv4 signing for REST requests, private WebSocket subscriptions and the WebSocket API's login
(spot and futures).

REST: https://www.gate.com/docs/developers/apiv4/en/#api-signature-string-generation
WS: https://www.gate.com/docs/developers/apiv4/ws/en/#authentication
WS API login: https://www.gate.com/docs/developers/apiv4/ws/en/#login
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from pydantic import SecretStr

from clobconn.core.web.auth import AuthBase, RestRequest

# HexEncode(SHA512("")): the body hash of a request without a body.
EMPTY_BODY_HASH = hashlib.sha512(b"").hexdigest()


def sign(secret: str, payload: str) -> str:
    """HexEncode(HMAC_SHA512(secret, payload))."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha512).hexdigest()


def rest_preimage(method: str, path: str, query: str, body: bytes, timestamp: str) -> str:
    """METHOD \\n /api/v4/path \\n query string \\n HexEncode(SHA512(body)) \\n Timestamp."""
    body_hash = hashlib.sha512(body).hexdigest() if body else EMPTY_BODY_HASH
    return f"{method}\n{path}\n{query}\n{body_hash}\n{timestamp}"


def ws_preimage(channel: str, event: str, timestamp: int) -> str:
    return f"channel={channel}&event={event}&time={timestamp}"


def ws_api_preimage(channel: str, req_param: str, timestamp: int) -> str:
    """The WebSocket API's signed string: event ("api"), channel, request parameters (none for a login) and
    time, one a line."""
    return f"api\n{channel}\n{req_param}\n{timestamp}"


class GateIoAuth(AuthBase):
    def __init__(self, api_key: SecretStr, api_secret: SecretStr, time_s: Callable[[], float]) -> None:
        self._api_key = api_key
        self._secret = api_secret
        # The venue's clock (local time plus the synced offset), in seconds.
        self._time_s = time_s

    def __repr__(self) -> str:
        return "GateIoAuth()"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # The body hash covers exactly what is sent. The query is signed "without URL encoding" (Gate's
        # rule; its own SDK signs unquote(urlencode(...))): the venue decodes what it receives. The
        # shared encoder leaves , : / * ! ' raw, so for those the decoded and the sent forms agree.
        query, body = request.encode_for_signing()
        timestamp = str(int(self._time_s()))
        preimage = rest_preimage(request.method, request.path, unquote(query), body.encode(), timestamp)
        request.headers.update({"KEY": self._api_key.get_secret_value(), "Timestamp": timestamp,
                                "SIGN": sign(self._secret.get_secret_value(), preimage),
                                "Accept": "application/json"})
        return request

    def ws_request(self, channel: str, event: str, payload: Any = None) -> dict[str, Any]:
        """A private channel's subscribe frame: every one carries its own signed ``auth``."""
        timestamp = int(self._time_s())
        frame: dict[str, Any] = {"time": timestamp, "channel": channel, "event": event}
        if payload is not None:
            frame["payload"] = payload
        frame["auth"] = {"method": "api_key", "KEY": self._api_key.get_secret_value(),
                         "SIGN": sign(self._secret.get_secret_value(), ws_preimage(channel, event, timestamp))}
        return frame

    def ws_api_login(self, channel: str, req_id: str) -> dict[str, Any]:
        """The WebSocket API's login request (``spot.login``, ``futures.login``): the session it opens may
        place and cancel without signing each request."""
        timestamp = int(self._time_s())
        signature = sign(self._secret.get_secret_value(), ws_api_preimage(channel, "", timestamp))
        return {"time": timestamp, "channel": channel, "event": "api",
                "payload": {"api_key": self._api_key.get_secret_value(), "signature": signature,
                            "timestamp": str(timestamp), "req_id": req_id}}
