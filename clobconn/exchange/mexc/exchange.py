"""MexcExchange: MEXC spot over REST /api/v3, with protobuf public streams and a listen-key user stream.

https://www.mexc.com/api-docs/spot-v3/spot-account-trade
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import place_in_batches
from clobconn.core.web.numbers import fmt
from clobconn.exchange.mexc.auth import MexcAuth
from clobconn.exchange.mexc.constants import (
    BALANCES,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    EXCHANGE_INFO,
    LIMIT_TYPES,
    OPEN_ORDERS,
    ORDER_FILLS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange.mexc.order_book_data_source import MexcOrderBookDataSource
from clobconn.exchange.mexc.parsers import balance, order_update, placement_update, trade_update
from clobconn.exchange.mexc.user_stream_data_source import MexcUserStreamDataSource

# exchangeInfo "status": "1" online, "2" paused, "3" offline.
ONLINE = "1"



def _positive(value: Any) -> Decimal | None:
    """A bound MEXC disables by sending zero (or leaves out)."""
    number = Decimal(str(value)) if value not in (None, "") else None
    return number if number else None


def parse_symbol(info: Mapping[str, Any]) -> TradingRule:
    """An exchangeInfo symbol. MEXC sends no filters: precisions are decimal places, and the minimum
    size and notional (baseSizePrecision, quoteAmountPrecision) are amounts."""
    tick = Decimal(1).scaleb(-int(info["quotePrecision"]))
    step = Decimal(1).scaleb(-int(info["baseAssetPrecision"]))
    types = frozenset(OrderType(t) for t in info.get("orderTypes", ()) if t in OrderType.__members__)
    return TradingRule(
        f"{info['baseAsset']}-{info['quoteAsset']}",
        min_order_size=_positive(info.get("baseSizePrecision")) or step,
        min_price_increment=tick,
        min_base_amount_increment=step,
        min_notional=_positive(info.get("quoteAmountPrecision")) or Decimal(0),
        max_notional=_positive(info.get("maxQuoteAmount")),
        supported_order_types=types or None,
    )


class MexcExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = MexcOrderBookDataSource
    user_stream_data_source_class = MexcUserStreamDataSource
    query_auth_class = MexcAuth


    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(SERVER_TIME))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        info = await self.rest.call(EXCHANGE_INFO)
        return [(symbol["symbol"], parse_symbol(symbol)) for symbol in info["symbols"]
                if symbol.get("status") == ONLINE and symbol.get("isSpotTradingAllowed", True)]

    async def _fetch_balances(self) -> list[Balance]:
        return [balance(entry) for entry in (await self.rest.call(BALANCES))["balances"]]

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        params: dict[str, Any] = {"symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value,
                                  "newClientOrderId": order.client_order_id}
        if order.order_type is OrderType.MARKET:
            params["type"] = "MARKET"
        elif order.order_type is OrderType.LIMIT_MAKER:
            params["type"] = "LIMIT_MAKER"
        else:
            # IOC and FOK are order types of their own on MEXC, not a timeInForce.
            params["type"] = LIMIT_TYPES[order.time_in_force]
        if order.quote_amount is not None:
            params["quoteOrderQty"] = fmt(order.quote_amount)
        else:
            params["quantity"] = fmt(order.amount)
        if order.price is not None and order.order_type.is_limit:
            params["price"] = fmt(order.price)
        return params

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The answer carries no status and no fills: the user stream or the polls bring them.
        answer = await self.rest.call(PLACE_ORDER, self._order_params(order))
        return placement_update(order.trading_pair, answer, order.client_order_id), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """POST /api/v3/batchOrders: at most 20 orders, all of one symbol, per request."""
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch, one_pair=True)

    async def _send_batch(self, chunk: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        batch = orjson.dumps([self._order_params(order) for order in chunk]).decode()
        answers = await self.rest.call(BATCH_ORDERS, {"batchOrders": batch})
        # One answer per order, in order: {"orderId", "newClientOrderId"}, or {"code", "msg"} when refused.
        results: list[Placement | ClobconnError] = []
        for order, answer in zip(chunk, answers, strict=True):
            if "code" in answer:
                results.append(refusal_error(self.spec.error_table, answer["code"], str(answer.get("msg", "")),
                                             "batch order refused"))
            else:
                results.append((OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN,
                                            order.client_order_id, str(answer["orderId"])), []))
        return results

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: by exchange id once acknowledged, else by client id."""
        ref = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"orderId": order.exchange_order_id}
        return ref | {"origClientOrderId": order.client_order_id}

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self.rest.call(CANCEL_ORDER, self._order_ref(order))
        return order_update(order.trading_pair, answer, order.client_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self.rest.call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        return [order_update(trading_pair, row) for row in answer]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self.rest.call(ORDER_STATUS, self._order_ref(order))
        return order_update(order.trading_pair, answer, order.client_order_id)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(ORDER_FILLS, {"symbol": self.exchange_symbol(order.trading_pair),
                                                  "orderId": order.exchange_order_id})
        return [trade_update(order.trading_pair, row, order.client_order_id) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(OPEN_ORDERS, {"symbol": self.exchange_symbol(trading_pair)})
        return [order_update(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        # allOrders lists open orders too: whatever it names is evidence of the order.
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 1000}
        return [order_update(trading_pair, row) for row in await self.rest.call(ORDER_HISTORY, params)]
