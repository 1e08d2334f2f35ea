"""An XRP Ledger wallet: the account derived from its seed, and transactions signed locally.

Nothing is signed by a node: the seed never leaves the process. Requests to a node carry no
credentials, so as the connector's ``AuthBase`` it adds nothing to them.
docs.xrpl.org/docs/concepts/transactions/secure-signing.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from xrpl.core.binarycodec import encode
from xrpl.models.transactions import Transaction
from xrpl.transaction import sign
from xrpl.wallet import Wallet

from clobconn.core.errors import InvalidCredentials
from clobconn.core.web.auth import AuthBase, RestRequest


class XrplWallet(AuthBase):
    def __init__(self, seed: SecretStr, who: str) -> None:
        try:
            self._wallet = Wallet.from_seed(seed.get_secret_value())
        except Exception:
            # Never the seed, nor xrpl-py's message about it, in the error.
            raise InvalidCredentials(f"{who}: the seed is not a valid XRP Ledger family seed (s... for "
                                     "secp256k1, sEd... for Ed25519)") from None
        self.address: str = self._wallet.classic_address

    def __repr__(self) -> str:
        return f"XrplWallet(address={self.address})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        return request

    def sign(self, transaction: Transaction) -> tuple[str, str, dict[str, Any]]:
        """(hex blob to submit, transaction hash, the signed fields) of ``transaction``, which names its
        Sequence, Fee and LastLedgerSequence already (xrpl-py's autofill would ask a node itself)."""
        signed = sign(transaction, self._wallet)
        fields = signed.to_xrpl()
        return encode(fields), signed.get_hash(), fields
