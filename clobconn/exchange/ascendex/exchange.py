"""AscendexExchange: AscendEx spot (the "cash" account) over REST (https://ascendex.github.io/ascendex-pro-api/).

Request builders and response parsers only. Every answer is HTTP 200 with ``{"code": 0, "data"}``, or a
non-zero ``code`` with ``reason`` and ``message``. Private paths start with the account group, which
GET /api/pro/v1/info gives: the connector's account context, fetched once at start. The venue appears
to have closed in 2026; this follows its last documented API.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange.ascendex.auth import AscendexAuth
from clobconn.exchange.ascendex.constants import (
    ACCOUNT_INFO,
    BALANCE,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    EXCHANGE_INFO,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    PRODUCTS,
    SPEC,
    TIME_IN_FORCE,
)
from clobconn.exchange.ascendex.order_book_data_source import AscendexOrderBookDataSource
from clobconn.exchange.ascendex.parsers import ORDER_ID_TAIL, parse_balance, parse_fill, parse_order
from clobconn.exchange.ascendex.user_stream_data_source import AscendexUserStreamDataSource


def parse_product(product: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/pro/v1/cash/products."""
    base, quote = product["symbol"].split("/")
    return TradingRule(
        f"{base}-{quote}",
        min_order_size=Decimal(product["minQty"]),
        max_order_size=Decimal(product["maxQty"]),
        min_price_increment=Decimal(product["tickSize"]),
        min_base_amount_increment=Decimal(product["lotSize"]),
        min_notional=Decimal(product["minNotional"]),
        max_notional=Decimal(product["maxNotional"]),
    )


class AscendexExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = AscendexOrderBookDataSource
    user_stream_data_source_class = AscendexUserStreamDataSource

    def _create_auth(self) -> AscendexAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return AscendexAuth(self.config.api_key, self.config.api_secret, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and payload.get("code") not in (0, None):
            if payload.get("action") == "batch-place-order" and isinstance(payload.get("info"), list):
                return None  # a refused batch names each order's own code: _send_batch reads them
            return payload["code"], str(payload.get("message") or payload.get("reason") or "")
        return super()._extract_error(status, payload)

    async def _private(self, endpoint: Endpoint, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """A call on the account group's path; the whole answer."""
        group = (await self.account_context())["group"]
        return await self.rest.call(endpoint, params, body, path_values={"group": group})

    async def _fetch_server_time(self) -> float:
        """GET exchange-info: ``requestReceiveAt`` is the venue's clock when our request arrived."""
        answer = await self.rest.call(EXCHANGE_INFO, {"requestTime": int(time.time() * 1000)})
        return int(answer["data"]["requestReceiveAt"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        return [(product["symbol"], parse_product(product)) for product in (await self.rest.call(PRODUCTS))["data"]
                if product.get("statusCode") == "Normal"]

    async def _fetch_account_context(self) -> dict[str, str]:
        """GET /api/pro/v1/info: the account group that prefixes every private path."""
        data = (await self.rest.call(ACCOUNT_INFO))["data"]
        return {"group": str(data["accountGroup"]), "uid": str(data.get("userUID", ""))}

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(row) for row in (await self._private(BALANCE))["data"]]

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as POST cash/order and each item of cash/order/batch take it."""
        body: dict[str, Any] = {"id": order.client_order_id, "time": self.time_sync.time_ms(),
                                "symbol": self.exchange_symbol(order.trading_pair), "orderQty": fmt(order.amount),
                                "side": order.trade_type.name.lower()}
        if order.order_type is OrderType.MARKET:
            return body | {"orderType": "market"}
        assert order.price is not None
        body |= {"orderType": "limit", "orderPrice": fmt(order.price),
                 "timeInForce": TIME_IN_FORCE[order.time_in_force]}
        return body | {"postOnly": True} if order.order_type is OrderType.LIMIT_MAKER else body

    def _acknowledged(self, order: InFlightOrder, info: Mapping[str, Any]) -> Placement:
        """An "Ack" names the order id only; an ACCEPT or DONE answer is the order object itself."""
        if "status" in info:
            fill = parse_fill(order.trading_pair, info, order)
            return parse_order(order.trading_pair, info, client_order_id=order.client_order_id), [fill] if fill else []
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id,
                           str(info["orderId"])), []

    async def _place_order(self, order: InFlightOrder) -> Placement:
        answer = await self._private(PLACE_ORDER, body=self._order_body(order))
        return self._acknowledged(order, answer["data"]["info"])

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch)

    async def _send_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        """POST cash/order/batch: all or nothing. "Ack" lists each order's id; "Err" each order's code
        (the faulty ones their own, the rest 300013, "Some invalid order in this batch")."""
        answer = await self._private(BATCH_ORDERS, body={"orders": [self._order_body(order) for order in orders]})
        if answer.get("code") in (0, None):
            infos = {item["id"]: item for item in answer["data"]["info"]}
            return [self._acknowledged(order, infos[order.client_order_id]) for order in orders]
        items = {item.get("id"): item for item in answer["info"]}
        results: list[BatchResult] = []
        for order in orders:
            item = items.get(order.client_order_id, answer)
            results.append(refusal_error(self.spec.error_table, item.get("code"),
                                         str(item.get("message") or item.get("reason") or ""), "batch order refused"))
        return results

    async def _exchange_id(self, order: InFlightOrder) -> str:
        if order.exchange_order_id is not None:
            return order.exchange_order_id
        return str((await self._find_by_client_id(order)).exchange_order_id)

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """DELETE cash/order: "Ack" once the venue has the cancel; the stream says when it is done."""
        exchange_id = await self._exchange_id(order)
        body = {"orderId": exchange_id, "symbol": self.exchange_symbol(order.trading_pair),
                "time": self.time_sync.time_ms()}
        await self._private(CANCEL_ORDER, body=body)
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           exchange_id, executed_amount=order.executed_amount_base)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer names no order: the core asks each tracked one.
        await self._private(CANCEL_ALL, body={"symbol": self.exchange_symbol(trading_pair)})
        return []

    async def _order_object(self, order: InFlightOrder) -> Mapping[str, Any]:
        """GET cash/order/status?orderId=: the order object (the docs show a list, one id gives an object)."""
        exchange_id = await self._exchange_id(order)
        data = (await self._private(ORDER_STATUS, {"orderId": exchange_id}))["data"]
        for row in data if isinstance(data, list) else [data]:
            if isinstance(row, dict) and str(row.get("orderId")) == exchange_id:
                return row
        raise OrderNotFound(f"{self.name}: order {exchange_id} not found")

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            return await self._find_by_client_id(order)
        return parse_order(order.trading_pair, await self._order_object(order))

    async def _find_by_client_id(self, order: InFlightOrder) -> OrderUpdate:
        """Before the ack: the venue queries by order id only, and an order id ends with the last 9
        characters of the client's id, so the pair's open and recent orders are searched for it."""
        tail = order.client_order_id[-ORDER_ID_TAIL:]
        for endpoint in (OPEN_ORDERS, ORDER_HISTORY):
            for row in (await self._private(endpoint, {"symbol": self.exchange_symbol(order.trading_pair)}))["data"]:
                if str(row.get("orderId", "")).endswith(tail):
                    return parse_order(order.trading_pair, row, client_order_id=order.client_order_id)
        raise OrderNotFound(f"{self.name}: no order ends with {tail!r} among the pair's open and recent orders")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        """No per-order trades endpoint: the order object's totals, less the fills landed, are the fill."""
        if order.exchange_order_id is None:
            return []
        fill = parse_fill(order.trading_pair, await self._order_object(order), order)
        return [fill] if fill is not None else []

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = (await self._private(OPEN_ORDERS, {"symbol": self.exchange_symbol(trading_pair)}))["data"]
        return [parse_order(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        """GET cash/order/hist/current: the account's recent ended orders (it takes no start time)."""
        params = {"symbol": self.exchange_symbol(trading_pair), "n": 1000}
        rows = (await self._private(ORDER_HISTORY, params))["data"]
        return [parse_order(trading_pair, row) for row in rows]
