"""The authentication hook a connector implements: one method for REST, one for WebSocket."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


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


class AuthBase(ABC):
    """Signs requests. It has no network code: whatever it needs (a timestamp, a token) it is given."""

    @abstractmethod
    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        """Return the request with its signature, headers and auth parameters added."""

    def ws_login_payload(self) -> Any | None:
        """The frame that authenticates a private WebSocket session, for venues that log in that way."""
        return None
