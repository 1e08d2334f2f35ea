"""BTC Markets account objects: orders, fills and balances, on REST and on the ``orderChange`` channel.

exchange.py (REST answers) and user_stream_data_source.py import these; neither imports the other.
Fees are charged in the market's quote asset.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.web.times import iso_seconds
from clobconn.exchange.btc_markets.constants import ORDER_STATES

# The venue's ISO 8601 UTC times ("2019-09-01T18:34:27.045000Z", "2019-04-08T20:41:19.339Z").
seconds = iso_seconds


def quote_asset(trading_pair: str) -> str:
    return trading_pair.split("-")[1]


def _client_id(data: Mapping[str, Any]) -> str | None:
    # Orders placed without a clientOrderId (on the website) carry none.
    return data.get("clientOrderId") or None


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object: POST /v3/orders, PUT and GET /v3/orders/{id}, GET /v3/orders, a batch's
    ``placeOrders``. What has traded is ``amount`` less ``openAmount``."""
    state = ORDER_STATES[data["status"]]
    return OrderUpdate(trading_pair, seconds(data["creationTime"]), state, _client_id(data), str(data["orderId"]),
                       executed_amount=Decimal(data["amount"]) - Decimal(data["openAmount"]),
                       reason=data["status"] if state is OrderState.FAILED else None)


def cancelled(trading_pair: str, data: Mapping[str, Any], now: float) -> OrderUpdate:
    """DELETE /v3/orders/{id}, a cancel-all entry or a batch's ``cancelOrders`` entry: only the ids."""
    return OrderUpdate(trading_pair, now, OrderState.CANCELED, _client_id(data), str(data["orderId"]))


def parse_fill(trading_pair: str, row: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /v3/trades?orderId=."""
    price, amount = Decimal(row["price"]), Decimal(row["amount"])
    return TradeUpdate(str(row["id"]), trading_pair, price, amount, Decimal(row["valueInQuoteAsset"]),
                       TradeFee.flat(quote_asset(trading_pair), Decimal(row["fee"])), seconds(row["timestamp"]),
                       _client_id(row), str(row["orderId"]), is_maker=row["liquidityType"] == "Maker")


def parse_order_change(trading_pair: str, event: Mapping[str, Any], amount: Decimal | None) -> list[UserMessage]:
    """``orderChange``: the order's status with ``openVolume`` (what is left, not what traded) and the
    order's ``trades``; what has traded is the order's ``amount`` (when we know the order) less what is
    left. The state comes first, so a FILLED order completes once its last fill lands."""
    order_id, client_id, when = str(event["orderId"]), _client_id(event), seconds(event["timestamp"])
    executed = amount - Decimal(event["openVolume"]) if amount is not None else None
    messages: list[UserMessage] = [OrderUpdate(trading_pair, when, ORDER_STATES[event["status"]], client_id, order_id,
                                               executed_amount=executed)]
    for trade in event.get("trades") or ():
        price, volume = Decimal(trade["price"]), Decimal(trade["volume"])
        value = trade.get("valueInQuoteAsset")
        messages.append(TradeUpdate(str(trade["tradeId"]), trading_pair, price, volume,
                                    Decimal(value) if value is not None else price * volume,
                                    TradeFee.flat(quote_asset(trading_pair), Decimal(trade["fee"])), when,
                                    client_id, order_id, is_maker=trade.get("liquidityType") == "Maker"))
    return messages


def parse_balance(row: Mapping[str, Any]) -> Balance:
    """A row of GET /v3/accounts/me/balances: ``balance`` is the total, ``available`` what orders do not lock."""
    return Balance(row["assetName"], Decimal(row["balance"]), Decimal(row["available"]))
