"""CubeExchange: markets, balances and order listings over the IR REST API; orders placed, amended and
cancelled on the order socket (/os, the user stream), each awaiting the answer that echoes its request id.
https://cubexch.gitbook.io/cube-api (exchange-info: the IR API; websocket-trade-api: trade.proto)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ExchangeError, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.endpoints import Endpoint
from clobconn.exchange.cube import constants as cube
from clobconn.exchange.cube import parsers as parse
from clobconn.exchange.cube.auth import CubeAuth
from clobconn.exchange.cube.order_book_data_source import CubeOrderBookDataSource
from clobconn.exchange.cube.parsers import Asset, Market
from clobconn.exchange.cube.user_stream_data_source import CubeUserStreamDataSource, encode_order_request


class CubeExchange(ExchangeBase):
    spec = cube.SPEC
    order_book_data_source_class = CubeOrderBookDataSource
    user_stream_data_source_class = CubeUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Filled by every trading-rules load: the sources read them through CubeView.
        self.markets: dict[str, Market] = {}
        self.markets_by_id: dict[int, Market] = {}
        self.assets: dict[int, Asset] = {}
        super().__init__(*args, **kwargs)

    def _create_auth(self) -> CubeAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return CubeAuth(self.config.api_key, self.config.api_secret, self.time_sync.time)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # {"error": {"code": "E10000", "reason": "..."}}; Cube publishes no list of codes.
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if isinstance(error, Mapping):
            return error.get("code"), str(error.get("reason", ""))
        return None if status < 400 else (None, str(payload)[:500])

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        self.assets, markets = parse.parse_markets((await self.rest.call(cube.MARKETS))["result"])
        self.markets = {market.trading_pair: market for market, _ in markets}
        self.markets_by_id = {market.market_id: market for market, _ in markets}
        return [(market.symbol, rule) for market, rule in markets]

    async def _fetch_account_context(self) -> dict[str, str]:
        """The subaccount every order and balance names: the key's first (the primary one)."""
        ids = (await self.rest.call(cube.SUBACCOUNTS))["result"]["ids"]
        if not ids:
            raise ExchangeError(f"{self.name}: the API key has no subaccount")
        return {"subaccount_id": str(ids[0])}

    async def _subaccount(self) -> str:
        return (await self.account_context())["subaccount_id"]

    async def _private(self, endpoint: Endpoint, params: dict[str, Any] | None = None) -> Any:  # an IR user call
        path_values = {"subaccount_id": await self._subaccount()}
        return (await self.rest.call(endpoint, params, path_values=path_values))["result"]

    async def _fetch_balances(self) -> list[Balance]:
        """The positions' ``amount`` (raw units) is the total; what orders lock comes on the socket."""
        positions = (await self._private(cube.POSITIONS)).get(await self._subaccount(), {})
        entries = [(self.assets.get(int(e["assetId"])), e) for e in positions.get("inner", ())
                   if e.get("accountingType", "asset") == "asset"]
        return [Balance.from_wallet(asset.symbol, asset.from_raw(e["amount"]), self.balances.get(asset.symbol))
                for asset, e in entries if asset is not None]

    async def _order_request(self, kind: str, trading_pair: str, body: dict[str, Any], expected: str,
                             what: str) -> Mapping[str, Any]:
        """Send one OrderRequest on /os for the pair's market and return the body of the answer that echoes
        its request id when it is ``expected``; a reject raises the typed error of its reason."""
        request_id = self.stream_requests.next_id()
        body |= {"request_id": str(request_id), "subaccount_id": await self._subaccount(),
                 "market_id": str(self.markets[trading_pair].market_id)}
        answer: dict[str, Mapping[str, Any]] = await self.stream_requests.request(
            request_id, encode_order_request({kind: body}), what)
        ((answer_kind, answer_body),) = answer.items()
        reason = answer_body.get("reason")
        if answer_kind != expected or (kind == "mc" and reason is not None):
            reason = str(reason or "UNCLASSIFIED")
            raise refusal_error(self.spec.error_table, reason, reason, f"{self.name} {what} refused")
        return answer_body

    async def _place_order(self, order: InFlightOrder) -> Placement:
        market = self.markets[order.trading_pair]
        new: dict[str, Any] = {
            "client_order_id": order.client_order_id, "quantity": str(market.quantity_units(order.amount)),
            "side": cube.BID if order.trade_type is TradeType.BUY else cube.ASK, "post_only": _post_only(order)}
        if order.order_type is OrderType.MARKET:
            new |= {"order_type": cube.MARKET_ORDER_TYPE, "time_in_force": cube.TIME_IN_FORCE[TimeInForce.IOC]}
        else:
            assert order.price is not None
            new |= {"order_type": "LIMIT", "time_in_force": cube.TIME_IN_FORCE[order.time_in_force],
                    "price": str(market.price_units(order.price))}
        ack = await self._order_request("new", order.trading_pair, new, "new_ack", f"order {order.client_order_id}")
        return parse.answer_update("new_ack", ack, order.trading_pair), []

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """ModifyOrder: the new price and the new total quantity (the venue subtracts what has filled)."""
        market = self.markets[order.trading_pair]
        assert replacement.price is not None
        modify = {"client_order_id": order.client_order_id, "new_price": str(market.price_units(replacement.price)),
                  "new_quantity": str(market.quantity_units(replacement.amount)), "post_only": _post_only(order)}
        ack = await self._order_request("modify", order.trading_pair, modify, "modify_ack",
                                        f"amend of {order.client_order_id}")
        cumulative = market.quantity(ack["cumulative_quantity"])
        return OrderUpdate(order.trading_pair, parse.nanos(ack["transact_time"]),
                           parse.executed_state(cumulative, market.quantity(ack["remaining_quantity"])),
                           order.client_order_id, str(ack["exchange_order_id"]), executed_amount=cumulative), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        ack = await self._order_request("cancel", order.trading_pair, {"client_order_id": order.client_order_id},
                                        "cancel_ack", f"cancel of {order.client_order_id}")
        return parse.answer_update("cancel_ack", ack, order.trading_pair)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """MassCancel on the pair's market: a CancelOrderAck per order follows on the socket."""
        await self._order_request("mc", trading_pair, {}, "mass_cancel_ack", f"cancel-all on {trading_pair}")
        return []

    async def _listed_orders(self, trading_pair: str, wanted: Callable[[Mapping[str, Any]], bool]) -> list[OrderUpdate]:
        """The subaccount's most recent orders (newest first) on the pair's market that are ``wanted``."""
        market, rows = self.markets[trading_pair], (await self._private(cube.ORDERS, {"limit": cube.ORDERS_LIMIT}))
        return [parse.listed_order(market, row) for row in rows["orders"]
                if int(row["marketId"]) == market.market_id and wanted(row)]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        # A client order id is unique among open orders only: the exchange id, once known, settles it.
        for update in await self._listed_orders(order.trading_pair, lambda _: True):
            if update.client_order_id == order.client_order_id and order.exchange_order_id in (
                    None, update.exchange_order_id):
                return update
        raise OrderNotFound(f"{self.name}: order {order.client_order_id} is not among the recent orders")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        fills = (await self._private(cube.FILLS, {"orderIds": order.exchange_order_id}))["fills"]
        return parse.listed_fills(self.markets[order.trading_pair], self.assets, fills, order.client_order_id)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return await self._listed_orders(trading_pair, lambda row: row["status"] in cube.OPEN_STATUSES)

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        return await self._listed_orders(trading_pair, lambda row: row["status"] not in cube.OPEN_STATUSES and (
            parse.nanos(row["createdAt"]) >= since))


def _post_only(order: InFlightOrder) -> str:  # PostOnly, trade.proto
    return "ENABLED" if order.order_type is OrderType.LIMIT_MAKER else "DISABLED"
