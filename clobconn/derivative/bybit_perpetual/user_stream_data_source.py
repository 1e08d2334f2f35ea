"""Bybit v5 private stream for linear: the spot data source's topics for ``linear``, plus ``position``.

https://bybit-exchange.github.io/docs/v5/websocket/private/position. The stream's position carries
``entryPrice`` where GET /v5/position/list says ``avgPrice``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Position, PositionSide
from clobconn.core.web.numbers import optional_decimal
from clobconn.derivative.bybit_perpetual.constants import POSITION_IDX_LONG, POSITION_IDX_SHORT
from clobconn.exchange.bybit.user_stream_data_source import BybitUserStreamDataSource

POSITION_SIDES = {POSITION_IDX_LONG: PositionSide.LONG, POSITION_IDX_SHORT: PositionSide.SHORT}


def parse_position(trading_pair: str, row: Mapping[str, Any]) -> Position:
    """A position: GET /v5/position/list rows and the "position" topic. size is unsigned; a short
    (side "Sell") is negative, as the core's positions are signed."""
    size = Decimal(row["size"] or 0)
    amount = -size if row.get("side") == "Sell" else size
    entry = row.get("entryPrice") or row.get("avgPrice")
    return Position(trading_pair, POSITION_SIDES.get(int(row.get("positionIdx", 0)), PositionSide.BOTH), amount,
                    Decimal(entry or 0), Decimal(row.get("unrealisedPnl") or 0), Decimal(row.get("leverage") or 0),
                    mark_price=optional_decimal(row.get("markPrice")),
                    liquidation_price=optional_decimal(row.get("liqPrice")))


class BybitPerpetualUserStreamDataSource(BybitUserStreamDataSource):
    def topics(self) -> list[str]:
        return [*super().topics(), f"position.{self.connector.category}"]

    def parse_row(self, topic: str, pair: str, row: Mapping[str, Any]) -> list[UserMessage]:
        if topic == "position":
            return [parse_position(pair, row)]
        return super().parse_row(topic, pair, row)
