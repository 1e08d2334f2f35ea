"""HTX account objects: orders, fills and balances, on REST and on the /ws/v2 private stream.

REST order object: https://www.htx.com/en-us/opend/newApiPages/?id=7ec4e6d4-7773-11ed-9966-0242ac110003
(GET /v1/order/orders/{order-id}); match results: ?id=7ec4e92f-7773-11ed-9966-0242ac110003; stream
topics orders#${symbol}, trade.clearing#${symbol}#${mode} and accounts.update#${mode}:
?id=7ec53ad8-7773-11ed-9966-0242ac110003. exchange.py and user_stream_data_source.py both import from here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.htx.constants import ORDER_STATES


def seconds(millis: Any) -> float:
    """The venue's millisecond times; an absent or zero one is now."""
    return int(millis) / 1000 if millis else time.time()


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object of GET /v1/order/orders/{order-id}, getClientOrder, openOrders and history.

    The single-order query names the executed amount "field-amount" (sic), the listings "filled-amount".
    """
    executed = data.get("field-amount", data.get("filled-amount")) or "0"
    millis = data.get("finished-at") or data.get("canceled-at") or data.get("created-at")
    return OrderUpdate(trading_pair, seconds(millis), ORDER_STATES[data["state"]], data.get("client-order-id") or None,
                       str(data["id"]), executed_amount=Decimal(executed))


def parse_fill(trading_pair: str, client_order_id: str, data: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /v1/order/orders/{order-id}/matchresults. ``trade-id`` is the stream's ``tradeId``."""
    price, amount = Decimal(data["price"]), Decimal(data["filled-amount"])
    return TradeUpdate(str(data["trade-id"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(data["fee-currency"].upper(), Decimal(data["filled-fees"])),
                       seconds(data.get("created-at")), client_order_id, str(data["order-id"]),
                       is_maker=data.get("role") == "maker")


def parse_order_event(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """orders#${symbol}: creation, trade and cancellation events; ``execAmt`` is the cumulative amount."""
    millis = data.get("tradeTime") or data.get("lastActTime") or data.get("orderCreateTime")
    return OrderUpdate(trading_pair, seconds(millis), ORDER_STATES[data["orderStatus"]],
                       data.get("clientOrderId") or None, str(data["orderId"]),
                       executed_amount=Decimal(data.get("execAmt") or "0"))


def parse_clearing(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """trade.clearing#${symbol}#0: one trade of one order, with its fee (the orders topic has none)."""
    price, amount = Decimal(data["tradePrice"]), Decimal(data["tradeVolume"])
    return TradeUpdate(str(data["tradeId"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(data["feeCurrency"].upper(), Decimal(data["transactFee"])),
                       seconds(data.get("tradeTime")), data.get("clientOrderId") or None, str(data["orderId"]),
                       is_maker=not data.get("aggressor", False))


def parse_balances(rows: list[Mapping[str, Any]]) -> list[Balance]:
    """GET /v1/account/accounts/{account-id}/balance: one row per currency and type; "trade" is what is
    available, "frozen" what open orders hold."""
    amounts: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        amounts.setdefault(row["currency"].upper(), {})[row["type"]] = Decimal(row["balance"])
    return [Balance(asset, kinds.get("trade", Decimal(0)) + kinds.get("frozen", Decimal(0)),
                    kinds.get("trade", Decimal(0))) for asset, kinds in amounts.items()]


def parse_balance_event(data: Mapping[str, Any]) -> Balance:
    """accounts.update#2: the account's total ("balance") and available amounts after a change."""
    return Balance(data["currency"].upper(), Decimal(data["balance"]), Decimal(data["available"]))
