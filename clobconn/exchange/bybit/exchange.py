"""BybitExchange: Bybit v5 spot (unified trading account) over REST /v5 and the v5 streams.

https://bybit-exchange.github.io/docs/v5/intro. Every call names its ``category``; the linear
perpetual connector (clobconn/derivative/bybit_perpetual) subclasses this class and changes the
category, the instrument parser and the order extras. Answers are ``{"retCode", "retMsg",
"result", "retExtInfo", "time"}`` with HTTP 200 even when the request is refused.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

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
from clobconn.core.errors import ClobconnError, MissingCredentials, OrderNotFound, error_class_for
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.login import login_refusal
from clobconn.core.venue import VenueSpec
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import optional_decimal
from clobconn.core.web.rest import default_error_extractor
from clobconn.core.web.ws import WSConnection
from clobconn.core.web.ws_trading import Refusal, WSOrderRoute
from clobconn.exchange.bybit.auth import BybitAuth
from clobconn.exchange.bybit.constants import (
    AMEND_ORDER,
    BATCH_PLACE,
    CANCEL_ALL,
    CANCEL_ORDER,
    EXECUTIONS,
    HEARTBEAT,
    INSTRUMENTS,
    OPEN_ORDERS,
    ORDER_HISTORY,
    PLACE_ORDER,
    RECV_WINDOW_MS,
    SERVER_TIME,
    SPOT_BATCH_SIZE,
    SPOT_SPEC,
    TRADE_WS_PATH,
    WALLET,
)
from clobconn.exchange.bybit.order_book_data_source import BybitOrderBookDataSource
from clobconn.exchange.bybit.parsers import parse_coin, parse_fill, parse_order
from clobconn.exchange.bybit.user_stream_data_source import BybitUserStreamDataSource

# instruments-info pages (1000 symbols each): a bound, in case a cursor never runs out.
MAX_INSTRUMENT_PAGES = 10


def fmt(value: Decimal) -> str:
    """A Decimal as Bybit accepts it: plain notation, no exponent, no trailing zeros ("0.5", "100")."""
    return format(value.normalize(), "f")


def side(trade_type: TradeType) -> str:
    return "Buy" if trade_type is TradeType.BUY else "Sell"


async def _ws_login(connector: BybitExchange, connection: WSConnection) -> None:
    # The trade socket's auth op: the private stream's frame, answered with a retCode (0 is success).
    if not isinstance(connector.auth, BybitAuth):
        raise MissingCredentials("the Bybit trade socket needs api_key and api_secret")
    await connection.send(connector.auth.ws_login_payload())
    answer = await connection.receive()
    if isinstance(answer, dict) and answer.get("op") == "auth" and answer.get("retCode") == 0:
        return
    code = answer.get("retCode") if isinstance(answer, dict) else None
    message = str(answer.get("retMsg", "")) if isinstance(answer, dict) else repr(answer)
    raise login_refusal(connector.name, connector.spec.error_table, code, message)


def _ws_request(op: str, args: dict[str, Any], connector: BybitExchange, request_id: int) -> dict[str, Any]:
    # Each request carries its own timestamp and window (as REST's headers do); the socket's auth signs.
    header = {"X-BAPI-TIMESTAMP": str(connector.time_sync.time_ms()), "X-BAPI-RECV-WINDOW": str(RECV_WINDOW_MS)}
    return {"reqId": str(request_id), "header": header, "op": op, "args": [{"category": connector.category, **args}]}


def _ws_refusal(connector: BybitExchange, answer: Any) -> Refusal | None:
    code = answer.get("retCode")
    return None if code == 0 else (200, str(code), str(answer.get("retMsg", "")))


# Orders on the trade socket, each op's args the REST body and its answer's "data" the REST "result".
WS_ORDER_ROUTE = WSOrderRoute(
    path=TRADE_WS_PATH, place_op="order.create", cancel_op="order.cancel",
    build_place=lambda connector, order, request_id: _ws_request("order.create", connector._order_body(order),
                                                                 connector, request_id),
    build_cancel=lambda connector, order, request_id: _ws_request("order.cancel", connector._order_ref(order),
                                                                  connector, request_id),
    answer_id=lambda message: message.get("reqId") if isinstance(message, dict) and "op" in message else None,
    refusal=_ws_refusal,
    read_placement=lambda connector, order, answer: (connector._ack(order, answer["data"], OrderState.OPEN), []),
    read_cancel=lambda connector, order, answer: connector._ack(order, answer["data"], OrderState.CANCELED),
    place_limit_id=PLACE_ORDER.limit_id, cancel_limit_id=CANCEL_ORDER.limit_id, heartbeat=HEARTBEAT,
    login=_ws_login,
)


class BybitExchange(ExchangeBase):
    spec: ClassVar[VenueSpec] = SPOT_SPEC
    ws_order_route = WS_ORDER_ROUTE
    category: ClassVar[str] = "spot"
    batch_size: ClassVar[int] = SPOT_BATCH_SIZE
    order_book_data_source_class = BybitOrderBookDataSource
    user_stream_data_source_class = BybitUserStreamDataSource

    def _create_auth(self) -> BybitAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return BybitAuth(self.config.api_key, self.config.api_secret, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # Refusals come as HTTP 200 with a non-zero retCode (10002, the timestamp refusal, makes the
        # core re-sync its clock and retry). HTTP 403 is Bybit's IP ban for too many requests.
        if isinstance(payload, Mapping) and payload.get("retCode") not in (None, 0):
            return str(payload["retCode"]), str(payload.get("retMsg", ""))
        if status == 403:
            return "403", str(payload)[:200]
        return default_error_extractor(status, payload)

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None) -> Any:
        """Call an endpoint with this connector's category: GETs in the query, POSTs as the JSON body."""
        args = {"category": self.category, **(params or {})}
        if endpoint.method == "GET":
            answer = await self.rest.call(endpoint, args)
        else:
            answer = await self.rest.call(endpoint, data=args)
        return answer["result"]

    def fee_asset(self, trading_pair: str) -> str:
        """The fee asset when an execution names none: the quote (the settle coin on linear)."""
        return trading_pair.split("-")[1]

    async def _fetch_server_time(self) -> float:
        result = (await self.rest.call(SERVER_TIME))["result"]
        return int(result["timeNano"]) / 1e9

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        rules: list[tuple[str, TradingRule]] = []
        params: dict[str, Any] = {"limit": 1000}
        for _ in range(MAX_INSTRUMENT_PAGES):
            result = await self._call(INSTRUMENTS, params)
            for info in result["list"]:
                rule = self._instrument_rule(info) if info.get("status") == "Trading" else None
                if rule is not None:
                    rules.append((info["symbol"], rule))
            if not result["list"] or not result.get("nextPageCursor"):
                break
            params["cursor"] = result["nextPageCursor"]
        return rules

    def _instrument_rule(self, info: Mapping[str, Any]) -> TradingRule | None:
        """A spot instruments-info entry. minOrderQty is no longer checked: the minimum is the value
        minOrderAmt; sizes step by basePrecision; limit and market orders have their own maximum."""
        lot = info["lotSizeFilter"]
        step = Decimal(lot["basePrecision"])
        return TradingRule(
            f"{info['baseCoin']}-{info['quoteCoin']}",
            min_order_size=step,
            max_order_size=optional_decimal(lot.get("maxLimitOrderQty") or lot.get("maxOrderQty")),
            min_price_increment=Decimal(info["priceFilter"]["tickSize"]),
            min_base_amount_increment=step,
            min_notional=optional_decimal(lot.get("minOrderAmt")) or Decimal(0),
            max_market_order_size=optional_decimal(lot.get("maxMarketOrderQty")),
        )

    async def _fetch_balances(self) -> list[Balance]:
        result = await self.rest.call(WALLET, {"accountType": "UNIFIED"})
        return [parse_coin(coin) for account in result["result"]["list"] for coin in account.get("coin", ())]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a call means: by orderId once acknowledged, else by orderLinkId."""
        ref = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"orderId": order.exchange_order_id}
        return ref | {"orderLinkId": order.client_order_id}

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        body: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": side(order.trade_type),
            "orderType": "Market" if order.order_type is OrderType.MARKET else "Limit",
            "qty": fmt(order.amount), "orderLinkId": order.client_order_id,
        }
        if order.order_type.is_limit and order.price is not None:
            # A market order is always IOC on Bybit: no timeInForce is sent for it.
            body["price"] = fmt(order.price)
            body["timeInForce"] = "PostOnly" if order.order_type is OrderType.LIMIT_MAKER else order.time_in_force.value
        return body | self._order_extras(order)

    def _order_extras(self, order: InFlightOrder) -> dict[str, Any]:
        # A spot market buy's qty is in the quote coin unless told otherwise; public amounts are base.
        if order.order_type is OrderType.MARKET:
            return {"marketUnit": "quoteCoin" if order.quote_amount is not None else "baseCoin"}
        return {}

    def _ack(self, order: InFlightOrder, result: Mapping[str, Any], state: OrderState) -> OrderUpdate:
        """place, amend and cancel answer only {orderId, orderLinkId}: the request was accepted and the
        outcome comes on the stream (or from polling)."""
        return OrderUpdate(order.trading_pair, time.time(), state, result.get("orderLinkId") or order.client_order_id,
                           str(result.get("orderId") or order.exchange_order_id or "") or None)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        return self._ack(order, await self._call(PLACE_ORDER, self._order_body(order)), OrderState.OPEN), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        results: list[Placement | ClobconnError] = []
        for start in range(0, len(orders), self.batch_size):
            chunk = orders[start:start + self.batch_size]
            requests = [self._order_body(order) for order in chunk]
            answer = await self.rest.call(BATCH_PLACE, data={"category": self.category, "request": requests})
            # result.list and retExtInfo.list hold one entry per order, in order.
            acks, codes = answer["result"]["list"], answer["retExtInfo"]["list"]
            for order, ack, status in zip(chunk, acks, codes, strict=True):
                code, message = str(status["code"]), str(status.get("msg", ""))
                if code != "0":
                    error_cls = error_class_for(self.spec.error_table, code, message, 200)
                    results.append(error_cls(f"batch order refused: {message}", venue_code=code,
                                             venue_message=message))
                else:
                    results.append((self._ack(order, ack, OrderState.OPEN), []))
        return results

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        # Bybit amends in place (SPEC.amend_in_place): only what changes is sent; qty is the new total.
        body = self._order_ref(order)
        if replacement.price is not None and replacement.price != order.price:
            body["price"] = fmt(replacement.price)
        if replacement.amount != order.amount:
            body["qty"] = fmt(replacement.amount)
        state = order.state if order.is_open else OrderState.OPEN
        return self._ack(order, await self._call(AMEND_ORDER, body), state), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # "Order does not exist" maps to OrderNotFound through the error table.
        return self._ack(order, await self._call(CANCEL_ORDER, self._order_ref(order)), OrderState.CANCELED)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        result = await self._call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        return [OrderUpdate(trading_pair, time.time(), OrderState.CANCELED, row.get("orderLinkId") or None,
                            str(row["orderId"])) for row in result.get("list", ())]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        # order/realtime knows open orders and the last 500 closed ones (until a venue restart);
        # older or restart-cleared ones are only in order/history.
        for endpoint in (OPEN_ORDERS, ORDER_HISTORY):
            rows = (await self._call(endpoint, self._order_ref(order)))["list"]
            if rows:
                return parse_order(order.trading_pair, rows[0])
        raise OrderNotFound(f"{self.name}: {order.client_order_id} is unknown to Bybit")

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # Without an order id, order/realtime lists the symbol's open orders only (openOnly 0).
        params = {"symbol": self.exchange_symbol(trading_pair), "openOnly": 0, "limit": 50}
        return [parse_order(trading_pair, row) for row in (await self._call(OPEN_ORDERS, params))["list"]]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        # With startTime alone the venue answers the 7 days from it.
        params = {"symbol": self.exchange_symbol(trading_pair), "startTime": int(since * 1000), "limit": 50}
        return [parse_order(trading_pair, row) for row in (await self._call(ORDER_HISTORY, params))["list"]]

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        rows = (await self._call(EXECUTIONS, self._order_ref(order) | {"limit": 100}))["list"]
        fee_asset = self.fee_asset(order.trading_pair)
        return [parse_fill(order.trading_pair, row, fee_asset) for row in rows
                if row.get("execType", "Trade") == "Trade"]
