"""HashKey Global signing: Binance's rule with the key in ``X-HK-APIKEY``.

https://hashkeyglobal-apidoc.readme.io/reference/authentication-1: HMAC-SHA256 hex of the query string
concatenated with the body, keyed with the API secret, sent as ``signature``; ``timestamp`` (ms) and
an optional ``recvWindow`` travel with the parameters. HMAC secrets only.
"""

from __future__ import annotations

from clobconn.core.web.query_auth import QuerySignedAuth

API_KEY_HEADER = "X-HK-APIKEY"


class HashkeyAuth(QuerySignedAuth):
    api_key_header = API_KEY_HEADER
