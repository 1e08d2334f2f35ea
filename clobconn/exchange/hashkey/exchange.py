"""HashkeyExchange: HashKey Global spot over REST /api/v1 (https://hashkeyglobal-apidoc.readme.io/reference).

Request builders and response parsers only; errors come as HTTP 4xx with ``{"code", "msg"}``, which
the core reads.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_types import Balance, InFlightOrder, OrderType, OrderUpdate, TradeUpdate, TradingRule
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.endpoints import Endpoint
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


class HashkeyBase(ExchangeBase):
    """What HashKey's spot and perpetual connectors share: one signer and clock, one order object
    (sizes scaled by the rule's contract size, 1 on spot), and the same place, batch, cancel and
    listing calls on their own paths."""

    query_auth_class = HashkeyAuth
    place_endpoint: ClassVar[Endpoint] = PLACE_ORDER
    batch_endpoint: ClassVar[Endpoint] = BATCH_ORDERS
    cancel_endpoint: ClassVar[Endpoint] = CANCEL_ORDER
    cancel_all_endpoint: ClassVar[Endpoint] = CANCEL_ALL
    status_endpoint: ClassVar[Endpoint] = ORDER_STATUS
    open_orders_endpoint: ClassVar[Endpoint] = OPEN_ORDERS
    history_endpoint: ClassVar[Endpoint] = ORDER_HISTORY
    # How an order query names a client id (the futures query calls it origClientOrderId).
    query_client_id_param: ClassVar[str] = "clientOrderId"

    @abstractmethod
    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as the place and batch endpoints take it."""

    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(SERVER_TIME))["serverTime"]) / 1000

    def _order_update(self, trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
        return parse_order(trading_pair, data, self._rule(trading_pair).contract_size)

    def _order_ref(self, order: InFlightOrder, client_key: str = "clientOrderId") -> dict[str, Any]:
        """Which order a cancel or query means: orderId once acknowledged, else the client id."""
        if order.exchange_order_id is not None:
            return {"orderId": order.exchange_order_id}
        return {client_key: order.client_order_id}

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The ack carries no fills: the execution report or the trades poll brings them.
        answer = await self.rest.call(self.place_endpoint, self._order_params(order))
        return self._order_update(order.trading_pair, answer), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        """POST .../batchOrders: at most 20 orders of one symbol per request."""
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch, one_pair=True)

    async def _send_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        pair = orders[0].trading_pair
        answer = await self.rest.call(self.batch_endpoint, data=[self._order_params(order) for order in orders])
        return parse_batch_answer(answer, self.spec.error_table, lambda data: self._order_update(pair, data))

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self.rest.call(self.cancel_endpoint, self._order_ref(order))
        return self._order_update(order.trading_pair, answer)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer names no order: the core asks each tracked one how it ended.
        await self.rest.call(self.cancel_all_endpoint, {"symbol": self.exchange_symbol(trading_pair)})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        ref = self._order_ref(order, self.query_client_id_param)
        return self._order_update(order.trading_pair, await self.rest.call(self.status_endpoint, ref))

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(self.open_orders_endpoint, {"symbol": self.exchange_symbol(trading_pair),
                                                                "limit": 500})
        return [self._order_update(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 500}
        return [self._order_update(trading_pair, row) for row in await self.rest.call(self.history_endpoint, params)]


class HashkeyExchange(HashkeyBase):
    spec = SPEC
    order_book_data_source_class = HashkeyOrderBookDataSource
    user_stream_data_source_class = HashkeyUserStreamDataSource

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        info = await self.rest.call(EXCHANGE_INFO)
        return [(s["symbol"], parse_symbol(s)) for s in info["symbols"] if s.get("status") == "TRADING"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(entry) for entry in (await self.rest.call(ACCOUNT))["balances"]]

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """The v1.1 parameters (a market order sized in base, ``quantity``, or in quote, ``amount``)."""
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

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(FILLS, {"symbol": self.exchange_symbol(order.trading_pair),
                                            "clientOrderId": order.client_order_id})
        # The listing is by client id; keep only this order's rows.
        return [parse_fill(order.trading_pair, row) for row in rows
                if str(row["orderId"]) == order.exchange_order_id]
