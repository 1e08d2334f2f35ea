"""KuCoin request signing (spot and futures hosts alike): https://www.kucoin.com/docs-new/doc-338144.

The core's pre-hash signer: KC-API-SIGN is base64(HMAC-SHA256(secret, timestamp + METHOD + path[?query]
+ body)), the timestamp in epoch milliseconds; with API key version 2 the passphrase is not sent as
typed but as base64(HMAC-SHA256(secret, passphrase)). No network code here: the synced clock is handed in.
"""

from __future__ import annotations

from clobconn.core.web.prehash_auth import PrehashSignedAuth
from clobconn.exchange.kucoin.constants import API_KEY_VERSION


class KucoinAuth(PrehashSignedAuth):
    key_header = "KC-API-KEY"
    sign_header = "KC-API-SIGN"
    timestamp_header = "KC-API-TIMESTAMP"
    passphrase_header = "KC-API-PASSPHRASE"

    def passphrase_value(self) -> str:
        return self.sign(self._passphrase.get_secret_value())

    def extra_headers(self) -> dict[str, str]:
        return {"KC-API-KEY-VERSION": API_KEY_VERSION}
