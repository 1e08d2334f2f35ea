"""A loopback Cosmos SDK node on the mock venue: the REST gateway's account, latest-block and broadcast
routes, as a venue's connector calls them (clobconn/core/cosmos/node.py).

Every broadcast transaction is decoded and checked as a node's ante handler would: the signature against
the public key its signer info carries, over this node's chain id and the signer's account number (a
wrong chain or account fails it: code 4, "signature verification failed"); then, unless every message is
replay-protected otherwise (``skips_sequence``: dYdX's short-term orders), its sequence must be the
account's (else code 32, "account sequence mismatch"), and the account's sequence moves on. Tests script
refusals (``refuse_next``) and slow answers (``delay``), and read what was accepted in ``accepted``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message
from v4_proto.cosmos.crypto.secp256k1.keys_pb2 import PubKey
from v4_proto.cosmos.tx.v1beta1.tx_pb2 import AuthInfo, TxRaw

from clobconn.core.cosmos.node import ACCOUNT_PATH, BROADCAST_PATH, LATEST_BLOCK_PATH
from clobconn.core.cosmos.signing import BadTransaction, address_of, decode_signed_tx
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest


@dataclass(slots=True)
class NodeAccount:
    number: int
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class AcceptedTx:
    address: str
    sequence: int
    # The messages, decoded by their type URL.
    messages: list[Message]
    txhash: str


@dataclass(slots=True)
class CosmosNodeMock:
    venue: MockVenue
    chain_id: str
    hrp: str
    accounts: dict[str, NodeAccount] = field(default_factory=dict)
    height: int = 1000
    # Seconds before a broadcast is answered (longer than the client's timeout: it times out).
    delay: float = 0.0
    # Whether a transaction's messages need no sequence (all replay-protected by a good-til-block).
    skips_sequence: Callable[[list[Message]], bool] = lambda messages: False
    accepted: list[AcceptedTx] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    _scripted: list[tuple[str, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.venue.route("GET", ACCOUNT_PATH, self._account)
        self.venue.route("GET", LATEST_BLOCK_PATH, lambda _: MockResponse(
            {"block_id": {"hash": ""}, "block": {"header": {"chain_id": self.chain_id, "height": str(self.height),
                                                             "time": "2024-01-01T00:00:00Z"}}}))
        self.venue.route("POST", BROADCAST_PATH, self._broadcast)

    @property
    def url(self) -> str:
        return self.venue.http_url

    def refuse_next(self, codespace: str, code: int, raw_log: str) -> None:
        """The next broadcast is refused so, whatever it holds (a clob rule, a full mempool)."""
        self._scripted.append((codespace, code, raw_log))

    def _account(self, request: RecordedRequest) -> MockResponse:
        address = request.path.rsplit("/", 1)[-1]
        account = self.accounts.get(address)
        if account is None:
            return MockResponse({"code": 5, "message": f"account {address} not found: key not found",
                                 "details": []}, 404)
        return MockResponse({"account": {"@type": "/cosmos.auth.v1beta1.BaseAccount", "address": address,
                                         "pub_key": None, "account_number": str(account.number),
                                         "sequence": str(account.sequence)}})

    async def _broadcast(self, request: RecordedRequest) -> MockResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        tx_bytes = base64.b64decode(request.json["tx_bytes"])
        txhash = hashlib.sha256(tx_bytes).hexdigest().upper()
        if self._scripted:
            return self._answer(txhash, *self._scripted.pop(0))
        try:
            (signer,) = AuthInfo.FromString(TxRaw.FromString(tx_bytes).auth_info_bytes).signer_infos
            address = address_of(PubKey.FromString(signer.public_key.value).key, self.hrp)
        except ValueError:
            return self._answer(txhash, "sdk", 2, "tx parse error")
        account = self.accounts.get(address)
        if account is None:
            return self._answer(txhash, "sdk", 9, f"account {address} not found: unknown address")
        try:
            tx = decode_signed_tx(tx_bytes, self.chain_id, account.number)
        except BadTransaction:
            return self._answer(txhash, "sdk", 4, f"signature verification failed; please verify account number "
                                                  f"({account.number}) and chain-id ({self.chain_id}): unauthorized")
        messages = [_decoded(m.type_url, m.value) for m in tx.messages]
        if not self.skips_sequence(messages):
            if tx.sequence != account.sequence:
                return self._answer(txhash, "sdk", 32, f"account sequence mismatch, expected {account.sequence}, "
                                                       f"got {tx.sequence}: incorrect account sequence")
            account.sequence += 1
        self.accepted.append(AcceptedTx(address, tx.sequence, messages, txhash))
        return self._answer(txhash, "", 0, "[]")

    def _answer(self, txhash: str, codespace: str, code: int, raw_log: str) -> MockResponse:
        if code:
            self.refused.append((code, raw_log))
        return MockResponse({"tx_response": {"height": "0", "txhash": txhash, "codespace": codespace, "code": code,
                                             "data": "", "raw_log": raw_log, "logs": [], "info": "",
                                             "gas_wanted": "0", "gas_used": "0", "tx": None, "timestamp": "",
                                             "events": []}})


def _decoded(type_url: str, value: bytes) -> Message:
    """A message by its type URL, from the protobuf definitions imported so far."""
    descriptor = descriptor_pool.Default().FindMessageTypeByName(type_url.lstrip("/"))
    message: Message = message_factory.GetMessageClass(descriptor).FromString(value)
    return message


def short_term_only(messages: list[Any]) -> bool:
    """dYdX's rule (protocol/app/ante/util.go ShouldSkipSequenceValidation): a transaction whose every
    message is a short-term order placement or cancel (order flags 0) uses no sequence."""
    def flags(message: Any) -> int | None:
        order_id = getattr(getattr(message, "order", None), "order_id", None) or getattr(message, "order_id", None)
        return None if order_id is None else int(order_id.order_flags)
    return all(flags(m) == 0 for m in messages)
