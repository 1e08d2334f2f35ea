"""DydxV4PerpetualDerivative: dYdX v4 perpetuals. Markets, the account, orders, fills, positions and funding
are read from the indexer (https://docs.dydx.xyz/indexer-client/http); orders and cancels are Cosmos
transactions (``MsgPlaceOrder``, ``MsgCancelOrder`` of v4-proto) signed with the mnemonic's key and
broadcast to a validator's REST gateway (``node_url``). Request builders and response parsers only.

Order rules (concepts/trading/orders): market, IOC and FOK orders are short-term (good until a block at
most 20 ahead, no sequence consumed); resting limit and post-only orders are long-term (stateful, good
until a time, one sequence each), or short-term with ``short_term_orders``. Sizes and prices go on the
wire as whole quantums and subticks (concepts/trading/quantums), converted exactly or refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from google.protobuf.message import Message
from pydantic import Field
from v4_proto.dydxprotocol.clob.order_pb2 import Order, OrderId
from v4_proto.dydxprotocol.clob.tx_pb2 import MsgCancelOrder, MsgPlaceOrder
from v4_proto.dydxprotocol.subaccounts.subaccount_pb2 import SubaccountId

from clobconn.core.config import ConnectorConfig
from clobconn.core.cosmos.node import SEQUENCE_MISMATCH, AccountSequence, CosmosNode, tx_refusal
from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Position,
    TimeInForce,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import (
    ClobconnError,
    InvalidArgument,
    InvalidCredentials,
    NetworkError,
    OrderRuleViolation,
)
from clobconn.core.exchange_base import Placement
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import to_units
from clobconn.core.web.rest import default_error_extractor
from clobconn.core.web.times import iso_seconds
from clobconn.derivative.dydx_v4_perpetual import constants as dc
from clobconn.derivative.dydx_v4_perpetual.auth import DydxAuth
from clobconn.derivative.dydx_v4_perpetual.order_book_data_source import DydxV4PerpetualOrderBookDataSource
from clobconn.derivative.dydx_v4_perpetual.user_stream_data_source import (
    DydxV4PerpetualUserStreamDataSource,
    parse_balance,
    parse_fill,
    parse_order,
    parse_position,
)

# A market order is an IOC limit order at a worst price: this far past the best price of the book.
MARKET_SLIPPAGE = Decimal("0.05")


class DydxV4PerpetualConfig(ConnectorConfig):
    # A validator's REST gateway (the Cosmos gRPC-gateway); None takes the domain's public node.
    node_url: str | None = None
    # The chain the transactions are signed for; None takes the domain's (dydx-mainnet-1, dydx-testnet-4).
    chain_id: str | None = None
    # 0 to 127 are cross-margined subaccounts; from 128 on, isolated ones (concepts/trading/isolated-positions).
    subaccount_number: int = Field(default=0, ge=0, le=128_000)
    # Resting limit orders as short-term orders too (they expire after ~20 blocks: market makers' way).
    short_term_orders: bool = False


class DydxV4PerpetualDerivative(PerpetualDerivativeBase):
    spec = dc.SPEC
    config_class = DydxV4PerpetualConfig
    order_book_data_source_class = DydxV4PerpetualOrderBookDataSource
    user_stream_data_source_class = DydxV4PerpetualUserStreamDataSource
    # v4_markets would stream oracle prices; the REST read every minute is enough for funding (hourly).
    funding_info_poll_interval = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = cast(DydxV4PerpetualConfig, self.config)
        self.chain_id = config.chain_id or self.domain_urls.extra["chain_id"]
        self.node = CosmosNode(self.rest, config.node_url or self.domain_urls.extra["node"], dc.NODE_LIMIT_ID)
        self.sequence = AccountSequence(lambda: self.node.account(self.address))
        # Per pair, the market's clobPairId, atomicResolution, quantumConversionExponent, initialMarginFraction.
        self.markets: dict[str, Mapping[str, Any]] = {}

    # == credentials and the account ===============================================================

    def _create_auth(self) -> DydxAuth:
        assert self.config.api_secret is not None
        return DydxAuth(self.config.api_secret)

    @property
    def address(self) -> str:
        return cast(DydxAuth, self.auth).address

    @property
    def subaccount_number(self) -> int:
        return cast(DydxV4PerpetualConfig, self.config).subaccount_number

    @property
    def subaccount_id(self) -> str:
        """The account stream's id: ``{address}/{subaccount number}``."""
        return f"{self.address}/{self.subaccount_number}"

    def _owner(self) -> dict[str, Any]:
        return {"address": self.address, "subaccountNumber": self.subaccount_number}

    async def _fetch_account_context(self) -> dict[str, str] | None:
        # A node of another chain would refuse every signature: say so at start, not at the first order.
        block = await self.node.latest_block()
        if block.chain_id != self.chain_id:
            raise InvalidCredentials(f"{self.name}: the node at {self.node.url} serves {block.chain_id}, not "
                                     f"{self.chain_id}: it would refuse every signature")
        return {"address": self.address, "subaccount": str(self.subaccount_number)}

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        refusal = tx_refusal(payload)
        if refusal is not None:
            return refusal
        if isinstance(payload, dict) and isinstance(payload.get("errors"), list) and status >= 400:
            return str(status), str(payload["errors"][0].get("msg", ""))
        return default_error_extractor(status, payload) if status >= 400 else None

    async def _call(self, endpoint: Endpoint, params: Mapping[str, Any] | None = None, **path: str) -> Any:
        return await self.rest.call(endpoint, params, path_values=path or None)

    # == markets ===================================================================================

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        """Active markets of GET /perpetualMarkets: ``stepSize`` and ``tickSize`` are the lot and tick."""
        markets = (await self._call(dc.MARKETS))["markets"]
        rules = []
        for ticker, market in markets.items():
            if market.get("status") != "ACTIVE":
                continue
            self.markets[ticker] = market
            step = Decimal(market["stepSize"])
            rules.append((ticker, TradingRule(ticker, step, None, Decimal(market["tickSize"]), step)))
        return rules

    def quantums(self, trading_pair: str, amount: Decimal) -> int:
        """A size in whole base quantums (10^atomicResolution of the asset each), exactly."""
        unit = Decimal(1).scaleb(int(self.markets[trading_pair]["atomicResolution"]))
        return to_units(amount, unit, "amount", trading_pair)

    def subticks(self, trading_pair: str, price: Decimal) -> int:
        """A price in whole subticks: quote quantums (1e-6 USDC) per base quantum, times
        10^-quantumConversionExponent, so one subtick is 10^(qce - atomicResolution - 6) USDC per unit."""
        market = self.markets[trading_pair]
        exponent = (int(market["quantumConversionExponent"]) - int(market["atomicResolution"])
                    + dc.QUOTE_ATOMIC_RESOLUTION)
        return to_units(price, Decimal(1).scaleb(exponent), "price", trading_pair)

    # == orders ====================================================================================

    def _is_short_term(self, order: InFlightOrder) -> bool:
        resting = order.time_in_force is TimeInForce.GTC and order.order_type is not OrderType.MARKET
        return not resting or cast(DydxV4PerpetualConfig, self.config).short_term_orders

    def _order_id(self, trading_pair: str, client_order_id: str, flags: int) -> OrderId:
        return OrderId(subaccount_id=SubaccountId(owner=self.address, number=self.subaccount_number),
                       client_id=int(client_order_id), order_flags=flags,
                       clob_pair_id=int(self.markets[trading_pair]["clobPairId"]))

    def indexer_order_id(self, trading_pair: str, client_order_id: str, flags: int) -> str:
        """The indexer's id of an order: the UUID of its identity (dc.INDEXER_UUID_NAMESPACE), known at placement."""
        subaccount = uuid.uuid5(dc.INDEXER_UUID_NAMESPACE, f"{self.address}-{self.subaccount_number}")
        identity = f"{subaccount}-{client_order_id}-{self.markets[trading_pair]['clobPairId']}-{flags}"
        return str(uuid.uuid5(dc.INDEXER_UUID_NAMESPACE, identity))

    def _worst_price(self, order: InFlightOrder) -> Decimal:
        """A market order's limit: the best opposite price moved by MARKET_SLIPPAGE, on the tick."""
        reference = self._reference_price(order.trading_pair, order.trade_type)
        if reference is None:
            raise OrderRuleViolation(f"{order.trading_pair}: no book price to bound a market order; place a "
                                     "limit IOC order instead", trading_pair=order.trading_pair, rule="price")
        buy = order.trade_type is TradeType.BUY
        tick = self._rule(order.trading_pair).min_price_increment
        worst = reference * (1 + MARKET_SLIPPAGE if buy else 1 - MARKET_SLIPPAGE)
        return (worst / tick).to_integral_value(rounding="ROUND_CEILING" if buy else "ROUND_FLOOR") * tick

    async def _set_expiry(self, message: Order | MsgCancelOrder, short_term: bool) -> None:
        """Good until the last block of the short window, or (long-term) until a time."""
        if short_term:
            message.good_til_block = (await self.node.latest_block()).height + dc.SHORT_BLOCK_WINDOW
        else:
            message.good_til_block_time = int(time.time()) + dc.LONG_TERM_LIFETIME

    async def _broadcast(self, message: Message, consumes_sequence: bool) -> str:
        """Sign with the account's number and sequence and broadcast; a refusal for a stale sequence (another
        client of the account) reads it again and sends once more: the node refused, nothing was placed."""
        auth = cast(DydxAuth, self.auth)
        for attempt in range(2):
            try:
                async with self.sequence.next(consumes_sequence) as (number, sequence):
                    return await self.node.broadcast(auth.sign(message, self.chain_id, number, sequence))
            except NetworkError:
                self.sequence.forget()  # whether the node took it (and its sequence) is unknown
                raise
            except ClobconnError as exc:
                if exc.venue_code != SEQUENCE_MISMATCH or attempt:
                    raise
                self.sequence.forget()
        raise AssertionError("unreachable")

    async def _place_order(self, order: InFlightOrder) -> Placement:
        pair, short_term = order.trading_pair, self._is_short_term(order)
        price = self._worst_price(order) if order.order_type is OrderType.MARKET else order.price
        assert price is not None
        tif = dc.TIME_IN_FORCE[(order.order_type, order.time_in_force)]
        flags = dc.SHORT_TERM if short_term else dc.LONG_TERM
        body = Order(order_id=self._order_id(pair, order.client_order_id, flags),
                     side=dc.SIDES[order.trade_type], quantums=self.quantums(pair, order.amount),
                     subticks=self.subticks(pair, price), time_in_force=tif, reduce_only=order.reduce_only)
        await self._set_expiry(body, short_term)
        await self._broadcast(MsgPlaceOrder(order=body), consumes_sequence=not short_term)
        # CheckTx took it (a short-term order is in the validator's book, a long-term one due in the next
        # block); its id is its identity's, which the indexer, the stream and the fills use.
        exchange_id = self.indexer_order_id(pair, order.client_order_id, flags)
        return OrderUpdate(pair, time.time(), OrderState.OPEN, order.client_order_id, exchange_id), []

    def _order_flags(self, order: InFlightOrder) -> int:
        """The flags the order's id was made of (one restored from before a restart too), else those its type
        and time in force give: a cancel must name them."""
        for flags in (dc.SHORT_TERM, dc.LONG_TERM):
            if order.exchange_order_id == self.indexer_order_id(order.trading_pair, order.client_order_id, flags):
                return flags
        return dc.SHORT_TERM if self._is_short_term(order) else dc.LONG_TERM

    def _exchange_id(self, order: InFlightOrder) -> str:
        return order.exchange_order_id or self.indexer_order_id(order.trading_pair, order.client_order_id,
                                                                self._order_flags(order))

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        flags = self._order_flags(order)
        short_term = flags == dc.SHORT_TERM
        message = MsgCancelOrder(order_id=self._order_id(order.trading_pair, order.client_order_id, flags))
        await self._set_expiry(message, short_term)
        await self._broadcast(message, consumes_sequence=not short_term)
        # Short-term cancels are best effort and long-term ones take a block: the stream says when it is done.
        return OrderUpdate(order.trading_pair, time.time(), OrderState.PENDING_CANCEL, order.client_order_id,
                           self._exchange_id(order))

    async def _orders(self, trading_pair: str, **params: Any) -> list[Mapping[str, Any]]:
        query = self._owner() | {"ticker": self.exchange_symbol(trading_pair), "limit": 100} | params
        return cast(list[Mapping[str, Any]], await self._call(dc.ORDERS, query))

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """GET /orders/{id}: by the id the order's identity gives, even before an answer named it."""
        return parse_order(order.trading_pair, await self._call(dc.ORDER, order_id=self._exchange_id(order)))

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        query = self._owner() | {"market": self.exchange_symbol(order.trading_pair), "limit": 100}
        fills = (await self._call(dc.FILLS, query))["fills"]
        exchange_id = self._exchange_id(order)
        return [parse_fill(order.trading_pair, f) for f in fills if f.get("orderId") == exchange_id]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return [parse_order(trading_pair, row) for row in await self._orders(trading_pair, status="OPEN")]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        updates = [parse_order(trading_pair, row) for row in await self._orders(trading_pair)]
        return [u for u in updates if u.new_state.is_terminal and u.update_timestamp >= since]

    async def _fetch_balances(self) -> list[Balance]:
        answer = await self._call(dc.SUBACCOUNT, address=self.address, number=str(self.subaccount_number))
        return [parse_balance(answer["subaccount"])]

    # == the perpetual API =========================================================================

    async def _fetch_positions(self) -> list[Position]:
        rows = (await self._call(dc.POSITIONS, self._owner() | {"status": "OPEN"}))["positions"]
        return [parse_position(pair, row) for row in rows if (pair := self.trading_pair_of(row["market"]))]

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        """dYdX has no leverage setting: a position's margin is its initial margin fraction, so the most
        leverage a market allows is 1 / initialMarginFraction. Within it, the leverage is the strategy's own
        sizing and is only recorded; above it, refused. Nothing is sent."""
        most = 1 / Decimal(self.markets[trading_pair]["initialMarginFraction"])
        if leverage > most:
            raise InvalidArgument(f"{trading_pair}: leverage {leverage} is above the market's {most:f}",
                                  field="leverage", value=leverage)
        return leverage

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        """The oracle price (index and mark alike: dYdX marks to its oracle) and the next hourly rate."""
        ticker = self.exchange_symbol(trading_pair)
        market = (await self._call(dc.MARKETS, {"ticker": ticker}))["markets"][ticker]
        oracle = Decimal(market["oraclePrice"])
        next_hour = (int(time.time()) // 3600 + 1) * 3600
        return FundingInfo(trading_pair, oracle, oracle, float(next_hour), Decimal(market["nextFundingRate"]))

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """GET /fundingPayments: ``payment`` is signed from the account's side (positive when received); its id
        is the height it was paid at (one a market there: a payment's key is its pair and its id)."""
        after = datetime.fromtimestamp(since, UTC).isoformat().replace("+00:00", "Z")
        rows = (await self._call(dc.FUNDING_PAYMENTS, self._owner() | {"afterOrAt": after}))["fundingPayments"]
        payments = [FundingPayment(pair, iso_seconds(row["createdAt"]), Decimal(row["payment"]), dc.QUOTE_ASSET,
                                   str(row["createdAtHeight"]), Decimal(row["rate"]))
                    for row in rows if (pair := self.trading_pair_of(row["ticker"])) is not None]
        return sorted(payments, key=lambda p: p.timestamp)
