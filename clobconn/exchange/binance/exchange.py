"""BinanceExchange: Binance spot over REST /api/v3, with the public streams and the WS-API user stream;
orders are placed and cancelled over the WS-API (``order.place``, ``order.cancel``) while its socket is up.

https://developers.binance.com/docs/binance-spot-api-docs/rest-api
https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/trading-requests
``BinanceBase`` holds what the USDⓈ-M futures connector does the same way on its own endpoints.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core import binance_like
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeFee,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.core.web.ws_trading import WSOrderRoute
from clobconn.exchange.binance.auth import BinanceAuth
from clobconn.exchange.binance.constants import (
    CANCEL_REPLACE,
    ORDER_STATES,
    ROUTES,
    SPEC,
    WS_API_PATH,
    BinanceRoutes,
)
from clobconn.exchange.binance.order_book_data_source import BinanceOrderBookDataSource
from clobconn.exchange.binance.user_stream_data_source import BinanceUserStreamDataSource, binance_auth


def _decimal(source: Mapping[str, Any], key: str) -> Decimal | None:
    """A filter bound; Binance disables a bound by setting it to zero."""
    value = Decimal(source[key]) if source.get(key) is not None else None
    return value if value else None


def rule_from_filters(trading_pair: str, filters: Iterable[Mapping[str, Any]],
                      order_types: frozenset[OrderType] | None = None,
                      time_in_force: frozenset[TimeInForce] | None = None) -> TradingRule:
    """An exchangeInfo symbol's filters (spot, and futures whose MIN_NOTIONAL says "notional")."""
    by_type = {f["filterType"]: f for f in filters}
    price = by_type.get("PRICE_FILTER", {})
    lot = by_type.get("LOT_SIZE", {})
    market = by_type.get("MARKET_LOT_SIZE", {})
    notional = by_type.get("NOTIONAL") or by_type.get("MIN_NOTIONAL") or {}
    min_size = _decimal(lot, "minQty") or Decimal(0)
    max_size = _decimal(lot, "maxQty")
    # Market orders must pass LOT_SIZE as well as MARKET_LOT_SIZE.
    market_min = max(min_size, _decimal(market, "minQty") or min_size)
    market_max = min(filter(None, (max_size, _decimal(market, "maxQty"))), default=None)
    return TradingRule(
        trading_pair,
        min_order_size=min_size,
        max_order_size=max_size,
        min_price_increment=_decimal(price, "tickSize") or Decimal(0),
        min_base_amount_increment=_decimal(lot, "stepSize") or Decimal(0),
        min_notional=_decimal(notional, "minNotional") or _decimal(notional, "notional") or Decimal(0),
        max_notional=_decimal(notional, "maxNotional"),
        supported_order_types=order_types,
        supported_time_in_force=time_in_force,
        min_market_order_size=market_min,
        max_market_order_size=market_max,
        min_notional_applies_to_market=bool(notional.get("applyMinToMarket", notional.get("applyToMarket", True))),
    )


def order_update(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """A REST order object: the answer to place, cancel and query, on spot and futures."""
    return binance_like.order_update(trading_pair, data, ORDER_STATES)


# A row of GET /api/v3/myTrades or GET /fapi/v1/userTrades.
trade_update = binance_like.trade_update


class BinanceBase(ExchangeBase):
    """Signing, rules, cancels, status and fills: the same calls on spot and futures, by ``routes``."""

    query_auth_class = BinanceAuth
    routes: ClassVar[BinanceRoutes]

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # cancelReplace nests the failing step's own error in "data": that one says what went wrong.
        data = payload.get("data") if status >= 400 and isinstance(payload, dict) else None
        if isinstance(data, dict):
            for step in ("cancelResponse", "newOrderResponse"):
                inner = data.get(step)
                if isinstance(inner, dict) and "code" in inner:
                    return inner["code"], str(inner.get("msg", ""))
        return default_error_extractor(status, payload)

    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(self.routes.server_time))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        info = await self.rest.call(self.routes.exchange_info)
        rules = ((symbol["symbol"], self._symbol_rule(symbol)) for symbol in info["symbols"])
        return [(symbol, rule) for symbol, rule in rules if rule is not None]

    def _symbol_rule(self, info: Mapping[str, Any]) -> TradingRule | None:
        """One exchangeInfo symbol, or None when it cannot be traded here."""
        if info.get("status") != "TRADING" or not info.get("isSpotTradingAllowed", True):
            return None
        types = frozenset(OrderType(t) for t in info.get("orderTypes", ()) if t in OrderType.__members__)
        return rule_from_filters(f"{info['baseAsset']}-{info['quoteAsset']}", info["filters"], types)

    @abstractmethod
    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """A new order's parameters, as POST order and the WS-API's ``order.place`` take them."""

    def _placement(self, trading_pair: str, data: Mapping[str, Any]) -> Placement:
        """A new-order answer: the order as acknowledged (spot's FULL answer adds its fills)."""
        return order_update(trading_pair, data), []

    def _order_ref(self, order: InFlightOrder, prefix: str = "") -> dict[str, Any]:
        """Which order a cancel or query means: by exchange id once acknowledged, else by client id."""
        if order.exchange_order_id is not None:
            key, value = "OrderId", order.exchange_order_id
        else:
            key, value = "OrigClientOrderId", order.client_order_id
        # "orderId" alone, "cancelOrderId" with a prefix.
        name = f"{prefix}{key}" if prefix else key[0].lower() + key[1:]
        return {"symbol": self.exchange_symbol(order.trading_pair), name: value}

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        return order_update(order.trading_pair, await self.rest.call(self.routes.cancel_order, self._order_ref(order)))

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        return order_update(order.trading_pair, await self.rest.call(self.routes.order_status, self._order_ref(order)))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(self.routes.order_fills, {"symbol": self.exchange_symbol(order.trading_pair),
                                                          "orderId": order.exchange_order_id})
        return [trade_update(order.trading_pair, row, order.client_order_id) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(self.routes.open_orders, {"symbol": self.exchange_symbol(trading_pair)})
        return [order_update(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        # allOrders lists open orders too: whatever it names is evidence of the order.
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 1000}
        return [order_update(trading_pair, row) for row in await self.rest.call(self.routes.order_history, params)]


def _ws_place(connector: BinanceBase, order: InFlightOrder, request_id: int) -> dict[str, Any]:
    # The REST order's parameters, signed the WS-API way (sorted, not URL-encoded, with apiKey).
    params = binance_auth(connector.auth).ws_signed_params(connector._order_params(order))
    return {"id": request_id, "method": "order.place", "params": params}


def _ws_cancel(connector: BinanceBase, order: InFlightOrder, request_id: int) -> dict[str, Any]:
    return {"id": request_id, "method": "order.cancel",
            "params": binance_auth(connector.auth).ws_signed_params(connector._order_ref(order))}


def ws_api_order_route(path: str, routes: BinanceRoutes) -> WSOrderRoute:
    """Order entry over a Binance WS-API (spot's, and USDⓈ-M futures' on its own host): ``order.place`` and
    ``order.cancel`` take the REST calls' parameters, signed per request, and answer with the REST
    endpoints' objects in "result"."""
    return WSOrderRoute(
        path=path, place_op="order.place", cancel_op="order.cancel",
        build_place=_ws_place, build_cancel=_ws_cancel,
        answer_id=binance_like.ws_api_answer_id,
        refusal=lambda connector, answer: binance_like.ws_api_refusal(answer),
        read_placement=lambda connector, order, answer: connector._placement(order.trading_pair, answer["result"]),
        read_cancel=lambda connector, order, answer: order_update(order.trading_pair, answer["result"]),
        place_limit_id=routes.place_order.limit_id, cancel_limit_id=routes.cancel_order.limit_id,
    )


class BinanceExchange(BinanceBase):
    spec = SPEC
    routes = ROUTES
    ws_order_route = ws_api_order_route(WS_API_PATH, ROUTES)
    order_book_data_source_class = BinanceOrderBookDataSource
    user_stream_data_source_class = BinanceUserStreamDataSource

    async def _fetch_balances(self) -> list[Balance]:
        account = await self.rest.call(self.routes.balances, {"omitZeroBalances": "true"})
        # The account answer says what the key may do: its permission sets, and the can* switches.
        switches = [name for name in ("canTrade", "canWithdraw", "canDeposit") if account.get(name) is True]
        self.key_permissions = (*account.get("permissions", ()), *switches)
        return [Balance(b["asset"], Decimal(b["free"]) + Decimal(b["locked"]), Decimal(b["free"]))
                for b in account["balances"]]

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        params: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value,
            "type": order.order_type.value, "newClientOrderId": order.client_order_id,
            # FULL puts the fills of an order that traded at once into the answer.
            "newOrderRespType": "FULL",
        }
        if order.quote_amount is not None:
            params["quoteOrderQty"] = fmt(order.quote_amount)
        else:
            params["quantity"] = fmt(order.amount)
        if order.price is not None and order.order_type.is_limit:
            params["price"] = fmt(order.price)
        if order.order_type is OrderType.LIMIT:
            params["timeInForce"] = order.time_in_force.value
        return params

    def _placement(self, trading_pair: str, data: Mapping[str, Any]) -> Placement:
        """A FULL new-order answer (POST /api/v3/order, cancelReplace's newOrderResponse): ack and fills."""
        update = order_update(trading_pair, data)
        fills = [TradeUpdate(str(f["tradeId"]), trading_pair, Decimal(f["price"]), Decimal(f["qty"]),
                             Decimal(f["price"]) * Decimal(f["qty"]),
                             TradeFee.flat(f["commissionAsset"], Decimal(f["commission"])),
                             update.update_timestamp, update.client_order_id, update.exchange_order_id)
                 for f in data.get("fills", ())]
        return update, fills

    async def _place_order(self, order: InFlightOrder) -> Placement:
        return self._placement(order.trading_pair, await self.rest.call(self.routes.place_order,
                                                                    self._order_params(order)))

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self.rest.call(self.routes.cancel_all, {"symbol": self.exchange_symbol(trading_pair)})
        # Order lists come back as one object with an orderReports array.
        reports = (report for item in answer for report in item.get("orderReports", (item,)))
        return [order_update(trading_pair, report) for report in reports]

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        params = self._order_params(replacement) | self._order_ref(order, prefix="cancel")
        params["cancelReplaceMode"] = "STOP_ON_FAILURE"
        answer = await self.rest.call(CANCEL_REPLACE, params)
        return self._placement(order.trading_pair, answer["newOrderResponse"])
