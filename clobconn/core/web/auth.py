"""The authentication hook a connector implements: one method for REST, one for WebSocket."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

# Characters a query value may carry as they are (RFC 3986 pchar, less the ones servers split or decode on:
# & = + ; # % ? $ and space). Leaving these raw matters: several venues verify over the decoded query
# (Gate.io) and the venues' own SDKs sign "BTC,USDT" as typed, so the raw and the decoded forms must agree
# wherever they can. Everything else is percent-encoded in UTF-8 (space as %20, never "+").
QUERY_SAFE = "!'()*,/:@"


def encode_query(params: Mapping[str, Any], safe: str = QUERY_SAFE) -> str:
    """The query string, encoded once: the client sends these exact bytes (the URL is marked encoded).
    ``safe`` is what stays raw; a venue that wants every reserved character encoded passes ``""``."""
    plain = _plain_text(safe)
    return "&".join(f"{_encoded(str(key), safe, plain)}={_encoded(str(value), safe, plain)}"
                    for key, value in params.items())


def _encoded(text: str, safe: str, plain: Callable[[str], re.Match[str] | None]) -> str:
    # Symbols, sides, amounts, ids and timestamps need no encoding: skip quote()'s bytes round trip for them.
    return text if plain(text) else quote(text, safe=safe)


@functools.cache
def _plain_text(safe: str) -> Callable[[str], re.Match[str] | None]:
    """Matches a text that quote(text, safe) leaves as it is (its always-safe ASCII characters and ``safe``)."""
    return re.compile(f"[A-Za-z0-9_.~{re.escape(safe)}-]*").fullmatch


def hmac_sha256_base64(secret: str, text: str) -> str:
    """Base64 of the HMAC-SHA256 of ``text`` keyed with ``secret``: the signature of several venues
    (OKX, KuCoin, HTX), which differ only in what they sign."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


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

    def encode_for_signing(self, safe: str = QUERY_SAFE) -> tuple[str, str]:
        """Encode the query and the body once, as the strings that will be sent, and return them.

        Venues sign the exact bytes they receive, so the signer must see what the client sends: the
        query moves into ``url`` (which ``RestClient`` then sends as already encoded, byte for byte)
        and a JSON (or form) body becomes a finished string. Returns ``(query, body)`` without the
        ``?``; either is ``""`` when absent. Calling it again returns the same strings. ``safe`` is
        as for ``encode_query``.
        """
        query = ""
        if self.params:
            query = encode_query(self.params, safe)
            self.url = f"{self.url}{'&' if '?' in self.url else '?'}{query}"
            self.params = None
        elif "?" in self.url:
            query = self.url.split("?", 1)[1]
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
