"""core/cosmos/signing.py: a key from a BIP-39 mnemonic on the Cosmos path, its bech32 address, and
SIGN_MODE_DIRECT transactions that only verify for their chain id and account number."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from v4_proto.dydxprotocol.clob.tx_pb2 import MsgCancelOrder

from clobconn.core.cosmos.signing import BadTransaction, CosmosSigner, decode_signed_tx
from clobconn.core.errors import InvalidCredentials

# The BIP-39 test phrase: its account at m/44'/118'/0'/0/0 is cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4, and
# dydx19rl4cm2hmr8afy4kldpxz3fka4jguq0a4erelz with dYdX's prefix, in Cosmos wallet libraries' published test
# vectors (cosmjs-derived ones among them, with the public key below): never fund it.
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
CHAIN = "dydx-mainnet-1"


def test_the_mnemonic_gives_the_published_cosmos_account_and_its_dydx_address() -> None:
    # The Cosmos Hub vector of the BIP-39 test phrase; dYdX derives on the same path with its own prefix.
    cosmos = CosmosSigner(SecretStr(MNEMONIC), "cosmos", "test")
    assert cosmos.address == "cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4"
    signer = CosmosSigner(SecretStr(MNEMONIC), "dydx", "test")
    assert signer.address == "dydx19rl4cm2hmr8afy4kldpxz3fka4jguq0a4erelz"
    assert signer.public_key.hex() == "024f4e2ad99c34d60b9ba6283c9431a8418af8673212961f97a77b6377fcd05b62"


def test_a_signature_holds_only_for_its_chain_and_account_number() -> None:
    signer = CosmosSigner(SecretStr(MNEMONIC), "dydx", "test")
    tx = signer.sign_tx([MsgCancelOrder()], CHAIN, 77, 5)
    signed = decode_signed_tx(tx, CHAIN, 77)
    assert (signed.public_key, signed.sequence) == (signer.public_key, 5)
    for chain, number in (("dydx-testnet-4", 77), (CHAIN, 78)):
        with pytest.raises(BadTransaction):
            decode_signed_tx(tx, chain, number)
    tampered = bytearray(tx)
    tampered[-1] ^= 1
    with pytest.raises(BadTransaction):
        decode_signed_tx(bytes(tampered), CHAIN, 77)


def test_a_phrase_that_is_no_mnemonic_is_refused_without_being_repeated() -> None:
    with pytest.raises(InvalidCredentials) as refused:
        CosmosSigner(SecretStr("abandon abandon secretword"), "dydx", "test")
    assert "secretword" not in str(refused.value)
    assert "abandon" not in repr(CosmosSigner(SecretStr(MNEMONIC), "dydx", "test"))
