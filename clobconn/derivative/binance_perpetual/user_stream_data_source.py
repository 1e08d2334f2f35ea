"""Binance USDⓈ-M user data: a listen key from REST, then fstream's /private path.

https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, Position, PositionSide
from clobconn.core.listen_key import ListenKeyUserStreamDataSource
from clobconn.derivative.binance_perpetual.constants import (
    KEEPALIVE_LISTEN_KEY,
    LISTEN_KEY,
    LISTEN_KEY_KEEPALIVE,
    PRIVATE_WS_PATH,
)
from clobconn.exchange.binance.user_stream_data_source import (
    USER_STREAM_HEARTBEAT,
    parse_order_event,
)

if TYPE_CHECKING:
    from clobconn.core.perpetual_base import PerpetualDerivativeBase


class BinancePerpetualUserStreamDataSource(ListenKeyUserStreamDataSource):
    connector: PerpetualDerivativeBase
    create_key = LISTEN_KEY
    keep_key_alive = KEEPALIVE_LISTEN_KEY
    keepalive_interval = LISTEN_KEY_KEEPALIVE
    # No events= filter: it would also hold back listenKeyExpired and the like.
    socket_path = f"{PRIVATE_WS_PATH}?listenKey={{key}}"
    heartbeat = USER_STREAM_HEARTBEAT
    # The listen-key calls carry the API-key header and no signature; the keepalive names no key.
    key_calls_signed = False
    keepalive_names_key = False

    def event_type(self, message: Mapping[str, Any]) -> str | None:
        event = message.get("data", message)
        kind = event.get("e") if isinstance(event, Mapping) else None
        return kind if isinstance(kind, str) else None

    def parse_event(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        event = message.get("data", message)
        kind = event.get("e")
        if kind == "ORDER_TRADE_UPDATE":
            pair = self.connector.trading_pair_of(event["o"]["s"])
            return () if pair is None else parse_order_event(pair, event["o"])
        if kind == "ACCOUNT_UPDATE":
            return self._parse_account_update(event["a"])
        return ()

    def _parse_account_update(self, update: Mapping[str, Any]) -> list[UserMessage]:
        """ACCOUNT_UPDATE "a": the changed balances (B) and positions (P)."""
        items: list[UserMessage] = []
        for balance in update.get("B", ()):
            # The event has the wallet balance but not the available one (margin stays locked).
            asset = balance["a"]
            items.append(Balance.from_wallet(asset, Decimal(balance["wb"]), self.connector.balances.get(asset)))
        for position in update.get("P", ()):
            pair = self.connector.trading_pair_of(position["s"])
            if pair is not None:
                items.append(Position(pair, PositionSide(position["ps"]), Decimal(position["pa"]),
                                      Decimal(position["ep"]), Decimal(position["up"]),
                                      self.connector.get_leverage(pair) or Decimal(0)))
        return items

