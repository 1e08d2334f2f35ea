"""Vertex nonces, which are also our client order ids: ``(recv_time_ms << 20) | 20 random bits``. The engine
ignores an execute once its recv_time has passed; the random bits keep two equal executes apart.
https://docs.vertexprotocol.com/developer-resources/api/gateway/executes/place-order (nonce)
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass

from clobconn.core.data_types import TradeType
from clobconn.core.venue import ClientOrderIdRule

NONCE_RANDOM_BITS = 20


def nonce(recv_time_ms: int) -> int:
    return (recv_time_ms << NONCE_RANDOM_BITS) | secrets.randbits(NONCE_RANDOM_BITS)


@dataclass(frozen=True, slots=True)
class NonceOrderIds(ClientOrderIdRule):
    """A Vertex order has no client id, but its nonce is ours and every listing returns it: the client order id
    is the order's nonce, whose recv_time is the placement's deadline, ``recv_window`` seconds from now."""

    max_length: int = 20
    prefix: str = ""
    alphabet: str = string.digits
    numeric: bool = True
    recv_window: float = 30.0

    def generate(self, trade_type: TradeType) -> str:
        return str(nonce(int((time.time() + self.recv_window) * 1000)))

    def is_valid(self, client_order_id: str) -> bool:
        # One of ours, or a caller's nonce whose recv_time has not passed (the engine would drop it).
        return (client_order_id.isdigit() and int(client_order_id) < 2**64
                and int(client_order_id) >> NONCE_RANDOM_BITS > time.time() * 1000)
