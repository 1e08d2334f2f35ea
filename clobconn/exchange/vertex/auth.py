"""Vertex signing: every execute is EIP-712 typed data in the "Vertex" domain (version 0.0.1), verified by the
product's orderbook contract (orders) or the endpoint contract (cancellations, stream authentication); chain id
and addresses come from the `contracts` query. The signer is the wallet's key, or a linked signer's key acting
for a wallet named as the key. https://docs.vertexprotocol.com/developer-resources/api/gateway/signing
No network code here: the clock is handed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials
from clobconn.core.evm.signing import EvmSigner
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.exchange.vertex.constants import EIP712_NAME, EIP712_VERSION, STREAM_AUTH_EXPIRY_MS

DOMAIN_FIELDS = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
STRUCTS: dict[str, list[tuple[str, str]]] = {
    "Order": [("sender", "bytes32"), ("priceX18", "int128"), ("amount", "int128"), ("expiration", "uint64"),
              ("nonce", "uint64")],
    "Cancellation": [("sender", "bytes32"), ("productIds", "uint32[]"), ("digests", "bytes32[]"), ("nonce", "uint64")],
    "CancellationProducts": [("sender", "bytes32"), ("productIds", "uint32[]"), ("nonce", "uint64")],
    "StreamAuthentication": [("sender", "bytes32"), ("expiration", "uint64")],
}


def typed_data(primary: str, message: dict[str, Any], verifying_contract: str, chain_id: int) -> dict[str, Any]:
    return {"types": {"EIP712Domain": DOMAIN_FIELDS,
                      primary: [{"name": name, "type": kind} for name, kind in STRUCTS[primary]]},
            "primaryType": primary, "message": message,
            "domain": {"name": EIP712_NAME, "version": EIP712_VERSION, "chainId": chain_id,
                       "verifyingContract": verifying_contract}}


def sender_bytes32(address: str, subaccount_name: str) -> str:
    """The bytes32 ``sender``: the wallet's 20 bytes, then the subaccount name's ASCII, zero-padded to 12."""
    name = subaccount_name.encode("ascii", errors="replace")
    if not 0 < len(name) <= 12 or not subaccount_name.isascii():
        raise InvalidCredentials(f"vertex: subaccount_name must be 1 to 12 ASCII characters, not {subaccount_name!r}")
    return "0x" + address.removeprefix("0x").lower() + name.ljust(12, b"\0").hex()


class VertexAuth(AuthBase):
    def __init__(self, private_key: SecretStr, wallet: SecretStr | None, subaccount_name: str,
                 time_ms: Callable[[], int]) -> None:
        self.signer = EvmSigner(private_key, "vertex")
        # With a linked signer the account is another wallet's; without, the key's own.
        address = wallet.get_secret_value() if wallet is not None else self.signer.address
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", address):
            raise InvalidCredentials("vertex: wallet_address must be the 0x-prefixed 20-byte address of the "
                                     "wallet a linked signer acts for; nothing was sent")
        self.sender = sender_bytes32(address, subaccount_name)
        self._time_ms = time_ms

    def __repr__(self) -> str:
        return f"VertexAuth({self.sender})"  # the sender is public; the key never appears

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.encode_for_signing()  # the signature is in the body, made before the request was built
        return request

    def sign(self, primary: str, message: dict[str, Any], verifying_contract: str, chain_id: int) -> str:
        return self.signer.sign_typed_data(typed_data(primary, message, verifying_contract, chain_id))

    def stream_authentication(self, endpoint_addr: str, chain_id: int) -> dict[str, Any]:
        """The /subscribe socket's ``authenticate`` frame, valid for a minute."""
        tx = {"sender": self.sender, "expiration": str(self._time_ms() + STREAM_AUTH_EXPIRY_MS)}
        message = {"sender": self.sender, "expiration": int(tx["expiration"])}
        return {"method": "authenticate", "id": 0, "tx": tx,
                "signature": self.sign("StreamAuthentication", message, endpoint_addr, chain_id)}

