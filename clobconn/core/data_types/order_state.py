"""The order state machine: one explicit table of legal transitions."""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    PENDING_CREATE = "PENDING_CREATE"
    OPEN = "OPEN"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    PENDING_CANCEL = "PENDING_CANCEL"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    FAILED = "FAILED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_open(self) -> bool:
        return self in (OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.PENDING_CANCEL)


TERMINAL_STATES = frozenset({OrderState.FILLED, OrderState.CANCELED, OrderState.FAILED})

_S = OrderState
# Updates reach us by several paths (REST ack, user stream, status polling) in any order, so a state
# may be skipped (PENDING_CREATE -> FILLED for an order that filled before its ack was read). What is
# never allowed is leaving a terminal state or going back to PENDING_CREATE.
LEGAL_TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    _S.PENDING_CREATE: frozenset(
        {_S.OPEN, _S.PARTIALLY_FILLED, _S.PENDING_CANCEL, _S.FILLED, _S.CANCELED, _S.FAILED}
    ),
    _S.OPEN: frozenset({_S.PARTIALLY_FILLED, _S.PENDING_CANCEL, _S.FILLED, _S.CANCELED, _S.FAILED}),
    _S.PARTIALLY_FILLED: frozenset({_S.PENDING_CANCEL, _S.FILLED, _S.CANCELED, _S.FAILED}),
    # A cancel can be refused (the order stays open) or overtaken by fills.
    _S.PENDING_CANCEL: frozenset({_S.OPEN, _S.PARTIALLY_FILLED, _S.FILLED, _S.CANCELED, _S.FAILED}),
    _S.FILLED: frozenset(),
    _S.CANCELED: frozenset(),
    _S.FAILED: frozenset(),
}


def is_legal_transition(current: OrderState, new: OrderState) -> bool:
    """Staying in the same state is always legal (a repeated update is a no-op)."""
    return new is current or new in LEGAL_TRANSITIONS[current]
