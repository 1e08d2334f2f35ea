"""BinancePerpetualDerivative: Binance USDⓈ-M perpetuals over REST /fapi, with fstream's routed sockets;
orders are placed and cancelled over the WebSocket API (ws-fapi ``order.place``, ``order.cancel``) while
its socket is up.

https://developers.binance.com/docs/derivatives/usds-margined-futures
https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/websocket-api
Signing, rules, cancels, status and fills come from the spot connector's ``BinanceBase``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    Position,
    PositionMode,
    PositionSide,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, ExchangeError, refusal_error
from clobconn.core.exchange_base import Placement
from clobconn.core.orders.batches import place_in_batches
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.numbers import fmt
from clobconn.derivative.binance_perpetual.constants import (
    BATCH_ORDERS,
    BATCH_SIZE,
    INCOME,
    LEVERAGE,
    POSITION_MODE,
    POSITIONS,
    PREMIUM_INDEX,
    ROUTES,
    SET_POSITION_MODE,
    SPEC,
    WS_API_PATH,
)
from clobconn.derivative.binance_perpetual.order_book_data_source import BinancePerpetualOrderBookDataSource
from clobconn.derivative.binance_perpetual.user_stream_data_source import BinancePerpetualUserStreamDataSource
from clobconn.exchange.binance.exchange import BinanceBase, order_update, rule_from_filters, ws_api_order_route


class BinancePerpetualDerivative(PerpetualDerivativeBase, BinanceBase):
    spec = SPEC
    routes = ROUTES
    # Orders over the WS-API on ws-fapi (DomainUrls.trading_ws) while its socket is up, REST otherwise.
    ws_order_route = ws_api_order_route(WS_API_PATH, ROUTES)
    order_book_data_source_class = BinancePerpetualOrderBookDataSource
    user_stream_data_source_class = BinancePerpetualUserStreamDataSource

    def _symbol_rule(self, info: Mapping[str, Any]) -> TradingRule | None:
        """One exchangeInfo symbol: trading perpetual contracts only, no delivery futures."""
        if info.get("status") != "TRADING" or info.get("contractType") != "PERPETUAL":
            return None
        types = {OrderType(t) for t in info.get("orderTypes", ()) if t in (OrderType.LIMIT, OrderType.MARKET)}
        # Post-only is a LIMIT order with time in force GTX.
        if OrderType.LIMIT in types and "GTX" in info.get("timeInForce", ()):
            types.add(OrderType.LIMIT_MAKER)
        rule = rule_from_filters(f"{info['baseAsset']}-{info['quoteAsset']}", info["filters"], frozenset(types))
        # -4164: "Order's notional must be no smaller than ... (unless you choose reduce only)".
        return replace(rule, min_notional_exempts_reduce_only=True)

    async def _fetch_balances(self) -> list[Balance]:
        account = await self.rest.call(self.routes.balances)
        return [Balance(a["asset"], Decimal(a["walletBalance"]), Decimal(a["availableBalance"]))
                for a in account["assets"]]

    def _order_params(self, order: InFlightOrder) -> dict[str, str]:
        params = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": order.trade_type.value,
            "type": "MARKET" if order.order_type is OrderType.MARKET else "LIMIT", "quantity": fmt(order.amount),
            "newClientOrderId": order.client_order_id, "positionSide": self.position_side_for(order).value,
            # RESULT (not the default ACK) reports the final state of an order that traded at once.
            "newOrderRespType": "RESULT",
        }
        if order.price is not None and order.order_type.is_limit:
            params["price"] = fmt(order.price)
            params["timeInForce"] = "GTX" if order.order_type is OrderType.LIMIT_MAKER else order.time_in_force.value
        # Hedge mode refuses reduceOnly: there the position side already says what an order closes.
        if order.reduce_only and self.position_mode is PositionMode.ONEWAY:
            params["reduceOnly"] = "true"
        return params

    async def _place_order(self, order: InFlightOrder) -> Placement:
        # Fills are not in the answer: the user stream or the fills poll brings them.
        return order_update(order.trading_pair, await self.rest.call(self.routes.place_order,
                                                                 self._order_params(order))), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        return await place_in_batches(orders, BATCH_SIZE, self._send_batch)

    async def _send_batch(self, chunk: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        batch = orjson.dumps([self._order_params(order) for order in chunk]).decode()
        answers = await self.rest.call(BATCH_ORDERS, {"batchOrders": batch})
        # One answer per order, in order: the order itself, or {"code", "msg"} when refused.
        return [self._batch_refusal(answer) if "code" in answer else (order_update(order.trading_pair, answer), [])
                for order, answer in zip(chunk, answers, strict=True)]

    def _batch_refusal(self, answer: Mapping[str, Any]) -> ClobconnError:
        return refusal_error(self.spec.error_table, answer["code"], str(answer.get("msg", "")), "batch order refused")

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        await self.rest.call(self.routes.cancel_all, {"symbol": self.exchange_symbol(trading_pair)})
        # The answer names no order; the core asks each tracked one how it ended.
        return []

    async def _fetch_positions(self) -> list[Position]:
        positions = []
        for row in await self.rest.call(POSITIONS):
            pair = self.trading_pair_of(row["symbol"])
            amount = Decimal(row["positionAmt"])
            if pair is None or not amount:
                continue
            # positionRisk v3 carries no leverage: it is what was last set here, or 0 when unknown.
            positions.append(Position(pair, PositionSide(row["positionSide"]), amount, Decimal(row["entryPrice"]),
                                      Decimal(row["unRealizedProfit"]), self.get_leverage(pair) or Decimal(0),
                                      mark_price=Decimal(row["markPrice"]),
                                      liquidation_price=Decimal(row["liquidationPrice"])))
        return positions

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        params = {"symbol": self.exchange_symbol(trading_pair), "leverage": int(leverage)}
        answer = await self.rest.call(LEVERAGE, params)
        return Decimal(answer["leverage"])

    async def _set_position_mode(self, mode: PositionMode) -> None:
        try:
            dual = "true" if mode is PositionMode.HEDGE else "false"
            await self.rest.call(SET_POSITION_MODE, {"dualSidePosition": dual})
        except ExchangeError as exc:
            # -4059: the account is already in that mode.
            if str(exc.venue_code) != "-4059":
                raise

    async def _fetch_position_mode(self) -> PositionMode:
        answer = await self.rest.call(POSITION_MODE)
        return PositionMode.HEDGE if answer["dualSidePosition"] else PositionMode.ONEWAY

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        data = await self.rest.call(PREMIUM_INDEX, {"symbol": self.exchange_symbol(trading_pair)})
        return FundingInfo(trading_pair, Decimal(data["indexPrice"]), Decimal(data["markPrice"]),
                           data["nextFundingTime"] / 1000, Decimal(data["lastFundingRate"]))

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        params = {"incomeType": "FUNDING_FEE", "startTime": int(since * 1000), "limit": 1000}
        rows = await self.rest.call(INCOME, params)
        return [FundingPayment(pair, row["time"] / 1000, Decimal(row["income"]), row["asset"], str(row["tranId"]))
                for row in rows if (pair := self.trading_pair_of(row["symbol"])) is not None]
