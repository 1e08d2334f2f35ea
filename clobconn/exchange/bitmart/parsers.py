"""Bitmart account objects: orders, fills and balances, on REST and on the private stream.

The REST order object (v4 queries, camelCase) and the ``spot/user/order`` push (snake_case) name the
same things differently; both parse here, and exchange.py and user_stream_data_source.py import them.
https://developer-pro.bitmart.com/en/spot/#query-order-by-id-v4-signed, #private-order-progress,
#private-balance-change.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.bitmart.constants import ORDER_STATES


def _seconds(millis: Any) -> float:
    """The venue's millisecond times come as strings or numbers; an absent one is now."""
    return int(millis) / 1000 if millis else time.time()


def _state(state: str, order_type: str, side: str) -> OrderState:
    # A market buy that spent its whole notional ends "partially_canceled" (what its notional could not
    # buy at the last price is cancelled): it is done, not cancelled, and its fills say how much it got.
    if state == "partially_canceled" and order_type == "market" and side == "buy":
        return OrderState.FILLED
    return ORDER_STATES[state]


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object of POST /spot/v4/query/client-order, open-orders and history-orders."""
    return OrderUpdate(trading_pair, _seconds(data.get("updateTime")),
                       _state(data["state"], data["type"], data["side"]), data.get("clientOrderId") or None,
                       str(data["orderId"]), executed_amount=Decimal(data["filledSize"]))


def parse_fill(trading_pair: str, row: Mapping[str, Any]) -> TradeUpdate:
    """A row of POST /spot/v4/query/order-trades; ``tradeId`` is the ``detail_id`` of the order push."""
    price, size = Decimal(row["price"]), Decimal(row["size"])
    return TradeUpdate(str(row["tradeId"]), trading_pair, price, size, Decimal(row["notional"]),
                       TradeFee.flat(row["feeCoinName"], Decimal(row["fee"])), _seconds(row["createTime"]),
                       row.get("clientOrderId") or None, str(row["orderId"]), is_maker=row["tradeRole"] == "maker")


def parse_order_event(trading_pair: str, data: Mapping[str, Any]) -> list[OrderUpdate | TradeUpdate]:
    """A ``spot/user/order`` push: the order's state, plus the fill that caused it when there was one
    (``detail_id``, ``last_fill_price``/``last_fill_count``, its fee ``dealFee`` in ``deal_fee_coin_name``)."""
    client_id = data.get("client_order_id") or None
    state = _state(data["order_state"], data["type"], data["side"])
    items: list[OrderUpdate | TradeUpdate] = [
        OrderUpdate(trading_pair, _seconds(data.get("update_time") or data.get("ms_t")), state, client_id,
                    str(data["order_id"]), executed_amount=Decimal(data["filled_size"]))]
    size = Decimal(data.get("last_fill_count") or 0)
    if data.get("detail_id") and size > 0:
        price = Decimal(data["last_fill_price"])
        fee_asset = data.get("deal_fee_coin_name") or trading_pair.split("-")[1]
        items.append(TradeUpdate(str(data["detail_id"]), trading_pair, price, size, price * size,
                                 TradeFee.flat(fee_asset, Decimal(data.get("dealFee") or 0)),
                                 _seconds(data.get("last_fill_time")), client_id, str(data["order_id"]),
                                 is_maker=data.get("exec_type") == "M"))
    return items


def parse_wallet_entry(entry: Mapping[str, Any]) -> Balance:
    """An entry of GET /spot/v1/wallet: ``available`` plus ``frozen`` (locked by orders) is the total."""
    available = Decimal(entry["available"])
    return Balance(entry["id"], available + Decimal(entry["frozen"]), available)


def parse_balance_event(message: Mapping[str, Any]) -> list[Balance]:
    """A ``spot/user/balance`` push: per currency ``av_bal`` (available) and ``fz_bal`` (frozen)."""
    balances: list[Balance] = []
    for event in message["data"]:
        for detail in event["balance_details"]:
            available = Decimal(detail["av_bal"])
            balances.append(Balance(detail["ccy"], available + Decimal(detail["fz_bal"]), available))
    return balances
