"""BitstampExchange: Bitstamp spot over HTTP API v2 (https://www.bitstamp.net/api/).

Request builders and response parsers only. Private calls are signed, form-encoded POSTs; a refusal
is ``{"status": "error", "reason": ..., "response_code"|"code": ...}``, on an HTTP error status or on
200, and the core maps its code through the error table. Bitstamp has no batch placement and no
documented amend: the core refuses both with NotSupported naming the venue.
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
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import fmt
from clobconn.exchange.bitstamp.auth import BitstampAuth
from clobconn.exchange.bitstamp.constants import (
    BALANCES,
    BUY_LIMIT,
    BUY_MARKET,
    CANCEL_ALL,
    CANCEL_ORDER,
    MARKETS,
    OPEN_ORDERS,
    ORDER_STATUS,
    SELL_LIMIT,
    SELL_MARKET,
    SPEC,
)
from clobconn.exchange.bitstamp.order_book_data_source import BitstampOrderBookDataSource
from clobconn.exchange.bitstamp.parsers import parse_balance, parse_order, parse_transactions
from clobconn.exchange.bitstamp.user_stream_data_source import BitstampUserStreamDataSource

# The flag a limit order carries for each time in force other than GTC, and for post-only.
TIF_FLAGS = {TimeInForce.IOC: "ioc_order", TimeInForce.FOK: "fok_order"}
MAKER_OR_CANCEL = "moc_order"


def parse_market(market: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/v2/markets/: steps are given as decimal places, limits as amounts."""
    def bound(key: str) -> Decimal | None:
        value = market.get(key)
        return Decimal(str(value)) or None if value is not None else None

    return TradingRule(
        f"{market['base_currency']}-{market['counter_currency']}",
        min_order_size=bound("minimum_order_amount") or Decimal(0),
        max_order_size=bound("maximum_order_amount"),
        min_price_increment=Decimal(1).scaleb(-int(market["counter_decimals"])),
        min_base_amount_increment=Decimal(1).scaleb(-int(market["base_decimals"])),
        min_notional=bound("minimum_order_value") or Decimal(0),
        max_notional=bound("maximum_order_value"),
    )


def _reason(payload: Mapping[str, Any]) -> str:
    """``reason`` is a string, or per-field lists ({"__all__": ["..."]} for the request as a whole)."""
    reason = payload.get("reason") or payload.get("error") or payload.get("message") or ""
    if isinstance(reason, Mapping):
        return "; ".join(f"{field}: {' '.join(map(str, msgs))}" if field != "__all__" else " ".join(map(str, msgs))
                         for field, msgs in reason.items())
    return str(reason)


class BitstampExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = BitstampOrderBookDataSource
    user_stream_data_source_class = BitstampUserStreamDataSource

    def _create_auth(self) -> BitstampAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return BitstampAuth(self.config.api_key, self.config.api_secret, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # Older endpoints answer a refusal as {"error": "..."} on 200, without a status field.
        if isinstance(payload, Mapping) and (payload.get("status") == "error" or "error" in payload or status >= 400):
            return payload.get("response_code") or payload.get("code"), _reason(payload)
        return None if status < 400 else (None, str(payload)[:500])

    @property
    def private_pairs(self) -> list[str]:
        return self.order_book_tracker.trading_pairs

    def _pair_arg(self, trading_pair: str) -> dict[str, str]:
        return {"pair": self.exchange_symbol(trading_pair)}

    def _order_ref(self, order: InFlightOrder) -> dict[str, str]:
        """Which order a cancel or query means: its id once acknowledged, else its client_order_id."""
        if order.exchange_order_id is not None:
            return {"id": order.exchange_order_id}
        return {"client_order_id": order.client_order_id}

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        markets = await self.rest.call(MARKETS)
        return [(m["market_symbol"], parse_market(m)) for m in markets
                if m.get("trading") == "Enabled" and m.get("market_type", "SPOT") == "SPOT"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(row) for row in await self.rest.call(BALANCES)]

    async def _place_order(self, order: InFlightOrder) -> Placement:
        body: dict[str, Any] = {"amount": fmt(order.amount), "client_order_id": order.client_order_id}
        buy = order.trade_type is TradeType.BUY
        if order.order_type is OrderType.MARKET:
            endpoint = BUY_MARKET if buy else SELL_MARKET
        else:
            endpoint = BUY_LIMIT if buy else SELL_LIMIT
            body["price"] = fmt(order.price or Decimal(0))
            if order.order_type is OrderType.LIMIT_MAKER:
                body[MAKER_OR_CANCEL] = "True"
            elif order.time_in_force in TIF_FLAGS:
                body[TIF_FLAGS[order.time_in_force]] = "True"
        answer = await self.rest.call(endpoint, data=body, path_values=self._pair_arg(order.trading_pair))
        # The ack carries no fills: private-my_trades or the order's status brings them.
        return parse_order(order.trading_pair, answer, order.client_order_id), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self.rest.call(CANCEL_ORDER, data=self._order_ref(order))
        return OrderUpdate(order.trading_pair, self.time_sync.time(), OrderState.CANCELED, order.client_order_id,
                           str(answer.get("id") or order.exchange_order_id))

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        answer = await self.rest.call(CANCEL_ALL, path_values=self._pair_arg(trading_pair))
        now = self.time_sync.time()
        return [OrderUpdate(trading_pair, now, OrderState.CANCELED, None, str(row["id"]))
                for row in answer.get("canceled") or ()]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        answer = await self.rest.call(ORDER_STATUS, data=self._order_ref(order))
        return parse_order(order.trading_pair, answer, order.client_order_id)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        answer = await self.rest.call(ORDER_STATUS, data={"id": order.exchange_order_id})
        return parse_transactions(order.trading_pair, answer, order.client_order_id)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self.rest.call(OPEN_ORDERS, path_values=self._pair_arg(trading_pair))
        return [parse_order(trading_pair, row) for row in rows]
