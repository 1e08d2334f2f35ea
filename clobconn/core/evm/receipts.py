"""A sent transaction's outcome, from its receipt.

Mined with status 1 is done; status 0 reverted (``TransactionReverted``, a refusal); no receipt by
the deadline is ``TransactionUnconfirmed``: a ``NetworkError`` that says the transaction was sent, so
that an order placed by it is reconciled by its client order id and never sent again blindly.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from clobconn.core.errors import ExchangeError, NetworkError
from clobconn.core.evm.rpc import EvmRpc


class TransactionReverted(ExchangeError):
    def __init__(self, tx_hash: str, receipt: dict[str, Any]) -> None:
        self.tx_hash = tx_hash
        self.receipt = receipt
        super().__init__(f"transaction {tx_hash} reverted (block {receipt.get('blockNumber')})")


class TransactionUnconfirmed(NetworkError):
    def __init__(self, tx_hash: str, waited: float) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"transaction {tx_hash} has no receipt after {waited:.1f}s", request_sent=True)


async def wait_for_receipt(rpc: EvmRpc, tx_hash: str, timeout: float,
                           poll_interval: float = 0.5) -> dict[str, Any]:
    """The transaction's receipt once mined; a failed poll is retried until the deadline."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        try:
            receipt = await rpc.receipt(tx_hash)
        except NetworkError:
            receipt = None  # the node did not answer this time: the deadline decides
        if receipt is not None:
            if int(str(receipt.get("status", "0x0")), 16) != 1:
                raise TransactionReverted(tx_hash, receipt)
            return receipt
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TransactionUnconfirmed(tx_hash, time.monotonic() - started)
        await asyncio.sleep(min(poll_interval, remaining))
