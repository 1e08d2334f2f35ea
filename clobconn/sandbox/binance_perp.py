"""The Binance USDⓈ-M futures protocol over the sandbox's perpetual engine.

REST /fapi (https://developers.binance.com/docs/derivatives/usds-margined-futures), fstream's routed
sockets: depth on /public/ws, aggTrade and markPrice on /market/ws, and the listen-key user stream
on /private/ws?listenKey= (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE with reason ORDER or FUNDING_FEE).
Prices print at the market's tick, quantities at its step, money with 8 decimals.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from clobconn.sandbox.binance_common import (
    BinanceApiError,
    BinanceProtocol,
    LiveSockets,
    MarketStreams,
    Outbox,
    RequestVerifier,
    bool_param,
    decimal_param,
    engine_refusal,
    enum_param,
    execution_type,
    fixed,
    int_param,
    json_response,
    levels,
    limit_param,
    missing_parameter,
    new_client_order_id,
    places_of,
    required,
    select_fills,
    stream_names,
)
from clobconn.sandbox.engine import (
    BookDelta,
    Engine,
    EngineOrder,
    EngineReject,
    Fill,
    FundingPayment,
    MarketSpec,
    OrderKind,
    OrderStatus,
    Position,
    PublicTrade,
    Side,
    TimeInForce,
)

MONEY_PLACES = 8
ZERO = Decimal(0)
EIGHT_PLACES = Decimal("1e-8")
LISTEN_KEY_LIFETIME_MS = 60 * 60 * 1000
BATCH_LIMIT = 5
INTEREST_RATE = Decimal("0.0001")
# No leverage brackets are modelled: every leverage allows this notional.
MAX_NOTIONAL = "1000000000"
RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
]


def money(value: Decimal) -> str:
    return fixed(value, MONEY_PLACES)


def derived(value: Decimal) -> str:
    """A computed price or PnL (an average, a mark): Binance rounds those to 8 decimals."""
    return format(value.quantize(EIGHT_PLACES).normalize(), "f")


def _is_combined(request: web.Request) -> bool:
    """``/<kind>/stream`` wraps each event with its stream name; ``/<kind>/ws`` does not."""
    return request.path.endswith("/stream")


@dataclass(frozen=True, slots=True)
class Formats:
    """How one market prints: prices at its tick, quantities at its step."""

    price_places: int
    qty_places: int

    @classmethod
    def of(cls, market: MarketSpec) -> Formats:
        return cls(places_of(market.tick_size), places_of(market.step_size))

    def price(self, value: Decimal) -> str:
        return fixed(value, self.price_places)

    def qty(self, value: Decimal) -> str:
        return fixed(value, self.qty_places)


@dataclass(slots=True)
class PendingAccountUpdate:
    """What one engine operation changed for an account, sent as one ACCOUNT_UPDATE."""

    reason: str = "ORDER"
    assets: set[str] = field(default_factory=set)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    funding: dict[str, Decimal] = field(default_factory=dict)


def symbol_info(market: MarketSpec) -> dict[str, Any]:
    """An exchangeInfo perpetual whose filters state exactly what the engine enforces."""
    formats = Formats.of(market)
    return {
        "symbol": market.symbol, "pair": market.symbol, "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
        "maintMarginPercent": "2.5000", "requiredMarginPercent": "5.0000",
        "baseAsset": market.base, "quoteAsset": market.quote, "marginAsset": market.quote,
        "pricePrecision": formats.price_places, "quantityPrecision": formats.qty_places,
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": [],
        "settlePlan": 0, "triggerProtect": "0.0500",
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": formats.price(market.tick_size), "maxPrice": "0",
             "tickSize": formats.price(market.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": formats.qty(market.min_qty), "maxQty": formats.qty(market.max_qty),
             "stepSize": formats.qty(market.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": formats.qty(market.min_qty),
             "maxQty": formats.qty(market.max_qty), "stepSize": formats.qty(market.step_size)},
            {"filterType": "MIN_NOTIONAL", "notional": money(market.min_notional)},
        ],
        "orderTypes": ["LIMIT", "MARKET"], "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
        "liquidationFee": "0.012500", "marketTakeBound": "0.05",
    }


class PerpProtocol(BinanceProtocol):
    """Serves one perpetual engine as Binance USD-M futures; it is also the engine's listener."""

    def __init__(self, engine: Engine, verifier: RequestVerifier, sockets: LiveSockets,
                 clock_ms: Callable[[], int]) -> None:
        super().__init__(engine, verifier, sockets, clock_ms)
        self.public_streams = MarketStreams(sockets, ("perp", "public"))
        self.market_streams = MarketStreams(sockets, ("perp", "public"))
        self._listen_keys: dict[str, tuple[str, int]] = {}  # key -> (account, expiry ms)
        self._user_sockets: dict[Outbox, str] = {}  # socket -> account
        self._pending: dict[str, PendingAccountUpdate] = {}
        engine.add_listener(self)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_routes([
            web.get("/fapi/v1/ping", self.ping),
            web.get("/fapi/v1/time", self.server_time),
            web.get("/fapi/v1/exchangeInfo", self.exchange_info),
            web.get("/fapi/v1/depth", self.depth),
            web.get("/fapi/v1/trades", self.recent_trades),
            web.get("/fapi/v1/premiumIndex", self.premium_index),
            web.get("/fapi/v3/account", self.account),
            web.get("/fapi/v2/balance", self.balance),
            web.get("/fapi/v3/balance", self.balance),
            web.post("/fapi/v1/order", self.new_order),
            web.delete("/fapi/v1/order", self.cancel_order),
            web.get("/fapi/v1/order", self.query_order),
            web.get("/fapi/v1/openOrders", self.open_orders),
            web.get("/fapi/v1/allOrders", self.all_orders),
            web.delete("/fapi/v1/allOpenOrders", self.cancel_open_orders),
            web.post("/fapi/v1/batchOrders", self.batch_orders),
            web.get("/fapi/v1/userTrades", self.user_trades),
            web.get("/fapi/v3/positionRisk", self.position_risk),
            web.post("/fapi/v1/leverage", self.set_leverage),
            web.get("/fapi/v1/positionSide/dual", self.position_mode),
            web.post("/fapi/v1/positionSide/dual", self.set_position_mode),
            web.get("/fapi/v1/income", self.income),
            web.post("/fapi/v1/listenKey", self.new_listen_key),
            web.put("/fapi/v1/listenKey", self.keep_listen_key),
            web.delete("/fapi/v1/listenKey", self.close_listen_key),
            web.get("/public/ws", self.public_socket),
            web.get("/public/stream", self.public_socket),
            web.get("/market/ws", self.market_socket),
            web.get("/market/stream", self.market_socket),
            web.get("/private/ws", self.private_socket),
        ])

    def _formats(self, symbol: str) -> Formats:
        return Formats.of(self._market(symbol))

    # == public REST =============================================================================

    async def exchange_info(self, request: web.Request) -> web.Response:
        quotes = sorted({market.quote for market in self.engine.markets.values()})
        return json_response({
            "timezone": "UTC", "serverTime": self._clock_ms(), "futuresType": "U_MARGINED",
            "rateLimits": RATE_LIMITS, "exchangeFilters": [],
            "assets": [{"asset": asset, "marginAvailable": True, "autoAssetExchange": "0"} for asset in quotes],
            "symbols": [symbol_info(market) for market in self.engine.markets.values()],
        })

    async def depth(self, request: web.Request) -> web.Response:
        symbol = required(request.query, "symbol")
        formats = self._formats(symbol)
        limit = limit_param(request.query, 500, 1000)
        last_update_id, bids, asks = self.engine.depth(symbol, limit)
        now = self._clock_ms()
        return json_response({"lastUpdateId": last_update_id, "E": now, "T": now,
                              "bids": levels(bids, formats.price_places, formats.qty_places),
                              "asks": levels(asks, formats.price_places, formats.qty_places)})

    async def recent_trades(self, request: web.Request) -> web.Response:
        symbol = required(request.query, "symbol")
        formats = self._formats(symbol)
        limit = limit_param(request.query, 500, 1000)
        return json_response([{"id": trade.trade_id, "price": formats.price(trade.price),
                               "qty": formats.qty(trade.qty), "quoteQty": money(trade.price * trade.qty),
                               "time": trade.time_ms, "isBuyerMaker": trade.buyer_is_maker}
                              for trade in self.engine.recent_trades(symbol, limit)])

    async def premium_index(self, request: web.Request) -> web.Response:
        symbol = request.query.get("symbol")
        if symbol:
            self._market(symbol)
            return json_response(self._premium(symbol))
        return json_response([self._premium(name) for name in self.engine.markets])

    def _premium(self, symbol: str) -> dict[str, Any]:
        # The sandbox has no separate index: the mark price stands for it.
        mark = derived(self.engine.mark_price(symbol))
        return {"symbol": symbol, "markPrice": mark, "indexPrice": mark, "estimatedSettlePrice": mark,
                "lastFundingRate": fixed(self.engine.funding_rate(symbol), 8), "interestRate": fixed(INTEREST_RATE, 8),
                "nextFundingTime": self.engine.next_funding_ms(symbol), "time": self._clock_ms()}

    # == account =================================================================================

    def _open_order_margin(self, account: str, position: Position | None = None) -> Decimal:
        """Initial margin held by resting orders (of one position's symbol and side, or all):
        notional over leverage, none for reduce-only ones."""
        orders = self.engine.open_orders(account, position.symbol if position else None)
        return sum((((order.quantity - order.executed_qty) * (order.price or ZERO))
                    / self.engine.leverage(account, order.symbol)
                    for order in orders if not order.reduce_only
                    and (position is None or order.position_side == position.position_side)), ZERO)

    async def account(self, request: web.Request) -> web.Response:
        """GET /fapi/v3/account; maintenance margin is not modelled, so it reads zero."""
        account, _ = await self._verifier.signed(request)
        positions = [p for p in self.engine.positions(account) if p.amount]
        unrealized = sum((p.unrealized_pnl for p in positions), ZERO)
        position_margin = sum((p.initial_margin for p in positions), ZERO)
        order_margin = self._open_order_margin(account)
        now = self._clock_ms()
        wallets = self.engine.wallet(account)
        assets = [{"asset": asset, "walletBalance": money(wallet), "unrealizedProfit": money(unrealized),
                   "marginBalance": money(wallet + unrealized), "maintMargin": money(ZERO),
                   "initialMargin": money(position_margin + order_margin),
                   "positionInitialMargin": money(position_margin), "openOrderInitialMargin": money(order_margin),
                   "crossWalletBalance": money(wallet), "crossUnPnl": money(unrealized),
                   "availableBalance": money(available), "maxWithdrawAmount": money(available), "updateTime": now}
                  for asset, (wallet, available) in sorted(wallets.items())]
        total_wallet = sum((wallet for wallet, _ in wallets.values()), ZERO)
        total_available = sum((available for _, available in wallets.values()), ZERO)
        return json_response({
            "totalInitialMargin": money(position_margin + order_margin), "totalMaintMargin": money(ZERO),
            "totalWalletBalance": money(total_wallet), "totalUnrealizedProfit": money(unrealized),
            "totalMarginBalance": money(total_wallet + unrealized),
            "totalPositionInitialMargin": money(position_margin), "totalOpenOrderInitialMargin": money(order_margin),
            "totalCrossWalletBalance": money(total_wallet), "totalCrossUnPnl": money(unrealized),
            "availableBalance": money(total_available), "maxWithdrawAmount": money(total_available),
            "assets": assets,
            "positions": [{"symbol": p.symbol, "positionSide": p.position_side,
                           "positionAmt": self._formats(p.symbol).qty(p.amount),
                           "unrealizedProfit": derived(p.unrealized_pnl), "isolatedMargin": "0",
                           "notional": derived(p.amount * p.mark_price), "isolatedWallet": "0",
                           "initialMargin": derived(p.initial_margin), "maintMargin": "0", "updateTime": p.update_ms}
                          for p in positions],
        })

    async def balance(self, request: web.Request) -> web.Response:
        account, _ = await self._verifier.signed(request)
        unrealized = sum((p.unrealized_pnl for p in self.engine.positions(account)), ZERO)
        return json_response([{"accountAlias": "SgsR", "asset": asset, "balance": money(wallet),
                               "crossWalletBalance": money(wallet), "crossUnPnl": money(unrealized),
                               "availableBalance": money(available), "maxWithdrawAmount": money(available),
                               "marginAvailable": True, "updateTime": self._clock_ms()}
                              for asset, (wallet, available) in sorted(self.engine.wallet(account).items())])

    async def position_risk(self, request: web.Request) -> web.Response:
        """v3: only symbols with a position or an open order."""
        account, params = await self._verifier.signed(request)
        symbol = params.get("symbol") or None
        with_orders = {order.symbol for order in self.engine.open_orders(account)}
        return json_response([self._position_row(account, p) for p in self.engine.positions(account)
                              if (symbol is None or p.symbol == symbol) and (p.amount or p.symbol in with_orders)])

    def _position_row(self, account: str, position: Position) -> dict[str, Any]:
        formats = self._formats(position.symbol)
        order_margin = self._open_order_margin(account, position)
        return {
            "symbol": position.symbol, "positionSide": position.position_side,
            "positionAmt": formats.qty(position.amount), "entryPrice": derived(position.entry_price),
            "breakEvenPrice": derived(position.entry_price), "markPrice": derived(position.mark_price),
            "unRealizedProfit": derived(position.unrealized_pnl), "liquidationPrice": "0",
            "isolatedMargin": "0", "notional": derived(position.amount * position.mark_price),
            "marginAsset": self._market(position.symbol).quote, "isolatedWallet": "0",
            "initialMargin": derived(position.initial_margin + order_margin), "maintMargin": "0",
            "positionInitialMargin": derived(position.initial_margin), "openOrderInitialMargin": derived(order_margin),
            "adl": 0, "bidNotional": "0", "askNotional": "0", "updateTime": position.update_ms,
        }

    async def set_leverage(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = self._symbol_param(params)
        leverage = int_param(params, "leverage")
        if leverage is None:
            raise missing_parameter("leverage")
        applied = self.engine.set_leverage(account, symbol, leverage)
        return json_response({"leverage": applied, "maxNotionalValue": MAX_NOTIONAL, "symbol": symbol})

    async def position_mode(self, request: web.Request) -> web.Response:
        account, _ = await self._verifier.signed(request)
        return json_response({"dualSidePosition": self.engine.dual_side(account)})

    async def set_position_mode(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        dual = required(params, "dualSidePosition").lower() == "true"
        if dual == self.engine.dual_side(account):
            raise BinanceApiError(400, -4059, "No need to change position side.")
        self.engine.set_dual_side(account, dual)
        return json_response({"code": 200, "msg": "success"})

    async def income(self, request: web.Request) -> web.Response:
        """Funding fees, realized PnL and commissions, oldest first.

        https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History
        """
        account, params = await self._verifier.signed(request)
        symbol = params.get("symbol") or None
        kind = params.get("incomeType") or None
        start, end = int_param(params, "startTime"), int_param(params, "endTime")
        limit = limit_param(params, 100, 1000)
        rows = [row for row in self._income_rows(account, symbol)
                if (kind is None or row["incomeType"] == kind)
                and (start is None or row["time"] >= start) and (end is None or row["time"] <= end)]
        rows.sort(key=lambda row: (row["time"], row["tranId"]))
        # From a start time the oldest rows come first; without one, the most recent ones.
        return json_response(rows[:limit] if start is not None else rows[-limit:])

    def _income_rows(self, account: str, symbol: str | None) -> list[dict[str, Any]]:
        rows = [{"symbol": p.symbol, "incomeType": "FUNDING_FEE", "income": money(p.amount), "asset": p.asset,
                 "info": "FUNDING_FEE", "time": p.time_ms, "tranId": p.payment_id, "tradeId": ""}
                for p in self.engine.funding_payments(account, symbol)]
        for name in [symbol] if symbol else list(self.engine.markets):
            for fill in self.engine.fills(account, name):
                asset = self.engine.markets[name].quote
                if fill.realized_pnl:
                    rows.append({"symbol": name, "incomeType": "REALIZED_PNL", "income": money(fill.realized_pnl),
                                 "asset": asset, "info": "REALIZED_PNL", "time": fill.time_ms,
                                 "tranId": fill.trade_id, "tradeId": str(fill.trade_id)})
                if fill.fee:
                    rows.append({"symbol": name, "incomeType": "COMMISSION", "income": money(-fill.fee),
                                 "asset": fill.fee_asset, "info": "COMMISSION", "time": fill.time_ms,
                                 "tranId": fill.trade_id, "tradeId": str(fill.trade_id)})
        return rows

    # == orders ==================================================================================

    async def new_order(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        order = self._place(account, params)
        return json_response(self._answer(order, params.get("newOrderRespType")))

    def _place(self, account: str, params: dict[str, str]) -> EngineOrder:
        symbol = self._symbol_param(params)
        side = enum_param(params, "side", Side, -1117, "Invalid side.")
        kind = enum_param(params, "type", OrderKind, -1116, "Invalid orderType.")
        if kind is OrderKind.LIMIT_MAKER:  # post-only is LIMIT with GTX on futures
            raise BinanceApiError(400, -1116, "Invalid orderType.")
        quantity = decimal_param(params, "quantity")
        if quantity is None:
            raise missing_parameter("quantity")
        price = decimal_param(params, "price")
        tif = TimeInForce.GTC
        if kind is OrderKind.LIMIT:
            tif = enum_param(params, "timeInForce", TimeInForce, -1115, "Invalid timeInForce.")
            if price is None:
                raise missing_parameter("price")
        else:
            price = None
        position_side = self._position_side(account, params)
        client_id = params.get("newClientOrderId") or new_client_order_id()
        order, _ = self.engine.place(account, symbol, side, kind, quantity, price, tif, client_id,
                                     reduce_only=bool_param(params, "reduceOnly"), position_side=position_side)
        return order

    def _position_side(self, account: str, params: dict[str, str]) -> str:
        """BOTH in one-way mode, LONG or SHORT in hedge mode, where reduceOnly must not be sent."""
        position_side = params.get("positionSide") or "BOTH"
        dual = self.engine.dual_side(account)
        if position_side not in ("BOTH", "LONG", "SHORT") or (position_side == "BOTH") == dual:
            raise BinanceApiError(400, -4061, "Order's position side does not match user's setting.")
        if dual and "reduceOnly" in params:
            raise BinanceApiError(400, -1106, "Parameter 'reduceOnly' sent when not required.")
        return position_side

    def _answer(self, order: EngineOrder, response_type: str | None = "RESULT") -> dict[str, Any]:
        """The order object; ACK (the default) reports it as accepted, RESULT as it stands now."""
        if response_type in (None, "ACK") and order.status is not OrderStatus.NEW:
            order = replace(order, status=OrderStatus.NEW, executed_qty=ZERO, cum_quote=ZERO,
                            updated_ms=order.created_ms)
        formats = self._formats(order.symbol)
        wire_type = order.kind.value
        return {
            "orderId": order.order_id, "symbol": order.symbol, "status": order.status.value,
            "clientOrderId": order.client_order_id, "price": formats.price(order.price or ZERO),
            "avgPrice": derived(order.avg_price), "origQty": formats.qty(order.quantity),
            "executedQty": formats.qty(order.executed_qty), "cumQty": formats.qty(order.executed_qty),
            "cumQuote": money(order.cum_quote), "timeInForce": order.tif.value, "type": wire_type,
            "reduceOnly": order.reduce_only, "closePosition": False, "side": order.side.value,
            "positionSide": order.position_side, "stopPrice": "0", "workingType": "CONTRACT_PRICE",
            "priceProtect": False, "origType": wire_type, "priceMatch": "NONE", "selfTradePreventionMode": "NONE",
            "goodTillDate": 0, "time": order.created_ms, "updateTime": order.updated_ms,
        }

    def _order_json(self, order: EngineOrder) -> dict[str, Any]:
        return self._answer(order)

    async def cancel_order(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol, order_id, client_id = self._order_ref(params)
        return json_response(self._answer(self.engine.cancel(account, symbol, order_id, client_id)))

    async def cancel_open_orders(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = self._symbol_param(params)
        self.engine.cancel_all(account, symbol)
        return json_response({"code": 200, "msg": "The operation of cancel all open order is done."})

    async def batch_orders(self, request: web.Request) -> web.Response:
        """Up to 5 orders; each answer is the order or its own ``{"code", "msg"}``."""
        account, params = await self._verifier.signed(request)
        try:
            batch = orjson.loads(required(params, "batchOrders"))
        except orjson.JSONDecodeError:
            raise BinanceApiError(400, -1130, "Data sent for parameter 'batchOrders' is not valid.") from None
        if not isinstance(batch, list) or not batch or not all(isinstance(item, dict) for item in batch):
            raise BinanceApiError(400, -1130, "Data sent for parameter 'batchOrders' is not valid.")
        if len(batch) > BATCH_LIMIT:
            raise BinanceApiError(400, -4083, f"Max {BATCH_LIMIT} orders in one batch.")
        return json_response([self._batch_item(account, {key: str(value) for key, value in item.items()})
                              for item in batch])

    def _batch_item(self, account: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            return self._answer(self._place(account, params), params.get("newOrderRespType"))
        except BinanceApiError as exc:
            return exc.body()
        except EngineReject as exc:
            return engine_refusal(exc).body()

    async def user_trades(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = required(params, "symbol")
        formats = self._formats(symbol)
        fills = select_fills(self.engine.fills(account, symbol, int_param(params, "orderId")), params)
        return json_response([{
            "buyer": fill.side is Side.BUY, "commission": money(fill.fee), "commissionAsset": fill.fee_asset,
            "id": fill.trade_id, "maker": fill.is_maker, "orderId": fill.order_id,
            "price": formats.price(fill.price), "qty": formats.qty(fill.qty), "quoteQty": money(fill.quote_qty),
            "realizedPnl": money(fill.realized_pnl), "side": fill.side.value,
            "positionSide": self.engine.get_order(account, symbol, fill.order_id).position_side,
            "symbol": symbol, "time": fill.time_ms} for fill in fills])

    # == listen keys and sockets =================================================================

    async def new_listen_key(self, request: web.Request) -> web.Response:
        """The account's live key (extended), or a new one: as on Binance, one key per account."""
        account = self._verifier.key_only(request)
        now = self._clock_ms()
        key = next((key for key, (owner, expiry) in self._listen_keys.items() if owner == account and expiry > now),
                   None) or secrets.token_hex(32)
        self._listen_keys[key] = (account, now + LISTEN_KEY_LIFETIME_MS)
        return json_response({"listenKey": key})

    def _live_key(self, account: str) -> str:
        now = self._clock_ms()
        for key, (owner, expiry) in self._listen_keys.items():
            if owner == account and expiry > now:
                return key
        raise BinanceApiError(400, -1125, "This listenKey does not exist.")

    async def keep_listen_key(self, request: web.Request) -> web.Response:
        account = self._verifier.key_only(request)
        key = self._live_key(account)
        self._listen_keys[key] = (account, self._clock_ms() + LISTEN_KEY_LIFETIME_MS)
        return json_response({"listenKey": key})

    async def close_listen_key(self, request: web.Request) -> web.Response:
        account = self._verifier.key_only(request)
        self._listen_keys.pop(self._live_key(account), None)
        return json_response({})

    async def public_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self.public_streams.serve(request, stream_names(request), _is_combined(request))

    async def market_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self.market_streams.serve(request, stream_names(request), _is_combined(request))

    async def private_socket(self, request: web.Request) -> web.StreamResponse:
        owner = self._listen_keys.get(request.query.get("listenKey", ""))
        if owner is None or owner[1] <= self._clock_ms():
            return json_response({"code": -1125, "msg": "This listenKey does not exist."}, 400)
        account = owner[0]

        def on_open(outbox: Outbox) -> None:
            self._user_sockets[outbox] = account

        def on_close(outbox: Outbox) -> None:
            self._user_sockets.pop(outbox, None)

        # The private stream takes no requests: frames from the client are ignored.
        return await self._sockets.serve(request, ("perp", "user"), lambda outbox, frame: None, on_open, on_close)

    def _send_to_account(self, account: str, event: dict[str, Any]) -> None:
        for outbox, owner in self._user_sockets.items():
            if owner == account:
                outbox.send(event)

    def _has_subscriber(self, account: str) -> bool:
        return account in self._user_sockets.values()

    def publish_mark_prices(self) -> None:
        """The markPrice streams (the server calls this every second)."""
        now = self._clock_ms()
        for symbol in self.engine.markets:
            names = (f"{symbol.lower()}@markPrice@1s", f"{symbol.lower()}@markPrice")
            if not self.market_streams.has_subscribers(names):
                continue
            mark = derived(self.engine.mark_price(symbol))
            self.market_streams.publish(names, {
                "e": "markPriceUpdate", "E": now, "s": symbol, "p": mark, "ap": mark, "i": mark, "P": mark,
                "r": fixed(self.engine.funding_rate(symbol), 8), "T": self.engine.next_funding_ms(symbol)})

    # == engine listener =========================================================================

    def on_book_delta(self, delta: BookDelta) -> None:
        formats = self._formats(delta.symbol)
        stream = delta.symbol.lower()
        self.public_streams.publish(
            (f"{stream}@depth", f"{stream}@depth@100ms", f"{stream}@depth@500ms"),
            {"e": "depthUpdate", "E": delta.time_ms, "T": delta.time_ms, "s": delta.symbol,
             "U": delta.first_update_id, "u": delta.last_update_id, "pu": delta.prev_update_id,
             "b": levels(delta.bids, formats.price_places, formats.qty_places),
             "a": levels(delta.asks, formats.price_places, formats.qty_places)})

    def on_trade(self, trade: PublicTrade) -> None:
        formats = self._formats(trade.symbol)
        quantity = formats.qty(trade.qty)
        # Each sandbox trade is its own aggregate: a, f and l are the trade's id.
        self.market_streams.publish(
            (f"{trade.symbol.lower()}@aggTrade",),
            {"e": "aggTrade", "E": trade.time_ms, "s": trade.symbol, "a": trade.trade_id,
             "p": formats.price(trade.price), "q": quantity, "nq": quantity, "f": trade.trade_id,
             "l": trade.trade_id, "T": trade.time_ms, "m": trade.buyer_is_maker})

    def on_order(self, order: EngineOrder, fill: Fill | None) -> None:
        if not self._has_subscriber(order.account):
            return
        execution = execution_type(order, fill)
        if execution is None:
            return
        now = self._clock_ms()
        self._send_to_account(order.account, {"e": "ORDER_TRADE_UPDATE", "E": now,
                                              "T": fill.time_ms if fill else now,
                                              "o": self._order_event(order, fill, execution)})

    def _order_event(self, order: EngineOrder, fill: Fill | None, execution: str) -> dict[str, Any]:
        """https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams/Event-Order-Update"""
        formats = self._formats(order.symbol)
        event: dict[str, Any] = {
            "s": order.symbol, "c": order.client_order_id, "S": order.side.value, "o": order.kind.value,
            "f": order.tif.value, "q": formats.qty(order.quantity), "p": formats.price(order.price or ZERO),
            "ap": derived(order.avg_price), "sp": "0", "x": execution, "X": order.status.value, "i": order.order_id,
            "l": formats.qty(fill.qty if fill else ZERO), "z": formats.qty(order.executed_qty),
            "L": formats.price(fill.price if fill else ZERO), "T": fill.time_ms if fill else order.updated_ms,
            "t": fill.trade_id if fill else 0, "b": "0", "a": "0", "m": fill.is_maker if fill else False,
            "R": order.reduce_only, "wt": "CONTRACT_PRICE", "ot": order.kind.value, "ps": order.position_side,
            "cp": False, "rp": money(fill.realized_pnl if fill else ZERO), "pP": False, "si": 0, "ss": 0,
            "V": "NONE", "pm": "NONE", "gtd": 0, "er": "0",
        }
        if fill is not None:  # "N" and "n" are pushed only with a commission
            event |= {"N": fill.fee_asset, "n": money(fill.fee)}
        return event

    def _pending_for(self, account: str) -> PendingAccountUpdate | None:
        """The account's update being gathered; the first change of an operation schedules its flush,
        which runs once the engine's synchronous operation has finished."""
        if not self._has_subscriber(account):
            return None
        pending = self._pending.get(account)
        if pending is None:
            pending = self._pending[account] = PendingAccountUpdate()
            try:
                asyncio.get_running_loop().call_soon(self._flush, account)
            except RuntimeError:  # no loop: no socket can be listening either
                self._pending.pop(account)
                return None
        return pending

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        pending = self._pending_for(account)
        if pending is not None:
            pending.assets.update(assets)

    def on_position(self, account: str, position: Position) -> None:
        pending = self._pending_for(account)
        if pending is not None:
            pending.positions[(position.symbol, position.position_side)] = position

    def on_funding(self, payment: FundingPayment) -> None:
        pending = self._pending_for(payment.account)
        if pending is not None:
            pending.reason = "FUNDING_FEE"
            pending.assets.add(payment.asset)
            pending.funding[payment.asset] = pending.funding.get(payment.asset, ZERO) + payment.amount

    def _flush(self, account: str) -> None:
        pending = self._pending.pop(account, None)
        if pending is None:
            return
        wallet = self.engine.wallet(account)
        balances = [{"a": asset, "wb": money(wallet.get(asset, (ZERO, ZERO))[0]),
                     "cw": money(wallet.get(asset, (ZERO, ZERO))[0]), "bc": money(pending.funding.get(asset, ZERO))}
                    for asset in sorted(pending.assets)]
        positions = [self._position_event(account, position) for position in pending.positions.values()]
        now = self._clock_ms()
        self._send_to_account(account, {"e": "ACCOUNT_UPDATE", "E": now, "T": now,
                                        "a": {"m": pending.reason, "B": balances, "P": positions}})

    def _position_event(self, account: str, position: Position) -> dict[str, Any]:
        realized = sum((fill.realized_pnl for fill in self.engine.fills(account, position.symbol)), ZERO)
        return {"s": position.symbol, "pa": self._formats(position.symbol).qty(position.amount),
                "ep": derived(position.entry_price), "bep": derived(position.entry_price), "cr": money(realized),
                "up": derived(position.unrealized_pnl), "mt": "cross", "iw": "0", "ps": position.position_side}
