"""BingXExchange: BingX spot over REST /openApi/spot/v1.

https://github.com/BingX-API/BingX-spot-api-doc/blob/1d9d095/REST%20API.md
Every answer is ``{"code": 0, "msg": "", "data": ...}``; a refusal is a non-zero code, in HTTP 200.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange.bing_x.auth import BingXAuth
from clobconn.exchange.bing_x.constants import (
    BALANCES,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    FILLS,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
    SYMBOLS,
)
from clobconn.exchange.bing_x.order_book_data_source import BingXOrderBookDataSource
from clobconn.exchange.bing_x.parsers import parse_balance, parse_fill, parse_order
from clobconn.exchange.bing_x.user_stream_data_source import BingXUserStreamDataSource

ONLINE = 1



def number(value: Any) -> Decimal:
    """A rule's number: the venue sends JSON numbers here, so go through their shortest text."""
    return Decimal(str(value))


def parse_symbol(data: dict[str, Any]) -> TradingRule:
    """An entry of GET common/symbols "symbols"; the symbol is already BASE-QUOTE."""
    return TradingRule(
        data["symbol"],
        min_order_size=number(data["minQty"]),
        max_order_size=number(data["maxQty"]) or None,
        min_price_increment=number(data["tickSize"]),
        min_base_amount_increment=number(data["stepSize"]),
        min_notional=number(data["minNotional"]),
        max_notional=number(data["maxNotional"]) or None,
    )


class BingXExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = BingXOrderBookDataSource
    user_stream_data_source_class = BingXUserStreamDataSource
    query_auth_class = BingXAuth


    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and payload.get("code") not in (None, 0, "0"):
            return str(payload["code"]), str(payload.get("msg", ""))
        return super()._extract_error(status, payload)

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None) -> Any:
        # Every parameter goes in the query string, POSTs included: that is the string signed.
        return (await self.rest.call(endpoint, params))["data"]

    async def _fetch_server_time(self) -> float:
        return float((await self._call(SERVER_TIME))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        symbols = (await self._call(SYMBOLS))["symbols"]
        return [(s["symbol"], parse_symbol(s)) for s in symbols if s.get("status") == ONLINE]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(entry) for entry in (await self._call(BALANCES))["balances"]]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: by orderId once acknowledged, else by clientOrderID."""
        ref = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"orderId": order.exchange_order_id}
        return ref | {"clientOrderID": order.client_order_id}

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as the place and batch endpoints take it."""
        params: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value.upper(),
            "type": "MARKET" if order.order_type is OrderType.MARKET else "LIMIT",
            "newClientOrderId": order.client_order_id,
        }
        if order.quote_amount is not None:
            params["quoteOrderQty"] = fmt(order.quote_amount)
        else:
            params["quantity"] = fmt(order.amount)
        if order.price is not None:
            params["price"] = fmt(order.price)
            # POC is post-only; a limit order without timeInForce rests until cancelled.
            if order.order_type is OrderType.LIMIT_MAKER:
                params["timeInForce"] = "POC"
            elif order.time_in_force is TimeInForce.IOC:
                params["timeInForce"] = "IOC"
        return params

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The answer carries no fills: they come from the stream or trade/myTrades.
        answer = await self._call(PLACE_ORDER, self._order_params(order))
        return parse_order(order.trading_pair, answer, order.client_order_id), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        """POST trade/batchOrders: at most 5 orders of one symbol, as a JSON list in ``data``."""
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch, one_pair=True)

    async def _send_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        batch = orjson.dumps([self._order_params(order) for order in orders]).decode()
        answers = (await self._call(BATCH_ORDERS, {"data": batch}))["orders"]
        # The venue takes or refuses the batch whole; the answer lists the orders in the sent order.
        return [(parse_order(order.trading_pair, answer, order.client_order_id), [])
                for order, answer in zip(orders, answers, strict=True)]

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self._call(CANCEL_ORDER, self._order_ref(order))
        return parse_order(order.trading_pair, answer, order.client_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self._call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, data) for data in (answer or {}).get("orders", ())]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self._call(ORDER_STATUS, self._order_ref(order))
        return parse_order(order.trading_pair, answer, order.client_order_id)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        answer = await self._call(FILLS, {"symbol": self.exchange_symbol(order.trading_pair),
                                          "orderId": order.exchange_order_id})
        return [parse_fill(order.trading_pair, row, order.client_order_id) for row in answer["fills"]]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self._call(OPEN_ORDERS, {"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, data) for data in answer["orders"]]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000),
                  "endTime": int(self.time_sync.time_ms()), "pageSize": 100}
        return [parse_order(trading_pair, data) for data in (await self._call(ORDER_HISTORY, params))["orders"]]
