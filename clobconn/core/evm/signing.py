"""A wallet's key and what it signs: EIP-712 typed data, EIP-191 personal messages, bare digests and
transactions. The key is a ``SecretStr`` until the moment of signing; the signer's repr is its address.

The recover functions are the other side: tests (and the loopback node) check a signature by
recovering who made it, never by comparing bytes with a second signer.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_keys.datatypes import Signature
from eth_utils.crypto import keccak
from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials

__all__ = [
    "EvmSigner",
    "eip712_digest",
    "keccak",
    "recover_digest_signer",
    "recover_personal_signer",
    "recover_typed_data_signer",
    "signable_digest",
    "typed_data_digest",
]

KEY_FORMAT = "a 32-byte private key in hex (64 hex digits, with or without 0x)"


def parse_private_key(secret: SecretStr, who: str) -> bytes:
    """The key's 32 bytes; anything else is refused with the format expected, never the value."""
    text = secret.get_secret_value().strip()
    digits = text[2:] if text[:2].lower() == "0x" else text
    try:
        key = bytes.fromhex(digits)
    except ValueError:
        key = b""
    if len(key) != 32 or not any(key):
        raise InvalidCredentials(f"{who}: the private key must be {KEY_FORMAT}")
    return key


def typed_data_digest(typed_data: dict[str, Any]) -> bytes:
    """The EIP-712 digest of a full typed-data message (``types``, ``primaryType``, ``domain``, ``message``)."""
    return signable_digest(encode_typed_data(full_message=typed_data))


def signable_digest(message: SignableMessage) -> bytes:
    """The EIP-191 hash every signature here is over: keccak(0x19 ‖ version ‖ header ‖ body)."""
    return keccak(b"\x19" + message.version + message.header + message.body)


def eip712_digest(domain_separator: bytes, struct_hash: bytes) -> bytes:
    """keccak(0x1901 ‖ domain separator ‖ struct hash): for venues that publish their domain separator
    and hash their action structs themselves (Derive), rather than describing them as typed data."""
    if len(domain_separator) != 32 or len(struct_hash) != 32:
        raise ValueError("an EIP-712 digest takes a 32-byte domain separator and a 32-byte struct hash")
    return keccak(b"\x19\x01" + domain_separator + struct_hash)


def _personal_message(message: str | bytes) -> SignableMessage:
    return encode_defunct(text=message) if isinstance(message, str) else encode_defunct(primitive=message)


class EvmSigner:
    """One wallet key. Signatures are 65 bytes (r ‖ s ‖ v, v 27 or 28), as 0x-prefixed hex."""

    __slots__ = ("_key", "address")

    def __init__(self, private_key: SecretStr, who: str) -> None:
        self._key = private_key
        # The checksummed address of the key: the account the venue knows.
        self.address: str = Account.from_key(parse_private_key(private_key, who)).address

    def __repr__(self) -> str:
        return f"EvmSigner({self.address})"

    def _private_key(self) -> bytes:
        return parse_private_key(self._key, "signer")

    def sign_typed_data(self, typed_data: dict[str, Any]) -> str:
        return self.sign_digest(typed_data_digest(typed_data))

    def sign_personal(self, message: str | bytes) -> str:
        """EIP-191 version 0x45: "\\x19Ethereum Signed Message:\\n" + length + message."""
        return self.sign_digest(signable_digest(_personal_message(message)))

    def sign_digest(self, digest: bytes) -> str:
        """A precomputed 32-byte digest (an EIP-712 digest built by ``eip712_digest``)."""
        signed = Account.unsafe_sign_hash(digest, self._private_key())
        return "0x" + bytes(signed.signature).hex()

    def sign_transaction(self, transaction: dict[str, Any]) -> tuple[bytes, str]:
        """The raw signed transaction and its hash (0x hex), for ``eth_sendRawTransaction``."""
        signed = Account.sign_transaction(transaction, self._private_key())
        return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


def recover_digest_signer(digest: bytes, signature: str | bytes) -> str:
    """The checksummed address whose key made ``signature`` (r ‖ s ‖ v, v 27/28 or 0/1) over ``digest``."""
    raw = _signature_bytes(signature)
    if len(raw) != 65:
        raise ValueError(f"a signature is 65 bytes, not {len(raw)}")
    v = raw[64] - 27 if raw[64] >= 27 else raw[64]
    return str(Signature(raw[:64] + bytes([v])).recover_public_key_from_msg_hash(digest).to_checksum_address())


def recover_typed_data_signer(typed_data: dict[str, Any], signature: str | bytes) -> str:
    return recover_digest_signer(typed_data_digest(typed_data), signature)


def recover_personal_signer(message: str | bytes, signature: str | bytes) -> str:
    return recover_digest_signer(signable_digest(_personal_message(message)), signature)


def _signature_bytes(signature: str | bytes) -> bytes:
    return bytes.fromhex(signature.removeprefix("0x")) if isinstance(signature, str) else signature
