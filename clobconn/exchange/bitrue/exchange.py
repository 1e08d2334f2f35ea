"""BitrueExchange: Bitrue spot over REST /api/v1 (and /api/v2/myTrades), with its two sockets.

https://github.com/Bitrue-exchange/Spot-official-api-docs. Request builders and response parsers
only: validation, tracking, polling, retries and the streams are the core's.
"""

from __future__ import annotations

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
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.exchange.bitrue.auth import BitrueAuth
from clobconn.exchange.bitrue.constants import (
    BALANCES,
    CANCEL_ORDER,
    EXCHANGE_INFO,
    MY_TRADES,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange.bitrue.order_book_data_source import BitrueOrderBookDataSource
from clobconn.exchange.bitrue.parsers import parse_ack, parse_order, parse_trade
from clobconn.exchange.bitrue.user_stream_data_source import BitrueUserStreamDataSource

# A trade is stamped when it happens, a little after the order was created on our clock.
FILL_LOOKBACK_S = 60.0



def _bound(source: Mapping[str, Any], key: str) -> Decimal | None:
    value = Decimal(source[key]) if source.get(key) is not None else None
    return value if value else None


def parse_symbol(symbol: Mapping[str, Any]) -> TradingRule:
    """An exchangeInfo symbol: PRICE_FILTER's tick and LOT_SIZE's bounds, step and minimum value."""
    filters = {f["filterType"]: f for f in symbol.get("filters", ())}
    price, lot = filters.get("PRICE_FILTER", {}), filters.get("LOT_SIZE", {})
    return TradingRule(
        f"{symbol['baseAsset'].upper()}-{symbol['quoteAsset'].upper()}",
        min_order_size=_bound(lot, "minQty") or Decimal(0),
        max_order_size=_bound(lot, "maxQty"),
        min_price_increment=_bound(price, "tickSize") or Decimal(0),
        min_base_amount_increment=_bound(lot, "stepSize") or Decimal(0),
        # minVal: "quantity * lastPrice >= minVal".
        min_notional=_bound(lot, "minVal") or Decimal(0),
    )


class BitrueExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = BitrueOrderBookDataSource
    user_stream_data_source_class = BitrueUserStreamDataSource
    query_auth_class = BitrueAuth


    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # "Http status 200": -2013 (no such order) and -2017 come in a 200 answer; success codes are positive.
        code = payload.get("code") if isinstance(payload, dict) else None
        if status < 400 and isinstance(code, int) and code < 0:
            return code, str(payload.get("msg", ""))
        return default_error_extractor(status, payload)

    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(SERVER_TIME))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # HALT symbols take no orders: they stay out of the symbol map.
        info = await self.rest.call(EXCHANGE_INFO)
        return [(s["symbol"].upper(), parse_symbol(s)) for s in info["symbols"] if s.get("status") == "TRADING"]

    async def _fetch_balances(self) -> list[Balance]:
        account = await self.rest.call(BALANCES)
        return [Balance(b["asset"].upper(), Decimal(b["free"]) + Decimal(b["locked"]), Decimal(b["free"]))
                for b in account["balances"]]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: orderId once acknowledged, else the id we gave it."""
        ref: dict[str, Any] = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"orderId": order.exchange_order_id}
        return ref | {"origClientOrderId": order.client_order_id}

    async def _place_order(self, order: InFlightOrder) -> Placement:
        params: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value,
            "type": order.order_type.value, "quantity": fmt(order.amount), "newClientOrderId": order.client_order_id,
        }
        if order.order_type is OrderType.LIMIT and order.price is not None:
            params |= {"price": fmt(order.price), "timeInForce": order.time_in_force.value}
        # The answer is ids only: fills come on the stream or from myTrades.
        return parse_ack(order.trading_pair, await self.rest.call(PLACE_ORDER, params), OrderState.OPEN), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # An accepted DELETE is a cancelled order; an unknown one is -2011/-2013 (OrderNotFound).
        return parse_ack(order.trading_pair, await self.rest.call(CANCEL_ORDER, self._order_ref(order)),
                         OrderState.CANCELED)

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        return parse_order(order.trading_pair, await self.rest.call(ORDER_STATUS, self._order_ref(order)))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        # myTrades takes no orderId: the pair's trades since the order was made, then its own.
        params = {"symbol": self.exchange_symbol(order.trading_pair), "limit": 1000,
                  "startTime": int((order.creation_timestamp - FILL_LOOKBACK_S) * 1000)}
        rows = await self.rest.call(MY_TRADES, params)
        return [parse_trade(order.trading_pair, row, order.client_order_id) for row in rows
                if str(row["orderId"]) == order.exchange_order_id]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(OPEN_ORDERS, {"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        # allOrders lists open orders too: whatever it names is evidence of the order.
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 1000}
        return [parse_order(trading_pair, row) for row in await self.rest.call(ORDER_HISTORY, params)]
