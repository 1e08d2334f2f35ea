"""A Cosmos SDK node's REST gateway (the gRPC-gateway every node serves), as a venue's orders need it: the
account's number and sequence, the latest block, and broadcasting a signed transaction.
https://docs.cosmos.network/api (``/cosmos/auth/v1beta1/accounts/{address}``,
``/cosmos/base/tendermint/v1beta1/blocks/latest``, ``POST /cosmos/tx/v1beta1/txs``).

``AccountSequence`` keeps one account's sequence: read from the node at first use (so it survives a
restart), handed out under a lock so that two transactions never carry the same one, advanced only once a
transaction that consumes it was accepted, and read again after the node refused one for it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from clobconn.core.web.rest import RestClient

ACCOUNT_PATH = "/cosmos/auth/v1beta1/accounts/{address}"
LATEST_BLOCK_PATH = "/cosmos/base/tendermint/v1beta1/blocks/latest"
BROADCAST_PATH = "/cosmos/tx/v1beta1/txs"
# CheckTx's verdict, without waiting for a block: what an order placement needs to know.
BROADCAST_SYNC = "BROADCAST_MODE_SYNC"
# The SDK's "account sequence mismatch" (codespace sdk, ErrWrongSequence).
SEQUENCE_MISMATCH = "sdk:32"


def tx_refusal(payload: Any) -> tuple[str, str] | None:
    """A broadcast answer's refusal as ("codespace:code", raw_log), or None when the node accepted the
    transaction (code 0). For a connector's error extractor: the node answers HTTP 200 either way."""
    response = payload.get("tx_response") if isinstance(payload, Mapping) else None
    if not isinstance(response, Mapping) or not int(response.get("code") or 0):
        return None
    return f"{response.get('codespace') or 'sdk'}:{response['code']}", str(response.get("raw_log", ""))


@dataclass(frozen=True, slots=True)
class Block:
    height: int
    chain_id: str


class CosmosNode:
    """The node's REST gateway at ``url``, through the connector's REST client (its errors, its session)."""

    def __init__(self, rest: RestClient, url: str, limit_id: str) -> None:
        self.rest, self.url, self.limit_id = rest, url.rstrip("/"), limit_id

    async def _get(self, path: str) -> Any:
        return await self.rest.request("GET", path, base_url=self.url, limit_id=self.limit_id)

    async def account(self, address: str) -> tuple[int, int]:
        """(account number, sequence) of a BaseAccount."""
        account = (await self._get(ACCOUNT_PATH.format(address=address)))["account"]
        return int(account["account_number"]), int(account.get("sequence") or 0)

    async def latest_block(self) -> Block:
        header = (await self._get(LATEST_BLOCK_PATH))["block"]["header"]
        return Block(int(header["height"]), str(header["chain_id"]))

    async def broadcast(self, tx_bytes: bytes) -> str:
        """Send a signed transaction; its hash once CheckTx accepted it. A refusal raises through the
        REST client's error table (see ``tx_refusal``)."""
        body = {"tx_bytes": base64.b64encode(tx_bytes).decode(), "mode": BROADCAST_SYNC}
        answer = await self.rest.request("POST", BROADCAST_PATH, data=body, base_url=self.url,
                                         limit_id=self.limit_id)
        return str(answer["tx_response"]["txhash"])


class AccountSequence:
    def __init__(self, read: Callable[[], Awaitable[tuple[int, int]]]) -> None:
        self._read = read
        self._lock = asyncio.Lock()
        self._known: tuple[int, int] | None = None

    @asynccontextmanager
    async def next(self, consumes: bool = True) -> AsyncIterator[tuple[int, int]]:
        """(account number, sequence) for one transaction, held until it is broadcast. The sequence moves
        on when the block ends without an error and the transaction ``consumes`` it."""
        async with self._lock:
            if self._known is None:
                self._known = await self._read()
            number, sequence = self._known
            yield number, sequence
            if consumes:
                self._known = (number, sequence + 1)

    def forget(self) -> None:
        """Read the sequence from the node again before the next transaction (after a refused one)."""
        self._known = None
