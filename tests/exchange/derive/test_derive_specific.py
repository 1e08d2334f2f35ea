"""Derive specifics: the action signature (the venue's own signed example reproduced byte for byte, and
the connector's orders checked by recovering the session key from their digest), the session login,
the credentials' format and secrecy, and the snapshot book numbered by publish_id.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials, InvalidOrderArgument
from clobconn.core.evm.signing import EvmSigner, recover_digest_signer, recover_personal_signer
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.derive.auth import Action, DeriveAuth, TradeData
from clobconn.exchange.derive.constants import PROTOCOLS, TRADE_MODULE
from clobconn.exchange.derive.order_book_data_source import DeriveOrderBookDataSource
from clobconn.exchange.derive.parsers import parse_book

FIXTURES = Path(__file__).parents[2] / "fixtures" / "derive"
EXAMPLE = json.loads((FIXTURES / "signing_example.json").read_text())
SESSION_KEY = "0x" + "4c" * 32
WALLET = "0x5cb67F7829d01d9C75385A920De5E51060663374"


def example_trade() -> TradeData:
    trade = EXAMPLE["trade"]
    return TradeData(trade["asset_address"], int(trade["sub_id"]), Decimal(trade["limit_price"]),
                     Decimal(trade["amount"]), Decimal(trade["max_fee"]), trade["recipient_id"], trade["is_bid"])


def example_action() -> Action:
    return Action(EXAMPLE["subaccount_id"], EXAMPLE["nonce"], TRADE_MODULE, example_trade().encoded(),
                  EXAMPLE["signature_expiry_sec"], EXAMPLE["owner"], EXAMPLE["signer"])


def make_auth(now_ms: int = 1_754_472_862_000) -> DeriveAuth:
    return DeriveAuth(SecretStr(WALLET), SecretStr(SESSION_KEY), PROTOCOLS["testnet"], lambda: now_ms)


# == the venue's signed example ===================================================================

def test_trade_data_is_the_venues_abi_encoding() -> None:
    assert "0x" + example_trade().encoded().hex() == EXAMPLE["encoded_data"]


def test_action_hash_and_digest_are_the_venues() -> None:
    action = example_action()
    assert "0x" + action.struct_hash(PROTOCOLS["testnet"]).hex() == EXAMPLE["action_hash"]
    assert "0x" + action.digest(PROTOCOLS["testnet"]).hex() == EXAMPLE["typed_data_hash"]


def test_the_venues_example_signature_is_reproduced_and_recovers_its_session_key() -> None:
    signer = EvmSigner(SecretStr(EXAMPLE["session_key"]), "test")
    assert signer.address == EXAMPLE["signer"]
    digest = example_action().digest(PROTOCOLS["testnet"])
    assert signer.sign_digest(digest) == EXAMPLE["signature"]
    assert recover_digest_signer(digest, EXAMPLE["signature"]) == EXAMPLE["signer"]


def test_mainnet_signs_under_its_own_domain() -> None:
    action = example_action()
    assert action.digest(PROTOCOLS["mainnet"]) != action.digest(PROTOCOLS["testnet"])


# == the connector's own signatures ===============================================================

def test_an_orders_action_signature_recovers_the_session_key() -> None:
    auth = make_auth()
    data = TradeData("0x4BB4C3CDc7562f08e9910A0C7D8bB7e108861eB4", 7, Decimal("2500.5"), Decimal("0.25"),
                     Decimal("3.1"), 42, False)
    signed = auth.sign_trade(42, data, 1_900_000_000)
    action = Action(42, int(signed["nonce"]), TRADE_MODULE, data.encoded(), 1_900_000_000, WALLET, signed["signer"])
    assert signed["signer"] == auth.signer.address
    assert recover_digest_signer(action.digest(PROTOCOLS["testnet"]), signed["signature"]) == auth.signer.address
    # Any signed field changed gives another signer: the protocol would refuse the order.
    changed = Action(42, int(signed["nonce"]), TRADE_MODULE, TradeData(
        data.asset_address, 7, Decimal("2500.6"), data.amount, data.max_fee, 42, False).encoded(),
        1_900_000_000, WALLET, signed["signer"])
    assert recover_digest_signer(changed.digest(PROTOCOLS["testnet"]), signed["signature"]) != auth.signer.address


def test_nonces_are_nanoseconds_and_strictly_increase() -> None:
    auth = make_auth()
    nonces = [auth.next_nonce() for _ in range(100)]
    assert nonces == sorted(set(nonces))
    assert len(str(nonces[0])) == 19


def test_a_price_finer_than_18_decimals_is_refused_before_signing() -> None:
    data = TradeData(WALLET, 0, Decimal("1.0000000000000000001"), Decimal(1), Decimal(1), 1, True)
    with pytest.raises(InvalidOrderArgument, match="more than 18 decimals") as refused:
        data.encoded()
    assert refused.value.field == "limit_price"


def test_rest_headers_are_the_session_keys_signature_of_the_timestamp() -> None:
    auth = make_auth(now_ms=1_754_472_862_123)
    request = auth.rest_authenticate(RestRequest("POST", "https://x/v3/private/order", "/v3/private/order"))
    headers = request.headers
    assert headers["X-DeriveWallet"] == WALLET and headers["X-DeriveTimestamp"] == "1754472862123"
    assert recover_personal_signer("1754472862123", headers["X-DeriveSignature"]) == auth.signer.address


def test_socket_login_is_public_login_with_the_same_values() -> None:
    payload: dict[str, Any] = make_auth(now_ms=1_000).ws_login_payload()
    assert payload["method"] == "public/login"
    assert payload["params"]["wallet"] == WALLET and payload["params"]["timestamp"] == "1000"
    assert recover_personal_signer("1000", payload["params"]["signature"]) == make_auth().signer.address


@pytest.mark.parametrize("wallet", ["conformance-api-key", "0x1234", "5cb67F7829d01d9C75385A920De5E51060663374"])
def test_a_wallet_that_is_no_address_is_refused(wallet: str) -> None:
    with pytest.raises(InvalidCredentials, match="wallet address"):
        DeriveAuth(SecretStr(wallet), SecretStr(SESSION_KEY), PROTOCOLS["testnet"], lambda: 0)


def test_a_session_key_that_is_no_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidCredentials) as info:
        DeriveAuth(SecretStr(WALLET), SecretStr("not-a-key-SECRET"), PROTOCOLS["testnet"], lambda: 0)
    assert "SECRET" not in str(info.value)


def test_the_session_key_is_never_in_the_auths_repr() -> None:
    auth = make_auth()
    assert SESSION_KEY[2:] not in repr(auth) and auth.signer.address in repr(auth)


# == the book: full snapshots numbered by publish_id ==============================================

def book_message(publish_id: int, bid: str) -> Any:
    # https://v3.docs.derive.xyz/subscriptions.asyncapi.json, orderbook notification.
    return parse_book("ETH-USDC", {"instrument_name": "ETH-USDC", "publish_id": publish_id,
                                   "timestamp": 1700000000000,
                                   "bids": [{"price": bid, "amount": "1.5"}],
                                   "asks": [{"price": "2500", "amount": "2"}]})


def test_each_book_message_is_a_snapshot_numbered_by_publish_id() -> None:
    message = book_message(7, "2499")
    assert message.type is BookMessageType.SNAPSHOT and message.last_id == 7
    assert message.bids == [["2499", "1.5"]] and message.timestamp == 1_700_000_000


def test_a_later_snapshot_replaces_the_book_and_an_older_one_is_ignored() -> None:
    sync = BookSynchronizer("ETH-USDC", DeriveOrderBookDataSource.sequence_rule)
    assert sync.on_snapshot(book_message(10, "2499")) is SyncResult.APPLIED
    assert sync.on_snapshot(book_message(11, "2498")) is SyncResult.APPLIED
    assert sync.on_snapshot(book_message(9, "2400")) is SyncResult.STALE
    assert sync.is_synced and sync.book.last_update_id == 11
    assert [tuple(level) for level in sync.book.bids()] == [(Decimal("2498"), Decimal("1.5"))]
