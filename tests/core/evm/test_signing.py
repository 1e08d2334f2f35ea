"""EIP-712, EIP-191 and digest signatures, checked against the EIP's own example and by recovering
the signer, never by comparing with a second signer."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.evm.signing import (
    EvmSigner,
    eip712_digest,
    keccak,
    recover_digest_signer,
    recover_personal_signer,
    recover_typed_data_signer,
    typed_data_digest,
)

# The example of EIP-712 itself (https://eips.ethereum.org/EIPS/eip-712, "Example" in the assets:
# Example.js), signed by the key keccak256("cow").
MAIL = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"},
}
COW_KEY = SecretStr(keccak(b"cow").hex())
COW = "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"


def test_the_eip_712_example_digest_and_signature() -> None:
    signer = EvmSigner(COW_KEY, "test")
    assert signer.address == COW
    assert typed_data_digest(MAIL).hex() == "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    signature = signer.sign_typed_data(MAIL)
    assert signature == ("0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                         "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" "1c")
    assert recover_typed_data_signer(MAIL, signature) == COW


def test_a_digest_built_from_a_published_domain_separator_is_the_typed_data_digest() -> None:
    # Derive publishes its domain separator and hashes its actions itself: the same digest must come out.
    domain_separator = bytes.fromhex("f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
    struct_hash = bytes.fromhex("c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
    assert eip712_digest(domain_separator, struct_hash).hex() == typed_data_digest(MAIL).hex()
    with pytest.raises(ValueError):
        eip712_digest(domain_separator[:31], struct_hash)


def test_personal_and_digest_signatures_recover_to_the_signer() -> None:
    signer = EvmSigner(SecretStr("0x" + "42" * 32), "test")
    assert recover_personal_signer("dexalot", signer.sign_personal("dexalot")) == signer.address
    assert recover_personal_signer(b"\x01\x02", signer.sign_personal(b"\x01\x02")) == signer.address
    assert recover_personal_signer("other", signer.sign_personal("dexalot")) != signer.address
    digest = keccak(b"anything")
    assert recover_digest_signer(digest, signer.sign_digest(digest)) == signer.address


@pytest.mark.parametrize("bad", ["", "0x", "12" * 31, "zz" * 32, "00" * 32, "0x" + "12" * 33])
def test_a_key_that_does_not_parse_is_refused_naming_the_format_and_not_the_value(bad: str) -> None:
    with pytest.raises(InvalidCredentials, match="32-byte private key in hex") as refused:
        EvmSigner(SecretStr(bad), "venue")
    assert (bad not in str(refused.value)) or len(bad) < 4


def test_the_key_never_shows() -> None:
    key = "ab" * 32
    signer = EvmSigner(SecretStr(key), "test")
    assert key not in repr(signer) and key not in str(signer) and signer.address in repr(signer)
