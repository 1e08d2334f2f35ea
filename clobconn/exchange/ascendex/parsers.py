"""AscendEx account objects: orders (with the fills their running totals imply) and balances.

The venue reports no individual trades on its order paths, only each order's running totals (filled
quantity, average price, total fee): the REST order object (#query-order, #list-open-orders,
#list-current-history-orders) with long names, and the ``order`` channel (#channel-order-and-balance)
with short ones. Fills come from those totals through the core's ``fill_from_totals``. exchange.py and
user_stream_data_source.py both import from here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, InFlightOrder, OrderUpdate, TradeUpdate
from clobconn.core.orders.cumulative_fills import fill_from_totals
from clobconn.core.orders.tracker import ClientOrderTracker
from clobconn.exchange.ascendex.constants import ORDER_STATES

# Generate Order Id: the venue's order id ends with the last 9 characters of the client's "id".
ORDER_ID_TAIL = 9

# The REST order object's names for what the order channel calls s, st, cfq, ap, cf, fa and t.
REST_FIELDS = {"s": "symbol", "st": "status", "cfq": "cumFilledQty", "ap": "avgPx", "cf": "cumFee",
               "fa": "feeAsset", "t": "lastExecTime"}
STREAM_FIELDS = {short: short for short in REST_FIELDS}


def seconds(millis: Any) -> float:
    return int(millis) / 1000 if millis else time.time()


def _decimal(value: Any) -> Decimal:
    # Empty strings stand for nothing yet ("avgPx": "" before a fill, "stopPrice": "").
    return Decimal(value) if value not in ("", None) else Decimal(0)


def owner_of(orders: ClientOrderTracker, order_id: str) -> InFlightOrder | None:
    """The tracked order an order id belongs to: by the id, or, for an order whose placement answer has
    not come (or never will), by the client id's last characters, which end the venue's order id."""
    order = orders.find(exchange_order_id=order_id)
    if order is not None:
        return order
    for pool in (orders.active, orders.finished):
        for candidate in pool.values():
            if candidate.exchange_order_id is None and order_id.endswith(candidate.client_order_id[-ORDER_ID_TAIL:]):
                return candidate
    return None


def parse_order(trading_pair: str, data: Mapping[str, Any], names: Mapping[str, str] = REST_FIELDS,
                client_order_id: str | None = None) -> OrderUpdate:
    """An order object (REST names) or an ``order`` message's data (``names=STREAM_FIELDS``); neither
    carries the client's id."""
    return OrderUpdate(trading_pair, seconds(data.get(names["t"])), ORDER_STATES[data[names["st"]]],
                       client_order_id, str(data["orderId"]), executed_amount=_decimal(data.get(names["cfq"])))


def parse_fill(trading_pair: str, data: Mapping[str, Any], order: InFlightOrder | None,
               names: Mapping[str, str] = REST_FIELDS) -> TradeUpdate | None:
    """The fill an order object's totals imply beyond what ``order`` has landed, if any."""
    return fill_from_totals(order, trading_pair, str(data["orderId"]), _decimal(data.get(names["cfq"])),
                            _decimal(data.get(names["ap"])), abs(_decimal(data.get(names["cf"]))),
                            str(data.get(names["fa"]) or ""), seconds(data.get(names["t"])))


def parse_order_event(trading_pair: str, data: Mapping[str, Any],
                      order: InFlightOrder | None) -> list[OrderUpdate | TradeUpdate | Balance]:
    """An ``order`` message: the order, the fill its totals imply, and both assets' balances after it
    (bab/btb and qab/qtb, available and total)."""
    client_order_id = order.client_order_id if order is not None else None
    items: list[OrderUpdate | TradeUpdate | Balance] = [parse_order(trading_pair, data, STREAM_FIELDS, client_order_id)]
    fill = parse_fill(trading_pair, data, order, STREAM_FIELDS)
    if fill is not None:
        items.append(fill)
    base, quote = trading_pair.split("-")
    for asset, total, available in ((base, "btb", "bab"), (quote, "qtb", "qab")):
        if data.get(total) not in ("", None):
            items.append(Balance(asset, Decimal(data[total]), Decimal(data[available])))
    return items


def parse_balance(data: Mapping[str, Any]) -> Balance:
    """A row of GET cash/balance."""
    return Balance(data["asset"], Decimal(data["totalBalance"]), Decimal(data["availableBalance"]))


def parse_balance_event(data: Mapping[str, Any]) -> Balance:
    """A ``balance`` message (deposits, withdrawals, transfers): a = asset, tb total, ab available."""
    return Balance(data["a"], Decimal(data["tb"]), Decimal(data["ab"]))
