"""HashkeyExchange: HashKey Global spot over REST /api/v1 (https://hashkeyglobal-apidoc.readme.io/reference).

Request builders and response parsers only; errors come as HTTP 4xx with ``{"code", "msg"}``, which
the core reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, InFlightOrder, OrderType, OrderUpdate, TradeUpdate, TradingRule
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.numbers import fmt
from clobconn.exchange.hashkey.auth import HashkeyAuth
from clobconn.exchange.hashkey.constants import (
    ACCOUNT,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    EXCHANGE_INFO,
    FILLS,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange.hashkey.order_book_data_source import HashkeyOrderBookDataSource
from clobconn.exchange.hashkey.parsers import parse_balance, parse_batch_answer, parse_fill, parse_order
from clobconn.exchange.hashkey.user_stream_data_source import HashkeyUserStreamDataSource


def _bound(filters: Mapping[str, Mapping[str, Any]], kind: str, key: str) -> Decimal | None:
    """A filter's bound; zero or absent means none."""
    value = filters.get(kind, {}).get(key)
    return Decimal(value) or None if value is not None else None


def parse_symbol(info: Mapping[str, Any]) -> TradingRule:
    """A ``symbols`` entry of GET /api/v1/exchangeInfo (filters as on Binance, plus TRADE_AMOUNT)."""
    filters = {f["filterType"]: f for f in info.get("filters", ())}
    return TradingRule(
        f"{info['baseAsset']}-{info['quoteAsset']}",
        min_order_size=_bound(filters, "LOT_SIZE", "minQty") or Decimal(0),
        max_order_size=_bound(filters, "LOT_SIZE", "maxQty"),
        min_price_increment=_bound(filters, "PRICE_FILTER", "tickSize") or Decimal(0),
        min_base_amount_increment=_bound(filters, "LOT_SIZE", "stepSize") or Decimal(0),
        # TRADE_AMOUNT's minAmount is the order value floor; MIN_NOTIONAL repeats it on older symbols.
        min_notional=(_bound(filters, "TRADE_AMOUNT", "minAmount") or _bound(filters, "MIN_NOTIONAL", "minNotional")
                      or Decimal(0)),
        max_notional=_bound(filters, "TRADE_AMOUNT", "maxAmount"),
    )


class HashkeyExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = HashkeyOrderBookDataSource
    user_stream_data_source_class = HashkeyUserStreamDataSource
    query_auth_class = HashkeyAuth


    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(SERVER_TIME))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        info = await self.rest.call(EXCHANGE_INFO)
        return [(s["symbol"], parse_symbol(s)) for s in info["symbols"] if s.get("status") == "TRADING"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(entry) for entry in (await self.rest.call(ACCOUNT))["balances"]]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: orderId once acknowledged, else clientOrderId."""
        if order.exchange_order_id is not None:
            return {"orderId": order.exchange_order_id}
        return {"clientOrderId": order.client_order_id}

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as the place and batch endpoints take it (the v1.1 parameters)."""
        params: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value,
            "type": order.order_type.value, "newClientOrderId": order.client_order_id,
        }
        if order.order_type is OrderType.MARKET:
            if order.quote_amount is not None:
                params["amount"] = fmt(order.quote_amount)
            else:
                params["quantity"] = fmt(order.amount)
        else:
            params |= {"quantity": fmt(order.amount), "price": fmt(order.price or Decimal(0))}
            if order.order_type is OrderType.LIMIT:
                params["timeInForce"] = order.time_in_force.value
        return params

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The ack carries no fills: executionReport or the trades poll brings them.
        return parse_order(order.trading_pair, await self.rest.call(PLACE_ORDER, self._order_params(order))), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        """POST /api/v1/spot/batchOrders: at most 20 orders of one symbol per request."""
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch, one_pair=True)

    async def _send_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        pair = orders[0].trading_pair
        answer = await self.rest.call(BATCH_ORDERS, data=[self._order_params(order) for order in orders])
        return parse_batch_answer(answer, self.spec.error_table, lambda data: parse_order(pair, data))

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        return parse_order(order.trading_pair, await self.rest.call(CANCEL_ORDER, self._order_ref(order)))

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer is {"success": true}, naming no order: the core asks each tracked one how it ended.
        await self.rest.call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        return parse_order(order.trading_pair, await self.rest.call(ORDER_STATUS, self._order_ref(order)))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(FILLS, {"symbol": self.exchange_symbol(order.trading_pair),
                                            "clientOrderId": order.client_order_id})
        # The listing is by client id; keep only this order's rows.
        return [parse_fill(order.trading_pair, row) for row in rows
                if str(row["orderId"]) == order.exchange_order_id]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(OPEN_ORDERS, {"symbol": self.exchange_symbol(trading_pair), "limit": 1000})
        return [parse_order(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 1000}
        return [parse_order(trading_pair, row) for row in await self.rest.call(ORDER_HISTORY, params)]
