"""OKX v5 signing: the core's pre-hash signer (base64 HMAC-SHA256 over ``timestamp + METHOD +
requestPath(?query) + body``) with OKX's header names and its ISO 8601 timestamp.

https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature and #overview-websocket-login.
No network code here: the clock is handed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import SecretStr

from clobconn.core.web.prehash_auth import PrehashSignedAuth
from clobconn.exchange.okx.constants import DEMO_HEADERS, WS_LOGIN_PATH


def iso_timestamp(time_ms: int) -> str:
    """OK-ACCESS-TIMESTAMP: ISO 8601 in UTC with milliseconds, e.g. ``2020-12-08T09:08:57.715Z``."""
    seconds, millis = divmod(time_ms, 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{millis:03d}Z"


class OkxAuth(PrehashSignedAuth):
    key_header = "OK-ACCESS-KEY"
    sign_header = "OK-ACCESS-SIGN"
    timestamp_header = "OK-ACCESS-TIMESTAMP"
    passphrase_header = "OK-ACCESS-PASSPHRASE"
    ws_login_path = WS_LOGIN_PATH

    def __init__(self, api_key: SecretStr, api_secret: SecretStr, passphrase: SecretStr,
                 time_ms: Callable[[], int], demo: bool = False) -> None:
        # Demo trading adds its header to every request; requests 30 s off the venue's clock are refused.
        super().__init__(api_key, api_secret, passphrase, time_ms, DEMO_HEADERS if demo else None)

    def timestamp(self) -> str:
        return iso_timestamp(self._time_ms())
