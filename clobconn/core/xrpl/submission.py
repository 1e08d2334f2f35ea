"""One account's transactions on the XRP Ledger: signed and submitted one Sequence at a time, and final
only once a validated ledger says so.

- The Sequence is read from ``account_info`` (``"current"``, so the node's queued transactions count)
  at first use, then counted here; signing and submitting take turns under one lock, so concurrent
  transactions never share one. After a sequence answer or a lost ``submit`` answer it is read again.
- Each transaction carries a ``Fee`` (``server_info``'s base fee times its load factor) and a
  ``LastLedgerSequence`` (the last validated ledger plus ``ledger_window``): past it, it can never be
  included, so a transaction never validated by then has failed; it is never submitted again.
- ``submit``'s answer is provisional (tes, tec, ter) or final (tem, tef, tel: not applied, never will be).
docs.xrpl.org/docs/concepts/transactions/reliable-transaction-submission.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xrpl.models.transactions import Transaction

from clobconn.core.errors import (
    ExchangeError,
    NetworkError,
    OrderNotFound,
    OrderRejected,
    VenueErrorTable,
    error_class_for,
)
from clobconn.core.xrpl.amounts import ONE_DROP
from clobconn.core.xrpl.signing import XrplWallet

# A node's JSON-RPC: ``await rpc(method, **params)`` -> the answer's ``result``.
Rpc = Callable[..., Awaitable[dict[str, Any]]]
# Makes the transaction for (Sequence, Fee in drops, LastLedgerSequence).
TransactionBuilder = Callable[[int, str, int], Transaction]
# Answers that mean the account's Sequence is not what we counted (used, or ahead of the ledger).
SEQUENCE_RESULTS = frozenset({"tefPAST_SEQ", "terPRE_SEQ"})


class TransactionExpired(ExchangeError):
    """Not in a validated ledger by its LastLedgerSequence: it can no longer be included."""


@dataclass(frozen=True, slots=True)
class Submitted:
    """A transaction the node took: its Sequence, its hash, and the last ledger that may include it."""

    sequence: int
    tx_hash: str
    last_ledger: int


@dataclass(frozen=True, slots=True)
class LedgerState:
    """What ``server_info`` says of the last validated ledger (docs.xrpl.org/.../server_info)."""

    index: int
    fee_drops: int
    reserve_base: Decimal
    reserve_owner: Decimal


class LedgerSubmitter:
    def __init__(self, rpc: Rpc, wallet: XrplWallet, ledger_window: int, result_errors: VenueErrorTable) -> None:
        self._rpc = rpc
        self.wallet = wallet
        self.ledger_window = ledger_window
        self._result_errors = result_errors
        self._turn = asyncio.Lock()
        self._next_sequence: int | None = None
        self.ledger: LedgerState | None = None

    async def ledger_state(self) -> LedgerState:
        info = (await self._rpc("server_info"))["info"]
        ledger = info["validated_ledger"]
        load = Decimal(str(info.get("load_factor", 1)))
        fee = math.ceil(Decimal(str(ledger["base_fee_xrp"])) * load / ONE_DROP)
        self.ledger = LedgerState(int(ledger["seq"]), fee, Decimal(str(ledger["reserve_base_xrp"])),
                                  Decimal(str(ledger["reserve_inc_xrp"])))
        return self.ledger

    async def _sequence(self) -> int:
        if self._next_sequence is None:
            data = await self._rpc("account_info", account=self.wallet.address, ledger_index="current")
            self._next_sequence = int(data["account_data"]["Sequence"])
        return self._next_sequence

    async def submit(self, build: TransactionBuilder, what: str,
                     on_signed: Callable[[Submitted], None] = lambda submitted: None) -> Submitted:
        """Sign and submit ``build``'s transaction; ``on_signed`` hears of it before it is sent, so that a
        lost answer can still be looked up by its hash. Raises what a final refusal maps to."""
        async with self._turn:
            ledger = await self.ledger_state()
            sequence = await self._sequence()
            last_ledger = ledger.index + self.ledger_window
            blob, tx_hash, _ = self.wallet.sign(build(sequence, str(ledger.fee_drops), last_ledger))
            submitted = Submitted(sequence, tx_hash, last_ledger)
            on_signed(submitted)
            try:
                answer = await self._rpc("submit", tx_blob=blob)
            except NetworkError:
                # Taken or not, only the ledger knows: read the Sequence afresh before the next one.
                self._next_sequence = None
                raise
            result, message = str(answer.get("engine_result", "")), str(answer.get("engine_result_message", ""))
            if result in SEQUENCE_RESULTS:
                self._next_sequence = None
                if result == "terPRE_SEQ":
                    # Held by the node and may still apply: the validated ledger decides, by LastLedgerSequence.
                    raise NetworkError(f"{what} {tx_hash} held ({result}); its outcome comes from the ledger",
                                       request_sent=True)
            elif result.startswith(("tes", "tec", "ter")):
                self._next_sequence = sequence + 1
                return submitted
            error = error_class_for(self._result_errors, result, message, 200) if result in self._result_errors \
                else OrderRejected
            raise error(f"{what} refused: {result}: {message}", venue_code=result, venue_message=message)

    async def validated(self, submitted: Submitted) -> dict[str, Any] | None:
        """The transaction as ``tx`` shows it once validated; None while it may still be; raises
        ``TransactionExpired`` once the validated ledger has passed its LastLedgerSequence without it, and
        ``OrderNotFound`` while the node does not know it at all."""
        # The validated ledger first: a transaction in it or before shows in the lookup that follows.
        ledger = await self.ledger_state()
        try:
            answer: dict[str, Any] | None = await self._rpc("tx", transaction=submitted.tx_hash)
        except ExchangeError as exc:
            if exc.venue_code != "txnNotFound":
                raise
            answer = None
        if answer is not None and answer.get("validated"):
            return answer
        if ledger.index > submitted.last_ledger:
            raise TransactionExpired(f"not validated by LastLedgerSequence {submitted.last_ledger}: it can no "
                                     "longer be included")
        if answer is None:
            # Unknown to the node (a submit whose answer was lost may never have reached it): not found, which
            # the order lifecycle counts only once the placement's window has passed.
            raise OrderNotFound(f"the node knows no transaction {submitted.tx_hash}")
        return None
