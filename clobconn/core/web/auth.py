"""The authentication hook a connector implements: one method for REST, one for WebSocket."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import orjson


@dataclass(slots=True)
class RestRequest:
    method: str
    url: str
    path: str
    params: dict[str, Any] | None = None
    # A dict is sent as JSON unless ``form`` is set; a str or bytes is sent as it is.
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    is_auth_required: bool = False
    form: bool = False
    limit_id: str = ""

    def encode_for_signing(self) -> tuple[str, str]:
        """Encode the query and the body once, as the strings that will be sent, and return them.

        Venues sign the exact bytes they receive, so the signer must see what the client sends: the
        query moves into ``url`` and a JSON (or form) body becomes a finished string. Returns
        ``(query, body)`` without the ``?``; either is ``""`` when absent.
        """
        query = ""
        if self.params:
            query = urlencode(self.params)
            self.url = f"{self.url}?{query}"
            self.params = None
        if self.data is None:
            return query, ""
        if isinstance(self.data, bytes):
            self.data = self.data.decode()
        elif not isinstance(self.data, str):
            if self.form:
                self.data = urlencode(self.data)
                self.headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                self.data = orjson.dumps(self.data).decode()
                self.headers["Content-Type"] = "application/json"
        return query, self.data


class AuthBase(ABC):
    """Signs requests. It has no network code: whatever it needs (a timestamp, a token) it is given."""

    @abstractmethod
    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        """Return the request with its signature, headers and auth parameters added."""

    def ws_login_payload(self) -> Any | None:
        """The frame that authenticates a private WebSocket session, for venues that log in that way."""
        return None
