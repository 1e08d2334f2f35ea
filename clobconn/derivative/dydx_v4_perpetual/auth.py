"""dYdX v4 credentials: a mnemonic, from which the account's secp256k1 key is derived on the Cosmos path
(m/44'/118'/0'/0/0, as the venue's wallets derive it: interaction/wallet-setup) and its ``dydx1...``
address. The indexer is public: nothing of a REST request is signed. What the key signs is the
transactions that place and cancel orders (``sign``); the core's Cosmos signer does the signing.
"""

from __future__ import annotations

from google.protobuf.message import Message
from pydantic import SecretStr

from clobconn.core.cosmos.signing import CosmosSigner
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.derivative.dydx_v4_perpetual.constants import ADDRESS_PREFIX, CONNECTOR_ID


class DydxAuth(AuthBase):
    def __init__(self, mnemonic: SecretStr) -> None:
        self.signer = CosmosSigner(mnemonic, ADDRESS_PREFIX, CONNECTOR_ID)

    @property
    def address(self) -> str:
        return self.signer.address

    def __repr__(self) -> str:
        return f"DydxAuth({self.signer.address})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        return request

    def sign(self, message: Message, chain_id: str, account_number: int, sequence: int) -> bytes:
        return self.signer.sign_tx([message], chain_id, account_number, sequence)
