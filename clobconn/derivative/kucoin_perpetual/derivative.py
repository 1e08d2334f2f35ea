"""KucoinPerpetualDerivative: KuCoin USDT/USDC-margined perpetual swaps on the futures host.

https://www.kucoin.com/docs-new (Futures: Market, Orders, Positions, Funding Fees). Orders, fills
and positions are sized in contracts (lots of ``multiplier`` base); every public amount here is
base, converted with the rule's ``contract_size`` on the wire. Signing, the envelope, the clock
and fills-after-match come from the spot connector's ``KucoinBase``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Position,
    PositionMode,
    TradeFee,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, NotSupported, OrderNotFound, error_class_for
from clobconn.core.exchange_base import Placement
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.numbers import fmt
from clobconn.derivative.kucoin_perpetual.constants import (
    ACCOUNT,
    ASSET_ALIASES,
    BATCH_ORDERS,
    BATCH_SIZE,
    CANCEL_ALL,
    CANCEL_ORDER,
    CONTRACTS,
    CROSS,
    CROSS_LEVERAGE,
    FILLS,
    FUNDING_HISTORY,
    FUNDING_RATE,
    MARGIN_MODE,
    MARK_PRICE,
    ORDER_BY_CLIENT_ID,
    ORDER_BY_ID,
    ORDER_LIST,
    PERPETUAL_TYPE,
    PLACE_ORDER,
    POSITIONS,
    SERVER_TIME,
    SPEC,
)
from clobconn.derivative.kucoin_perpetual.order_book_data_source import KucoinPerpetualOrderBookDataSource
from clobconn.derivative.kucoin_perpetual.user_stream_data_source import (
    KucoinPerpetualUserStreamDataSource,
    parse_position,
)
from clobconn.exchange.kucoin.constants import SUCCESS_CODE
from clobconn.exchange.kucoin.exchange import KucoinBase, done_state, live_state


def _num(value: Any) -> Decimal:
    """A JSON number or string as the Decimal of its text (0.001, not 0.001000000000000000020816...)."""
    return Decimal(str(value))


def parse_contract(data: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/v1/contracts/active: sizes in lots of ``multiplier`` base."""
    multiplier = _num(data["multiplier"])
    lot = _num(data["lotSize"]) * multiplier
    base = ASSET_ALIASES.get(data["baseCurrency"], data["baseCurrency"])
    return TradingRule(f"{base}-{data['quoteCurrency']}", min_order_size=lot,
                       max_order_size=_num(data["maxOrderQty"]) * multiplier,
                       min_price_increment=_num(data["tickSize"]), min_base_amount_increment=lot,
                       contract_size=multiplier)


class KucoinPerpetualDerivative(PerpetualDerivativeBase, KucoinBase):
    spec = SPEC
    server_time_endpoint = SERVER_TIME
    order_book_data_source_class = KucoinPerpetualOrderBookDataSource
    user_stream_data_source_class = KucoinPerpetualUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each contract's margin mode (CROSS or ISOLATED), read from KuCoin: orders must name it.
        self._margin_modes: dict[str, str] = {}
        self._settle_currencies: set[str] = set()

    def _rule_of(self, symbol: str) -> TradingRule | None:
        pair = self.trading_pair_of(symbol)
        return self.trading_rules.get(pair) if pair is not None else None

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # Linear perpetuals only: inverse contracts (XBTUSDM) are sized in USD, not in base.
        contracts = [c for c in await self._call(CONTRACTS)
                     if c["type"] == PERPETUAL_TYPE and c["status"] == "Open" and not c.get("isInverse")]
        self._settle_currencies = {c["settleCurrency"] for c in contracts}
        return [(c["symbol"], parse_contract(c)) for c in contracts]

    async def _fetch_balances(self) -> list[Balance]:
        balances = []
        for currency in sorted(self._settle_currencies):
            data = await self._call(ACCOUNT, {"currency": currency})
            balances.append(Balance(data["currency"], _num(data["marginBalance"]), _num(data["availableBalance"])))
        return balances

    async def _margin_mode(self, trading_pair: str) -> str:
        mode = self._margin_modes.get(trading_pair)
        if mode is None:
            data = await self._call(MARGIN_MODE, {"symbol": self.exchange_symbol(trading_pair)})
            mode = self._margin_modes[trading_pair] = str(data["marginMode"])
        return mode

    async def _order_body(self, order: InFlightOrder) -> dict[str, Any]:
        rule = self.trading_rules[order.trading_pair]
        body: dict[str, Any] = {
            "clientOid": order.client_order_id, "symbol": self.exchange_symbol(order.trading_pair),
            "side": order.trade_type.value.lower(), "size": int(rule.to_contracts(order.amount)),
            # An order whose margin mode differs from the contract's is refused; ISOLATED is the default.
            "marginMode": await self._margin_mode(order.trading_pair), "reduceOnly": order.reduce_only,
            # Leverage sizes the margin an isolated order holds; 1 when none was set or seen.
            "leverage": int(order.leverage or 1),
        }
        if order.order_type is OrderType.MARKET:
            return body | {"type": "market"}
        assert order.price is not None
        return body | {"type": "limit", "price": fmt(order.price), "timeInForce": order.time_in_force.value,
                       "postOnly": order.order_type is OrderType.LIMIT_MAKER}

    @staticmethod
    def _acknowledged(order: InFlightOrder, data: Mapping[str, Any]) -> Placement:
        # Placement answers only name the order; its trades come on the stream.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, order.client_order_id,
                           str(data["orderId"])), []

    async def _place_order(self, order: InFlightOrder) -> Placement:
        return self._acknowledged(order, await self._call(PLACE_ORDER, body=await self._order_body(order)))

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        results: list[Placement | ClobconnError] = []
        for start in range(0, len(orders), BATCH_SIZE):
            chunk = orders[start:start + BATCH_SIZE]
            answers = await self._call(BATCH_ORDERS, body=[await self._order_body(o) for o in chunk])
            # One answer per order, in order, each with its own code.
            for order, answer in zip(chunk, answers, strict=True):
                code, message = str(answer.get("code")), str(answer.get("msg", ""))
                results.append(self._acknowledged(order, answer) if code == SUCCESS_CODE else error_class_for(
                    self.spec.error_table, code, message, 400)(f"batch order refused: {message}",
                                                               venue_code=code, venue_message=message))
        return results

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # Accepted means cancelled; a fill that raced the cancel still lands from the stream or REST.
        await self._call(CANCEL_ORDER, {"symbol": self.exchange_symbol(order.trading_pair)},
                         path_arg=order.client_order_id)
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        await self._call(CANCEL_ALL, {"symbol": self.exchange_symbol(trading_pair)})
        # The answer lists exchange ids only; the core asks each tracked order how it ended.
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            data = await self._call(ORDER_BY_ID, path_arg=order.exchange_order_id)
        else:
            data = await self._call(ORDER_BY_CLIENT_ID, {"clientOid": order.client_order_id})
        if not data:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} not found")
        return self._order_update(order.trading_pair, data, order.client_order_id)

    def _order_update(self, trading_pair: str, data: Mapping[str, Any],
                      client_order_id: str | None = None) -> OrderUpdate:
        """The futures order object: GET /api/v1/orders/{orderId}, /byClientOid, and the rows of /api/v1/orders."""
        rule = self.trading_rules[trading_pair]
        filled, size = rule.from_contracts(_num(data["filledSize"])), rule.from_contracts(_num(data["size"]))
        state = live_state(filled) if data["isActive"] else done_state(filled, size - filled)
        return OrderUpdate(trading_pair, data["updatedAt"] / 1000, state, client_order_id or data.get("clientOid"),
                           str(data["id"]), executed_amount=filled)

    async def _list_orders(self, trading_pair: str, status: str, **params: Any) -> list[OrderUpdate]:
        data = await self._call(ORDER_LIST, {"status": status, "symbol": self.exchange_symbol(trading_pair), **params})
        return [self._order_update(trading_pair, item) for item in (data or {}).get("items", ())]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return await self._list_orders(trading_pair, "active")

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        return await self._list_orders(trading_pair, "done", startAt=int(since * 1000))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        data = await self._call(FILLS, {"orderId": order.exchange_order_id})
        rule = self.trading_rules[order.trading_pair]
        return [TradeUpdate(str(item["tradeId"]), order.trading_pair, _num(item["price"]),
                            rule.from_contracts(_num(item["size"])), _num(item["value"]),
                            TradeFee.flat(item["feeCurrency"], _num(item["fee"])), item["createdAt"] / 1000,
                            order.client_order_id, str(item["orderId"]), is_maker=item["liquidity"] == "maker")
                for item in data["items"]]

    async def _fetch_positions(self) -> list[Position]:
        positions = []
        for data in await self._call(POSITIONS):
            rule = self._rule_of(data["symbol"])
            if rule is not None and data["currentQty"]:
                positions.append(parse_position(rule, data))
        return positions

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        # Cross margin has one leverage per contract, set here; isolated orders carry their own.
        if await self._margin_mode(trading_pair) == CROSS:
            await self._call(CROSS_LEVERAGE, body={"symbol": self.exchange_symbol(trading_pair),
                                                   "leverage": str(int(leverage))})
        return Decimal(int(leverage))

    async def _set_position_mode(self, mode: PositionMode) -> None:
        if mode is PositionMode.HEDGE:
            raise NotSupported(f"{self.name} has one-way positions only")

    async def _fetch_position_mode(self) -> PositionMode:
        return PositionMode.ONEWAY

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        symbol = self.exchange_symbol(trading_pair)
        funding = await self._call(FUNDING_RATE, path_arg=symbol)
        mark = await self._call(MARK_PRICE, path_arg=symbol)
        return FundingInfo(trading_pair, _num(mark["indexPrice"]), _num(mark["value"]),
                           funding["fundingTime"] / 1000, _num(funding["value"]))

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        # The history is per contract: ask for each pair followed or held.
        pairs = set(self.config.trading_pairs) | {pair for pair, _ in self.positions}
        payments = []
        for pair in sorted(pairs):
            params = {"symbol": self.exchange_symbol(pair), "startAt": int(since * 1000), "forward": "true",
                      "maxCount": 100}
            for row in (await self._call(FUNDING_HISTORY, params))["dataList"]:
                payments.append(FundingPayment(pair, row["timePoint"] / 1000, _num(row["funding"]),
                                               row["settleCurrency"], str(row["id"]), rate=_num(row["fundingRate"])))
        return sorted(payments, key=lambda p: p.timestamp)
