"""BingX account objects: orders, fills and balances, from REST answers and the account streams.

exchange.py and user_stream_data_source.py both import these; neither imports the other.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.bing_x.constants import ORDER_STATES


def parse_order(trading_pair: str, data: Mapping[str, Any], client_order_id: str | None = None) -> OrderUpdate:
    """The order object of POST trade/order, trade/cancel, trade/cancelOpenOrders and GET trade/query,
    trade/openOrders, trade/historyOrders. ``client_order_id`` stands in where an answer omits it."""
    millis = data.get("updateTime") or data.get("transactTime") or data.get("time")
    return OrderUpdate(trading_pair, millis / 1000 if millis else time.time(), ORDER_STATES[data["status"]],
                       data.get("clientOrderID") or client_order_id, str(data["orderId"]),
                       executed_amount=Decimal(data["executedQty"]))


def parse_fill(trading_pair: str, data: Mapping[str, Any], client_order_id: str) -> TradeUpdate:
    """A row of GET trade/myTrades "fills"."""
    # The commission may come signed as a debit: the fee is its size.
    fee = TradeFee.flat(data["commissionAsset"], abs(Decimal(data["commission"])))
    return TradeUpdate(str(data["id"]), trading_pair, Decimal(data["price"]), Decimal(data["qty"]),
                       Decimal(data["quoteQty"]), fee, data["time"] / 1000, client_order_id, str(data["orderId"]),
                       is_maker=data.get("isMaker"))


def parse_execution_report(trading_pair: str, event: Mapping[str, Any]) -> list[UserMessage]:
    """spot.executionReport: the order's state, and the trade it carries when x is TRADE."""
    client_id, exchange_id = event.get("c") or None, str(event["i"])
    timestamp = event["E"] / 1000
    items: list[UserMessage] = [OrderUpdate(trading_pair, timestamp, ORDER_STATES[event["X"]], client_id,
                                            exchange_id, executed_amount=Decimal(event["z"]))]
    if event["x"] == "TRADE":
        price, amount = Decimal(event["L"]), Decimal(event["l"])
        fee = TradeFee.flat(event["N"], abs(Decimal(event["n"]))) if event.get("N") else TradeFee()
        items.append(TradeUpdate(str(event["t"]), trading_pair, price, amount, Decimal(event["Y"]), fee,
                                 event["T"] / 1000, client_id, exchange_id))
    return items


def parse_account_update(event: Mapping[str, Any], known: Mapping[str, Balance]) -> list[UserMessage]:
    """ACCOUNT_UPDATE: each changed asset's wallet balance (wb); the push gives no available amount."""
    return [Balance.from_wallet(entry["a"], Decimal(entry["wb"]), known.get(entry["a"])) for entry in event["a"]["B"]]


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """An entry of GET account/balance "balances": free and locked amounts."""
    free = Decimal(data["free"])
    return Balance(data["asset"], free + Decimal(data["locked"]), free)

