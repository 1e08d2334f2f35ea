"""KrakenExchange: the Kraken spot REST API (https://docs.kraken.com/api/docs/rest-api/add-order and on).

Request builders and response parsers only: validation, tracking, polling, retries and the streams are
the core's. Every answer is ``{"error": [...], "result": ...}``, refusals in HTTP 200 with the error
strings filled. Private calls are POSTs of a form body carrying the nonce (AddOrderBatch: JSON).
Pairs are named three ways: users write BTC-USD, the v2 WebSocket BTC/USD (the core's symbol map),
and REST requests and answers the pair's altname (XBTUSD) or its legacy key (XXBTZUSD).
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
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.orders.batches import BatchResult, place_in_batches
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt
from clobconn.core.web.rest import default_error_extractor
from clobconn.exchange.kraken import constants
from clobconn.exchange.kraken.auth import KrakenAuth
from clobconn.exchange.kraken.order_book_data_source import KrakenOrderBookDataSource
from clobconn.exchange.kraken.parsers import common_asset, parse_balances, parse_fill, parse_order
from clobconn.exchange.kraken.user_stream_data_source import KrakenUserStreamDataSource


def parse_asset_pair(pair: Mapping[str, Any], altnames: Mapping[str, str]) -> tuple[str, TradingRule]:
    """An AssetPairs entry: (v2 symbol, rule). ``wsname`` is "XBT/USD"; the v2 streams say "BTC/USD"."""
    base, quote = (common_asset(name, altnames) for name in pair["wsname"].split("/"))
    return f"{base}/{quote}", TradingRule(
        f"{base}-{quote}",
        min_order_size=Decimal(pair["ordermin"]),
        min_price_increment=Decimal(pair.get("tick_size") or Decimal(1).scaleb(-int(pair["pair_decimals"]))),
        min_base_amount_increment=Decimal(1).scaleb(-int(pair["lot_decimals"])),
        min_notional=Decimal(pair.get("costmin") or 0),
    )


class KrakenExchange(ExchangeBase):
    spec = constants.SPEC
    order_book_data_source_class = KrakenOrderBookDataSource
    user_stream_data_source_class = KrakenUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Asset code -> altname (XXBT -> XBT), from Assets; and the pairs' REST names both ways.
        self._altnames: dict[str, str] = {}
        self._rest_pair: dict[str, str] = {}
        self._pair_of_rest: dict[str, str] = {}

    def _create_auth(self) -> KrakenAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return KrakenAuth(self.config.api_key, self.config.api_secret)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if isinstance(payload, dict) and isinstance(payload.get("error"), list) and payload["error"]:
            errors = [str(error) for error in payload["error"]]
            return errors[0], "; ".join(errors)
        # A gateway refusal (429, 5xx) with no error list: the core maps it by its status.
        return default_error_extractor(status, payload)

    async def _call(self, endpoint: Endpoint, body: dict[str, Any] | None = None, form: bool = True) -> Any:
        answer = await self.rest.request(endpoint.method, endpoint.path, data=body, signed=endpoint.signed,
                                         limit_id=endpoint.limit_id, form=form)
        return answer["result"]

    async def _fetch_server_time(self) -> float:
        return float((await self.rest.call(constants.SERVER_TIME))["result"]["unixtime"])

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        assets = (await self.rest.call(constants.ASSETS))["result"]
        self._altnames = {code: str(asset["altname"]) for code, asset in assets.items()}
        rules: list[tuple[str, TradingRule]] = []
        for key, pair in (await self.rest.call(constants.ASSET_PAIRS))["result"].items():
            # Only "online" pairs take every order type; cancel_only, post_only, limit_only and
            # reduce_only ones are left out of the symbol map.
            if pair.get("status", "online") != "online" or "wsname" not in pair:
                continue
            symbol, rule = parse_asset_pair(pair, self._altnames)
            rules.append((symbol, rule))
            self._rest_pair[rule.trading_pair] = pair["altname"]
            self._pair_of_rest |= {pair["altname"]: rule.trading_pair, key: rule.trading_pair}
        return rules

    async def _fetch_balances(self) -> list[Balance]:
        return parse_balances(await self._call(constants.BALANCES), self._altnames)

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel or amend means: its txid once acknowledged, else its cl_ord_id."""
        if order.exchange_order_id is not None:
            return {"txid": order.exchange_order_id}
        return {"cl_ord_id": order.client_order_id}

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as AddOrder and AddOrderBatch's ``orders`` take it."""
        params: dict[str, Any] = {"ordertype": "market" if order.order_type is OrderType.MARKET else "limit",
                                  "type": order.trade_type.value.lower(), "volume": fmt(order.amount),
                                  "cl_ord_id": order.client_order_id}
        if order.price is not None and order.order_type is not OrderType.MARKET:
            params |= {"price": fmt(order.price), "timeinforce": order.time_in_force.value}
            if order.order_type is OrderType.LIMIT_MAKER:
                params["oflags"] = "post"
        return params

    def _ack(self, order: InFlightOrder, txid: str) -> OrderUpdate:
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id, txid)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        """AddOrder answers the txid only: the state and fills come on ``executions`` or from polling."""
        body = self._order_params(order) | {"pair": self._rest_pair[order.trading_pair]}
        return self._ack(order, (await self._call(constants.PLACE_ORDER, body))["txid"][0]), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        """AddOrderBatch: 2 to 15 orders of one pair a request (a lone order goes through AddOrder)."""
        return await place_in_batches(orders, constants.MAX_BATCH, self._send_batch, one_pair=True)

    async def _send_batch(self, orders: list[InFlightOrder]) -> list[BatchResult]:
        if len(orders) == 1:
            return [await self._place_order(orders[0])]
        body = {"pair": self._rest_pair[orders[0].trading_pair],
                "orders": [self._order_params(order) for order in orders]}
        answers = (await self._call(constants.BATCH_ORDERS, body, form=False))["orders"]
        results: list[BatchResult] = []
        for order, answer in zip(orders, answers, strict=True):
            if answer.get("error"):
                # One order refused: its error string is the code, as in a whole answer's "error" list.
                error = str(answer["error"])
                results.append(refusal_error(self.spec.error_table, error, error, "batch order refused"))
            else:
                results.append((self._ack(order, answer["txid"]), []))
        return results

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # An unknown or finished order answers "EOrder:Unknown order": OrderNotFound through the table.
        await self._call(constants.CANCEL_ORDER, self._order_ref(order))
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """AmendOrder changes the order in place (same txid and cl_ord_id; SPEC.amend_in_place):
        ``order_qty`` is the new total quantity, filled part included."""
        body = self._order_ref(order) | {"order_qty": fmt(replacement.amount)}
        if replacement.price is not None:
            body["limit_price"] = fmt(replacement.price)
        await self._call(constants.AMEND_ORDER, body)
        return OrderUpdate(order.trading_pair, time.time(), order.state, order.client_order_id,
                           order.exchange_order_id), []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """QueryOrders takes txids only: an order whose ack never came is looked for by its cl_ord_id
        among the open orders, then the closed ones (each entry checked, whatever the filter did)."""
        if order.exchange_order_id is not None:
            found = await self._call(constants.ORDER_STATUS, {"txid": order.exchange_order_id})
        else:
            by_client_id = {"cl_ord_id": order.client_order_id}
            found = {**(await self._call(constants.OPEN_ORDERS, by_client_id))["open"],
                     **(await self._call(constants.ORDER_HISTORY, by_client_id))["closed"]}
            found = {txid: info for txid, info in found.items() if info.get("cl_ord_id") == order.client_order_id}
        for txid, info in found.items():
            return parse_order(order.trading_pair, txid, info)
        raise OrderNotFound(f"{self.name}: order {order.client_order_id} not found")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        """TradesHistory since the order was created, keeping this order's trades (the endpoint filters
        by time only; 50 trades a page is plenty for one order's lifetime)."""
        if order.exchange_order_id is None:
            return []
        trades = (await self._call(constants.FILLS, {"start": int(order.creation_timestamp) - 1}))["trades"]
        return [parse_fill(order.trading_pair, trade_txid, row, order.client_order_id)
                for trade_txid, row in trades.items() if row["ordertxid"] == order.exchange_order_id]

    def _orders_of_pair(self, trading_pair: str, listing: Mapping[str, Mapping[str, Any]]) -> list[OrderUpdate]:
        return [parse_order(trading_pair, txid, info) for txid, info in listing.items()
                if self._pair_of_rest.get(info["descr"]["pair"]) == trading_pair]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return self._orders_of_pair(trading_pair, (await self._call(constants.OPEN_ORDERS))["open"])

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        closed = (await self._call(constants.ORDER_HISTORY, {"start": int(since)}))["closed"]
        return self._orders_of_pair(trading_pair, closed)
