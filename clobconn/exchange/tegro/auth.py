"""Tegro signing: the wallet's key signs the orders and cancels the venue builds as EIP-712 typed data.

https://tegro.readme.io/reference/create-order. No REST request carries a credential: the account is
the key's address, named in the request bodies, and each order or cancel proves itself by its signature.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from clobconn.core.evm.signing import EvmSigner
from clobconn.core.web.auth import AuthBase, RestRequest


class TegroAuth(AuthBase):
    def __init__(self, private_key: SecretStr) -> None:
        # A key that is not 32 bytes of hex raises InvalidCredentials here, naming the format, never the value.
        self.signer = EvmSigner(private_key, "tegro")

    @property
    def address(self) -> str:
        """The wallet's checksummed address: the account on Tegro."""
        return self.signer.address

    def __repr__(self) -> str:
        return f"TegroAuth({self.address})"

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        # Nothing on Tegro's REST API is signed per request: orders and cancels carry their own signature.
        return request

    def sign(self, typed_data: dict[str, Any]) -> str:
        """The EIP-712 signature (0x, 65 bytes) of typed data already checked against the request."""
        return self.signer.sign_typed_data(typed_data)
