"""GateIoPerpetualDerivative: Gate.io USDT-settled perpetuals over REST ``/api/v4/futures/usdt``.

https://www.gate.com/docs/developers/apiv4/en/futures
Orders, fills and positions are contract counts on the wire (``quanto_multiplier`` base per
contract); every public amount here is in base, converted with the rule's contract size.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    Position,
    PositionMode,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError
from clobconn.core.exchange_base import Placement
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.numbers import fmt
from clobconn.derivative.gate_io_perpetual.constants import (
    ACCOUNT_BOOK,
    ACCOUNTS,
    AMEND_ORDER,
    BATCH_ORDERS,
    CANCEL_ALL,
    CANCEL_ORDER,
    CONTRACT,
    CONTRACTS,
    DUAL_LEVERAGE,
    DUAL_MODE,
    FILLS,
    HEARTBEAT,
    LEVERAGE,
    ORDER_LIST,
    ORDER_STATUS,
    PLACE_ORDER,
    POSITIONS,
    SETTLE,
    SPEC,
)
from clobconn.derivative.gate_io_perpetual.order_book_data_source import GateIoPerpetualOrderBookDataSource
from clobconn.derivative.gate_io_perpetual.parsers import parse_futures_order, parse_futures_trade, parse_position
from clobconn.derivative.gate_io_perpetual.user_stream_data_source import GateIoPerpetualUserStreamDataSource
from clobconn.exchange.gate_io.exchange import TIME_IN_FORCE, GateIoBase
from clobconn.exchange.gate_io.order_book_data_source import to_seconds
from clobconn.exchange.gate_io.parsers import dec
from clobconn.exchange.gate_io.ws_orders import gate_ws_order_route


def parse_contract(contract: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /futures/usdt/contracts: sizes in contracts of ``quanto_multiplier`` base."""
    size = dec(contract["quanto_multiplier"])
    base, quote = contract["name"].split("_", 1)
    return TradingRule(
        f"{base}-{quote}",
        min_order_size=dec(contract["order_size_min"]) * size,
        max_order_size=dec(contract["order_size_max"]) * size if contract.get("order_size_max") else None,
        min_price_increment=dec(contract["order_price_round"]),
        min_base_amount_increment=size,
        contract_size=size,
    )


class GateIoPerpetualDerivative(PerpetualDerivativeBase, GateIoBase):
    spec = SPEC
    ws_market = "futures"
    # futures.order_place / futures.order_cancel on the private stream's host (exchange/gate_io/ws_orders.py).
    ws_order_route = gate_ws_order_route(PLACE_ORDER.limit_id, CANCEL_ORDER.limit_id, HEARTBEAT)
    order_book_data_source_class = GateIoPerpetualOrderBookDataSource
    user_stream_data_source_class = GateIoPerpetualUserStreamDataSource

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        """GET /futures/usdt/contracts: contracts that trade and are not being delisted."""
        return [(contract["name"], parse_contract(contract)) for contract in await self.rest.call(CONTRACTS)
                if contract.get("status", "trading") == "trading" and not contract.get("in_delisting")]

    async def _fetch_balances(self) -> list[Balance]:
        """GET /futures/usdt/accounts: one settle-currency account (``total`` excludes unrealised PnL)."""
        account = await self.rest.call(ACCOUNTS)
        return [Balance(account.get("currency", SETTLE), dec(account["total"]), dec(account["available"]))]

    def _rule_of(self, order: InFlightOrder) -> TradingRule:
        return self._rule(order.trading_pair)

    def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        contracts = int(self._rule_of(order).to_contracts(order.amount))
        body: dict[str, Any] = {"contract": self.exchange_symbol(order.trading_pair), "text": order.client_order_id,
                                # Negative sizes sell. In dual mode a reduce-only order closes that side.
                                "size": contracts if order.trade_type is TradeType.BUY else -contracts,
                                "reduce_only": order.reduce_only}
        if order.order_type is OrderType.MARKET:
            return body | {"price": "0", "tif": "ioc"}  # price 0 with ioc is a market order
        assert order.price is not None
        tif = "poc" if order.order_type is OrderType.LIMIT_MAKER else TIME_IN_FORCE[order.time_in_force.value]
        return body | {"price": fmt(order.price), "tif": tif}

    def _order_update(self, order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate:
        return parse_futures_order(self._rule_of(order), data)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        """POST /futures/usdt/orders; the answer has no fills (the stream or the fills poll brings them)."""
        return self._order_update(order, await self.rest.call(PLACE_ORDER, data=self._order_body(order))), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """POST /futures/usdt/batch_orders."""
        return await self._batch(BATCH_ORDERS, orders, self._order_update)

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        return self._order_update(order, await self._call_on(CANCEL_ORDER, self.order_ref(order)))

    def _ws_cancel_param(self, order: InFlightOrder) -> dict[str, Any]:
        return {"order_id": self.order_ref(order)}

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """DELETE /futures/usdt/orders?contract=: the orders it cancelled."""
        answer = await self.rest.call(CANCEL_ALL, {"contract": self.exchange_symbol(trading_pair)})
        rule = self._rule(trading_pair)
        return [parse_futures_order(rule, item) for item in answer]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """GET /futures/usdt/orders/{order_id}: by ``text`` before the ack."""
        return self._order_update(order, await self._call_on(ORDER_STATUS, self.order_ref(order)))

    async def _list_orders(self, trading_pair: str, status: str) -> list[OrderUpdate]:
        params = {"contract": self.exchange_symbol(trading_pair), "status": status, "limit": 100}
        rule = self._rule(trading_pair)
        return [parse_futures_order(rule, data) for data in await self.rest.call(ORDER_LIST, params)]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return await self._list_orders(trading_pair, "open")

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        # The most recent finished orders, newest first.
        return await self._list_orders(trading_pair, "finished")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(FILLS, {"contract": self.exchange_symbol(order.trading_pair),
                                            "order": order.exchange_order_id})
        return [parse_futures_trade(self._rule_of(order), row, SETTLE) for row in rows]

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """PUT /futures/usdt/orders/{order_id}: in place; the size is the whole order's, signed."""
        assert replacement.price is not None
        contracts = int(self._rule_of(order).to_contracts(replacement.amount))
        body = {"price": fmt(replacement.price),
                "size": contracts if order.trade_type is TradeType.BUY else -contracts}
        return self._order_update(order, await self._amend(AMEND_ORDER, order, None, body)), []

    async def _fetch_positions(self) -> list[Position]:
        """GET /futures/usdt/positions?holding=true (dual mode lists a long and a short per contract)."""
        positions = []
        for row in await self.rest.call(POSITIONS, {"holding": "true"}):
            pair = self.trading_pair_of(row["contract"])
            if pair is not None and dec(row["size"]):
                positions.append(parse_position(self._rule(pair), row))
        return positions

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        """POST .../positions/{contract}/leverage, or the dual_comp one in hedge mode (a list back)."""
        endpoint = DUAL_LEVERAGE if self.position_mode is PositionMode.HEDGE else LEVERAGE
        answer = await self.rest.request(
            endpoint.method, endpoint.path.format(contract=self.exchange_symbol(trading_pair)),
            params={"leverage": fmt(leverage)}, signed=True, limit_id=endpoint.limit_id)
        position = answer[0] if isinstance(answer, list) else answer
        return dec(position["leverage"])

    async def _set_position_mode(self, mode: PositionMode) -> None:
        """POST /futures/usdt/dual_mode?dual_mode=: refused while positions or orders are open."""
        await self.rest.call(DUAL_MODE, {"dual_mode": "true" if mode is PositionMode.HEDGE else "false"})

    async def _fetch_position_mode(self) -> PositionMode:
        account = await self.rest.call(ACCOUNTS)
        return PositionMode.HEDGE if account.get("in_dual_mode") else PositionMode.ONEWAY

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        """GET /futures/usdt/contracts/{contract}: mark and index price, rate and next funding time."""
        endpoint = CONTRACT
        data = await self.rest.request(endpoint.method,
                                       endpoint.path.format(contract=self.exchange_symbol(trading_pair)),
                                       limit_id=endpoint.limit_id)
        return FundingInfo(trading_pair, dec(data["index_price"]), dec(data["mark_price"]),
                           to_seconds(data["funding_next_apply"]), dec(data["funding_rate"]))

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """GET /futures/usdt/account_book?type=fund: ``change`` is what the account paid or received."""
        rows = await self.rest.call(ACCOUNT_BOOK, {"type": "fund", "from": int(since), "limit": 1000})
        payments = []
        for row in rows:
            # ``contract`` is there for records since 2023-10-30; older ones name it in ``text``.
            pair = self.trading_pair_of(row.get("contract") or str(row.get("text", "")).split(":")[0])
            if pair is not None:
                payments.append(FundingPayment(pair, to_seconds(row["time"]), dec(row["change"]), SETTLE,
                                               str(row.get("id", ""))))
        return sorted(payments, key=lambda payment: payment.timestamp)
