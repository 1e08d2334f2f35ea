"""OkxExchange: the OKX v5 REST API for spot (https://www.okx.com/docs-v5/en/#order-book-trading-trade), and
its private socket's ``order``/``cancel-order`` ops for order entry while that socket is connected
(https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-place-order, ...-ws-cancel-order).

Request builders and response parsers only: validation, tracking, polling, retries and the streams are
the core's. Every answer is ``{"code": "0", "msg": "", "data": [...]}``; refusals come with another
code, often in HTTP 200, and per-order outcomes as ``sCode``/``sMsg`` inside ``data``.
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
from clobconn.core.errors import ClobconnError, ExchangeError, OrderNotFound, error_class_for
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.login import login_op
from clobconn.core.orders.batches import batch_chunks
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.core.web.ws import WSConnection
from clobconn.core.web.ws_trading import Refusal, WSOrderRoute
from clobconn.exchange.okx.auth import OkxAuth
from clobconn.exchange.okx.constants import (
    AMEND_ORDER,
    BALANCES,
    BATCH_ORDERS,
    CANCEL_BATCH,
    CANCEL_ORDER,
    DEMO_DOMAINS,
    DEMO_HEADERS,
    FILLS,
    HEARTBEAT,
    INST_TYPE,
    INSTRUMENTS,
    MAX_BATCH,
    ORDER_STATUS,
    ORDER_TYPES,
    ORDERS_HISTORY,
    ORDERS_PENDING,
    PLACE_ORDER,
    PRIVATE_WS_PATH,
    SERVER_TIME,
    SPEC,
    TRADE_MODE,
)
from clobconn.exchange.okx.order_book_data_source import OkxOrderBookDataSource
from clobconn.exchange.okx.user_stream_data_source import (
    OkxUserStreamDataSource,
    parse_balances,
    parse_fill,
    parse_order,
)

SIDES = {TradeType.BUY: "buy", TradeType.SELL: "sell"}



def parse_instrument(instrument: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/v5/public/instruments?instType=SPOT. Sizes are in base for spot; there is no
    minimum notional. ``maxMktSz`` is in USDT for spot, so it is not a base-amount bound."""
    max_size = instrument.get("maxLmtSz")
    return TradingRule(
        f"{instrument['baseCcy']}-{instrument['quoteCcy']}",
        min_order_size=Decimal(instrument["minSz"]),
        max_order_size=Decimal(max_size) if max_size else None,
        min_price_increment=Decimal(instrument["tickSz"]),
        min_base_amount_increment=Decimal(instrument["lotSz"]),
    )


async def _ws_login(connector: OkxExchange, connection: WSConnection) -> None:
    # The private socket's login, as the user stream sends it; orders may be sent once it is acknowledged.
    frame = None if connector.auth is None else connector.auth.ws_login_payload()
    await login_op(connection, frame, connector.name, connector.spec.error_table)


def _ws_refusal(connector: OkxExchange, answer: Any) -> Refusal | None:
    # A socket answer is the REST answer with the request's "id" and "op": the same codes, read the same way.
    refused = connector._extract_error(200, answer)
    return None if refused is None else (200, *refused)


# Orders on the private socket (/ws/v5/private, after the login), each op's args the REST body.
WS_ORDER_ROUTE = WSOrderRoute(
    path=PRIVATE_WS_PATH, place_op="order", cancel_op="cancel-order",
    build_place=lambda connector, order, request_id: {"id": str(request_id), "op": "order",
                                                      "args": [connector._order_body(order)]},
    build_cancel=lambda connector, order, request_id: {"id": str(request_id), "op": "cancel-order",
                                                       "args": [connector._order_ref(order)]},
    answer_id=lambda message: message.get("id") if isinstance(message, dict) and "op" in message else None,
    refusal=_ws_refusal,
    read_placement=lambda connector, order, answer: (connector._ack(order, answer["data"][0], OrderState.OPEN), []),
    read_cancel=lambda connector, order, answer: connector._ack(order, answer["data"][0], OrderState.CANCELED),
    place_limit_id=PLACE_ORDER.limit_id, cancel_limit_id=CANCEL_ORDER.limit_id, heartbeat=HEARTBEAT,
    login=_ws_login,
)


class OkxExchange(ExchangeBase):
    spec = SPEC
    ws_order_route = WS_ORDER_ROUTE
    order_book_data_source_class = OkxOrderBookDataSource
    user_stream_data_source_class = OkxUserStreamDataSource

    @property
    def is_demo(self) -> bool:
        return self.domain in DEMO_DOMAINS

    def _create_auth(self) -> OkxAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None and config.passphrase is not None
        return OkxAuth(config.api_key, config.api_secret, config.passphrase, self.time_sync.time_ms, self.is_demo)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if not (isinstance(payload, dict) and "code" in payload):
            return default_error_extractor(status, payload)
        code = str(payload["code"])
        if code == "0":
            return None
        data = payload.get("data")
        if isinstance(data, list) and data and all(isinstance(d, dict) and "sCode" in d for d in data):
            if len(data) > 1:
                # A batch answers every order's outcome ("1" all failed, "2" some): the batch parser reads them.
                return None
            # One order refused: its sCode says why; the request's code ("1") only says that it failed.
            return str(data[0]["sCode"]), str(data[0].get("sMsg", ""))
        return code, str(payload.get("msg", ""))

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        headers = DEMO_HEADERS if self.is_demo else None
        answer = await self.rest.request(endpoint.method, endpoint.path, params=params, data=body,
                                         signed=endpoint.signed, limit_id=endpoint.limit_id, headers=headers)
        return answer["data"]

    def _refusal(self, entry: Mapping[str, Any]) -> ClobconnError:
        """A typed error for one order's ``sCode``/``sMsg`` inside a batch answer."""
        code, message = str(entry.get("sCode")), str(entry.get("sMsg", ""))
        cls = error_class_for(self.spec.error_table, code, message, 200)
        return cls(f"order {entry.get('clOrdId')} refused: {message}", venue_code=code, venue_message=message)

    async def _fetch_server_time(self) -> float:
        return int((await self._call(SERVER_TIME))[0]["ts"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # "suspend" and "test" instruments cannot take orders: leave them out of the symbol map.
        instruments = await self._call(INSTRUMENTS, params={"instType": INST_TYPE})
        return [(i["instId"], parse_instrument(i)) for i in instruments if i["state"] == "live"]

    async def _fetch_balances(self) -> list[Balance]:
        return [balance for account in await self._call(BALANCES) for balance in parse_balances(account)]

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or query means: by ordId once acknowledged, else by clOrdId."""
        ref = {"instId": self.exchange_symbol(order.trading_pair)}
        if order.exchange_order_id is not None:
            return ref | {"ordId": order.exchange_order_id}
        return ref | {"clOrdId": order.client_order_id}

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        body: dict[str, Any] = {
            "instId": self.exchange_symbol(order.trading_pair), "tdMode": TRADE_MODE,
            "clOrdId": order.client_order_id, "side": SIDES[order.trade_type],
            "ordType": ORDER_TYPES[(order.order_type, order.time_in_force)], "sz": fmt(order.amount),
        }
        if order.order_type is OrderType.MARKET:
            # A spot market buy is sized in quote by default: say which currency sz is in, always.
            body["tgtCcy"] = "quote_ccy" if order.quote_amount is not None else "base_ccy"
        else:
            assert order.price is not None
            body["px"] = fmt(order.price)
        return body

    def _ack(self, order: InFlightOrder, entry: Mapping[str, Any], state: OrderState) -> OrderUpdate:
        timestamp = int(entry.get("ts") or 0) / 1000 or time.time()
        return OrderUpdate(order.trading_pair, timestamp, state, entry.get("clOrdId") or order.client_order_id,
                           entry.get("ordId") or order.exchange_order_id)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # The ack carries no fills; they come on the "orders" channel or from GET /api/v5/trade/fills.
        entry = (await self._call(PLACE_ORDER, body=self._order_body(order)))[0]
        return self._ack(order, entry, OrderState.OPEN), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        results: list[Placement | ClobconnError] = []
        for chunk in batch_chunks(orders, MAX_BATCH):
            try:
                answer = await self._call(BATCH_ORDERS, body=[self._order_body(o) for o in chunk])
            except ExchangeError as exc:
                if len(chunk) > 1:
                    raise
                # A batch of one is refused like a single order, through its sCode.
                results.append(exc)
                continue
            entries = {entry.get("clOrdId"): entry for entry in answer}
            for order in chunk:
                entry = entries.get(order.client_order_id, {"sCode": None, "sMsg": "missing from the answer"})
                if str(entry.get("sCode")) == "0":
                    results.append((self._ack(order, entry, OrderState.OPEN), []))
                else:
                    results.append(self._refusal(entry))
        return results

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # sCode "0" means the venue accepted the cancel of a live order; a filled or already cancelled
        # order answers 51400, which the error table maps to OrderNotFound (polling then settles it).
        entry = (await self._call(CANCEL_ORDER, body=self._order_ref(order)))[0]
        return self._ack(order, entry, OrderState.CANCELED)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """No spot cancel-all exists (mass-cancel is for options): batch-cancel the pair's open orders,
        20 a request. Orders the answer refuses are left to the core, which asks each one's state."""
        targets = [o for o in self.orders.active.values() if o.trading_pair == trading_pair and o.is_open]
        updates: list[OrderUpdate] = []
        for chunk in batch_chunks(targets, MAX_BATCH):
            answer = await self._call(CANCEL_BATCH, body=[self._order_ref(o) for o in chunk])
            by_id = {entry.get("ordId"): entry for entry in answer} | {entry.get("clOrdId"): entry for entry in answer}
            for order in chunk:
                entry = by_id.get(order.exchange_order_id) or by_id.get(order.client_order_id)
                if entry is not None and str(entry.get("sCode")) == "0":
                    updates.append(self._ack(order, entry, OrderState.CANCELED))
        return updates

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """POST /api/v5/trade/amend-order changes the order in place (SPEC.amend_in_place): same ordId
        and clOrdId. ``newSz`` is the new total size, what already filled included."""
        assert replacement.price is not None
        body = self._order_ref(order) | {"newSz": fmt(replacement.amount), "newPx": fmt(replacement.price)}
        entry = (await self._call(AMEND_ORDER, body=body))[0]
        return self._ack(order, entry, order.state), []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        data = await self._call(ORDER_STATUS, params=self._order_ref(order))
        if not data:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} not found")
        return parse_order(order.trading_pair, data[0])

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        params = {"instType": INST_TYPE, "instId": self.exchange_symbol(order.trading_pair),
                  "ordId": order.exchange_order_id}
        rows = await self._call(FILLS, params=params)
        return [parse_fill(order.trading_pair, row) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        params = {"instType": INST_TYPE, "instId": self.exchange_symbol(trading_pair)}
        return [parse_order(trading_pair, data) for data in await self._call(ORDERS_PENDING, params=params)]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = {"instType": INST_TYPE, "instId": self.exchange_symbol(trading_pair), "begin": int(since * 1000)}
        return [parse_order(trading_pair, data) for data in await self._call(ORDERS_HISTORY, params=params)]
