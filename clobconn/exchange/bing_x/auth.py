"""BingX signing: hex HMAC-SHA256 over the parameters sorted by name, the key in ``X-BX-APIKEY``.

https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/REST%20API.md#signature-authentication
Every parameter, POSTs included, travels in the query string, so the signed string is the query sent.
"""

from __future__ import annotations

from clobconn.core.web.query_auth import QuerySignedAuth

API_KEY_HEADER = "X-BX-APIKEY"


class BingXAuth(QuerySignedAuth):
    api_key_header = API_KEY_HEADER
    sort_params = True
    # The venue's default 5000 ms window applies; sending none keeps the documented example exact.
    recv_window_param = None
