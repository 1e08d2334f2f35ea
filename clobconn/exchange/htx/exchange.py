"""HtxExchange: HTX spot over REST (https://www.htx.com/en-us/opend/newApiPages/).

Request builders and response parsers only. Every answer is HTTP 200 with ``{"status": "ok", "data"}``
or ``{"status": "error", "err-code", "err-msg"}``. Orders act on an account: the spot account's id is
the connector's account context, fetched once at start (GET /v1/account/accounts).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, ExchangeError, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import fmt
from clobconn.exchange.htx.auth import HtxAuth
from clobconn.exchange.htx.constants import (
    ACCOUNTS,
    BALANCE,
    BATCH_ORDERS,
    CANCEL_ALL,
    CANCEL_BY_CLIENT_ID,
    CANCEL_ORDER,
    FILLS,
    OPEN_ORDERS,
    ORDER_BY_CLIENT_ID,
    ORDER_HISTORY,
    ORDER_KINDS,
    ORDER_STATUS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
    SYMBOLS,
)
from clobconn.exchange.htx.order_book_data_source import HtxOrderBookDataSource
from clobconn.exchange.htx.parsers import parse_balances, parse_fill, parse_order
from clobconn.exchange.htx.user_stream_data_source import HtxUserStreamDataSource

# submitCancelClientOrder's "data": -1 no such order, 5 partial-canceled, 6 filled, 7 canceled, 10 canceling.
CANCEL_REFUSED = {-1, 6}


def _decimal(value: Any) -> Decimal:
    """A rule value: the venue sends JSON numbers, whose shortest repr is the value it means."""
    return Decimal(str(value)) if value is not None else Decimal(0)


def parse_symbol(info: dict[str, Any]) -> TradingRule:
    """An entry of GET /v1/settings/common/market-symbols: ``pp``/``ap`` are the price and amount
    precisions, ``lominoa``/``lomaxoa`` a limit order's amount bounds, ``minov``/``maxov`` its value's."""
    return TradingRule(
        f"{info['bc'].upper()}-{info['qc'].upper()}",
        min_order_size=_decimal(info.get("lominoa", info.get("minoa"))),
        max_order_size=_decimal(info["lomaxoa"]) if info.get("lomaxoa") else None,
        min_price_increment=Decimal(1).scaleb(-int(info["pp"])),
        min_base_amount_increment=Decimal(1).scaleb(-int(info["ap"])),
        min_notional=_decimal(info.get("minov")),
        max_notional=_decimal(info["maxov"]) if info.get("maxov") else None,
    )


class HtxExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = HtxOrderBookDataSource
    user_stream_data_source_class = HtxUserStreamDataSource

    def _create_auth(self) -> HtxAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None
        host = urlsplit(self.private_ws_url).hostname or ""
        return HtxAuth(config.api_key, config.api_secret, self.time_sync.time_ms, host)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and payload.get("status") == "error":
            return payload.get("err-code"), str(payload.get("err-msg", ""))
        return super()._extract_error(status, payload)

    async def _data(self, endpoint: Any, params: dict[str, Any] | None = None, body: Any = None,
                    **path_values: str) -> Any:
        return (await self.rest.call(endpoint, params, body, path_values=path_values or None))["data"]

    async def _fetch_server_time(self) -> float:
        return int(await self._data(SERVER_TIME)) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        return [(info["symbol"], parse_symbol(info)) for info in await self._data(SYMBOLS)
                if info.get("state") == "online"]

    async def _fetch_account_context(self) -> dict[str, str]:
        """GET /v1/account/accounts: the spot account every order and balance call names."""
        for account in await self._data(ACCOUNTS):
            if account["type"] == "spot":
                return {"spot": str(account["id"])}
        raise ExchangeError(f"{self.name}: the key's user has no spot account")

    async def _spot_account(self) -> str:
        return (await self.account_context())["spot"]

    async def _fetch_balances(self) -> list[Balance]:
        return parse_balances((await self._data(BALANCE, account_id=await self._spot_account()))["list"])

    async def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as POST /v1/order/orders/place and batch-orders take it."""
        side = order.trade_type.name.lower()
        body = {"account-id": await self._spot_account(), "symbol": self.exchange_symbol(order.trading_pair),
                "client-order-id": order.client_order_id, "source": "spot-api"}
        if order.order_type is OrderType.MARKET:
            # A market buy is sized in quote currency, a market sell in base.
            amount = order.amount if side == "sell" else self._market_buy_quote(order)
            return body | {"type": f"{side}-market", "amount": fmt(amount)}
        assert order.price is not None
        kind = ORDER_KINDS[(order.order_type, order.time_in_force)]
        return body | {"type": f"{side}-{kind}", "amount": fmt(order.amount), "price": fmt(order.price)}

    def _acknowledged(self, order: InFlightOrder, order_id: Any) -> OrderUpdate:
        # The answer is the order id alone; the stream or a poll says what became of the order.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id, str(order_id))

    async def _place_order(self, order: InFlightOrder) -> Placement:
        return self._acknowledged(order, await self._data(PLACE_ORDER, body=await self._order_body(order))), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """POST /v1/order/batch-orders (up to 10 orders): one answer per order, an id or an err-code."""
        results: list[Placement | ClobconnError] = []
        for start in range(0, len(orders), 10):
            chunk = orders[start:start + 10]
            answers = await self._data(BATCH_ORDERS, body=[await self._order_body(order) for order in chunk])
            for order, answer in zip(chunk, answers, strict=True):
                if answer.get("order-id") is not None:
                    results.append((self._acknowledged(order, answer["order-id"]), []))
                else:
                    results.append(refusal_error(self.spec.error_table, answer.get("err-code"),
                                                 str(answer.get("err-msg", "")), "batch order refused"))
        return results

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """submitcancel by id, or submitCancelClientOrder before the ack. The venue answers once it has
        taken the cancel; an order that has ended meanwhile is refused (order-orderstate-error)."""
        if order.exchange_order_id is not None:
            await self._data(CANCEL_ORDER, order_id=order.exchange_order_id)
        elif int(await self._data(CANCEL_BY_CLIENT_ID, body={"client-order-id": order.client_order_id})) in (
                CANCEL_REFUSED):
            raise OrderNotFound(f"{self.name}: {order.client_order_id} is not open on the venue")
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id, executed_amount=order.executed_amount_base)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer counts the cancelled orders without naming them: the core asks each tracked one.
        await self._data(CANCEL_ALL, body={"account-id": await self._spot_account(),
                                           "symbol": self.exchange_symbol(trading_pair)})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            return parse_order(order.trading_pair, await self._data(ORDER_STATUS, order_id=order.exchange_order_id))
        return parse_order(order.trading_pair, await self._data(ORDER_BY_CLIENT_ID,
                                                                {"clientOrderId": order.client_order_id}))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self._data(FILLS, order_id=order.exchange_order_id)
        return [parse_fill(order.trading_pair, order.client_order_id, row) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        params = {"account-id": await self._spot_account(), "symbol": self.exchange_symbol(trading_pair), "size": 500}
        return [parse_order(trading_pair, row) for row in await self._data(OPEN_ORDERS, params)]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        """GET /v1/order/history: orders ended within the last 48 hours, from ``since``."""
        params = {"symbol": self.exchange_symbol(trading_pair), "start-time": int(since * 1000), "size": 1000}
        return [parse_order(trading_pair, row) for row in await self._data(ORDER_HISTORY, params)]
