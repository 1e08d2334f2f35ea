"""HashkeyPerpetualDerivative: HashKey Global USDT perpetuals over REST /api/v1/futures.

https://hashkeyglobal-apidoc.readme.io/reference. Signing, hosts, the listen key and the order
objects are spot's (``clobconn.exchange.hashkey``). Orders, fills and positions count contracts on
the wire; every public amount here is in base, converted with the rule's contract size.

Positions are kept per side (LONG and SHORT), and an order says which it opens or closes
(``BUY_OPEN``, ``SELL_CLOSE``...): the account is always in hedge mode, and a reduce-only order is
a CLOSE order.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderType,
    Position,
    PositionAction,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ExchangeError
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.numbers import fmt
from clobconn.derivative.hashkey_perpetual.constants import (
    BALANCE,
    BALANCE_FLOW,
    BALANCE_FLOW_LIMIT,
    BATCH_ORDERS,
    CANCEL_ALL,
    CANCEL_ORDER,
    CONTRACT_ACCOUNT,
    FILLS,
    FUNDING_FEE_FLOW,
    FUNDING_INFO_POLL,
    FUNDING_RATE,
    INDEX_PRICE,
    LEVERAGE,
    MARK_PRICE,
    OPEN_ORDERS,
    ORDER_HISTORY,
    ORDER_STATUS,
    PLACE_ORDER,
    POSITIONS,
    SPEC,
)
from clobconn.derivative.hashkey_perpetual.order_book_data_source import HashkeyPerpetualOrderBookDataSource
from clobconn.derivative.hashkey_perpetual.parsers import (
    index_symbol,
    parse_contract,
    parse_contract_fill,
    parse_funding_fee,
    parse_position,
)
from clobconn.derivative.hashkey_perpetual.user_stream_data_source import HashkeyPerpetualUserStreamDataSource
from clobconn.exchange.hashkey.constants import EXCHANGE_INFO
from clobconn.exchange.hashkey.exchange import HashkeyBase


class HashkeyPerpetualDerivative(PerpetualDerivativeBase, HashkeyBase):
    spec = SPEC
    order_book_data_source_class = HashkeyPerpetualOrderBookDataSource
    user_stream_data_source_class = HashkeyPerpetualUserStreamDataSource
    funding_info_poll_interval = FUNDING_INFO_POLL
    place_endpoint = PLACE_ORDER
    batch_endpoint = BATCH_ORDERS
    cancel_endpoint = CANCEL_ORDER
    cancel_all_endpoint = CANCEL_ALL
    status_endpoint = ORDER_STATUS
    open_orders_endpoint = OPEN_ORDERS
    history_endpoint = ORDER_HISTORY
    query_client_id_param = "origClientOrderId"

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        """exchangeInfo's ``contracts`` (its ``symbols`` are spot's)."""
        info = await self.rest.call(EXCHANGE_INFO)
        return [(c["symbol"], parse_contract(c)) for c in info.get("contracts", ()) if c.get("status") == "TRADING"]

    async def _fetch_balances(self) -> list[Balance]:
        """GET /api/v1/futures/balance: the futures wallet per margin asset."""
        return [Balance(row["asset"], Decimal(row["balance"]), Decimal(row["availableBalance"]))
                for row in await self.rest.call(BALANCE)]

    def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        action = PositionAction.CLOSE if order.reduce_only else order.position_action or PositionAction.OPEN
        params: dict[str, Any] = {
            "symbol": self.exchange_symbol(order.trading_pair), "side": f"{order.trade_type.value}_{action.value}",
            # Every order is a LIMIT one; priceType MARKET makes it a market order.
            "type": "LIMIT", "quantity": fmt(self._rule(order.trading_pair).to_contracts(order.amount)),
            "clientOrderId": order.client_order_id,
        }
        if order.order_type is OrderType.MARKET:
            return params | {"priceType": "MARKET"}
        time_in_force = "LIMIT_MAKER" if order.order_type is OrderType.LIMIT_MAKER else order.time_in_force.value
        return params | {"priceType": "INPUT", "price": fmt(order.price or Decimal(0)), "timeInForce": time_in_force}

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rule = self._rule(order.trading_pair)
        rows = await self.rest.call(FILLS, {"symbol": self.exchange_symbol(order.trading_pair), "limit": 1000,
                                            "startTime": int(order.creation_timestamp * 1000)})
        return [parse_contract_fill(order.trading_pair, rule, row, order.client_order_id) for row in rows
                if str(row["orderId"]) == order.exchange_order_id]

    async def _fetch_positions(self) -> list[Position]:
        positions = []
        for row in await self.rest.call(POSITIONS):
            pair = self.trading_pair_of(row["symbol"])
            if pair is not None and Decimal(row["position"]):
                positions.append(parse_position(pair, self._rule(pair), row))
        return positions

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        answer = await self.rest.call(LEVERAGE, {"symbol": self.exchange_symbol(trading_pair),
                                                 "leverage": int(leverage)})
        return Decimal(str(answer["leverage"]))

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        """Three public reads: the rate and next settlement, the mark price, and the index."""
        symbol = self.exchange_symbol(trading_pair)
        rates = {row["symbol"]: row for row in await self.rest.call(FUNDING_RATE, {"symbol": symbol})}
        if symbol not in rates:
            raise ExchangeError(f"{self.name}: the funding rates name no {symbol}")
        mark = await self.rest.call(MARK_PRICE, {"symbol": symbol})
        index = await self.rest.call(INDEX_PRICE, {"symbol": index_symbol(symbol)})
        return FundingInfo(trading_pair, Decimal(index["index"][index_symbol(symbol)]), Decimal(mark["price"]),
                           int(rates[symbol]["nextSettleTime"]) / 1000, Decimal(rates[symbol]["rate"]))

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """Funding fees from the account's transaction history (flowType 32, the contract account)."""
        params = {"flowType": FUNDING_FEE_FLOW, "accountType": CONTRACT_ACCOUNT, "limit": BALANCE_FLOW_LIMIT,
                  "startTime": int(since * 1000), "endTime": int(time.time() * 1000)}
        payments = [parse_funding_fee(pair, row) for row in await self.rest.call(BALANCE_FLOW, params)
                    if (pair := self.trading_pair_of(str(row.get("symbol")))) is not None]
        return sorted(payments, key=lambda payment: payment.timestamp)
