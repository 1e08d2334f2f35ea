"""CubeExchange: Cube spot. Markets, balances and order listings over the IR REST API; orders placed,
amended and cancelled over the order socket (/os), each request awaiting the answer that echoes its id.

https://cubexch.gitbook.io/cube-api (exchange-info: the IR API; websocket-trade-api: trade.proto)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, ExchangeError, OrderNotFound, refusal_error
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.socket_requests import SocketRequests
from clobconn.exchange.cube.auth import CubeAuth
from clobconn.exchange.cube.constants import (
    ASK,
    BID,
    FILLS,
    MARKET_ORDER_TYPE,
    MARKETS,
    OPEN_STATUSES,
    ORDERS,
    ORDERS_LIMIT,
    POSITIONS,
    SPEC,
    SUBACCOUNTS,
    TIME_IN_FORCE,
)
from clobconn.exchange.cube.markets import Asset, Market, parse_markets
from clobconn.exchange.cube.order_book_data_source import CubeOrderBookDataSource
from clobconn.exchange.cube.parsers import answer_update, executed_state, listed_fills, listed_order, nanos
from clobconn.exchange.cube.user_stream_data_source import CubeUserStreamDataSource, encode_order_request


class CubeExchange(ExchangeBase):
    spec = SPEC
    order_book_data_source_class = CubeOrderBookDataSource
    user_stream_data_source_class = CubeUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Filled by every trading-rules load: the sources read them through CubeView.
        self.markets: dict[str, Market] = {}
        self.markets_by_id: dict[int, Market] = {}
        self.assets: dict[int, Asset] = {}
        super().__init__(*args, **kwargs)
        # An answer on the socket is awaited as long as a REST answer would be.
        self.order_socket = SocketRequests(f"{self.name} order socket", self._send_on_order_socket,
                                           self.config.request_timeout)

    def _create_auth(self) -> CubeAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return CubeAuth(self.config.api_key, self.config.api_secret, self.time_sync.time)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # {"error": {"code": "E10000", "reason": "..."}}; Cube publishes no list of codes.
        error = payload.get("error") if isinstance(payload, Mapping) else None
        if status < 400 and not error:
            return None
        if isinstance(error, Mapping):
            return error.get("code"), str(error.get("reason", ""))
        return None, str(payload)[:500]

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        self.assets, markets = parse_markets((await self.rest.call(MARKETS))["result"])
        self.markets = {market.trading_pair: market for market, _ in markets}
        self.markets_by_id = {market.market_id: market for market, _ in markets}
        return [(market.symbol, rule) for market, rule in markets]

    async def _fetch_account_context(self) -> dict[str, str]:
        """The subaccount every order and balance names: the key's first (the primary one)."""
        ids = (await self.rest.call(SUBACCOUNTS))["result"]["ids"]
        if not ids:
            raise ExchangeError(f"{self.name}: the API key has no subaccount")
        return {"subaccount_id": str(ids[0])}

    async def _subaccount(self) -> str:
        return (await self.account_context())["subaccount_id"]

    async def _fetch_balances(self) -> list[Balance]:
        """The positions' ``amount`` (raw units) is the total; what orders lock comes on the socket."""
        subaccount = await self._subaccount()
        result = (await self.rest.call(POSITIONS, path_values={"subaccount_id": subaccount}))["result"]
        balances = []
        for entry in result.get(subaccount, {}).get("inner", ()):
            asset = self.assets.get(int(entry["assetId"]))
            if asset is not None and entry.get("accountingType", "asset") == "asset":
                balances.append(Balance.from_wallet(asset.symbol, asset.from_raw(entry["amount"]),
                                                    self.balances.get(asset.symbol)))
        return balances

    # == the order socket ========================================================================

    async def _send_on_order_socket(self, payload: Any) -> bool:
        stream = self._user_stream
        return stream is not None and self._user_stream_live and await stream.send(payload)

    def _on_user_stream_down(self) -> None:
        # What the closed socket carried will never be answered on it.
        self.order_socket.connection_lost()
        super()._on_user_stream_down()

    async def _order_request(self, kind: str, body: dict[str, Any], what: str) -> tuple[str, Mapping[str, Any]]:
        """Send one OrderRequest and return the venue's answer to it: (its kind, its body)."""
        request_id = self.order_socket.next_id()
        body |= {"request_id": str(request_id), "subaccount_id": await self._subaccount()}
        answer = await self.order_socket.request(request_id, encode_order_request({kind: body}), what)
        ((answer_kind, answer_body),) = answer.items()
        return answer_kind, answer_body

    def _refusal(self, body: Mapping[str, Any], what: str) -> ClobconnError:
        reason = str(body.get("reason", "UNCLASSIFIED"))
        return refusal_error(self.spec.error_table, reason, reason, f"{self.name} {what} refused")

    async def _place_order(self, order: InFlightOrder) -> Placement:
        market = self.markets[order.trading_pair]
        new: dict[str, Any] = {
            "client_order_id": order.client_order_id, "market_id": str(market.market_id),
            "quantity": str(market.quantity_units(order.amount)),
            "side": BID if order.trade_type is TradeType.BUY else ASK,
            "post_only": "ENABLED" if order.order_type is OrderType.LIMIT_MAKER else "DISABLED",
        }
        if order.order_type is OrderType.MARKET:
            new |= {"order_type": MARKET_ORDER_TYPE, "time_in_force": TIME_IN_FORCE[TimeInForce.IOC]}
        else:
            assert order.price is not None
            new |= {"order_type": "LIMIT", "time_in_force": TIME_IN_FORCE[order.time_in_force],
                    "price": str(market.price_units(order.price))}
        kind, body = await self._order_request("new", new, f"order {order.client_order_id}")
        if kind != "new_ack":
            raise self._refusal(body, "order")
        return OrderUpdate(order.trading_pair, nanos(body["transact_time"]), OrderState.OPEN,
                           order.client_order_id, str(body["exchange_order_id"])), []

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """ModifyOrder: the new price and the new total quantity (the venue subtracts what has filled)."""
        market = self.markets[order.trading_pair]
        assert replacement.price is not None
        modify = {"market_id": str(market.market_id), "client_order_id": order.client_order_id,
                  "new_price": str(market.price_units(replacement.price)),
                  "new_quantity": str(market.quantity_units(replacement.amount)),
                  "post_only": "ENABLED" if order.order_type is OrderType.LIMIT_MAKER else "DISABLED"}
        kind, body = await self._order_request("modify", modify, f"amend of {order.client_order_id}")
        if kind != "modify_ack":
            raise self._refusal(body, "amend")
        cumulative = market.quantity(body["cumulative_quantity"])
        state = executed_state(cumulative, market.quantity(body["remaining_quantity"]))
        return OrderUpdate(order.trading_pair, nanos(body["transact_time"]), state, order.client_order_id,
                           str(body["exchange_order_id"]), executed_amount=cumulative), []

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        market = self.markets[order.trading_pair]
        cancel = {"market_id": str(market.market_id), "client_order_id": order.client_order_id}
        kind, body = await self._order_request("cancel", cancel, f"cancel of {order.client_order_id}")
        if kind != "cancel_ack":
            raise self._refusal(body, "cancel")
        return answer_update(kind, body, order.trading_pair)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """MassCancel on the pair's market: one CancelOrderAck per order follows on the socket."""
        mass_cancel = {"market_id": str(self.markets[trading_pair].market_id)}
        kind, body = await self._order_request("mc", mass_cancel, f"cancel-all on {trading_pair}")
        if kind != "mass_cancel_ack" or body.get("reason") is not None:
            raise self._refusal(body, "cancel-all")
        return []

    # == the IR order listing ====================================================================

    async def _listed_orders(self, trading_pair: str) -> list[Mapping[str, Any]]:
        """The subaccount's most recent orders on the pair's market, newest first."""
        subaccount = await self._subaccount()
        answer = await self.rest.call(ORDERS, {"limit": ORDERS_LIMIT}, path_values={"subaccount_id": subaccount})
        market_id = self.markets[trading_pair].market_id
        return [row for row in answer["result"]["orders"] if int(row["marketId"]) == market_id]

    async def _listed(self, order: InFlightOrder) -> Mapping[str, Any]:
        # A client order id is unique among open orders only: the exchange id, once known, settles it.
        for row in await self._listed_orders(order.trading_pair):
            if str(row["clientOrderId"]) == order.client_order_id and (
                    order.exchange_order_id in (None, str(row["orderId"]))):
                return row
        raise OrderNotFound(f"{self.name}: order {order.client_order_id} is not among the recent orders")

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        return listed_order(self.markets[order.trading_pair], await self._listed(order))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        answer = await self.rest.call(FILLS, {"orderIds": order.exchange_order_id},
                                      path_values={"subaccount_id": await self._subaccount()})
        return listed_fills(self.markets[order.trading_pair], self.assets, answer["result"]["fills"],
                            order.client_order_id)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        market = self.markets[trading_pair]
        return [listed_order(market, row) for row in await self._listed_orders(trading_pair)
                if row["status"] in OPEN_STATUSES]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        market = self.markets[trading_pair]
        return [listed_order(market, row) for row in await self._listed_orders(trading_pair)
                if row["status"] not in OPEN_STATUSES and nanos(row["createdAt"]) >= since]
