"""An EVM node's JSON-RPC, over the core's REST client: its timeouts, its typed transport errors (a
request that may have reached the node says so) and its throttler.

A JSON-RPC refusal arrives as HTTP 200 with an ``error`` object; its code and message pick the typed
error, so that a nonce the node refuses, funds it lacks or a rate limit read as such.
"""

from __future__ import annotations

import itertools
from typing import Any

from clobconn.core.errors import ErrorRule, ExchangeError, InsufficientFunds, RateLimitExceeded, VenueErrorTable
from clobconn.core.web.rest import RestClient
from clobconn.core.web.throttler import AsyncThrottler, RateLimit


class EvmRpcError(ExchangeError):
    """The node refused a call (its JSON-RPC error object)."""


class NonceRefused(EvmRpcError):
    """A transaction's nonce was already used, or is too far ahead: the transaction was not taken."""


class AlreadyKnown(EvmRpcError):
    """The node already holds this very transaction: it was sent before, and is not sent twice."""


# Geth and its kin (Avalanche subnets, Base, Arbitrum) answer a refused transaction with -32000 and a
# sentence; EIP-1474 gives -32005 to rate limits.
NODE_ERRORS: VenueErrorTable = {
    "-32000": ErrorRule(
        EvmRpcError,
        ("nonce too low", NonceRefused),
        ("nonce too high", NonceRefused),
        ("already known", AlreadyKnown),
        ("known transaction", AlreadyKnown),
        ("insufficient funds", InsufficientFunds),
    ),
    "-32003": ErrorRule(EvmRpcError, ("insufficient funds", InsufficientFunds)),
    "-32005": RateLimitExceeded,
}

RPC_LIMIT_ID = "evm-rpc"


def json_rpc_error(status: int, payload: Any) -> tuple[str | int | None, str] | None:
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        error = payload["error"]
        return error.get("code"), str(error.get("message", ""))
    if status >= 400:
        return None, str(payload)[:500]
    return None


class EvmRpc:
    """One node. ``rate_limit`` is the calls per second the node allows (public nodes document theirs)."""

    def __init__(self, url: str, *, timeout: float = 10.0, rate_limit: int = 20) -> None:
        self.url = url
        throttler = AsyncThrottler([RateLimit(RPC_LIMIT_ID, rate_limit, 1.0)])
        self._rest = RestClient(url, throttler, error_table=NODE_ERRORS, error_extractor=json_rpc_error,
                                timeout=timeout, default_limit_id=RPC_LIMIT_ID)
        self._ids = itertools.count(1)

    async def close(self) -> None:
        await self._rest.close()

    async def call(self, method: str, params: list[Any]) -> Any:
        request = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        answer = await self._rest.request("POST", "", data=request)
        if not isinstance(answer, dict) or "result" not in answer:
            raise EvmRpcError(f"{method}: the node's answer has no result", venue_message=str(answer)[:200])
        return answer["result"]

    async def chain_id(self) -> int:
        return _quantity(await self.call("eth_chainId", []))

    async def pending_nonce(self, address: str) -> int:
        """The next nonce of ``address``, counting its transactions still in the node's pool."""
        return _quantity(await self.call("eth_getTransactionCount", [address, "pending"]))

    async def gas_price(self) -> int:
        return _quantity(await self.call("eth_gasPrice", []))

    async def estimate_gas(self, transaction: dict[str, Any]) -> int:
        return _quantity(await self.call("eth_estimateGas", [_rpc_transaction(transaction)]))

    async def call_contract(self, to: str, data: bytes, block: str = "latest") -> bytes:
        result = await self.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, block])
        return bytes.fromhex(str(result).removeprefix("0x"))

    async def send_raw(self, raw: bytes) -> str:
        return str(await self.call("eth_sendRawTransaction", ["0x" + raw.hex()]))

    async def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        result = await self.call("eth_getTransactionReceipt", [tx_hash])
        return result if isinstance(result, dict) else None


def _quantity(value: Any) -> int:
    """A JSON-RPC quantity: hex with 0x."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise EvmRpcError(f"expected a hex quantity, got {str(value)[:40]!r}")
    return int(value, 16)


def _rpc_transaction(transaction: dict[str, Any]) -> dict[str, Any]:
    """A transaction as JSON-RPC takes it: numbers as hex quantities, bytes as hex data."""
    encoded: dict[str, Any] = {}
    for name, value in transaction.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            encoded[name] = hex(value)
        elif isinstance(value, bytes):
            encoded[name] = "0x" + value.hex()
        else:
            encoded[name] = value
    return encoded
