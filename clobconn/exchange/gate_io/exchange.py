"""GateIoExchange: Gate.io spot over REST APIv4 (``/api/v4/spot``), with the v4 WebSocket streams; orders
are placed and cancelled over the WebSocket API (``spot.order_place``, ``spot.order_cancel``: ws_orders.py)
while its socket is up.

https://www.gate.com/docs/developers/apiv4/en/spot
``GateIoBase`` holds what the USDT perpetual connector does the same way.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, error_class_for
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import place_in_batches
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.exchange.gate_io.auth import GateIoAuth
from clobconn.exchange.gate_io.constants import (
    AMEND_ORDER,
    BALANCES,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    FILLS,
    HEARTBEAT,
    ORDER_LIST,
    ORDER_STATUS,
    PAIRS,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
)
from clobconn.exchange.gate_io.order_book_data_source import GateIoOrderBookDataSource
from clobconn.exchange.gate_io.parsers import dec, parse_order, parse_trade
from clobconn.exchange.gate_io.user_stream_data_source import GateIoUserStreamDataSource
from clobconn.exchange.gate_io.ws_orders import gate_ws_order_route

TIME_IN_FORCE = {"GTC": "gtc", "IOC": "ioc", "FOK": "fok"}



def step(decimals: Any) -> Decimal:
    """A precision in decimal places as the step it allows: 2 -> 0.01."""
    return Decimal(1).scaleb(-int(decimals))


def limit(value: Any) -> Decimal | None:
    """A bound the venue may leave out or null ("no limit")."""
    return Decimal(str(value)) if value not in (None, "", "0") else None


class GateIoBase(ExchangeBase):
    """Signing, errors, clock and order references: the same on spot and futures."""

    # The WebSocket API's channel prefix ("spot.order_place", "futures.login").
    ws_market: ClassVar[str] = "spot"

    def _create_auth(self) -> GateIoAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return GateIoAuth(self.config.api_key, self.config.api_secret, self.time_sync.time)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # Refusals are HTTP 4xx/5xx with {"label", "message"} (some endpoints say "detail").
        if status < 400:
            return None
        if isinstance(payload, dict):
            return payload.get("label"), str(payload.get("message") or payload.get("detail") or "")
        return None, str(payload)[:500]

    async def _batch(self, endpoint: Endpoint, orders: list[InFlightOrder],
                     parse: Callable[[InFlightOrder, Mapping[str, Any]], OrderUpdate],
                     ) -> list[Placement | ClobconnError]:
        """A batch endpoint (spot or futures): at most BATCH_SIZE orders a request, and one answer per
        order, in order, either the order or a refusal (``succeeded`` false, with a ``label``)."""
        async def send(chunk: list[InFlightOrder]) -> list[Placement | ClobconnError]:
            answers = await self.rest.call(endpoint, data=[self._order_body(order) for order in chunk])
            return [(parse(order, answer), []) if answer.get("succeeded", True) else self.refusal(answer)
                    for order, answer in zip(chunk, answers, strict=True)]

        return await place_in_batches(orders, BATCH_SIZE, send)

    @abstractmethod
    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        """The JSON of one new order, as the place and batch endpoints (and ``order_place``) take it."""

    @abstractmethod
    def _ws_cancel_param(self, order: InFlightOrder) -> dict[str, Any]:
        """``order_cancel``'s ``req_param``: the REST cancel's path and query parameters."""

    @abstractmethod
    def _order_update(self, order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate:
        """An order object of the REST API (and of the WebSocket API's answers)."""

    def refusal(self, item: Mapping[str, Any]) -> ClobconnError:
        """A batch item the venue refused, as the typed error its label maps to."""
        label, message = item.get("label"), str(item.get("message") or item.get("detail") or "")
        error_cls = error_class_for(self.spec.error_table, label, message, 400)
        return error_cls(f"batch order refused: {message or label}", venue_code=label, venue_message=message)

    async def _amend(self, endpoint: Endpoint, order: InFlightOrder, params: Mapping[str, Any] | None,
                     body: Mapping[str, Any]) -> Any:
        """Amend in place (SPEC.amend_in_place): the order keeps its id, its ``text`` and its fills."""
        return await self._call_on(endpoint, self.order_ref(order), params, body)

    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(SERVER_TIME))["server_time"]) / 1000

    async def _call_on(self, endpoint: Endpoint, order_id: str, params: Mapping[str, Any] | None = None,
                       data: Any = None) -> Any:
        """An endpoint whose path names the order (by exchange id, or by ``text`` before the ack)."""
        return await self.rest.request(endpoint.method, endpoint.path.format(order_id=order_id), params=params,
                                       data=data, signed=True, limit_id=endpoint.limit_id)

    @staticmethod
    def order_ref(order: InFlightOrder) -> str:
        return order.exchange_order_id or order.client_order_id


class GateIoExchange(GateIoBase):
    spec = SPEC
    ws_order_route = gate_ws_order_route(PLACE_ORDER.limit_id, CANCEL_ORDER.limit_id, HEARTBEAT)
    order_book_data_source_class = GateIoOrderBookDataSource
    user_stream_data_source_class = GateIoUserStreamDataSource

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        """GET /spot/currency_pairs: only pairs that can be bought and sold."""
        return [(pair["id"], self.parse_pair(pair)) for pair in await self.rest.call(PAIRS)
                if pair.get("trade_status") == "tradable"]

    @staticmethod
    def parse_pair(pair: Mapping[str, Any]) -> TradingRule:
        amount_step = step(pair["amount_precision"])
        return TradingRule(
            f"{pair['base']}-{pair['quote']}",
            min_order_size=limit(pair.get("min_base_amount")) or amount_step,
            max_order_size=limit(pair.get("max_base_amount")),
            min_price_increment=step(pair["precision"]),
            min_base_amount_increment=amount_step,
            min_notional=limit(pair.get("min_quote_amount")) or Decimal(0),
            max_notional=limit(pair.get("max_quote_amount")),
        )

    async def _fetch_balances(self) -> list[Balance]:
        """GET /spot/accounts: ``available`` and ``locked`` per currency."""
        return [Balance(row["currency"], dec(row["available"]) + dec(row["locked"]), dec(row["available"]))
                for row in await self.rest.call(BALANCES)]

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        body: dict[str, Any] = {"text": order.client_order_id, "side": order.trade_type.value.lower(),
                                "currency_pair": self.exchange_symbol(order.trading_pair), "account": "spot"}
        if order.order_type is OrderType.MARKET:
            # Only ioc and fok apply to market orders; a market buy is sized in quote currency.
            body |= {"type": "market", "time_in_force": "ioc", "amount": fmt(self._market_amount(order))}
            return body
        tif = "poc" if order.order_type is OrderType.LIMIT_MAKER else TIME_IN_FORCE[order.time_in_force.value]
        assert order.price is not None
        return body | {"type": "limit", "price": fmt(order.price), "amount": fmt(order.amount), "time_in_force": tif}

    def _market_amount(self, order: InFlightOrder) -> Decimal:
        # A buy is sized in quote: the core sizes a base-sized one at the best ask.
        return order.amount if order.trade_type is TradeType.SELL else self._market_buy_quote(order)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        """POST /spot/orders. The answer has no fills: the stream or the fills poll brings them."""
        answer = await self.rest.call(PLACE_ORDER, data=self._order_body(order))
        return parse_order(order.trading_pair, answer), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """POST /spot/batch_orders."""
        return await self._batch(BATCH_ORDERS, orders, lambda order, answer: parse_order(order.trading_pair, answer))

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """DELETE /spot/orders/{order_id}; ORDER_NOT_FOUND maps to OrderNotFound."""
        params = {"currency_pair": self.exchange_symbol(order.trading_pair)}
        answer = await self._call_on(CANCEL_ORDER, self.order_ref(order), params)
        return parse_order(order.trading_pair, answer)

    def _ws_cancel_param(self, order: InFlightOrder) -> dict[str, Any]:
        return {"order_id": self.order_ref(order), "currency_pair": self.exchange_symbol(order.trading_pair)}

    def _order_update(self, order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate:
        return parse_order(order.trading_pair, data)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """DELETE /spot/orders?currency_pair=: the orders it cancelled (a refused one has ``succeeded`` false)."""
        answer = await self.rest.call(CANCEL_ALL, {"currency_pair": self.exchange_symbol(trading_pair),
                                                   "account": "spot"})
        return [parse_order(trading_pair, item) for item in answer
                if item.get("succeeded", True)]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """GET /spot/orders/{order_id}: by ``text`` before the ack (open orders only)."""
        params = {"currency_pair": self.exchange_symbol(order.trading_pair)}
        answer = await self._call_on(ORDER_STATUS, self.order_ref(order), params)
        return parse_order(order.trading_pair, answer)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        params = {"currency_pair": self.exchange_symbol(trading_pair), "status": "open", "limit": 100}
        return [parse_order(trading_pair, data) for data in await self.rest.call(ORDER_LIST, params)]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"currency_pair": self.exchange_symbol(trading_pair), "status": "finished", "from": int(since),
                  "limit": 100}
        return [parse_order(trading_pair, data) for data in await self.rest.call(ORDER_LIST, params)]

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(FILLS, {"currency_pair": self.exchange_symbol(order.trading_pair),
                                            "order_id": order.exchange_order_id})
        return [parse_trade(order.trading_pair, row) for row in rows]

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """PATCH /spot/orders/{order_id}: the venue changes the order in place (same id and text)."""
        assert replacement.price is not None
        body = {"price": fmt(replacement.price), "amount": fmt(replacement.amount)}
        params = {"currency_pair": self.exchange_symbol(order.trading_pair)}
        answer = await self._amend(AMEND_ORDER, order, params, body)
        return parse_order(order.trading_pair, answer), []
