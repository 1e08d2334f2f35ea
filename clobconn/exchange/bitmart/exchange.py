"""BitmartExchange: the Bitmart spot REST API (https://developer-pro.bitmart.com/en/spot/).

Request builders and response parsers only: validation, tracking, polling, retries and the streams are
the core's. Every answer is ``{"code": 1000, "message": "OK", "trace": ..., "data": ...}``; a refusal
carries another code, with an HTTP 4xx status.
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
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, ExchangeError, OrderNotFound
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.exchange.bitmart.auth import BitmartAuth
from clobconn.exchange.bitmart.constants import (
    BALANCES,
    BATCH_ORDERS,
    CANCEL_ALL,
    CANCEL_ORDER,
    HISTORY_ORDERS,
    MAX_BATCH,
    OPEN_ORDERS,
    ORDER_BY_CLIENT_ID,
    ORDER_TRADES,
    ORDER_TYPES,
    PLACE_ORDER,
    RECV_WINDOW_MS,
    SERVER_TIME,
    SPEC,
    SYMBOLS,
)
from clobconn.exchange.bitmart.order_book_data_source import BitmartOrderBookDataSource
from clobconn.exchange.bitmart.parsers import parse_fill, parse_order, parse_wallet_entry
from clobconn.exchange.bitmart.user_stream_data_source import BitmartUserStreamDataSource

SUCCESS = 1000


def parse_symbol(entry: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /spot/v1/symbols/details. ``quote_increment`` is, despite its name, the step of
    the order size (in base); ``price_max_precision`` the price's decimals; ``min_buy_amount`` the least
    notional an order may have."""
    max_size = entry.get("base_max_size")
    return TradingRule(
        f"{entry['base_currency']}-{entry['quote_currency']}",
        min_order_size=Decimal(entry["base_min_size"]),
        max_order_size=Decimal(max_size) if max_size else None,
        min_price_increment=Decimal(1).scaleb(-int(entry["price_max_precision"])),
        min_base_amount_increment=Decimal(entry["quote_increment"]),
        min_notional=Decimal(entry["min_buy_amount"]),
    )


class BitmartExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = BitmartOrderBookDataSource
    user_stream_data_source_class = BitmartUserStreamDataSource

    def _create_auth(self) -> BitmartAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None and config.passphrase is not None
        return BitmartAuth(config.api_key, config.api_secret, config.passphrase, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and "code" in payload:
            if payload["code"] == SUCCESS:
                return None
            return str(payload["code"]), str(payload.get("message", ""))
        return default_error_extractor(status, payload)

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None,
                    body: dict[str, Any] | None = None) -> Any:
        return (await self.rest.call(endpoint, params, body))["data"]

    async def _fetch_server_time(self) -> float:
        return int((await self._call(SERVER_TIME))["server_time"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # "pre-trade" pairs are listed but take no orders yet.
        return [(entry["symbol"], parse_symbol(entry)) for entry in (await self._call(SYMBOLS))["symbols"]
                if entry.get("trade_status", "trading") == "trading"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_wallet_entry(entry) for entry in (await self._call(BALANCES))["wallet"]]

    def _order_params(self, order: InFlightOrder, client_id_key: str) -> dict[str, Any]:
        """An order as /spot/v2/submit_order (``client_order_id``) or a v4 batch entry (``clientOrderId``)
        takes it. A market buy is sized by ``notional`` (quote), a market sell by ``size`` (base)."""
        params: dict[str, Any] = {"side": order.trade_type.value.lower(),
                                  "type": ORDER_TYPES[(order.order_type, order.time_in_force)],
                                  client_id_key: order.client_order_id}
        if order.order_type is OrderType.MARKET and order.trade_type is TradeType.BUY:
            return params | {"notional": fmt(self._market_buy_quote(order))}
        params["size"] = fmt(order.amount)
        if order.price is not None:
            params["price"] = fmt(order.price)
        return params

    def _acknowledged(self, order: InFlightOrder, order_id: Any) -> OrderUpdate:
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id, str(order_id))

    async def _place_order(self, order: InFlightOrder) -> Placement:
        """POST /spot/v2/submit_order: the answer is the order id alone; fills come by stream or poll."""
        body = {"symbol": self.exchange_symbol(order.trading_pair)} | self._order_params(order, "client_order_id")
        return self._acknowledged(order, (await self._call(PLACE_ORDER, body=body))["order_id"]), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """POST /spot/v4/batch_orders: up to 10 orders of one pair a request, accepted or refused together;
        the answer lists their order ids in the request's order."""
        results: dict[str, Placement | ClobconnError] = {}
        by_pair: dict[str, list[InFlightOrder]] = {}
        for order in orders:
            by_pair.setdefault(order.trading_pair, []).append(order)
        for pair, pair_orders in by_pair.items():
            for start in range(0, len(pair_orders), MAX_BATCH):
                chunk = pair_orders[start:start + MAX_BATCH]
                body = {"symbol": self.exchange_symbol(pair), "recvWindow": RECV_WINDOW_MS,
                        "orderParams": [self._order_params(o, "clientOrderId") for o in chunk]}
                try:
                    answer = await self._call(BATCH_ORDERS, body=body)
                except ExchangeError as refusal:
                    results.update((o.client_order_id, refusal) for o in chunk)
                    continue
                # The ids come as data.orderIds, or one level down (data.data.orderIds) in the v4 envelope.
                ids = answer["orderIds"] if "orderIds" in answer else answer["data"]["orderIds"]
                results.update((o.client_order_id, (self._acknowledged(o, order_id), []))
                               for o, order_id in zip(chunk, ids, strict=True))
        return [results[o.client_order_id] for o in orders]

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """POST /spot/v3/cancel_order by order id (or client order id before the ack). ``result`` false, or
        50030/50032 (already cancelled, unknown), means nothing is left to cancel."""
        body = {"symbol": self.exchange_symbol(order.trading_pair)}
        body |= ({"order_id": order.exchange_order_id} if order.exchange_order_id is not None
                 else {"client_order_id": order.client_order_id})
        if not (await self._call(CANCEL_ORDER, body=body)).get("result"):
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} cannot be cancelled")
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """POST /spot/v4/cancel_all: its answer names no order, so the core asks each one's state after."""
        await self._call(CANCEL_ALL, body={"symbol": self.exchange_symbol(trading_pair)})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """POST /spot/v4/query/client-order: every order carries our client order id, acknowledged or not."""
        data = await self._call(ORDER_BY_CLIENT_ID, body={"clientOrderId": order.client_order_id,
                                                          "recvWindow": RECV_WINDOW_MS})
        if not data:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} not found")
        return parse_order(order.trading_pair, data)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self._call(ORDER_TRADES, body={"orderId": order.exchange_order_id, "recvWindow": RECV_WINDOW_MS})
        return [parse_fill(order.trading_pair, row) for row in rows or ()]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        body = {"symbol": self.exchange_symbol(trading_pair), "orderMode": "spot", "recvWindow": RECV_WINDOW_MS}
        return [parse_order(trading_pair, data) for data in await self._call(OPEN_ORDERS, body=body) or ()]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        body = {"symbol": self.exchange_symbol(trading_pair), "orderMode": "spot", "startTime": int(since * 1000),
                "recvWindow": RECV_WINDOW_MS}
        return [parse_order(trading_pair, data) for data in await self._call(HISTORY_ORDERS, body=body) or ()]
