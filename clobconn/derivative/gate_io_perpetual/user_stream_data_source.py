"""Gate.io USDT perpetual private stream: ``futures.orders``, ``futures.usertrades``,
``futures.positions`` and ``futures.balances``, each subscription signed and naming the user id.

https://www.gate.com/docs/developers/futures/ws/en/#orders-api
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, Position, PositionSide, TradeUpdate, TradingRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.derivative.gate_io_perpetual.constants import ACCOUNT_DETAIL, HEARTBEAT, SETTLE
from clobconn.exchange.gate_io.constants import WS_PATH
from clobconn.exchange.gate_io.order_book_data_source import to_seconds
from clobconn.exchange.gate_io.user_stream_data_source import (
    GateIoUserStreamDataSource,
    client_order_id,
    dec,
    order_state,
    trade_fee,
    update_time,
)

if TYPE_CHECKING:

    from clobconn.derivative.gate_io_perpetual.derivative import GateIoPerpetualDerivative

POSITION_SIDES = {"single": PositionSide.BOTH, "dual_long": PositionSide.LONG, "dual_short": PositionSide.SHORT}


def parse_futures_order(rule: TradingRule, data: Mapping[str, Any]) -> OrderUpdate:
    """A futures order (REST answers and ``futures.orders``): signed contract sizes, ``left`` unfilled."""
    size, left = abs(dec(data["size"])), abs(dec(data.get("left")))
    filled = size - left
    state = order_state(data.get("status") == "finished", left, filled, data.get("finish_as"))
    return OrderUpdate(rule.trading_pair, update_time(data), state, client_order_id(data),
                       str(data["id"]), executed_amount=rule.from_contracts(filled),
                       reason=str(data.get("finish_as")) if state is OrderState.FAILED else None)


def parse_futures_trade(rule: TradingRule, data: Mapping[str, Any],
                        settle: str) -> TradeUpdate:
    """A row of GET /futures/usdt/my_trades and an entry of ``futures.usertrades``; fees are in the
    settle currency."""
    price, amount = dec(data["price"]), rule.from_contracts(abs(dec(data["size"])))
    return TradeUpdate(str(data["id"]), rule.trading_pair, price, amount, price * amount, trade_fee(data, settle),
                       to_seconds(data.get("create_time_ms") or data["create_time"]),
                       client_order_id(data), str(data["order_id"]),
                       is_maker=data.get("role") == "maker")


def parse_position(rule: TradingRule, data: Mapping[str, Any], unrealized_pnl: Decimal | None = None) -> Position:
    """GET /futures/usdt/positions and ``futures.positions`` (which has no PnL or mark price)."""
    mark = data.get("mark_price")
    return Position(rule.trading_pair, POSITION_SIDES.get(data.get("mode", "single"), PositionSide.BOTH),
                    rule.from_contracts(dec(data["size"])), dec(data["entry_price"]),
                    dec(data["unrealised_pnl"]) if "unrealised_pnl" in data else unrealized_pnl or Decimal(0),
                    dec(data.get("leverage")), mark_price=dec(mark) if mark else None,
                    liquidation_price=dec(data["liq_price"]) if data.get("liq_price") else None)


class GateIoPerpetualUserStreamDataSource(GateIoUserStreamDataSource):
    connector: GateIoPerpetualDerivative
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
