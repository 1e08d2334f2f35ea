"""HashKey Global account objects: orders, fills and balances, on REST and on the private stream.

REST order object: https://hashkeyglobal-apidoc.readme.io/reference/query-order; stream events:
https://hashkeyglobal-apidoc.readme.io/reference/user-data-stream (executionReport, ticketInfo,
outboundAccountInfo). exchange.py and user_stream_data_source.py both import from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.errors import VenueErrorTable, refusal_error
from clobconn.core.orders.batches import BatchResult
from clobconn.exchange.hashkey.constants import ORDER_STATES

ONE = Decimal(1)


def _seconds(millis: Any) -> float:
    """The venue's millisecond times come as strings or numbers; an absent one is now."""
    return int(millis) / 1000 if millis else time.time()


def parse_order(trading_pair: str, data: Mapping[str, Any], contract_size: Decimal = ONE) -> OrderUpdate:
    """The order object of the spot and futures order endpoints, open orders and order history.

    The futures objects count contracts: ``contract_size`` turns them into base amounts.
    """
    millis = data.get("updateTime") or data.get("transactTime") or data.get("time")
    return OrderUpdate(trading_pair, _seconds(millis), ORDER_STATES[data["status"]], data["clientOrderId"],
                       str(data["orderId"]), executed_amount=Decimal(data["executedQty"]) * contract_size)


def parse_fill(trading_pair: str, data: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /api/v1/account/trades; ``ticketId`` is the execution the stream calls ``d``."""
    price, qty = Decimal(data["price"]), Decimal(data["qty"])
    return TradeUpdate(str(data["ticketId"]), trading_pair, price, qty, price * qty,
                       TradeFee.flat(data["commissionAsset"], Decimal(data["commission"])), _seconds(data["time"]),
                       data.get("clientOrderId") or "", str(data["orderId"]), is_maker=bool(data.get("isMaker")))


def parse_execution_report(trading_pair: str, event: Mapping[str, Any], contract_size: Decimal = ONE) -> list[Any]:
    """executionReport (spot) or contractExecutionReport (futures, sizes in contracts of
    ``contract_size`` base): the order's state, plus the fill its last trade made (``l``/``L``/``n``/``N``).

    ``d`` is the execution (ticket) id, the id of the REST trade rows, so a fill seen both ways counts
    once. ticketInfo names the same trade without its fee: fills come from here instead.
    """
    update = OrderUpdate(trading_pair, _seconds(event.get("E")), ORDER_STATES[event["X"]], event["c"],
                         str(event["i"]), executed_amount=Decimal(event["z"]) * contract_size)
    items: list[Any] = [update]
    last_qty = Decimal(event.get("l") or 0) * contract_size
    if last_qty > 0:
        price = Decimal(event["L"])
        fee_asset = event.get("N") or trading_pair.split("-")[1]
        items.append(TradeUpdate(str(event["d"]), trading_pair, price, last_qty, price * last_qty,
                                 TradeFee.flat(fee_asset, Decimal(event.get("n") or 0)), _seconds(event.get("E")),
                                 event["c"], str(event["i"]), is_maker=bool(event.get("m"))))
    return items


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """A balance of GET /api/v1/account ("total", "free") or of outboundAccountInfo ("a", "f", "l")."""
    if "a" in data:
        free = Decimal(data["f"])
        return Balance(data["a"], free + Decimal(data["l"]), free)
    return Balance(data["asset"], Decimal(data["total"]), Decimal(data["free"]))


# A batch result's success code: "0000" as the batch envelope has it (the venue's 200 where older).
BATCH_OK = ("0000", "0", 0, 200, "200", None)


def parse_batch_answer(answer: Mapping[str, Any], errors: VenueErrorTable,
                       parse: Callable[[Mapping[str, Any]], OrderUpdate]) -> list[BatchResult]:
    """POST .../batchOrders (spot or futures): ``{"code": "0000", "result": [...]}`` with one result per
    order, in order: the order object (also when wrapped as ``{"code", "order"}``), or a code and a
    message when that order was refused."""
    results: list[BatchResult] = []
    for item in answer["result"]:
        if item.get("code") in BATCH_OK:
            results.append((parse(item.get("order", item)), []))
        else:
            results.append(refusal_error(errors, item["code"], str(item.get("msg", "")), "batch order refused"))
    return results
