"""KuCoin spot specifics that need no venue: the signing vectors and the error table.

The scenarios that need the loopback venue (bullet tokens, level2 sequencing, amend, batch) are in
test_conformance.py, on the conformance venue.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from pydantic import SecretStr

from clobconn.core.errors import InsufficientFunds, OrderNotFound, error_class_for
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.auth import hmac_sha256_base64 as sign
from clobconn.exchange.kucoin.auth import KucoinAuth
from clobconn.exchange.kucoin.constants import ERRORS


def b64_hmac(key: str, text: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


def test_sign_matches_the_official_sdk_vector() -> None:
    # kucoin-universal-sdk, sdk/python/kucoin_universal_sdk/internal/infra/test_default_signer.py
    assert sign("test_api_secret", "test_plain") == "jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4="


def test_headers_sign_the_path_query_and_body_sent() -> None:
    auth = KucoinAuth(SecretStr("key"), SecretStr("secret"), SecretStr("phrase"), lambda: 1729100692873)
    get = auth.rest_authenticate(RestRequest("GET", "https://api.kucoin.com/api/v1/hf/orders/6717",
                                             "/api/v1/hf/orders/6717", params={"symbol": "BTC-USDT"}))
    # The pre-image by hand, from https://www.kucoin.com/docs-new/doc-338144.
    assert get.headers["KC-API-SIGN"] == b64_hmac("secret", "1729100692873GET/api/v1/hf/orders/6717?symbol=BTC-USDT")
    assert get.url == "https://api.kucoin.com/api/v1/hf/orders/6717?symbol=BTC-USDT" and get.params is None
    assert get.headers["KC-API-PASSPHRASE"] == b64_hmac("secret", "phrase")
    assert get.headers["KC-API-KEY"] == "key" and get.headers["KC-API-KEY-VERSION"] == "2"
    assert get.headers["KC-API-TIMESTAMP"] == "1729100692873"
    post = auth.rest_authenticate(RestRequest("POST", "https://api.kucoin.com/api/v1/hf/orders/sync",
                                              "/api/v1/hf/orders/sync", data={"symbol": "BTC-USDT", "size": "1"}))
    assert post.data == '{"symbol":"BTC-USDT","size":"1"}'
    assert post.headers["KC-API-SIGN"] == b64_hmac(
        "secret", '1729100692873POST/api/v1/hf/orders/sync{"symbol":"BTC-USDT","size":"1"}')
    assert "secret" not in repr(auth) and "phrase" not in repr(auth)


@pytest.mark.parametrize(("code", "message", "expected"), [
    ("400100", "order_not_exist_or_not_allow_to_cancel", OrderNotFound),
    ("400100", "Balance insufficient!", InsufficientFunds),
    ("200004", "Balance insufficient!", InsufficientFunds),
])
def test_error_table(code: str, message: str, expected: type[Exception]) -> None:
    assert error_class_for(ERRORS, code, message, 400) is expected
