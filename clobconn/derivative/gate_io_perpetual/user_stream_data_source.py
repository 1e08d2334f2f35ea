"""Gate.io USDT perpetual private stream: ``futures.orders``, ``futures.usertrades``,
``futures.positions`` and ``futures.balances``, each subscription signed and naming the user id.

https://www.gate.com/docs/developers/futures/ws/en/#orders-api
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView, UserMessage
from clobconn.core.data_types import Balance, Position, PositionSide
from clobconn.core.web.ws import ConnectSpec
from clobconn.derivative.gate_io_perpetual.constants import ACCOUNT_DETAIL, HEARTBEAT, SETTLE
from clobconn.derivative.gate_io_perpetual.parsers import (
    POSITION_SIDES,
    parse_futures_order,
    parse_futures_trade,
    parse_position,
)
from clobconn.exchange.gate_io.constants import WS_PATH
from clobconn.exchange.gate_io.parsers import dec
from clobconn.exchange.gate_io.user_stream_data_source import GateIoUserStreamDataSource


class GateIoPerpetualView(ConnectorView, Protocol):
    """What the futures user stream reads of its connector besides the common view: the positions,
    whose last PnL a position message without one keeps."""

    positions: dict[tuple[str, PositionSide], Position]


class GateIoPerpetualUserStreamDataSource(GateIoUserStreamDataSource):
    connector: GateIoPerpetualView
    market = "futures"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._user_id: str | None = None

    async def connect_spec(self) -> ConnectSpec:
        if self._user_id is None:
            # The channels are subscribed per user id, which only the account endpoint tells.
            detail = await self.connector.rest.call(ACCOUNT_DETAIL)
            self._user_id = str(detail["user_id"])
        return ConnectSpec(url=f"{self.connector.private_ws_url}{self.connector.domain_urls.extra[WS_PATH]}",
                           heartbeat=HEARTBEAT)

    async def subscriptions(self) -> list[tuple[str, Any]]:
        every = [self._user_id, "!all"]
        return [("futures.orders", every), ("futures.usertrades", every), ("futures.positions", every),
                ("futures.balances", [self._user_id])]

    def handle(self, channel: str, entry: Mapping[str, Any]) -> list[UserMessage]:
        connector = self.connector
        if channel == "futures.balances":
            # The wallet balance only: keep what the last poll saw locked, so available follows it.
            known = connector.balances.get(entry.get("currency", SETTLE))
            total = dec(entry["balance"])
            return [Balance(entry.get("currency", SETTLE), total, total - (known.locked if known else 0))]
        pair = connector.trading_pair_of(entry.get("contract", ""))
        if pair is None:
            return []
        rule = connector.trading_rules[pair]
        if channel == "futures.orders":
            return [parse_futures_order(rule, entry)]
        if channel == "futures.usertrades":
            return self.with_fill_state(parse_futures_trade(rule, entry, SETTLE))
        if channel == "futures.positions":
            side = POSITION_SIDES.get(entry.get("mode", "single"), PositionSide.BOTH)
            position = connector.positions.get((pair, side))
            return [parse_position(rule, entry, position.unrealized_pnl if position else None)]
        return []
