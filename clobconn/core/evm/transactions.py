"""Contract calls as signed transactions: the nonce from the wallet's sequence, the gas estimated (or
given), the fee from the node, signed locally and sent raw. Legacy (EIP-155) transactions: every
EVM venue's chain takes them, and the fee is one number the node states."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from clobconn.core.evm.nonces import NonceManager
from clobconn.core.evm.rpc import AlreadyKnown, EvmRpc, NonceRefused
from clobconn.core.evm.signing import EvmSigner

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ContractCall:
    to: str
    data: bytes
    # Gas limit; None estimates it with the node (plus ``TransactionSender.gas_margin``).
    gas: int | None = None
    value: int = 0


@dataclass(frozen=True, slots=True)
class SentTransaction:
    tx_hash: str
    nonce: int


class TransactionSender:
    """One wallet's transactions on one chain."""

    def __init__(self, rpc: EvmRpc, signer: EvmSigner, chain_id: int, *, gas_margin: float = 1.2) -> None:
        self.rpc = rpc
        self.signer = signer
        self.chain_id = chain_id
        self.gas_margin = gas_margin
        self.nonces = NonceManager(signer.address, lambda: rpc.pending_nonce(signer.address))

    async def send(self, call: ContractCall) -> SentTransaction:
        """Sign and send ``call``. A nonce the node refuses (another client of the wallet spent it)
        is read again and the call sent once more: the refused transaction was never taken."""
        try:
            return await self._send_once(call)
        except NonceRefused as exc:
            logger.warning("wallet %s: nonce refused (%s); reading it again from the node",
                           self.signer.address, exc.venue_message)
            return await self._send_once(call)

    async def _send_once(self, call: ContractCall) -> SentTransaction:
        gas = call.gas
        if gas is None:
            estimate = await self.rpc.estimate_gas(
                {"from": self.signer.address, "to": call.to, "data": call.data, "value": call.value})
            gas = int(estimate * self.gas_margin)
        gas_price = await self.rpc.gas_price()
        async with self.nonces.next_nonce() as nonce:
            transaction = {"chainId": self.chain_id, "nonce": nonce, "to": to_checksum_address(call.to),
                           "data": call.data,
                           "value": call.value, "gas": gas, "gasPrice": gas_price}
            raw, tx_hash = self.signer.sign_transaction(transaction)
            # "Already known": this very transaction is in the node's pool already, so it is sent.
            with suppress(AlreadyKnown):
                await self.rpc.send_raw(raw)
        return SentTransaction(tx_hash, nonce)
