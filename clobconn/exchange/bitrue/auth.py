"""Bitrue signing: HMAC-SHA256 hex over the query string and body as sent, key in ``X-MBX-APIKEY``.

https://github.com/Bitrue-exchange/Spot-official-api-docs#signed-trade-and-user_data-endpoint-security
Binance's rule, HMAC only: the core's QuerySignedAuth does the work.
"""

from __future__ import annotations

from clobconn.core.web.query_auth import QuerySignedAuth


class BitrueAuth(QuerySignedAuth):
    api_key_header = "X-MBX-APIKEY"
