"""Gate.io USDT perpetual account objects: orders, trades and positions, in contracts on the wire.

Their shapes are the same on REST and on the private stream (``futures.orders``,
``futures.usertrades``, ``futures.positions``), so one parser each serves both. Sizes are signed
contract counts: the pair's rule turns them into base amounts.
https://www.gate.com/docs/developers/apiv4/en/#futures
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import OrderState, OrderUpdate, Position, PositionSide, TradeUpdate, TradingRule
from clobconn.exchange.gate_io.order_book_data_source import to_seconds
from clobconn.exchange.gate_io.parsers import client_order_id, dec, order_state, trade_fee, update_time

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
