"""A loopback EVM node for the tests of wallet venues: JSON-RPC on the mock venue, nothing on the internet.

It checks what a real node checks, so that a test can fail: every raw transaction is decoded, its
sender recovered from the signature, its chain id and nonce compared with the chain's; a wrong one is
refused as a node refuses it. What passes is kept decoded in ``sent`` for the test to read (the call's
selector and ABI-encoded arguments included). Receipts come at once, after some polls, reverted, or
never (``mining``); ``eth_call`` answers are scripted per contract and function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import rlp
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest


class Mining(Enum):
    IMMEDIATE = "immediate"
    # A receipt after ``EvmNode.mine_after_polls`` polls for it.
    DELAYED = "delayed"
    # Mined, with status 0.
    REVERT = "revert"
    # Never mined: no receipt, ever.
    NEVER = "never"


def selector(signature: str) -> bytes:
    """A function's 4-byte selector from its signature: ``selector("approve(address,uint256)")``."""
    return keccak(text=signature)[:4]


@dataclass(slots=True)
class DecodedTransaction:
    tx_hash: str
    sender: str
    chain_id: int
    nonce: int
    to: str
    data: bytes
    value: int
    gas: int
    raw: bytes
    polls: int = 0
    mining: Mining = Mining.IMMEDIATE
    logs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def selector(self) -> bytes:
        return self.data[:4]

    def arguments(self, types: list[str]) -> tuple[Any, ...]:
        """The call's arguments, decoded as ``types`` (the function's ABI input types)."""
        return tuple(abi_decode(types, self.data[4:]))


class NodeRefusal(Exception):
    def __init__(self, message: str, code: int = -32000) -> None:
        self.code = code
        super().__init__(message)


class EvmNode:
    def __init__(self, venue: MockVenue, path: str = "/rpc", chain_id: int = 1,
                 gas_price: int = 25 * 10**9, gas_estimate: int = 150_000) -> None:
        self.venue, self.path, self.chain_id = venue, path, chain_id
        self.gas_price, self.gas_estimate = gas_price, gas_estimate
        self.block = 1
        self.mining = Mining.IMMEDIATE
        self.mine_after_polls = 2
        # Seconds before answering eth_sendRawTransaction: longer than the client's timeout loses the answer.
        self.send_answer_delay = 0.0
        self.sent: list[DecodedTransaction] = []
        self.refused: list[str] = []
        self.contract_calls: list[tuple[str, bytes]] = []
        self._next_nonce: dict[str, int] = {}
        self._refuse_next: list[str] = []
        self._calls: dict[tuple[str, bytes], bytes | Callable[[bytes], bytes]] = {}
        self._logs_of: Callable[[DecodedTransaction], list[dict[str, Any]]] | None = None
        venue.route("POST", path, self._answer)

    @property
    def url(self) -> str:
        return f"{self.venue.http_url}{self.path}"

    # -- scripting ---------------------------------------------------------------------------------

    def set_nonce(self, address: str, nonce: int) -> None:
        """The account's transaction count on the chain (what a restart must pick up from)."""
        self._next_nonce[address.lower()] = nonce

    def on_call(self, to: str, function: str | bytes, answer: bytes | Callable[[bytes], bytes]) -> None:
        """What ``eth_call`` to ``to`` answers for ``function`` (a signature or a selector): bytes, or a
        function of the call's data."""
        key = selector(function) if isinstance(function, str) else function
        self._calls[(to.lower(), key)] = answer

    def on_mined(self, logs: Callable[[DecodedTransaction], list[dict[str, Any]]]) -> None:
        """The logs a mined transaction's receipt carries (the venue's contract events)."""
        self._logs_of = logs

    def refuse_next_send(self, message: str = "nonce too low") -> None:
        self._refuse_next.append(message)

    def transactions_to(self, to: str, function: str | None = None) -> list[DecodedTransaction]:
        wanted = None if function is None else selector(function)
        return [tx for tx in self.sent if tx.to.lower() == to.lower() and wanted in (None, tx.selector)]

    # -- the node ----------------------------------------------------------------------------------

    async def _answer(self, request: RecordedRequest) -> MockResponse:
        body = request.json
        delay = self.send_answer_delay if body.get("method") == "eth_sendRawTransaction" else 0.0
        try:
            result = self._dispatch(str(body.get("method")), list(body.get("params") or []))
        except NodeRefusal as refusal:
            return MockResponse({"jsonrpc": "2.0", "id": body.get("id"),
                                 "error": {"code": refusal.code, "message": str(refusal)}})
        return MockResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": result}, delay=delay)

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_blockNumber":
            return hex(self.block)
        if method == "eth_gasPrice":
            return hex(self.gas_price)
        if method == "eth_estimateGas":
            return hex(self.gas_estimate)
        if method == "eth_getTransactionCount":
            return hex(self._next_nonce.get(str(params[0]).lower(), 0))
        if method == "eth_call":
            return self._call(params[0])
        if method == "eth_sendRawTransaction":
            return self._take(bytes.fromhex(str(params[0]).removeprefix("0x")))
        if method == "eth_getTransactionReceipt":
            return self._receipt(str(params[0]))
        raise NodeRefusal(f"the method {method} does not exist/is not available", -32601)

    def _call(self, call: dict[str, Any]) -> str:
        data = bytes.fromhex(str(call.get("data", "0x")).removeprefix("0x"))
        to = str(call.get("to", "")).lower()
        self.contract_calls.append((to, data))
        answer = self._calls.get((to, data[:4]))
        if answer is None:
            raise NodeRefusal("execution reverted")
        return "0x" + (answer(data) if callable(answer) else answer).hex()

    def _take(self, raw: bytes) -> str:
        try:
            tx = decode_transaction(raw)
        except Exception as exc:
            self.refused.append(f"undecodable: {exc}")
            raise NodeRefusal(f"rlp: {exc}") from None
        if any(known.tx_hash == tx.tx_hash for known in self.sent):
            raise NodeRefusal("already known")
        expected = self._next_nonce.get(tx.sender.lower(), 0)
        refusal = (self._refuse_next.pop(0) if self._refuse_next
                   else f"invalid chain id {tx.chain_id}" if tx.chain_id != self.chain_id
                   else f"nonce too low: next nonce {expected}, tx nonce {tx.nonce}" if tx.nonce < expected
                   else f"nonce too high: next nonce {expected}, tx nonce {tx.nonce}" if tx.nonce > expected
                   else None)
        if refusal is not None:
            self.refused.append(refusal)
            raise NodeRefusal(refusal)
        self._next_nonce[tx.sender.lower()] = expected + 1
        tx.mining = self.mining
        self.sent.append(tx)
        return tx.tx_hash

    def _receipt(self, tx_hash: str) -> dict[str, Any] | None:
        tx = next((known for known in self.sent if known.tx_hash == tx_hash.lower()), None)
        if tx is None or tx.mining is Mining.NEVER:
            return None
        tx.polls += 1
        if tx.mining is Mining.DELAYED and tx.polls <= self.mine_after_polls:
            return None
        if not tx.logs and self._logs_of is not None and tx.mining is not Mining.REVERT:
            tx.logs = self._logs_of(tx)
        self.block += 1
        return {"transactionHash": tx.tx_hash, "from": tx.sender, "to": tx.to, "blockNumber": hex(self.block),
                "gasUsed": hex(tx.gas // 2), "status": "0x0" if tx.mining is Mining.REVERT else "0x1",
                "logs": tx.logs}


def decode_transaction(raw: bytes) -> DecodedTransaction:
    """A raw signed transaction, legacy (EIP-155) or typed (EIP-2718), with its sender recovered."""
    sender = Account.recover_transaction(raw)
    if raw[0] >= 0xC0:
        nonce, _gas_price, gas, to, value, data, v, _r, _s = rlp.decode(raw)
        v_int = int.from_bytes(v, "big")
        if v_int < 35:
            raise ValueError("a transaction without a chain id (pre-EIP-155) is replayable on any chain")
        chain_id = (v_int - 35) // 2
        fields = {"nonce": nonce, "gas": gas, "value": value}
        numbers = {name: int.from_bytes(value, "big") for name, value in fields.items()}
        to_text, data_bytes = to_checksum_address("0x" + bytes(to).hex()), bytes(data)
    else:
        typed = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        chain_id = int(typed["chainId"])
        numbers = {"nonce": int(typed["nonce"]), "gas": int(typed["gas"]), "value": int(typed["value"])}
        to_text, data_bytes = to_checksum_address("0x" + bytes(typed["to"]).hex()), bytes(typed["data"])
    return DecodedTransaction(tx_hash="0x" + keccak(raw).hex(), sender=str(sender), chain_id=chain_id,
                              nonce=numbers["nonce"], to=to_text, data=data_bytes, value=numbers["value"],
                              gas=numbers["gas"], raw=raw)
