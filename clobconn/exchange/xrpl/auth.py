"""The XRP Ledger wallet: the account derived from its seed, and transactions signed locally.

Nothing is signed by a node: the seed never leaves the process, and no request needs headers, so the
REST signer adds nothing. docs.xrpl.org/docs/concepts/transactions/secure-signing.
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


class XrplAuth(AuthBase):
    def __init__(self, seed: SecretStr) -> None:
        try:
            self._wallet = Wallet.from_seed(seed.get_secret_value())
        except Exception:
            # Never the seed, nor xrpl-py's message about it, in the error.
            raise InvalidCredentials("xrpl: the seed is not a valid XRP Ledger family seed (s...), "
                                     "secp256k1 or Ed25519 (sEd...)") from None
        self.address: str = self._wallet.classic_address

    def __repr__(self) -> str:
        return f"XrplAuth(address={self.address})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        return request

    def sign(self, transaction: Transaction) -> tuple[str, str, dict[str, Any]]:
        """(hex blob to submit, transaction hash, the signed fields) of ``transaction``, which names its
        Sequence, Fee and LastLedgerSequence already (autofill would ask a node: the core does that)."""
        signed = sign(transaction, self._wallet)
        fields = signed.to_xrpl()
        return encode(fields), signed.get_hash(), fields
