"""TemplateExchange: the Template Exchange REST API (docs/connectors/_template.md#rest-endpoints).

Request builders and response parsers only: validation, tracking, polling, retries and the
streams are the core's. Every answer is ``{"ok": true, "result": ...}`` or an error in HTTP 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, InFlightOrder, OrderType, OrderUpdate, TradeUpdate, TradingRule
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange._template.auth import TemplateAuth
from clobconn.exchange._template.constants import (
    BALANCES,
    CANCEL_ALL,
    CANCEL_ORDER,
    FILLS,
    MARKETS,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange._template.order_book_data_source import TemplateOrderBookDataSource
from clobconn.exchange._template.parsers import parse_balance, parse_fill, parse_order
from clobconn.exchange._template.user_stream_data_source import TemplateUserStreamDataSource


def parse_market(market: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /v1/markets."""
    return TradingRule(
        f"{market['base']}-{market['quote']}",
        min_order_size=Decimal(market["min_size"]),
        max_order_size=Decimal(market["max_size"]),
        min_price_increment=Decimal(market["tick_size"]),
        min_base_amount_increment=Decimal(market["lot_size"]),
        min_notional=Decimal(market["min_notional"]),
    )


class TemplateExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = TemplateOrderBookDataSource
    user_stream_data_source_class = TemplateUserStreamDataSource

    def _create_auth(self) -> TemplateAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return TemplateAuth(self.config.api_key, self.config.api_secret, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # Refusals come as HTTP 200, so the status says nothing: the body's "ok" does. Anything else
        # (a 429 or 502 from the venue's gateway) is left to the core, which maps it by status.
        if isinstance(payload, dict) and payload.get("ok") is False:
            error = payload.get("error") or {}
            return error.get("code"), str(error.get("message", ""))
        return None

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None,
                    body: dict[str, Any] | None = None) -> Any:
        # Only the envelope is this venue's: signing, throttling and error mapping are the core's.
        return (await self.rest.call(endpoint, params, body))["result"]

    async def _fetch_server_time(self) -> float:
        return float((await self._call(SERVER_TIME))["time"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # "halted" and "delisted" markets cannot take orders: leave them out of the symbol map.
        return [(m["symbol"], parse_market(m)) for m in await self._call(MARKETS) if m["status"] == "open"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(entry) for entry in await self._call(BALANCES)]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: by order_id once acknowledged, else by client_id."""
        ref = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"order_id": order.exchange_order_id}
        return ref | {"client_id": order.client_order_id}

    async def _place_order(self, order: InFlightOrder) -> Placement:
        body: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value.lower(),
            "type": "market" if order.order_type is OrderType.MARKET else "limit",
            "size": fmt(order.amount), "client_id": order.client_order_id,
        }
        if order.price is not None:
            # LIMIT_MAKER is a limit order with post_only; the core already refused post-only IOC.
            body |= {"price": fmt(order.price), "tif": order.time_in_force.value,
                     "post_only": order.order_type is OrderType.LIMIT_MAKER}
        # The ack never carries fills: they come on the "fills" channel or from GET /v1/fills.
        return parse_order(order.trading_pair, await self._call(PLACE_ORDER, body=body)), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # ORDER_NOT_FOUND maps to OrderNotFound through the error table: nothing to catch here.
        return parse_order(order.trading_pair, await self._call(CANCEL_ORDER, body=self._order_ref(order)))

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self._call(CANCEL_ALL, body={"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, data) for data in answer]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        return parse_order(order.trading_pair, await self._call(ORDER_STATUS, params=self._order_ref(order)))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self._call(FILLS, params={"symbol": self.exchange_symbol(order.trading_pair),
                                               "order_id": order.exchange_order_id})
        return [parse_fill(order.trading_pair, row) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self._call(OPEN_ORDERS, params={"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, data) for data in answer]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"symbol": self.exchange_symbol(trading_pair), "since": int(since * 1000)}
        return [parse_order(trading_pair, data) for data in await self._call(ORDER_HISTORY, params=params)]
