"""KucoinExchange: KuCoin spot over REST (HF order endpoints) with bullet-token WebSocket streams.

https://www.kucoin.com/docs-new/doc-338144 (signing), /3470188 (HF add order) and the rest of the
spot "Order" section. ``KucoinBase`` holds what the futures connector does the same way on its host:
the ``{"code", "data"}`` envelope, signing, the server clock and fills fetched after a match.
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
    TradeFee,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, OrderNotFound, error_class_for
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.validation import problem_with
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.exchange.kucoin.auth import KucoinAuth
from clobconn.exchange.kucoin.constants import (
    ACCOUNTS,
    ACTIVE_ORDERS,
    AMEND_ORDER,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    DONE_ORDERS,
    FILLS,
    ORDER_BY_CLIENT_ID,
    ORDER_BY_ID,
    PLACE_ORDER,
    SERVER_TIME,
    SPEC,
    SUCCESS_CODE,
    SYMBOLS,
)
from clobconn.exchange.kucoin.order_book_data_source import KucoinOrderBookDataSource
from clobconn.exchange.kucoin.user_stream_data_source import KucoinUserStreamDataSource

_ZERO = Decimal(0)



def done_state(filled: Decimal, cancelled: Decimal) -> OrderState:
    """How a finished order ended: anything cancelled (an IOC remainder too) is a cancel."""
    return OrderState.CANCELED if cancelled > 0 else OrderState.FILLED


def live_state(filled: Decimal) -> OrderState:
    return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN


class KucoinBase(ExchangeBase):
    """What KuCoin spot and futures share; each names its own server-time endpoint."""

    server_time_endpoint: ClassVar[Endpoint] = SERVER_TIME

    def _create_auth(self) -> KucoinAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None and config.passphrase is not None
        return KucoinAuth(config.api_key, config.api_secret, config.passphrase, self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # Refusals may come with HTTP 200: the body's code says whether a call succeeded.
        if isinstance(payload, Mapping) and "code" in payload and str(payload["code"]) != SUCCESS_CODE:
            return str(payload["code"]), str(payload.get("msg", ""))
        return default_error_extractor(status, payload)

    async def _call(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None, body: Any = None,
                    path_arg: str | None = None) -> Any:
        """One call, unwrapped from ``{"code": "200000", "data": ...}``; ``path_arg`` fills the path's {}."""
        path = endpoint.path.format(path_arg) if path_arg is not None else endpoint.path
        answer = await self.rest.request(endpoint.method, path, params=params, data=body, signed=endpoint.signed,
                                         limit_id=endpoint.limit_id)
        return answer["data"]

    async def _fetch_server_time(self) -> float:
        return float(await self._call(self.server_time_endpoint)) / 1000

    def _refusal(self, message: str) -> ClobconnError:
        """A batch entry's refusal: it carries only a message, read like a 400100 parameter error."""
        return error_class_for(self.spec.error_table, "400100", message, 400)(
            f"batch order refused: {message}", venue_message=message)

    def client_id_for(self, client_oid: str | None, exchange_id: str) -> str | None:
        """The tracked client id of ``exchange_id``.

        An amended order keeps its original clientOid at KuCoin but is tracked here as the
        replacement, with its own client id: its exchange id says which order a message is about.
        """
        # A clientOid that is not a string goes into the update as it came, for validation to refuse.
        tracked = self.orders.find(client_oid) if client_oid and isinstance(client_oid, str) else None
        if tracked is not None and tracked.exchange_order_id not in (None, exchange_id):
            owner = self.orders.find(exchange_order_id=exchange_id)
            return owner.client_order_id if owner is not None else None
        return client_oid

    def fetch_fills_soon(self, update: OrderUpdate) -> None:
        """Fetch an order's fills now: the stream's match events have no fee, REST fills do."""
        if problem_with(update) is not None:
            return  # the user stream refuses (and logs) the update itself
        self._spawn(self._fetch_fills_of(update), f"fills:{update.exchange_order_id}", quiet=ClobconnError)

    async def _fetch_fills_of(self, update: OrderUpdate) -> None:
        order = self.orders.find(update.client_order_id, update.exchange_order_id)
        if order is not None and order.exchange_order_id is not None:
            await self.order_lifecycle.fetch_fills(order)


def parse_symbol(data: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/v2/symbols."""
    return TradingRule(
        f"{data['baseCurrency']}-{data['quoteCurrency']}",
        min_order_size=Decimal(data["baseMinSize"]),
        max_order_size=Decimal(data["baseMaxSize"]),
        min_price_increment=Decimal(data["priceIncrement"]),
        min_base_amount_increment=Decimal(data["baseIncrement"]),
        min_notional=Decimal(data.get("minFunds") or data["quoteMinSize"]),
        max_notional=Decimal(data["quoteMaxSize"]),
    )


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The HF order object: GET /api/v1/hf/orders/{orderId}, /client-order/{clientOid}, /active, /done."""
    filled = Decimal(data["dealSize"])
    state = live_state(filled) if data["active"] else done_state(
        filled, Decimal(data["cancelledSize"]) + Decimal(data.get("cancelledFunds") or 0))
    return OrderUpdate(trading_pair, data["lastUpdatedAt"] / 1000, state, data["clientOid"], str(data["id"]),
                       executed_amount=filled)


def parse_sync_result(order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate:
    """The answers of the sync place, batch place and cancel endpoints: sizes and open/done."""
    filled = Decimal(data["dealSize"])
    state = live_state(filled) if data["status"] == "open" else done_state(filled, Decimal(data["canceledSize"]))
    return OrderUpdate(order.trading_pair, data.get("matchTime", time.time() * 1000) / 1000, state,
                       order.client_order_id, data.get("orderId") or order.exchange_order_id, executed_amount=filled)


def parse_fill(order: InFlightOrder, data: Mapping[str, Any]) -> TradeUpdate:
    """An item of GET /api/v1/hf/fills."""
    return TradeUpdate(str(data["tradeId"]), order.trading_pair, Decimal(data["price"]), Decimal(data["size"]),
                       Decimal(data["funds"]), TradeFee.flat(data["feeCurrency"], Decimal(data["fee"])),
                       data["createdAt"] / 1000, order.client_order_id, str(data["orderId"]),
                       is_maker=data["liquidity"] == "maker")


class KucoinExchange(KucoinBase):
    spec = SPEC
    order_book_data_source_class = KucoinOrderBookDataSource
    user_stream_data_source_class = KucoinUserStreamDataSource

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        return [(s["symbol"], parse_symbol(s)) for s in await self._call(SYMBOLS) if s["enableTrading"]]

    async def _fetch_balances(self) -> list[Balance]:
        # The trade account is the one HF orders spend from; one per currency.
        return [Balance(a["currency"], Decimal(a["balance"]), Decimal(a["available"]))
                for a in await self._call(ACCOUNTS, {"type": "trade"})]

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        body: dict[str, Any] = {"clientOid": order.client_order_id, "symbol": self.exchange_symbol(order.trading_pair),
                                "side": order.trade_type.value.lower()}
        if order.order_type is OrderType.MARKET:
            body["type"] = "market"
            if order.quote_amount is not None:
                body["funds"] = fmt(order.quote_amount)
            else:
                body["size"] = fmt(order.amount)
            return body
        assert order.price is not None
        # LIMIT_MAKER is a limit order with postOnly; the core refused post-only IOC/FOK already.
        return body | {"type": "limit", "price": fmt(order.price), "size": fmt(order.amount),
                       "timeInForce": order.time_in_force.value,
                       "postOnly": order.order_type is OrderType.LIMIT_MAKER}

    def _placed(self, order: InFlightOrder, data: Mapping[str, Any]) -> Placement:
        update = parse_sync_result(order, data)
        if update.executed_amount:
            # The answer says how much traded but not at what fee: the fills come from REST.
            self.fetch_fills_soon(update)
        return update, []

    async def _place_order(self, order: InFlightOrder) -> Placement:
        return self._placed(order, await self._call(PLACE_ORDER, body=self._order_body(order)))

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        results: dict[str, Placement | ClobconnError] = {}
        by_pair: dict[str, list[InFlightOrder]] = {}
        for order in orders:
            if order.order_type is OrderType.MARKET:
                # The batch endpoint takes limit orders only.
                try:
                    results[order.client_order_id] = await self._place_order(order)
                except ClobconnError as exc:
                    results[order.client_order_id] = exc
            else:
                by_pair.setdefault(order.trading_pair, []).append(order)
        for group in by_pair.values():
            for start in range(0, len(group), BATCH_SIZE):
                chunk = group[start:start + BATCH_SIZE]
                answers = await self._call(BATCH_ORDERS, body={"orderList": [self._order_body(o) for o in chunk]})
                for order, answer in zip(chunk, answers, strict=True):
                    results[order.client_order_id] = (self._placed(order, answer) if answer.get("success")
                                                      else self._refusal(str(answer.get("failMsg", ""))))
        return [results[order.client_order_id] for order in orders]

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # By client id, so an order whose placement answer was lost can be cancelled too.
        data = await self._call(CANCEL_ORDER, {"symbol": self.exchange_symbol(order.trading_pair)},
                                path_arg=order.client_order_id)
        return parse_sync_result(order, data)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        await self._call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        # The answer is just "success"; the core asks each tracked order how it ended.
        return []

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        # KuCoin cancels the order and places a new one with a new orderId (and the old clientOid).
        # newSize is the order's whole size: what already traded plus what is to rest.
        assert order.exchange_order_id is not None and replacement.price is not None
        body = {"symbol": self.exchange_symbol(order.trading_pair), "orderId": order.exchange_order_id,
                "newPrice": fmt(replacement.price),
                "newSize": fmt(order.executed_amount_base + replacement.amount)}
        data = await self._call(AMEND_ORDER, body=body)
        return OrderUpdate(replacement.trading_pair, time.time(), OrderState.OPEN, replacement.client_order_id,
                           str(data["newOrderId"])), []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        params = {"symbol": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            data = await self._call(ORDER_BY_ID, params, path_arg=order.exchange_order_id)
        else:
            data = await self._call(ORDER_BY_CLIENT_ID, params, path_arg=order.client_order_id)
        if not data:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} not found")
        return parse_order(order.trading_pair, data)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        data = await self._call(ACTIVE_ORDERS, {"symbol": self.exchange_symbol(trading_pair)})
        return [parse_order(trading_pair, item) for item in data or ()]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"symbol": self.exchange_symbol(trading_pair), "startAt": int(since * 1000), "limit": 100}
        data = await self._call(DONE_ORDERS, params)
        return [parse_order(trading_pair, item) for item in (data or {}).get("items", ())]

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        data = await self._call(FILLS, {"symbol": self.exchange_symbol(order.trading_pair),
                                        "orderId": order.exchange_order_id, "limit": 100})
        return [parse_fill(order, item) for item in data["items"]]
