"""NdaxExchange: NDAX spot over REST (https://apidoc.ndax.io/).

Request builders and response parsers only. Every function is ``/AP/{FunctionName}``: reads are GETs
with the payload as the query, writes POSTs with a JSON body; every payload names OMSId 1. Refusals
come as HTTP 200: ``{result: false, errormsg, errorcode, detail}``, or ``{status: "Rejected",
errormsg}`` from SendOrder. Orders, balances and fills act on an account: the key's first account,
the connector's account context (GetUserAccounts), fetched once at start.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderUpdate,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ExchangeError, OrderNotFound
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange.ndax.auth import NdaxAuth
from clobconn.exchange.ndax.constants import (
    CANCEL_ALL,
    CANCEL_ORDER,
    HISTORY_DEPTH,
    INSTRUMENTS,
    OMS_ID,
    OPEN_ORDERS,
    ORDER_STATUS,
    ORDER_TYPES,
    ORDERS_HISTORY,
    POSITIONS,
    SEND_ORDER,
    SIDES,
    SPEC,
    TIME_IN_FORCE,
    TRADES_HISTORY,
    USER_ACCOUNTS,
)
from clobconn.exchange.ndax.order_book_data_source import NdaxOrderBookDataSource
from clobconn.exchange.ndax.parsers import number, parse_balance, parse_fill, parse_order
from clobconn.exchange.ndax.user_stream_data_source import NdaxUserStreamDataSource


def parse_instrument(info: Mapping[str, Any]) -> TradingRule:
    """An entry of GetInstruments: Product1 is the base, Product2 the quote."""
    return TradingRule(
        f"{info['Product1Symbol']}-{info['Product2Symbol']}",
        min_order_size=number(info.get("MinimumQuantity", 0)),
        min_price_increment=number(info["PriceIncrement"]),
        min_base_amount_increment=number(info["QuantityIncrement"]),
    )


class NdaxExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = NdaxOrderBookDataSource
    user_stream_data_source_class = NdaxUserStreamDataSource

    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        # Product id -> symbol (from GetInstruments): a fee names its product by id.
        self.products: dict[int, str] = {}
        super().__init__(config, **kwargs)

    def _create_auth(self) -> NdaxAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None and config.passphrase is not None
        return NdaxAuth(config.api_key, config.api_secret, config.passphrase, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict):
            if payload.get("result") is False:
                return payload.get("errorcode"), str(payload.get("errormsg") or payload.get("detail") or "")
            if payload.get("status") == "Rejected":
                return "Rejected", str(payload.get("errormsg") or "")
        return super()._extract_error(status, payload)

    async def _call(self, endpoint: Endpoint, payload: dict[str, Any]) -> Any:
        payload = {"OMSId": OMS_ID} | payload
        if endpoint.method == "GET":
            return await self.rest.call(endpoint, payload)
        return await self.rest.call(endpoint, None, payload)

    async def _fetch_account_context(self) -> dict[str, str]:
        """GetUserAccounts: the ids of the user's accounts; orders and balances act on the first."""
        assert isinstance(self.auth, NdaxAuth)
        accounts = await self._call(USER_ACCOUNTS, {"UserId": int(self.auth.user_id)})
        if not accounts:
            raise ExchangeError(f"{self.name}: the key's user has no account")
        return {"account_id": str(accounts[0])}

    async def _account(self) -> dict[str, Any]:
        return {"AccountId": int((await self.account_context())["account_id"])}

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        rules = []
        for info in await self._call(INSTRUMENTS, {}):
            self.products[info["Product1"]] = info["Product1Symbol"]
            self.products[info["Product2"]] = info["Product2Symbol"]
            # A stopped or paused instrument takes no orders.
            if info.get("SessionStatus") == "Running":
                rules.append((str(info["InstrumentId"]), parse_instrument(info)))
        return rules

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(entry) for entry in await self._call(POSITIONS, await self._account())]

    async def _place_order(self, order: InFlightOrder) -> Placement:
        body = await self._account() | {
            "InstrumentId": int(self.exchange_symbol(order.trading_pair)),
            "ClientOrderId": int(order.client_order_id),
            "Side": SIDES["Buy" if order.trade_type is TradeType.BUY else "Sell"],
            "Quantity": fmt(order.amount),
            "OrderType": ORDER_TYPES[order.order_type],
            "TimeInForce": TIME_IN_FORCE[order.time_in_force],
        }
        if order.price is not None and order.order_type is not order.order_type.MARKET:
            body["LimitPrice"] = fmt(order.price)
        # {status: "Accepted", OrderId}: the order's state comes with OrderStateEvent or GetOrderStatus.
        answer = await self._call(SEND_ORDER, body)
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id,
                           str(answer["OrderId"])), []

    async def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel means: by OrderId once acknowledged, else by the account and ClOrderId."""
        if order.exchange_order_id is not None:
            return await self._account() | {"OrderId": int(order.exchange_order_id)}
        return await self._account() | {"ClOrderId": int(order.client_order_id)}

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # result true acknowledges the cancel of a working order; an unknown or ended one is refused
        # with errorcode 104, which the error table makes OrderNotFound.
        await self._call(CANCEL_ORDER, await self._order_ref(order))
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer names no order: the core asks each one how it ended.
        await self._call(CANCEL_ALL, await self._account() | {"InstrumentId": int(self.exchange_symbol(trading_pair))})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            # Before its ack an order is known by its ClientOrderId only in the history listing.
            rows = await self._call(ORDERS_HISTORY, await self._account() | {
                "ClientOrderId": int(order.client_order_id), "Depth": HISTORY_DEPTH})
            found = [row for row in rows if str(row.get("ClientOrderId")) == order.client_order_id]
            if not found:
                raise OrderNotFound(f"{self.name}: no order with client order id {order.client_order_id}")
            return parse_order(order.trading_pair, found[0])
        answer = await self._call(ORDER_STATUS, await self._account() | {"OrderId": int(order.exchange_order_id)})
        # The docs show the object inside an array; the venue answers the object itself.
        if isinstance(answer, list):
            if not answer:
                raise OrderNotFound(f"{self.name}: no order {order.exchange_order_id}")
            answer = answer[0]
        return parse_order(order.trading_pair, answer)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self._call(TRADES_HISTORY, await self._account() | {"OrderId": int(order.exchange_order_id)})
        return [parse_fill(order.trading_pair, row, self.products) for row in rows
                if str(row.get("OrderId")) == order.exchange_order_id]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        instrument = self.exchange_symbol(trading_pair)
        return [parse_order(trading_pair, row) for row in await self._call(OPEN_ORDERS, await self._account())
                if str(row.get("Instrument")) == instrument]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        instrument = self.exchange_symbol(trading_pair)
        rows = await self._call(ORDERS_HISTORY, await self._account() | {"InstrumentId": int(instrument),
                                                                         "Depth": HISTORY_DEPTH})
        return [parse_order(trading_pair, row) for row in rows if str(row.get("Instrument")) == instrument]
