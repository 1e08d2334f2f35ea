"""Derive's two signatures, both made with the session key.

Session login (https://docs.derive.xyz/authentication/session-login): the time in milliseconds as a
decimal string, signed EIP-191; on REST as ``X-DeriveWallet``/``X-DeriveTimestamp``/``X-DeriveSignature``,
on the socket as the params of ``public/login``. It authorizes nothing: each order carries its own action.

Action signing (https://docs.derive.xyz/authentication/action-signing): EIP-712 over the domain separator and the
``Action`` struct; Trade data is canonical abi.encode (2026-07-31), 1e18 words; nonces are UTC nanoseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from pydantic import SecretStr

from clobconn.core.evm.addresses import checksum_address
from clobconn.core.evm.signing import EvmSigner, eip712_digest, keccak
from clobconn.core.web.auth import AuthBase, RestRequest
from clobconn.core.web.numbers import to_fixed_point
from clobconn.exchange.derive.constants import Protocol

ACTION_FIELDS = ["bytes32", "uint256", "uint256", "address", "bytes32", "uint256", "address", "address"]
TRADE_FIELDS = ["address", "uint256", "int256", "int256", "uint256", "uint256", "bool"]


@dataclass(frozen=True)
class TradeData:
    """The Trade module's data of one order; ``amount`` is positive, ``is_bid`` gives the side."""

    asset_address: str
    sub_id: int
    limit_price: Decimal
    amount: Decimal
    max_fee: Decimal
    recipient_id: int
    is_bid: bool

    def encoded(self) -> bytes:
        words = [to_fixed_point(value, field=name, limit=2**255) for name, value in  # int256 words, 18 decimals
                 (("limit_price", self.limit_price), ("amount", self.amount), ("max_fee", self.max_fee))]
        address = to_checksum_address(self.asset_address)
        return encode(TRADE_FIELDS, [address, self.sub_id, *words, self.recipient_id, self.is_bid])


@dataclass(frozen=True)
class Action:
    """One signed action: who acts on which subaccount, through which module, with what data."""

    subaccount_id: int
    nonce: int
    module: str
    module_data: bytes
    expiry_sec: int
    owner: str
    signer: str

    def struct_hash(self, protocol: Protocol) -> bytes:
        return keccak(encode(ACTION_FIELDS, [
            protocol.action_typehash, self.subaccount_id, self.nonce, to_checksum_address(self.module),
            keccak(self.module_data), self.expiry_sec, to_checksum_address(self.owner),
            to_checksum_address(self.signer)]))

    def digest(self, protocol: Protocol) -> bytes:
        """The EIP-712 digest: what the session key signs."""
        return eip712_digest(protocol.domain_separator, self.struct_hash(protocol))


class DeriveAuth(AuthBase):
    """The wallet (an address, not a secret) and its session key, which signs logins and actions."""

    def __init__(self, wallet: SecretStr, session_key: SecretStr, protocol: Protocol,
                 now_ms: Callable[[], int]) -> None:
        self.wallet = checksum_address(wallet.get_secret_value(), "derive")
        self.signer = EvmSigner(session_key, "derive session key")
        self.protocol = protocol
        self._now_ms = now_ms
        self._last_nonce = 0

    def __repr__(self) -> str:
        return f"DeriveAuth(wallet={self.wallet}, session key {self.signer.address})"

    def login(self) -> dict[str, Any]:
        """wallet, timestamp and its signature: the login values of both transports."""
        timestamp = str(self._now_ms())
        return {"wallet": self.wallet, "timestamp": timestamp, "signature": self.signer.sign_personal(timestamp)}

    def rest_authenticate(self, request: RestRequest) -> RestRequest:
        login = self.login()
        request.headers |= {"X-DeriveWallet": login["wallet"], "X-DeriveTimestamp": login["timestamp"],
                            "X-DeriveSignature": login["signature"]}
        return request

    def ws_login_payload(self) -> dict[str, Any]:
        # One login per connection, answered on it: the id needs to be unique on that socket only.
        return {"method": "public/login", "params": self.login(), "id": "login"}

    def next_nonce(self) -> int:
        """UTC nanoseconds, strictly increasing within the process (two orders in one tick differ)."""
        self._last_nonce = max(time.time_ns(), self._last_nonce + 1)
        return self._last_nonce

    def sign_trade(self, subaccount_id: int, data: TradeData, expiry_sec: int) -> dict[str, Any]:
        """The signed fields an order carries besides its own: nonce, signer, expiry and signature."""
        action = Action(subaccount_id, self.next_nonce(), self.protocol.trade_module, data.encoded(), expiry_sec,
                        self.wallet, self.signer.address)
        # The nonce travels as a string: 19 digits exceed what a JSON double holds.
        return {"nonce": str(action.nonce), "signer": self.signer.address, "signature_expiry_sec": expiry_sec,
                "signature": self.signer.sign_digest(action.digest(self.protocol))}
