"""Pools and liquidity positions: pool info, and the AMM and CLMM position transactions (open, add,
remove, collect fees, close), each sent once and followed like a swap: signature recorded first, polled
with backoff to its deadline, never resent. A position call whose outcome is not told ends UNKNOWN (read
the position or the balances before acting again)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from clobconn.core.errors import ExchangeError, NetworkError
from clobconn.gateway.client import GatewayClient, as_number
from clobconn.gateway.errors import TransactionTimeout
from clobconn.gateway.models import MalformedAnswer, Submission, TxStatus
from clobconn.gateway.transactions import TransactionWatcher

logger = logging.getLogger(__name__)


class ActionState(StrEnum):
    CONFIRMED = "CONFIRMED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


@dataclass(slots=True)
class LiquidityAction:
    action: str
    request: dict[str, Any]
    state: ActionState = ActionState.UNKNOWN
    signature: str | None = None
    # The opened position's address (open-position), when Gateway gives it.
    position_address: str | None = None
    reason: str = ""
    answer: Mapping[str, Any] = field(default_factory=dict)


class LiquidityPositions:
    def __init__(self, client: GatewayClient, watcher: TransactionWatcher,
                 deadline: Callable[[], float], clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._watcher = watcher
        self._deadline = deadline
        self._clock = clock
        # Every action sent, in order: the record a caller reads before acting again.
        self.history: list[LiquidityAction] = []

    async def send(self, action: str, body: Mapping[str, Any]) -> LiquidityAction:
        """Send one position transaction and follow it to CONFIRMED, FAILED or (untold) UNKNOWN. A refusal
        by Gateway (nothing sent) raises its typed error."""
        record = LiquidityAction(action, dict(body))
        self.history.append(record)
        submission = await self._submit(record)
        if submission is None:
            return record
        record.signature = submission.signature
        record.answer = submission.raw
        address = submission.raw.get("positionAddress") or (submission.raw.get("data") or {}).get("positionAddress")
        record.position_address = str(address) if address else None
        status = submission.status
        if not status.is_final:
            verdict = await self._watcher.follow(submission.signature, self._clock() + self._deadline())
            if verdict is None:
                record.reason = f"{submission.signature} unresolved at its deadline"
                return record
            status = verdict.status
        record.state = ActionState.CONFIRMED if status is TxStatus.CONFIRMED else ActionState.FAILED
        return record

    async def _submit(self, record: LiquidityAction) -> Submission | None:
        try:
            return await self._client.liquidity_action(record.action, record.request)
        except NetworkError as exc:
            if not exc.request_sent:
                record.state, record.reason = ActionState.FAILED, f"Gateway unreachable, nothing sent: {exc}"
                raise
            record.reason = f"the answer was not told: {exc}"
        except (TransactionTimeout, MalformedAnswer) as exc:
            record.reason = f"the answer was not told: {exc}"
        except ExchangeError as exc:
            record.state, record.reason = ActionState.FAILED, str(exc)
            raise
        logger.warning("%s: outcome unknown (%s); never resent", record.action, record.reason)
        return None


def amounts(base_amount: Decimal | None, quote_amount: Decimal | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if base_amount is not None:
        body["baseTokenAmount"] = as_number(base_amount)
    if quote_amount is not None:
        body["quoteTokenAmount"] = as_number(quote_amount)
    return body

