"""DeriveExchange: Derive spot (ERC-20 instruments such as ETH-USDC) over the v3 JSON-RPC API.

https://docs.derive.xyz. Every call is ``POST /v3/<method>``, its params the JSON body. Private calls carry
the session login headers; each order also an EIP-712 action signed by the session key (auth.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import ROUND_UP, Decimal
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
from clobconn.core.errors import ExchangeError, OrderNotFound, OrderRuleViolation
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.json_rpc import rpc_error, rpc_result
from clobconn.core.web.numbers import fmt
from clobconn.exchange.derive import constants as derive
from clobconn.exchange.derive.auth import DeriveAuth, TradeData
from clobconn.exchange.derive.order_book_data_source import DeriveOrderBookDataSource
from clobconn.exchange.derive.parsers import Instrument, parse_collaterals, parse_instrument, parse_order, parse_trade
from clobconn.exchange.derive.user_stream_data_source import DeriveUserStreamDataSource

# The signed fee cap's precision (USDC's 6 decimals), rounded up so the cap never falls short.
FEE_STEP = Decimal("0.000001")


class DeriveBase(ExchangeBase):
    """What Derive's spot and perpetual connectors share: one signer, one subaccount, one order object
    and the same calls; they differ in the instruments they list and in what an order adds."""

    config_class = derive.DeriveConfig
    config: derive.DeriveConfig
    instrument_type: ClassVar[str] = derive.SPOT_INSTRUMENTS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Filled by every trading-rules load: what each pair's signed Trade data names.
        self.instruments: dict[str, Instrument] = {}
        super().__init__(*args, **kwargs)

    def _create_auth(self) -> DeriveAuth:
        assert self.config.api_key is not None and self.config.api_secret is not None
        return DeriveAuth(self.config.api_key, self.config.api_secret, derive.PROTOCOLS[self.domain],
                          self.time_sync.time_ms)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        return rpc_error(payload) or (None if status < 400 else (None, str(payload)[:500]))

    async def _rpc(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None) -> Any:
        return rpc_result(await self.rest.call(endpoint, data=dict(params or {})), f"{self.name} {endpoint.path}")

    async def _fetch_server_time(self) -> float:
        return int(await self._rpc(derive.GET_TIME)) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        rows: list[Mapping[str, Any]] = []
        page, pages = 1, 1
        while page <= pages:
            answer = await self._rpc(derive.INSTRUMENTS, {"instrument_type": self.instrument_type, "expired": False,
                                                          "page": page, "page_size": derive.PAGE_SIZE})
            rows += answer["instruments"]
            pages, page = int(answer.get("pagination", {}).get("num_pages") or 1), page + 1
        rules, instruments = [], {}
        for row in rows:
            if row.get("is_active"):
                pair, instrument, rule = parse_instrument(row)
                instruments[pair] = instrument
                rules.append((instrument.name, rule))
        self.instruments = instruments
        return rules

    async def _fetch_account_context(self) -> dict[str, str]:
        """The subaccount: the configured one, or the wallet's first."""
        if self.config.subaccount_id is not None:
            return {"subaccount_id": str(self.config.subaccount_id)}
        assert isinstance(self.auth, DeriveAuth)
        ids = (await self._rpc(derive.SUBACCOUNTS, {"wallet": self.auth.wallet}))["subaccount_ids"]
        if not ids:
            raise ExchangeError(f"{self.name}: wallet {self.auth.wallet} has no subaccount")
        return {"subaccount_id": str(min(ids))}

    async def subaccount_id(self) -> int:
        return int((await self.account_context())["subaccount_id"])

    async def _private(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None) -> Any:
        """A private call on the subaccount."""
        return await self._rpc(endpoint, {"subaccount_id": await self.subaccount_id(), **(params or {})})

    async def _fetch_balances(self) -> list[Balance]:
        return parse_collaterals(await self._private(derive.SUBACCOUNT))

    # == orders ==================================================================================

    def _signed_price(self, order: InFlightOrder) -> Decimal:
        """The limit price, or for a market order the worst price it may fill at: the best opposite
        price moved by the slippage allowance, on the tick grid."""
        if order.order_type is not OrderType.MARKET:
            assert order.price is not None
            return order.price
        reference = self._reference_price(order.trading_pair, order.trade_type)
        if reference is None:
            raise OrderRuleViolation(f"{order.trading_pair}: no book price to bound a market order with",
                                     trading_pair=order.trading_pair, rule="price")
        slippage = Decimal(derive.MARKET_SLIPPAGE)
        worst = reference * (1 + slippage if order.trade_type is TradeType.BUY else 1 - slippage)
        return self._rule(order.trading_pair).quantize_price(worst)

    def _max_fee(self, instrument: Instrument, price: Decimal, amount: Decimal) -> Decimal:
        """The fee cap per unit signed into the order: a multiple of the taker rate at the price plus the
        instrument's base fee spread over the amount. A cap below the venue's fee refuses the order (11023)."""
        per_unit = instrument.taker_fee_rate * price + instrument.base_fee / amount
        return (per_unit * derive.MAX_FEE_MULTIPLE).quantize(FEE_STEP, rounding=ROUND_UP)

    def _time_in_force(self, order: InFlightOrder) -> str:
        if order.order_type is OrderType.LIMIT_MAKER:
            return "post_only"
        if order.order_type is OrderType.MARKET:
            return "ioc"
        return derive.TIME_IN_FORCE[order.time_in_force]

    def _extra_order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """What a market type adds to an order (the perpetual's reduce_only)."""
        return {}

    async def _order_params(self, order: InFlightOrder) -> dict[str, Any]:
        """The order and its signed action; everything is checked before the session key signs."""
        auth = self.auth
        assert isinstance(auth, DeriveAuth)
        instrument = self.instruments[order.trading_pair]
        price = self._signed_price(order)
        max_fee = self._max_fee(instrument, price, order.amount)
        subaccount = await self.subaccount_id()
        data = TradeData(instrument.asset_address, instrument.sub_id, price, order.amount, max_fee, subaccount,
                         order.trade_type is TradeType.BUY)
        signed = auth.sign_trade(subaccount, data, int(time.time()) + derive.ORDER_SIGNATURE_TTL)
        return {"subaccount_id": subaccount, "instrument_name": instrument.name,
                "direction": "buy" if data.is_bid else "sell",
                "order_type": "market" if order.order_type is OrderType.MARKET else "limit",
                "time_in_force": self._time_in_force(order), "amount": fmt(order.amount), "limit_price": fmt(price),
                "max_fee": fmt(max_fee), "label": order.client_order_id, "mmp": False,
                **self._extra_order_params(order), **signed}

    async def _place_order(self, order: InFlightOrder) -> Placement:
        answer = await self._rpc(derive.PLACE_ORDER, await self._order_params(order))
        pair = order.trading_pair
        return parse_order(pair, answer["order"]), [parse_trade(pair, row) for row in answer.get("trades", ())]

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        symbol = self.exchange_symbol(order.trading_pair)
        if order.exchange_order_id is not None:
            answer = await self._private(derive.CANCEL_ORDER, {"instrument_name": symbol,
                                                               "order_id": order.exchange_order_id})
            return parse_order(order.trading_pair, answer)
        # Not acknowledged yet: the label is the client order id.
        answer = await self._private(derive.CANCEL_BY_LABEL,
                                     {"label": order.client_order_id, "instrument_name": symbol})
        if not int(answer["cancelled_orders"]):
            raise OrderNotFound(f"{self.name}: no open order labelled {order.client_order_id}")
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        # The answer counts the orders; the core asks each tracked one how it ended.
        await self._private(derive.CANCEL_BY_INSTRUMENT, {"instrument_name": self.exchange_symbol(trading_pair)})
        return []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            return parse_order(order.trading_pair,
                               await self._private(derive.GET_ORDER, {"order_id": order.exchange_order_id}))
        since = order.creation_timestamp - 60
        for update in [*await self._fetch_open_orders(order.trading_pair),
                       *await self._fetch_order_history(order.trading_pair, since)]:
            if update.client_order_id == order.client_order_id:
                return update
        raise OrderNotFound(f"{self.name}: no order labelled {order.client_order_id}")

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        answer = await self._private(derive.TRADE_HISTORY, {"order_id": order.exchange_order_id})
        return [parse_trade(order.trading_pair, row) for row in answer["trades"]]

    def _orders_of(self, trading_pair: str, rows: list[Mapping[str, Any]]) -> list[OrderUpdate]:
        symbol = self.exchange_symbol(trading_pair)
        return [parse_order(trading_pair, row) for row in rows if row.get("instrument_name") == symbol]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return self._orders_of(trading_pair, (await self._private(derive.OPEN_ORDERS))["orders"])

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        answer = await self._private(derive.ORDER_HISTORY, {"from_timestamp": int(since * 1000),
                                                            "page_size": derive.PAGE_SIZE})
        return self._orders_of(trading_pair, answer["orders"])


class DeriveExchange(DeriveBase):
    spec = derive.SPEC
    order_book_data_source_class = DeriveOrderBookDataSource
    user_stream_data_source_class = DeriveUserStreamDataSource
