"""A Cosmos account's key and the transactions it signs.

The key is derived from a BIP-39 mnemonic on the BIP-44 path of coin type 118 (the Cosmos Hub's, which
most chains keep); the address is bech32(hrp, ripemd160(sha256(compressed public key))). A transaction is
signed in SIGN_MODE_DIRECT: the secp256k1 signature (r ‖ s, 64 bytes, low s) of sha256 over the protobuf
``SignDoc`` (body bytes, auth-info bytes, chain id, account number), and sent as a ``TxRaw``.
https://docs.cosmos.network/main/learn/advanced/transactions and ADR-020 (SIGN_MODE_DIRECT).

``decode_signed_tx`` is the other side, for the loopback node: it checks a signature against the public
key the transaction names, never by signing again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import bech32
from Crypto.Hash import RIPEMD160
from eth_account import Account
from eth_keys.datatypes import PrivateKey, PublicKey, Signature
from google.protobuf.any_pb2 import Any as AnyProto
from google.protobuf.message import DecodeError, Message
from pydantic import SecretStr
from v4_proto.cosmos.crypto.secp256k1.keys_pb2 import PubKey
from v4_proto.cosmos.tx.signing.v1beta1.signing_pb2 import SIGN_MODE_DIRECT
from v4_proto.cosmos.tx.v1beta1.tx_pb2 import AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw

from clobconn.core.errors import InvalidCredentials

COSMOS_HD_PATH = "m/44'/118'/0'/0/0"
PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey"
# The order of the secp256k1 group: a signature's s above half of it is refused by Cosmos nodes.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

Account.enable_unaudited_hdwallet_features()


def address_of(public_key: bytes, hrp: str) -> str:
    """The bech32 account address of a 33-byte compressed secp256k1 public key."""
    digest = RIPEMD160.new(hashlib.sha256(public_key).digest()).digest()
    words = bech32.convertbits(digest, 8, 5)
    assert words is not None
    return str(bech32.bech32_encode(hrp, words))


def packed(message: Message) -> AnyProto:
    """A message as the ``Any`` a transaction body carries: its full name as type URL, its bytes as value."""
    return AnyProto(type_url=f"/{message.DESCRIPTOR.full_name}", value=message.SerializeToString())


class CosmosSigner:
    """One account's key. Its repr is its address; the mnemonic stays a ``SecretStr``."""

    __slots__ = ("_key", "address", "public_key")

    def __init__(self, mnemonic: SecretStr, hrp: str, who: str, path: str = COSMOS_HD_PATH) -> None:
        try:
            account = Account.from_mnemonic(" ".join(mnemonic.get_secret_value().split()), account_path=path)
        except Exception:  # eth-account says why in words that may quote the mnemonic: never passed on
            raise InvalidCredentials(f"{who}: the mnemonic must be a valid BIP-39 phrase (12 to 24 English words)"
                                     ) from None
        self._key = PrivateKey(bytes(account.key))
        self.public_key: bytes = self._key.public_key.to_compressed_bytes()
        self.address: str = address_of(self.public_key, hrp)

    def __repr__(self) -> str:
        return f"CosmosSigner({self.address})"

    def sign_tx(self, messages: list[Message], chain_id: str, account_number: int, sequence: int,
                memo: str = "", gas_limit: int = 0) -> bytes:
        """The ``TxRaw`` bytes of ``messages`` signed by this key, with no fee (``gas_limit`` as given)."""
        body = TxBody(messages=[packed(m) for m in messages], memo=memo).SerializeToString()
        signer = SignerInfo(public_key=packed(PubKey(key=self.public_key)),
                            mode_info=ModeInfo(single=ModeInfo.Single(mode=SIGN_MODE_DIRECT)), sequence=sequence)
        auth_info = AuthInfo(signer_infos=[signer], fee=Fee(gas_limit=gas_limit)).SerializeToString()
        sign_doc = SignDoc(body_bytes=body, auth_info_bytes=auth_info, chain_id=chain_id,
                           account_number=account_number).SerializeToString()
        signature = self._key.sign_msg_hash(hashlib.sha256(sign_doc).digest())
        s = min(signature.s, SECP256K1_N - signature.s)
        raw = TxRaw(body_bytes=body, auth_info_bytes=auth_info,
                    signatures=[signature.r.to_bytes(32, "big") + s.to_bytes(32, "big")])
        return bytes(raw.SerializeToString())


@dataclass(frozen=True, slots=True)
class SignedTx:
    """A transaction as a node reads it: who signed (by public key), with which sequence, and its messages."""

    public_key: bytes
    sequence: int
    messages: list[AnyProto]
    memo: str


class BadTransaction(ValueError):
    """A transaction that does not decode, or whose signature does not hold."""


def decode_signed_tx(tx_bytes: bytes, chain_id: str, account_number: int) -> SignedTx:
    """Decode a ``TxRaw`` and check its one SIGN_MODE_DIRECT signature for ``chain_id`` and ``account_number``
    against the public key its signer info carries; raise BadTransaction when anything fails."""
    try:
        raw = TxRaw.FromString(tx_bytes)
        body, auth_info = TxBody.FromString(raw.body_bytes), AuthInfo.FromString(raw.auth_info_bytes)
        (signer,), (signature,) = auth_info.signer_infos, raw.signatures
        if signer.public_key.type_url != PUBKEY_TYPE_URL or signer.mode_info.single.mode != SIGN_MODE_DIRECT:
            raise BadTransaction("not a secp256k1 SIGN_MODE_DIRECT signature")
        public_key = PubKey.FromString(signer.public_key.value).key
    except (DecodeError, ValueError) as exc:
        raise BadTransaction(f"undecodable transaction: {exc}") from None
    sign_doc = SignDoc(body_bytes=raw.body_bytes, auth_info_bytes=raw.auth_info_bytes, chain_id=chain_id,
                       account_number=account_number).SerializeToString()
    digest = hashlib.sha256(sign_doc).digest()
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if len(signature) != 64 or not 0 < s <= SECP256K1_N // 2:
        raise BadTransaction("signature is not 64 bytes with a low s")
    expected = PublicKey.from_compressed_bytes(public_key)
    if not any(Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest) == expected for v in (0, 1)):
        raise BadTransaction("signature verification failed")
    return SignedTx(public_key, signer.sequence, list(body.messages), body.memo)
