"""Bitget v2 signing: the core's pre-hash signer with Bitget's header names.

https://www.bitget.com/api-doc/common/signature: ACCESS-SIGN is base64(HMAC-SHA256(secret, timestamp
+ METHOD + requestPath + "?" + queryString + body)), the timestamp in epoch milliseconds, sent with
ACCESS-KEY, ACCESS-TIMESTAMP and ACCESS-PASSPHRASE. The WebSocket ``login`` signs ``timestamp + "GET"
+ "/user/verify"`` (common/websocket-intro). Demo keys add ``paptrading: 1`` (the connector passes it
as a fixed header). No network code here: the clock is handed in.
"""

from __future__ import annotations

from clobconn.core.web.prehash_auth import PrehashSignedAuth
from clobconn.derivative.bitget_perpetual.constants import WS_LOGIN_PATH


class BitgetAuth(PrehashSignedAuth):
    key_header = "ACCESS-KEY"
    sign_header = "ACCESS-SIGN"
    timestamp_header = "ACCESS-TIMESTAMP"
    passphrase_header = "ACCESS-PASSPHRASE"
    ws_login_path = WS_LOGIN_PATH
