"""Dexalot's proof of ownership: the wallet's EIP-191 personal signature of the message ``dexalot``, sent as
``x-signature: <address>:<signature>`` on the signed REST endpoints and as the ``signature`` of the
``tradereventsubscribe`` frame. https://docs.dexalot.com/en/apiv2/RestApi.html#signed-endpoints. The same key
signs the transactions that place and cancel orders (core/evm). No network code here.
"""

from __future__ import annotations

from pydantic import SecretStr

from clobconn.core.evm.signing import EvmSigner
from clobconn.core.web.auth import AuthBase, RestRequest

SIGNED_MESSAGE = "dexalot"


class DexalotAuth(AuthBase):
    def __init__(self, private_key: SecretStr) -> None:
        # A key that does not parse is refused here, naming the format, before anything is signed or sent.
        self.signer = EvmSigner(private_key, "dexalot")
        self.address = self.signer.address
        # The message never changes, and the signature is deterministic (RFC 6979): sign it once.
        self._proof = f"{self.address}:{self.signer.sign_personal(SIGNED_MESSAGE)}"

    def __repr__(self) -> str:
        return f"DexalotAuth({self.address})"  # the address is public; the key never appears

    def ownership_proof(self) -> str:
        return self._proof

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        request.encode_for_signing()  # nothing of the request is signed, but this fixes the bytes sent
        request.headers["x-signature"] = self._proof
        return request

    def ws_login_payload(self) -> dict[str, str]:
        return {"type": "tradereventsubscribe", "signature": self._proof}
