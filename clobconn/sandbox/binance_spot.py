"""The Binance spot protocol over the sandbox's spot engine.

REST /api/v3 (https://developers.binance.com/docs/binance-spot-api-docs/rest-api), the market streams
on /ws (https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams) and the user data
stream and order entry (order.place, order.cancel) through the WebSocket API on /ws-api/v3
(https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests).
Spot prints every price, quantity and amount with 8 decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from clobconn.sandbox.binance_common import (
    OPEN_STATUSES,
    BinanceApiError,
    BinanceProtocol,
    LiveSockets,
    MarketStreams,
    Outbox,
    RequestVerifier,
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
    Position,
    PublicTrade,
    Side,
    TimeInForce,
)

PLACES = 8
ZERO = Decimal(0)
ORDER_TYPES = ("LIMIT", "LIMIT_MAKER", "MARKET")
# executionReport "x" for a status change that carries no fill.
RATE_LIMITS = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 50},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 160000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
]


def num(value: Decimal) -> str:
    return fixed(value, PLACES)


def symbol_info(market: MarketSpec) -> dict[str, Any]:
    """An exchangeInfo symbol whose filters state exactly what the engine enforces."""
    return {
        "symbol": market.symbol, "status": "TRADING",
        "baseAsset": market.base, "baseAssetPrecision": PLACES,
        "quoteAsset": market.quote, "quotePrecision": PLACES, "quoteAssetPrecision": PLACES,
        "baseCommissionPrecision": PLACES, "quoteCommissionPrecision": PLACES,
        "orderTypes": list(ORDER_TYPES),
        "icebergAllowed": False, "ocoAllowed": False, "otoAllowed": False, "opoAllowed": False,
        "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": False, "cancelReplaceAllowed": True,
        "amendAllowed": False, "pegInstructionsAllowed": False,
        "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
        "filters": [
            # A zero maxPrice disables that bound, as on Binance.
            {"filterType": "PRICE_FILTER", "minPrice": num(market.tick_size), "maxPrice": num(ZERO),
             "tickSize": num(market.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": num(market.min_qty), "maxQty": num(market.max_qty),
             "stepSize": num(market.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": num(market.min_qty), "maxQty": num(market.max_qty),
             "stepSize": num(market.step_size)},
            {"filterType": "NOTIONAL", "minNotional": num(market.min_notional), "applyMinToMarket": True,
             "avgPriceMins": 5},
        ],
        "permissions": [], "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE", "allowedSelfTradePreventionModes": ["NONE"],
    }


class SpotProtocol(BinanceProtocol):
    """Serves one spot engine as Binance spot; it is also the engine's listener for the streams."""

    def __init__(self, engine: Engine, verifier: RequestVerifier, sockets: LiveSockets,
                 clock_ms: Callable[[], int]) -> None:
        super().__init__(engine, verifier, sockets, clock_ms)
        self.market_streams = MarketStreams(sockets, ("spot", "public"))
        # WS-API user-stream subscriptions: socket -> {subscriptionId: account}.
        self._user_subscriptions: dict[Outbox, dict[int, str]] = {}
        self._next_subscription_id: dict[Outbox, int] = {}
        # A market order sized in quote keeps that size for origQuoteOrderQty / "Q".
        self._quote_sizes: dict[tuple[str, str], Decimal] = {}
        # The id of the cancel request in progress: executionReport "c" of a cancel names it.
        self._cancel_request_id: str | None = None
        self._event_count = 0
        engine.add_listener(self)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_routes([
            web.get("/api/v3/ping", self.ping),
            web.get("/api/v3/time", self.server_time),
            web.get("/api/v3/exchangeInfo", self.exchange_info),
            web.get("/api/v3/depth", self.depth),
            web.get("/api/v3/trades", self.recent_trades),
            web.get("/api/v3/account", self.account),
            web.post("/api/v3/order", self.new_order),
            web.delete("/api/v3/order", self.cancel_order),
            web.get("/api/v3/order", self.query_order),
            web.get("/api/v3/openOrders", self.open_orders),
            web.get("/api/v3/allOrders", self.all_orders),
            web.delete("/api/v3/openOrders", self.cancel_open_orders),
            web.get("/api/v3/myTrades", self.my_trades),
            web.post("/api/v3/order/cancelReplace", self.cancel_replace),
            web.get("/ws", self.public_socket),
            web.get("/ws/{stream}", self.public_socket),
            web.get("/stream", self.combined_socket),
            web.get("/ws-api/v3", self.ws_api_socket),
        ])

    # == public REST =============================================================================

    async def exchange_info(self, request: web.Request) -> web.Response:
        wanted = self._requested_symbols(request.query.get("symbol"), request.query.get("symbols"))
        symbols = [symbol_info(self._market(symbol)) for symbol in wanted]
        return json_response({"timezone": "UTC", "serverTime": self._clock_ms(), "rateLimits": RATE_LIMITS,
                              "exchangeFilters": [], "symbols": symbols, "sors": []})

    def _requested_symbols(self, symbol: str | None, symbols: str | None) -> list[str]:
        if symbol:
            return [symbol]
        if symbols:
            try:
                return [str(name) for name in orjson.loads(symbols)]
            except orjson.JSONDecodeError:
                raise BinanceApiError(400, -1100, "Illegal characters found in parameter 'symbols'.") from None
        return list(self.engine.markets)

    async def depth(self, request: web.Request) -> web.Response:
        symbol = self._symbol_param(request.query)
        limit = limit_param(request.query, 100, 5000)
        last_update_id, bids, asks = self.engine.depth(symbol, limit)
        return json_response({"lastUpdateId": last_update_id, "bids": levels(bids, PLACES, PLACES),
                              "asks": levels(asks, PLACES, PLACES)})

    async def recent_trades(self, request: web.Request) -> web.Response:
        symbol = self._symbol_param(request.query)
        limit = limit_param(request.query, 500, 1000)
        return json_response([{"id": trade.trade_id, "price": num(trade.price), "qty": num(trade.qty),
                               "quoteQty": num(trade.price * trade.qty), "time": trade.time_ms,
                               "isBuyerMaker": trade.buyer_is_maker, "isBestMatch": True}
                              for trade in self.engine.recent_trades(symbol, limit)])

    # == account and orders ======================================================================

    async def account(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        balances = [{"asset": asset, "free": num(free), "locked": num(locked)}
                    for asset, (free, locked) in sorted(self.engine.balances(account).items())
                    if params.get("omitZeroBalances") != "true" or free or locked]
        maker, taker = self._account_fee_rates()
        now = self._clock_ms()
        return json_response({
            # The integer commissions are in basis points.
            "makerCommission": int(maker * 10_000), "takerCommission": int(taker * 10_000),
            "buyerCommission": 0, "sellerCommission": 0,
            "commissionRates": {"maker": num(maker), "taker": num(taker), "buyer": num(ZERO), "seller": num(ZERO)},
            "canTrade": True, "canWithdraw": False, "canDeposit": False, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now,
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 1,
        })

    def _account_fee_rates(self) -> tuple[Decimal, Decimal]:
        """The account's default rates: those of the first market (the sandbox uses one schedule)."""
        market = next(iter(self.engine.markets.values()), None)
        return (market.maker_fee, market.taker_fee) if market is not None else (ZERO, ZERO)

    async def new_order(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        order, fills = self._place(account, params)
        return json_response(self._placement_answer(order, fills, params.get("newOrderRespType")))

    def _place(self, account: str, params: dict[str, str]) -> tuple[EngineOrder, list[Fill]]:
        symbol = self._symbol_param(params)
        side = enum_param(params, "side", Side, -1117, "Invalid side.")
        kind = enum_param(params, "type", OrderKind, -1116, "Invalid orderType.")
        quantity = decimal_param(params, "quantity")
        quote_quantity = decimal_param(params, "quoteOrderQty")
        price = decimal_param(params, "price")
        tif = TimeInForce.GTC
        if kind is OrderKind.MARKET:
            if quantity is None and quote_quantity is None:
                raise BinanceApiError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, "
                                                  "but both were empty/null!")
            price = None
        else:
            if kind is OrderKind.LIMIT:
                tif = enum_param(params, "timeInForce", TimeInForce, -1115, "Invalid timeInForce.")
                if tif is TimeInForce.GTX:  # a futures-only time in force
                    raise BinanceApiError(400, -1115, "Invalid timeInForce.")
            if price is None:
                raise missing_parameter("price")
            if quantity is None:
                raise missing_parameter("quantity")
            quote_quantity = None
        client_id = params.get("newClientOrderId") or new_client_order_id()
        key = (account, client_id)
        if quote_quantity is not None:
            self._quote_sizes[key] = quote_quantity
        else:
            self._quote_sizes.pop(key, None)
        return self.engine.place(account, symbol, side, kind, quantity if quote_quantity is None else None, price,
                                 tif, client_id, quote_quantity)

    def _placement_answer(self, order: EngineOrder, fills: list[Fill], response_type: str | None) -> dict[str, Any]:
        """ACK, RESULT or FULL; LIMIT and MARKET orders default to FULL, the others to ACK."""
        if response_type is None:
            response_type = "FULL" if order.kind in (OrderKind.LIMIT, OrderKind.MARKET) else "ACK"
        answer: dict[str, Any] = {"symbol": order.symbol, "orderId": order.order_id, "orderListId": -1,
                                  "clientOrderId": order.client_order_id, "transactTime": order.created_ms}
        if response_type == "ACK":
            return answer
        answer |= self._order_body(order) | {"workingTime": order.created_ms}
        if response_type == "FULL":
            answer["fills"] = [{"price": num(fill.price), "qty": num(fill.qty), "commission": num(fill.fee),
                                "commissionAsset": fill.fee_asset, "tradeId": fill.trade_id} for fill in fills]
        return answer

    def _order_body(self, order: EngineOrder) -> dict[str, Any]:
        """The fields every REST order answer shares."""
        return {
            "price": num(order.price or ZERO), "origQty": num(order.quantity), "executedQty": num(order.executed_qty),
            "origQuoteOrderQty": num(self._quote_size(order)), "cummulativeQuoteQty": num(order.cum_quote),
            "status": order.status.value, "timeInForce": order.tif.value, "type": order.kind.value,
            "side": order.side.value, "selfTradePreventionMode": "NONE",
        }

    def _quote_size(self, order: EngineOrder) -> Decimal:
        return self._quote_sizes.get((order.account, order.client_order_id), ZERO)

    def _order_json(self, order: EngineOrder) -> dict[str, Any]:
        return {"symbol": order.symbol, "orderId": order.order_id, "orderListId": -1,
                "clientOrderId": order.client_order_id, **self._order_body(order),
                "stopPrice": num(ZERO), "icebergQty": num(ZERO), "time": order.created_ms,
                "updateTime": order.updated_ms, "isWorking": order.status in OPEN_STATUSES,
                "workingTime": order.created_ms}

    async def cancel_order(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol, order_id, client_id = self._order_ref(params)
        cancel_id = params.get("newClientOrderId") or new_client_order_id()
        order = self._cancel(account, symbol, order_id, client_id, cancel_id)
        return json_response(self._cancel_answer(order, cancel_id))

    def _cancel(self, account: str, symbol: str, order_id: int | None, client_id: str | None,
                cancel_id: str) -> EngineOrder:
        self._cancel_request_id = cancel_id
        try:
            return self.engine.cancel(account, symbol, order_id, client_id)
        finally:
            self._cancel_request_id = None

    def _cancel_answer(self, order: EngineOrder, cancel_id: str) -> dict[str, Any]:
        return {"symbol": order.symbol, "origClientOrderId": order.client_order_id, "orderId": order.order_id,
                "orderListId": -1, "clientOrderId": cancel_id, "transactTime": order.updated_ms,
                **self._order_body(order)}

    async def cancel_open_orders(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = self._symbol_param(params)
        # One cancel request: every report names the same cancel id.
        cancel_id = params.get("newClientOrderId") or new_client_order_id()
        self._cancel_request_id = cancel_id
        try:
            orders = self.engine.cancel_all(account, symbol)
        finally:
            self._cancel_request_id = None
        if not orders:
            raise BinanceApiError(400, -2011, "Unknown order sent.")
        return json_response([self._cancel_answer(order, cancel_id) for order in orders])

    async def cancel_replace(self, request: web.Request) -> web.Response:
        """Cancel an order, then place another; STOP_ON_FAILURE skips the placement when the cancel fails.

        https://developers.binance.com/docs/binance-spot-api-docs/rest-api/trading-endpoints#cancel-an-existing-order-and-send-a-new-order-trade
        """
        account, params = await self._verifier.signed(request)
        mode = required(params, "cancelReplaceMode")
        if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
            raise BinanceApiError(400, -1100, "Illegal characters found in parameter 'cancelReplaceMode'.")
        symbol, order_id, client_id = self._order_ref(params, prefix="cancel")
        cancel_id = params.get("cancelNewClientOrderId") or new_client_order_id()
        cancel_response: dict[str, Any]
        try:
            cancel_response = self._cancel_answer(self._cancel(account, symbol, order_id, client_id, cancel_id),
                                                  cancel_id)
            cancelled = True
        except EngineReject as exc:
            cancel_response, cancelled = {"code": exc.code, "msg": exc.message}, False
        new_response: dict[str, Any] | None = None
        placed = False
        if cancelled or mode == "ALLOW_FAILURE":
            try:
                order, fills = self._place(account, params)
                new_response, placed = self._placement_answer(order, fills, params.get("newOrderRespType")), True
            except EngineReject as exc:
                new_response = engine_refusal(exc).body()
        data = {"cancelResult": "SUCCESS" if cancelled else "FAILURE",
                "newOrderResult": ("SUCCESS" if placed else "FAILURE") if new_response is not None else "NOT_ATTEMPTED",
                "cancelResponse": cancel_response, "newOrderResponse": new_response}
        if cancelled and placed:
            return json_response(data)
        if cancelled or placed:
            raise BinanceApiError(400, -2021, "Order cancel-replace partially failed.", data)
        raise BinanceApiError(400, -2022, "Order cancel-replace failed.", data)

    async def my_trades(self, request: web.Request) -> web.Response:
        account, params = await self._verifier.signed(request)
        symbol = self._symbol_param(params)
        fills = select_fills(self.engine.fills(account, symbol, int_param(params, "orderId")), params)
        return json_response([self._trade_row(fill) for fill in fills])

    @staticmethod
    def _trade_row(fill: Fill) -> dict[str, Any]:
        return {"symbol": fill.symbol, "id": fill.trade_id, "orderId": fill.order_id, "orderListId": -1,
                "price": num(fill.price), "qty": num(fill.qty), "quoteQty": num(fill.quote_qty),
                "commission": num(fill.fee), "commissionAsset": fill.fee_asset, "time": fill.time_ms,
                "isBuyer": fill.side is Side.BUY, "isMaker": fill.is_maker, "isBestMatch": True}

    # == sockets =================================================================================

    async def public_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self.market_streams.serve(request, stream_names(request))

    async def combined_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self.market_streams.serve(request, stream_names(request), combined=True)

    async def ws_api_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._sockets.serve(request, ("spot", "user"), self._on_ws_api_request,
                                         on_close=self._forget_socket)

    def _forget_socket(self, outbox: Outbox) -> None:
        self._user_subscriptions.pop(outbox, None)
        self._next_subscription_id.pop(outbox, None)

    def _on_ws_api_request(self, outbox: Outbox, frame: Any) -> None:
        """One WS-API request: ``{"id", "method", "params"}`` answered by ``{"id", "status", "result"|"error"}``."""
        request_id = frame.get("id") if isinstance(frame, dict) else None
        try:
            if not isinstance(frame, dict) or not isinstance(frame.get("params", {}), dict):
                raise BinanceApiError(400, -1100, "Illegal characters found in a parameter.")
            try:
                result = self._ws_api_call(outbox, str(frame.get("method")), frame.get("params") or {})
            except EngineReject as reject:
                # The engine's refusal (an order.place it rejects), as REST's middleware answers it.
                raise engine_refusal(reject) from reject
        except BinanceApiError as exc:
            outbox.send({"id": request_id, "status": exc.status, "error": {"code": exc.code, "msg": exc.msg}})
            return
        outbox.send({"id": request_id, "status": 200, "result": result})

    def _ws_api_call(self, outbox: Outbox, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "userDataStream.subscribe.signature":
            account = self._verifier.signed_ws_params(params)
            subscription_id = self._next_subscription_id.get(outbox, 0)
            self._next_subscription_id[outbox] = subscription_id + 1
            self._user_subscriptions.setdefault(outbox, {})[subscription_id] = account
            return {"subscriptionId": subscription_id}
        if method == "userDataStream.unsubscribe":
            subscriptions = self._user_subscriptions.get(outbox, {})
            # Without a subscriptionId every subscription of this connection ends.
            chosen = int_param({"subscriptionId": str(params.get("subscriptionId", ""))}, "subscriptionId")
            for subscription_id in [chosen] if chosen is not None else list(subscriptions):
                subscriptions.pop(subscription_id, None)
            return {}
        if method == "order.place":
            # Order entry over the WS-API: the REST endpoint's parameters and answer, signed the WS-API way.
            account = self._verifier.signed_ws_params(params)
            order, fills = self._place(account, {key: str(value) for key, value in params.items()})
            return self._placement_answer(order, fills, params.get("newOrderRespType"))
        if method == "order.cancel":
            account = self._verifier.signed_ws_params(params)
            texts = {key: str(value) for key, value in params.items()}
            symbol, order_id, client_id = self._order_ref(texts)
            cancel_id = texts.get("newClientOrderId") or new_client_order_id()
            return self._cancel_answer(self._cancel(account, symbol, order_id, client_id, cancel_id), cancel_id)
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self._clock_ms()}
        raise BinanceApiError(400, -1000, f"Unsupported method '{method}' (the sandbox serves the user stream and "
                                          "order.place/order.cancel only).")

    def _send_to_account(self, account: str, event: dict[str, Any]) -> None:
        for outbox, subscriptions in self._user_subscriptions.items():
            for subscription_id, owner in subscriptions.items():
                if owner == account:
                    outbox.send({"subscriptionId": subscription_id, "event": event})

    def _has_subscriber(self, account: str) -> bool:
        return any(account in subscriptions.values() for subscriptions in self._user_subscriptions.values())

    # == engine listener: events become stream payloads ==========================================

    def on_book_delta(self, delta: BookDelta) -> None:
        stream = delta.symbol.lower()
        self.market_streams.publish(
            (f"{stream}@depth", f"{stream}@depth@100ms"),
            {"e": "depthUpdate", "E": delta.time_ms, "s": delta.symbol, "U": delta.first_update_id,
             "u": delta.last_update_id, "b": levels(delta.bids, PLACES, PLACES),
             "a": levels(delta.asks, PLACES, PLACES)})

    def on_trade(self, trade: PublicTrade) -> None:
        self.market_streams.publish(
            (f"{trade.symbol.lower()}@trade",),
            {"e": "trade", "E": trade.time_ms, "s": trade.symbol, "t": trade.trade_id, "p": num(trade.price),
             "q": num(trade.qty), "T": trade.time_ms, "m": trade.buyer_is_maker, "M": True})

    def on_order(self, order: EngineOrder, fill: Fill | None) -> None:
        if not self._has_subscriber(order.account):
            return
        execution = execution_type(order, fill)
        if execution is None:
            return
        self._send_to_account(order.account, self._execution_report(order, fill, execution))

    def _execution_report(self, order: EngineOrder, fill: Fill | None, execution: str) -> dict[str, Any]:
        """https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream#order-update"""
        self._event_count += 1
        # A cancel's report is named by the cancel request (c), and the order's own id moves to C.
        cancel_id = self._cancel_request_id if execution == "CANCELED" else None
        return {
            "e": "executionReport", "E": self._clock_ms(), "s": order.symbol,
            "c": cancel_id or order.client_order_id, "S": order.side.value, "o": order.kind.value,
            "f": order.tif.value, "q": num(order.quantity), "p": num(order.price or ZERO), "P": num(ZERO),
            "F": num(ZERO), "g": -1, "C": order.client_order_id if cancel_id else "", "x": execution,
            "X": order.status.value, "r": "NONE", "i": order.order_id,
            "l": num(fill.qty if fill else ZERO), "z": num(order.executed_qty),
            "L": num(fill.price if fill else ZERO), "n": num(fill.fee) if fill else "0",
            "N": fill.fee_asset if fill else None, "T": fill.time_ms if fill else order.updated_ms,
            "t": fill.trade_id if fill else -1, "I": self._event_count,
            "w": order.status in OPEN_STATUSES and order.kind is not OrderKind.MARKET,
            "m": fill.is_maker if fill else False, "M": fill is not None, "O": order.created_ms,
            "Z": num(order.cum_quote), "Y": num(fill.quote_qty if fill else ZERO), "Q": num(self._quote_size(order)),
            "W": order.created_ms, "V": "NONE",
        }

    def on_balances(self, account: str, assets: tuple[str, ...]) -> None:
        if not self._has_subscriber(account):
            return
        balances = self.engine.balances(account)
        now = self._clock_ms()
        rows = [{"a": asset, "f": num(balances.get(asset, (ZERO, ZERO))[0]),
                 "l": num(balances.get(asset, (ZERO, ZERO))[1])} for asset in assets]
        self._send_to_account(account, {"e": "outboundAccountPosition", "E": now, "u": now, "B": rows})

    def on_position(self, account: str, position: Position) -> None:
        """Spot has no positions."""

    def on_funding(self, payment: FundingPayment) -> None:
        """Spot has no funding."""
