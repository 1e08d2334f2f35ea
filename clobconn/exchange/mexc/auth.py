"""MEXC signing: Binance's rule (HMAC-SHA256, lowercase hex, over the query string and body as sent).

https://www.mexc.com/api-docs/spot-v3/general-info#signed
The core's QuerySignedAuth does all of it; MEXC names its key header, takes HMAC secrets only, and
wants every reserved character of the query percent-encoded.
"""

from __future__ import annotations

from clobconn.core.web.query_auth import QuerySignedAuth

API_KEY_HEADER = "X-MEXC-APIKEY"


class MexcAuth(QuerySignedAuth):
    api_key_header = API_KEY_HEADER
    # "In batch calls, special characters such as a comma are URL-encoded when signing, in uppercase":
    # batchOrders is JSON, so nothing is left raw (quote's escapes are uppercase).
    query_safe = ""
