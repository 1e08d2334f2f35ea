"""CoinbaseExchange: Coinbase Advanced Trade spot over REST /api/v3/brokerage.

https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/introduction. Request builders
and response parsers only. Errors come as an HTTP status with ``{"error", "message"}``, or, for a
placement, as 200 with ``success: false`` and an ``error_response``; an edit says ``success: false``
with ``errors``; a cancel answers per order with a ``failure_reason``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import NotSupported, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange.coinbase_advanced_trade.auth import CoinbaseAuth
from clobconn.exchange.coinbase_advanced_trade.constants import (
    ACCOUNTS,
    ACCOUNTS_PAGE,
    CANCEL_ORDERS,
    EDIT_ORDER,
    FILLS,
    ORDER,
    ORDERS,
    ORDERS_PAGE,
    PLACE_ORDER,
    PRODUCTS,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange.coinbase_advanced_trade.order_book_data_source import CoinbaseOrderBookDataSource
from clobconn.exchange.coinbase_advanced_trade.parsers import (
    is_tradable,
    parse_account,
    parse_fill,
    parse_order,
    parse_product,
)
from clobconn.exchange.coinbase_advanced_trade.user_stream_data_source import CoinbaseUserStreamDataSource

# order_configuration keys (https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/create-order).
LIMIT_CONFIGURATIONS = {TimeInForce.GTC: "limit_limit_gtc", TimeInForce.IOC: "sor_limit_ioc",
                        TimeInForce.FOK: "limit_limit_fok"}


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CoinbaseExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = CoinbaseOrderBookDataSource
    user_stream_data_source_class = CoinbaseUserStreamDataSource

    # == USD/USDC aliases: a product with an ``alias`` (BTC-USDC -> BTC-USD) trades under its own id, but
    # its market data is its alias's. Both maps are rebuilt with the trading rules.
    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        self._feeds: dict[str, str] = {}
        self._fed: dict[str, tuple[str, ...]] = {}
        super().__init__(config, **kwargs)

    def feed_product(self, trading_pair: str) -> str:
        """The product whose market data is ``trading_pair``'s (itself, or the product it aliases)."""
        symbol = self.exchange_symbol(trading_pair)
        return self._feeds.get(symbol, symbol)

    def pairs_fed_by(self, product_id: str) -> tuple[str, ...]:
        """Every pair whose book and trades a market-data message about ``product_id`` carries."""
        return self._fed.get(product_id, ())

    def _create_auth(self) -> AuthBase:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return CoinbaseAuth(self.config.api_key, self.config.api_secret, self.time_sync.time)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, Mapping):
            if status >= 400:
                return payload.get("error") or payload.get("code"), str(payload.get("message") or "")
            if payload.get("success") is False:
                refusal = payload.get("error_response") or {}
                errors = payload.get("errors") or [{}]
                code = (refusal.get("error") or payload.get("failure_reason") or errors[0].get("edit_failure_reason")
                        or errors[0].get("preview_failure_reason"))
                return code, str(refusal.get("message") or refusal.get("error_details") or code or "")
        return None if status < 400 else (None, str(payload)[:500])

    async def _fetch_server_time(self) -> float:
        return int((await self.rest.call(SERVER_TIME))["epochMillis"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        products = [p for p in (await self.rest.call(PRODUCTS, {"product_type": "SPOT"}))["products"]
                    if is_tradable(p)]
        rules = [parse_product(product) for product in products]
        pair_of = {symbol: rule.trading_pair for symbol, rule in rules}
        self._feeds = {p["product_id"]: p["alias"] for p in products if p.get("alias") in pair_of}
        fed: dict[str, list[str]] = defaultdict(list)
        for symbol, pair in pair_of.items():
            fed[self._feeds.get(symbol, symbol)].append(pair)
        self._fed = {product: tuple(pairs) for product, pairs in fed.items()}
        return rules

    async def _pages(self, endpoint: Endpoint, params: dict[str, Any], key: str) -> list[Any]:
        """Every row of a cursor-paginated listing (accounts, order listings, fills)."""
        rows: list[Any] = []
        while True:
            answer = await self.rest.call(endpoint, params)
            rows.extend(answer.get(key) or ())
            cursor = answer.get("cursor")
            if not cursor or answer.get("has_next") is False:
                return rows
            params = {**params, "cursor": cursor}

    async def _fetch_balances(self) -> list[Balance]:
        # One account per currency in the default portfolio; sum them should a currency have several.
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        for account in await self._pages(ACCOUNTS, {"limit": ACCOUNTS_PAGE}, "accounts"):
            balance = parse_account(account)
            total, available = totals.get(balance.asset, (Decimal(0), Decimal(0)))
            totals[balance.asset] = (total + balance.total, available + balance.available)
        return [Balance(asset, total, available) for asset, (total, available) in totals.items()]

    def _order_configuration(self, order: InFlightOrder) -> dict[str, Any]:
        if order.order_type is OrderType.MARKET:
            size = {"quote_size": fmt(order.quote_amount)} if order.quote_amount is not None else {
                "base_size": fmt(order.amount)}
            return {"market_market_ioc": size}
        limit: dict[str, Any] = {"base_size": fmt(order.amount), "limit_price": fmt(order.price or Decimal(0))}
        if order.order_type is OrderType.LIMIT_MAKER:
            return {"limit_limit_gtc": {**limit, "post_only": True}}
        if order.time_in_force is TimeInForce.GTC:
            limit["post_only"] = False
        return {LIMIT_CONFIGURATIONS[order.time_in_force]: limit}

    async def _place_order(self, order: InFlightOrder) -> Placement:
        body = {"client_order_id": order.client_order_id, "product_id": self.exchange_symbol(order.trading_pair),
                "side": order.trade_type.value, "order_configuration": self._order_configuration(order)}
        ack = (await self.rest.call(PLACE_ORDER, data=body))["success_response"]
        # The ack names the order and nothing of its state; the stream or a poll brings fills.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id,
                           ack["order_id"]), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            # Cancels name the venue's order id only; polling finds the order by its client id first.
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} has no exchange order id yet")
        answer = await self.rest.call(CANCEL_ORDERS, data={"order_ids": [order.exchange_order_id]})
        (result,) = answer["results"]
        if not result.get("success"):
            reason = str(result.get("failure_reason"))
            raise refusal_error(self.spec.error_table, reason, reason, "cancel refused")
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        # orders/edit changes a GTC limit order in place: its new price and new total size.
        if order.order_type is not OrderType.LIMIT or order.time_in_force is not TimeInForce.GTC:
            raise NotSupported(f"{self.name} edits GTC limit orders only, not {order.order_type.value} "
                               f"{order.time_in_force.value}")
        await self.rest.call(EDIT_ORDER, data={"order_id": order.exchange_order_id,
                                               "price": fmt(replacement.price or Decimal(0)),
                                               "size": fmt(replacement.amount)})
        state = order.state if order.is_open else OrderState.OPEN
        return OrderUpdate(order.trading_pair, time.time(), state, order.client_order_id,
                           order.exchange_order_id), []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            answer = await self.rest.call(ORDER, path_values={"order_id": order.exchange_order_id})
            return parse_order(order.trading_pair, answer["order"])
        # No query by client order id: look for it among the pair's recent orders.
        since = order.creation_timestamp - 60
        for update in await self._fetch_order_history(order.trading_pair, since):
            if update.client_order_id == order.client_order_id:
                return update
        raise OrderNotFound(f"{self.name}: no order {order.client_order_id} since {_iso(since)}")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self._pages(FILLS, {"order_ids": order.exchange_order_id, "limit": ORDERS_PAGE}, "fills")
        return [parse_fill(order.trading_pair, row, order.client_order_id) for row in rows
                if row.get("order_id") == order.exchange_order_id]

    async def _list_orders(self, trading_pair: str, **params: Any) -> list[OrderUpdate]:
        params = {"product_ids": self.exchange_symbol(trading_pair), "limit": ORDERS_PAGE, **params}
        return [parse_order(trading_pair, row) for row in await self._pages(ORDERS, params, "orders")]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return await self._list_orders(trading_pair, order_status="OPEN")

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        return await self._list_orders(trading_pair, start_date=_iso(since))
