"""BtcMarketsExchange: the BTC Markets REST API v3 (https://docs.btcmarkets.net/v3/).

Request builders and response parsers only: validation, tracking, polling, retries and the streams are
the core's. Refusals come as HTTP 4xx with ``{"code": "<Name>", "message": ...}``, which the core reads.
The venue's market id is the pair's own form ("BTC-AUD"); it still goes through the core's symbol map.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, InFlightOrder, OrderType, OrderUpdate, TradeUpdate, TradingRule
from clobconn.core.errors import NetworkError, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.numbers import fmt
from clobconn.exchange.btc_markets.auth import BtcMarketsAuth
from clobconn.exchange.btc_markets.constants import (
    BALANCES,
    BATCH_ORDERS,
    CANCEL_ALL,
    CANCEL_ORDER,
    LIST_ORDERS,
    MARKETS,
    MAX_BATCH,
    ORDER,
    ORDER_TYPES,
    PLACE_ORDER,
    REPLACE_ORDER,
    SERVER_TIME,
    SIDES,
    SPEC,
    TRADES,
)
from clobconn.exchange.btc_markets.order_book_data_source import BtcMarketsOrderBookDataSource
from clobconn.exchange.btc_markets.parsers import cancelled, parse_balance, parse_fill, parse_order, seconds
from clobconn.exchange.btc_markets.user_stream_data_source import BtcMarketsUserStreamDataSource

# Market ``status`` values that take orders, and which: "Post Only" and "Limit Only" restrict them.
TRADABLE = {
    "Online": None,
    "Limit Only": frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER}),
    "Post Only": frozenset({OrderType.LIMIT_MAKER}),
}


def parse_market(market: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /v3/markets: decimals give the steps; there is no minimum notional."""
    return TradingRule(
        f"{market['baseAssetName']}-{market['quoteAssetName']}",
        min_order_size=Decimal(market["minOrderAmount"]),
        max_order_size=Decimal(market["maxOrderAmount"]),
        min_price_increment=Decimal(1).scaleb(-int(market["priceDecimals"])),
        min_base_amount_increment=Decimal(1).scaleb(-int(market["amountDecimals"])),
        supported_order_types=TRADABLE[market["status"]],
    )


class BtcMarketsExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = BtcMarketsOrderBookDataSource
    user_stream_data_source_class = BtcMarketsUserStreamDataSource

    def _create_auth(self) -> BtcMarketsAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return BtcMarketsAuth(self.config.api_key, self.config.api_secret, self.time_sync.time_ms)

    async def _fetch_server_time(self) -> float:
        return seconds((await self.rest.call(SERVER_TIME))["timestamp"])

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # "Offline" and "Cancel Only" markets take no orders: they stay out of the symbol map.
        return [(m["marketId"], parse_market(m)) for m in await self.rest.call(MARKETS) if m["status"] in TRADABLE]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(row) for row in await self.rest.call(BALANCES)]

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        body: dict[str, Any] = {"marketId": self.exchange_symbol(order.trading_pair), "side": SIDES[order.trade_type],
                                "type": ORDER_TYPES[order.order_type], "amount": fmt(order.amount),
                                "clientOrderId": order.client_order_id}
        if order.order_type is not OrderType.MARKET:
            body |= {"price": fmt(order.price or Decimal(0)), "timeInForce": order.time_in_force.value}
            if order.order_type is OrderType.LIMIT_MAKER:
                body["postOnly"] = True
        return body

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The answer is the order, "Accepted"; its trades come on orderChange or from GET /v3/trades.
        return parse_order(order.trading_pair, await self.rest.call(PLACE_ORDER, data=self._order_body(order))), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        return await place_in_batches(orders, MAX_BATCH, self._place_batch)

    async def _place_batch(self, chunk: list[InFlightOrder]) -> list[BatchResult]:
        """POST /v3/batchorders: ``placeOrders`` holds the orders placed, ``unprocessedRequests`` the
        refused items ({code, message, requestId}), each apart from the others."""
        answer = await self.rest.call(BATCH_ORDERS, data=[{"placeOrder": self._order_body(o)} for o in chunk])
        placed = {row.get("clientOrderId"): row for row in answer.get("placeOrders") or ()}
        refused = list(answer.get("unprocessedRequests") or ())
        by_request = {str(item.get("requestId")): item for item in refused}
        # A refusal that names none of the chunk's ids is taken in request order.
        unnamed = [item for item in refused if str(item.get("requestId")) not in {o.client_order_id for o in chunk}]
        outcomes: list[BatchResult] = []
        for order in chunk:
            if order.client_order_id in placed:
                outcomes.append((parse_order(order.trading_pair, placed[order.client_order_id]), []))
                continue
            item = by_request.get(order.client_order_id) or (unnamed.pop(0) if unnamed else None)
            if item is None:
                # Neither placed nor refused: it may exist, so the core looks it up by client order id.
                outcomes.append(NetworkError(f"{self.name}: the batch answer names no outcome for "
                                             f"{order.client_order_id}", request_sent=True))
            else:
                outcomes.append(refusal_error(self.spec.error_table, item.get("code"), str(item.get("message", "")),
                                              "batch order refused"))
        return outcomes

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """PUT /v3/orders/{id}: the venue cancels the order and places the replacement, a new order
        with its own orderId and the replacement's clientOrderId."""
        body = {"price": fmt(replacement.price or Decimal(0)), "amount": fmt(replacement.amount),
                "clientOrderId": replacement.client_order_id}
        answer = await self.rest.call(REPLACE_ORDER, data=body, path_values={"id": self._exchange_id(order)})
        return parse_order(replacement.trading_pair, answer), []

    @staticmethod
    def _exchange_id(order: InFlightOrder) -> str:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"order {order.client_order_id} has no exchange id yet")
        return order.exchange_order_id

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            answer = await self.rest.call(CANCEL_ORDER, path_values={"id": order.exchange_order_id})
            return cancelled(order.trading_pair, answer, time.time())
        # Before the ack only the client order id is known: a batch's cancelOrder takes it.
        answer = await self.rest.call(BATCH_ORDERS, data=[{"cancelOrder": {"clientOrderId": order.client_order_id}}])
        for row in answer.get("cancelOrders") or ():
            return cancelled(order.trading_pair, row, time.time())
        item = (answer.get("unprocessedRequests") or [{}])[0]
        raise refusal_error(self.spec.error_table, item.get("code", "OrderNotFound"), str(item.get("message", "")),
                            "cancel refused")

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """DELETE /v3/orders?marketId=: the orders it cancelled, by id."""
        answer = await self.rest.call(CANCEL_ALL, {"marketId": self.exchange_symbol(trading_pair)})
        return [cancelled(trading_pair, row, time.time()) for row in answer]

    async def _list_orders(self, trading_pair: str, status: str) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = await self.rest.call(
            LIST_ORDERS, {"marketId": self.exchange_symbol(trading_pair), "status": status})
        return rows

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            answer = await self.rest.call(ORDER, path_values={"id": order.exchange_order_id})
            return parse_order(order.trading_pair, answer)
        # Before the ack: the pair's latest orders, newest first, by client order id.
        for row in await self._list_orders(order.trading_pair, "all"):
            if row.get("clientOrderId") == order.client_order_id:
                return parse_order(order.trading_pair, row)
        raise OrderNotFound(f"{self.name}: no order {order.client_order_id} among the latest on {order.trading_pair}")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(TRADES, {"orderId": order.exchange_order_id})
        return [parse_fill(order.trading_pair, row) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return [parse_order(trading_pair, row) for row in await self._list_orders(trading_pair, "open")]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        return [parse_order(trading_pair, row) for row in await self._list_orders(trading_pair, "all")
                if seconds(row["creationTime"]) >= since]
