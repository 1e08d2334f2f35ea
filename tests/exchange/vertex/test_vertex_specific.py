"""Vertex's own rules: the EIP-712 structs and domain, the sender's bytes, nonce client ids, credentials, and the
parsing of its streams. Signatures are checked by recovering the signer from the digest."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from pydantic import SecretStr

from clobconn.core.data_types import TradeType
from clobconn.core.errors import InvalidCredentials
from clobconn.core.evm.signing import EvmSigner, recover_typed_data_signer, typed_data_digest
from clobconn.core.order_book.messages import BookMessageType
from clobconn.exchange.vertex.auth import STRUCTS, VertexAuth, sender_bytes32, typed_data
from clobconn.exchange.vertex.nonces import NonceOrderIds
from clobconn.exchange.vertex.order_book_data_source import VertexOrderBookDataSource
from clobconn.exchange.vertex.parsers import Product, stream_fill

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
LINKED = "0x45917429615b8a68cd372c96f63092f3d672a0bc60202b188670354b89c43ae3"


def test_an_order_signature_reproduces_a_published_vector() -> None:
    # Source: hummingbot's Vertex connector tests (test/hummingbot/connector/exchange/vertex/test_vertex_auth.py
    # at hummingbot commit 048c4c1e32^, key generated for those tests): an order on Arbitrum Sepolia (421613) for
    # the book contract 0xbf16…cc3b, sender = the address with a zero subaccount name. Vertex's own docs and SDK
    # publish no fixed signature (the SDK's tests only sign).
    sender = "0x2162db26939b9eaf0c5404217774d166056d31b5" + "00" * 12
    message = {"sender": sender, "priceX18": 26383000000000000000000, "amount": 2292000000000000000,
               "expiration": 1685989016166771694, "nonce": 1767924162661187978}
    data = typed_data("Order", message, "0xbf16e41fb4ac9922545bfc1500f67064dc2dcc3b", 421613)
    assert typed_data_digest(data).hex() == "aa4dadc6a1ed641eb46a22b1b58fd702e60392b8593e3fb29a5218f7f4010e69"
    signer = EvmSigner(SecretStr("5500eb16bf3692840e04fb6a63547b9a80b75d9cbb36b43ca5662127d4c19c83"), "test")
    assert signer.sign_typed_data(data) == (
        "0x458cb49f9c20f3f2c8f57d229ca9f33fd23556b3d5c87dbe9366e9e09ef00c43"
        "632ef996f67434f55350a9241f4bff62da7055aaa889237d33e403b482e8abab1b")
    assert recover_typed_data_signer(data, signer.sign_typed_data(data)) == signer.address


def test_the_structs_are_the_documented_ones() -> None:
    # https://docs.vertexprotocol.com/developer-resources/api/gateway/signing (and vertex-python-sdk's eip712 types)
    assert STRUCTS["Order"] == [("sender", "bytes32"), ("priceX18", "int128"), ("amount", "int128"),
                                ("expiration", "uint64"), ("nonce", "uint64")]
    assert STRUCTS["Cancellation"] == [("sender", "bytes32"), ("productIds", "uint32[]"), ("digests", "bytes32[]"),
                                       ("nonce", "uint64")]
    assert STRUCTS["CancellationProducts"] == [("sender", "bytes32"), ("productIds", "uint32[]"), ("nonce", "uint64")]
    assert STRUCTS["StreamAuthentication"] == [("sender", "bytes32"), ("expiration", "uint64")]
    domain = typed_data("Order", {}, "0x" + "11" * 20, 42161)["domain"]
    assert (domain["name"], domain["version"], domain["chainId"]) == ("Vertex", "0.0.1", 42161)


@pytest.mark.parametrize("primary, message", [
    # The vertex-python-sdk's documented messages (tests/contracts/test_eip712_signing.py).
    ("Order", {"priceX18": 28898000000000000000000, "amount": -10000000000000000, "expiration": 4611687701117784255,
               "nonce": 1764428860167815857}),
    ("Cancellation", {"productIds": [4], "nonce": 1,
                      "digests": ["0x51ba8762bc5f77957a4e896dba34e17b553b872c618ffb83dba54878796f2821"]}),
    ("CancellationProducts", {"productIds": [2, 4], "nonce": 1}),
    ("StreamAuthentication", {"expiration": 4611687701117784255}),
])
def test_every_execute_recovers_to_the_signing_wallet(primary: str, message: dict[str, Any]) -> None:
    auth = VertexAuth(SecretStr(KEY), None, "default", lambda: 0)
    data = typed_data(primary, {"sender": auth.sender, **message}, "0x2279B7A0a67DB372996a5FaB50D91eAA73d2eBe6", 1337)
    assert recover_typed_data_signer(data, auth.signer.sign_typed_data(data)) == Account.from_key(KEY).address


def test_the_sender_is_the_address_then_the_subaccount_name() -> None:
    # https://docs.vertexprotocol.com/developer-resources/api/gateway/executes (Sender Field Structure)
    assert sender_bytes32("0x7a5ec2748e9065794491a8d29dcf3f9edb8d7c43", "default") == (
        "0x7a5ec2748e9065794491a8d29dcf3f9edb8d7c4364656661756c740000000000")
    for bad in ("", "thirteen-char", "défaut"):
        with pytest.raises(InvalidCredentials, match="subaccount_name"):
            sender_bytes32("0x7a5ec2748e9065794491a8d29dcf3f9edb8d7c43", bad)


def test_a_linked_signer_signs_for_the_wallet_it_names() -> None:
    wallet = Account.from_key(KEY).address
    auth = VertexAuth(SecretStr(LINKED), SecretStr(wallet), "default", lambda: 1_700_000_000_000)
    assert auth.sender.startswith(wallet.lower())
    frame = auth.stream_authentication("0x" + "22" * 20, 42161)
    assert frame["tx"] == {"sender": auth.sender, "expiration": "1700000060000"}
    data = typed_data("StreamAuthentication", {"sender": auth.sender, "expiration": 1700000060000}, "0x" + "22" * 20,
                      42161)
    assert recover_typed_data_signer(data, frame["signature"]) == Account.from_key(LINKED).address


def test_bad_credentials_are_refused_naming_the_format_never_the_secret() -> None:
    with pytest.raises(InvalidCredentials) as bad_key:
        VertexAuth(SecretStr("not-a-key-NEVER-LOGGED"), None, "default", lambda: 0)
    assert "NEVER-LOGGED" not in str(bad_key.value)
    with pytest.raises(InvalidCredentials, match="wallet_address"):
        VertexAuth(SecretStr(KEY), SecretStr("conformance-api-key"), "default", lambda: 0)
    assert KEY.removeprefix("0x") not in repr(VertexAuth(SecretStr(KEY), None, "default", lambda: 0))


def test_a_client_order_id_is_a_nonce_whose_recv_time_is_the_placement_deadline() -> None:
    rule = NonceOrderIds(recv_window=30.0)
    client_id = rule.generate(TradeType.BUY)
    assert abs((int(client_id) >> 20) / 1000 - (time.time() + 30)) < 2 and rule.is_valid(client_id)
    stale = str(int((time.time() - 1) * 1000) << 20)
    assert not rule.is_valid(stale) and not rule.is_valid("my-order") and not rule.is_valid(str(2**64))


class _View:
    products_by_id = {3: Product(3, "WETH", "WETH-USDC")}


def test_book_depth_chains_to_the_previous_max_timestamp() -> None:
    # https://docs.vertexprotocol.com/developer-resources/api/subscriptions/events (book_depth)
    source = VertexOrderBookDataSource(_View())  # type: ignore[arg-type]
    (diff,) = source.parse("public", {"type": "book_depth", "min_timestamp": "1683805381879572835",
                                      "max_timestamp": "1683805381879572835", "product_id": 3,
                                      "last_max_timestamp": "1683805381771464799",
                                      "bids": [["26000000000000000000000", "1000000000000000000"]], "asks": []})
    assert diff.type is BookMessageType.DIFF and diff.last_id == 1683805381879572835
    assert diff.prev_id == diff.first_id == 1683805381771464799
    assert [[Decimal(price), Decimal(size)] for price, size in diff.bids] == [[Decimal(26000), Decimal(1)]]
    assert list(source.parse("public", {"type": "book_depth", "bids": [[1.5, True]]})) == []  # no product: skipped
    with pytest.raises(ValueError):
        list(source.parse("public", {"type": "book_depth", "min_timestamp": "1", "max_timestamp": "2", "product_id": 3,
                                     "last_max_timestamp": "1", "bids": [["26000", True]], "asks": []}))


def test_a_fill_whose_quantity_contradicts_its_side_is_malformed() -> None:
    fill = {"timestamp": "1683805381879572835", "product_id": 3, "order_digest": "0x" + "ab" * 32,
            "filled_qty": "-250000000000000000", "remaining_qty": "0", "original_qty": "-250000000000000000",
            "price": "2000000000000000000000", "is_taker": True, "is_bid": False, "fee": "100000000000000000"}
    trade, update = stream_fill("WETH-USDC", fill, "7")
    assert (trade.fill_base_amount, trade.fill_quote_amount, trade.fill_price) == (
        Decimal("0.25"), Decimal("500"), Decimal("2000"))
    assert update.executed_amount == Decimal("0.25")
    with pytest.raises(ValueError):
        stream_fill("WETH-USDC", fill | {"is_bid": True}, "7")
