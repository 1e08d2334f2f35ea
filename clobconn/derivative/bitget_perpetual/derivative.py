"""BitgetPerpetualDerivative: Bitget USDT-M (or USDC-M) perpetuals, v2 REST (``/api/v2/mix``), whose
answers are ``{"code": "00000", "msg": "success", "data": ...}``; sizes are in the base coin.
https://www.bitget.com/api-doc/contract/intro. Request builders and response parsers only."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, cast

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Position,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, InvalidArgument, refusal_error
from clobconn.core.exchange_base import Placement
from clobconn.core.orders.arguments import as_pair
from clobconn.core.orders.batches import batch_chunks, place_in_batches
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.core.web.endpoints import Endpoint
from clobconn.core.web.numbers import fmt, optional_decimal
from clobconn.core.web.rest import default_error_extractor
from clobconn.derivative.bitget_perpetual import constants as bg
from clobconn.derivative.bitget_perpetual.auth import BitgetAuth
from clobconn.derivative.bitget_perpetual.order_book_data_source import (
    BitgetPerpetualOrderBookDataSource,
    parse_funding,
)
from clobconn.derivative.bitget_perpetual.user_stream_data_source import (
    BitgetPerpetualUserStreamDataSource,
    parse_balance,
    parse_fill,
    parse_order,
    parse_position,
)

SIDES = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
MarginMode = Literal["crossed", "isolated"]


class BitgetPerpetualConfig(ConnectorConfig):
    # USDT-FUTURES (USDT-M, the default) or USDC-FUTURES (USDC-M): the same API, another product type.
    product_type: Literal["USDT-FUTURES", "USDC-FUTURES"] = "USDT-FUTURES"
    # The margin mode every order is sent with; set_margin_mode changes a symbol's on the venue too.
    margin_mode: MarginMode = "crossed"


def parse_contract(contract: Mapping[str, Any]) -> TradingRule:
    """An entry of GET /api/v2/mix/market/contracts. The price step is ``priceEndStep`` units of the
    last of ``pricePlace`` decimals; sizes are multiples of ``sizeMultiplier``, at least ``minTradeNum``;
    ``minTradeUSDT`` is the minimum notional."""
    tick = Decimal(contract["priceEndStep"]).scaleb(-int(contract["pricePlace"]))
    return TradingRule(f"{contract['baseCoin']}-{contract['quoteCoin']}", Decimal(contract["minTradeNum"]),
                       optional_decimal(contract.get("maxOrderQty")), tick, Decimal(contract["sizeMultiplier"]),
                       Decimal(contract.get("minTradeUSDT") or 0),
                       max_market_order_size=optional_decimal(contract.get("maxMarketOrderQty")))


class BitgetPerpetualDerivative(PerpetualDerivativeBase):
    spec = bg.SPEC
    config_class = BitgetPerpetualConfig
    order_book_data_source_class = BitgetPerpetualOrderBookDataSource
    user_stream_data_source_class = BitgetPerpetualUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._margin_modes: dict[str, MarginMode] = {}

    @property
    def product_type(self) -> str:
        return cast(BitgetPerpetualConfig, self.config).product_type

    @property
    def margin_coin(self) -> str:
        return bg.LINEAR_PRODUCT_TYPES[self.product_type]

    def _create_auth(self) -> BitgetAuth:
        config = self.config
        assert config.api_key is not None and config.api_secret is not None and config.passphrase is not None
        demo = bg.DEMO_HEADERS if self.domain in bg.DEMO_DOMAINS else None
        return BitgetAuth(config.api_key, config.api_secret, config.passphrase, self.time_sync.time_ms, demo)

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        if not (isinstance(payload, dict) and "code" in payload):
            return default_error_extractor(status, payload)
        return None if str(payload["code"]) == bg.SUCCESS else (str(payload["code"]), str(payload.get("msg", "")))

    async def _call(self, endpoint: Endpoint, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        answer = await self.rest.request(endpoint.method, endpoint.path, params=params, data=body,
                                         signed=endpoint.signed, limit_id=endpoint.limit_id)
        return answer.get("data")

    def _product(self, trading_pair: str | None = None, margin: bool = False) -> dict[str, Any]:
        """The fields (nearly) every call names: the symbol, the product type and the margin coin."""
        fields = {"symbol": self.exchange_symbol(trading_pair)} if trading_pair else {}
        return fields | {"productType": self.product_type} | ({"marginCoin": self.margin_coin} if margin else {})

    async def _fetch_server_time(self) -> float:
        return int((await self._call(bg.SERVER_TIME))["serverTime"]) / 1000

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        # Only live perpetuals take orders ("normal"; not "maintain", "limit_open", "restrictedAPI", "off").
        contracts = await self._call(bg.CONTRACTS, {"productType": self.product_type})
        return [(c["symbol"], parse_contract(c)) for c in contracts
                if c.get("symbolStatus") == "normal" and c.get("symbolType") == "perpetual"]

    async def _fetch_balances(self) -> list[Balance]:
        return [parse_balance(account) for account in await self._call(bg.ACCOUNTS, {"productType": self.product_type})]

    # == orders ===================================================================================

    def _order_scope(self, trading_pair: str) -> dict[str, Any]:
        """What every order request names: symbol, product type, margin coin and the pair's margin mode."""
        mode = self._margin_modes.get(trading_pair, cast(BitgetPerpetualConfig, self.config).margin_mode)
        return self._product(trading_pair, margin=True) | {"marginMode": mode}

    def _order_fields(self, order: InFlightOrder) -> dict[str, Any]:
        """One order as place-order and batch-place-order's orderList take it. In hedge mode ``side`` is
        the position's direction and ``tradeSide`` opens or closes it; in one-way mode ``side`` is the
        trade's and ``reduceOnly`` keeps a close from opening the other way."""
        order_type, force = bg.ORDER_TYPES[(order.order_type, order.time_in_force)]
        fields: dict[str, Any] = {"size": fmt(order.amount), "orderType": order_type,
                                  "clientOid": order.client_order_id}
        if self.position_mode is PositionMode.HEDGE:
            long = self.position_side_for(order) is PositionSide.LONG
            fields["side"] = "buy" if long else "sell"
            closing = order.reduce_only or order.position_action is PositionAction.CLOSE
            fields["tradeSide"] = "close" if closing else "open"
        else:
            fields["side"] = SIDES[order.trade_type]
            if order.reduce_only:
                fields["reduceOnly"] = "YES"
        if order.order_type is not OrderType.MARKET:
            assert order.price is not None and force is not None
            fields |= {"price": fmt(order.price), "force": force}
        return fields

    def _ack(self, order: InFlightOrder, data: Mapping[str, Any]) -> OrderUpdate:
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN,
                           data.get("clientOid") or order.client_order_id, data.get("orderId") or None)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        data = await self._call(bg.PLACE_ORDER, body=self._order_scope(order.trading_pair) | self._order_fields(order))
        return self._ack(order, data), []

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """batch-place-order takes up to 50 orders of one symbol: a request per pair and 50 orders."""
        return await place_in_batches(orders, bg.MAX_BATCH, self._send_batch, one_pair=True)

    async def _send_batch(self, chunk: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """One batch request; each order's outcome is in ``successList`` or ``failureList`` (errorCode)."""
        body = self._order_scope(chunk[0].trading_pair) | {"orderList": [self._order_fields(o) for o in chunk]}
        data = await self._call(bg.BATCH_PLACE, body=body)
        placed = {entry.get("clientOid"): entry for entry in data.get("successList") or []}
        failed = {entry.get("clientOid"): entry for entry in data.get("failureList") or []}
        results: list[Placement | ClobconnError] = []
        for order in chunk:
            cid = order.client_order_id
            refusal = failed.get(cid, {"errorMsg": "missing from the answer"})
            results.append((self._ack(order, placed[cid]), []) if cid in placed else refusal_error(
                self.spec.error_table, refusal.get("errorCode"), str(refusal.get("errorMsg", "")),
                f"order {cid} refused", 200))
        return results

    def _order_ref(self, order: InFlightOrder) -> dict[str, Any]:
        """Which order a cancel, amend or query means: by orderId once acknowledged, else by clientOid."""
        if order.exchange_order_id is not None:
            return {"orderId": order.exchange_order_id}
        return {"clientOid": order.client_order_id}

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        # A filled, cancelled or unknown order answers 40768/43001, which the error table makes OrderNotFound.
        data = await self._call(bg.CANCEL_ORDER, body=self._product(order.trading_pair, margin=True)
                                | self._order_ref(order))
        return OrderUpdate(order.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                           data.get("orderId") or order.exchange_order_id)

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        """batch-cancel-orders over the pair's open orders (cancel-all-orders would cancel the whole
        product type, other pairs and other clients' orders included). What the answer does not list
        as cancelled the core asks about."""
        targets = [o for o in self.orders.active.values() if o.trading_pair == trading_pair and o.is_open]
        updates: list[OrderUpdate] = []
        for chunk in batch_chunks(targets, bg.MAX_BATCH):
            body = self._product(trading_pair, margin=True) | {"orderIdList": [self._order_ref(o) for o in chunk]}
            data = await self._call(bg.BATCH_CANCEL, body=body)
            done = {entry.get("orderId") for entry in data.get("successList") or []}
            done |= {entry.get("clientOid") for entry in data.get("successList") or []}
            updates += [OrderUpdate(trading_pair, time.time(), OrderState.CANCELED, o.client_order_id,
                                    o.exchange_order_id) for o in chunk
                        if o.exchange_order_id in done or o.client_order_id in done]
        return updates

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """modify-order cancels the order and places a new one under ``newClientOid``, "asynchronously":
        its orderId is not in the answer, so the replacement is found by its client order id. Size and
        price go together (40925)."""
        assert replacement.price is not None
        body = self._product(order.trading_pair, margin=True) | self._order_ref(order) | {
            "newClientOid": replacement.client_order_id, "newSize": fmt(replacement.amount),
            "newPrice": fmt(replacement.price)}
        await self._call(bg.MODIFY_ORDER, body=body)
        return OrderUpdate(order.trading_pair, time.time(), OrderState.OPEN, replacement.client_order_id), []

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        data = await self._call(bg.ORDER_DETAIL, self._product(order.trading_pair) | self._order_ref(order))
        return parse_order(order.trading_pair, data)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        params = self._product(order.trading_pair) | {"orderId": order.exchange_order_id}
        rows = (await self._call(bg.ORDER_FILLS, params)).get("fillList") or []
        return [parse_fill(order.trading_pair, row) for row in rows]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = (await self._call(bg.ORDERS_PENDING, self._product(trading_pair))).get("entrustedList") or []
        return [parse_order(trading_pair, row) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        params = self._product(trading_pair) | {"startTime": int(since * 1000)}
        rows = (await self._call(bg.ORDERS_HISTORY, params)).get("entrustedList") or []
        return [parse_order(trading_pair, row) for row in rows]

    # == the perpetual API ========================================================================

    async def _fetch_positions(self) -> list[Position]:
        rows = await self._call(bg.POSITIONS, self._product(margin=True))
        return [parse_position(pair, row) for row in rows or []
                if (pair := self.trading_pair_of(row["symbol"])) is not None and Decimal(row["total"] or 0)]

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        # Crossed margin (and one-way isolated) take one leverage for both sides, with no holdSide.
        await self._call(bg.SET_LEVERAGE, body=self._product(trading_pair, margin=True) | {"leverage": fmt(leverage)})
        return leverage

    async def _set_position_mode(self, mode: PositionMode) -> None:
        # For the whole product type; refused (40920) while a position or an order is open.
        body = {"productType": self.product_type, "posMode": bg.POSITION_MODES[mode]}
        await self._call(bg.SET_POSITION_MODE, body=body)

    async def _fetch_position_mode(self) -> PositionMode:
        if not self.config.trading_pairs:
            return self.position_mode
        data = await self._call(bg.ACCOUNT, self._product(self.config.trading_pairs[0], margin=True))
        hedge = data.get("posMode") == bg.POSITION_MODES[PositionMode.HEDGE]
        return PositionMode.HEDGE if hedge else PositionMode.ONEWAY

    async def set_margin_mode(self, trading_pair: str, mode: MarginMode) -> None:
        """Switch a symbol's margin mode (45117 while it has a position or order); its orders follow."""
        trading_pair = as_pair(trading_pair, InvalidArgument)
        if mode not in ("crossed", "isolated"):
            raise InvalidArgument(f"{self.name}: margin mode must be crossed or isolated, got {mode!r}",
                                  field="mode")
        self._rule(trading_pair)
        await self._call(bg.SET_MARGIN_MODE, body=self._product(trading_pair, margin=True) | {"marginMode": mode})
        self._margin_modes[trading_pair] = mode

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        """Index, mark and rate from the ticker; the next funding time from current-fund-rate."""
        params = self._product(trading_pair)
        ticker = (await self._call(bg.TICKER, params))[0]
        rate = (await self._call(bg.FUNDING_RATE, params))[0]
        return parse_funding(trading_pair, ticker, rate["nextUpdate"])

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        """Account bills of businessType contract_settle_fee ("funding fee"): ``amount`` is signed from
        the account's side, positive when received. The bill carries no rate."""
        now = time.time()
        params: dict[str, Any] = {"productType": self.product_type, "businessType": bg.FUNDING_BUSINESS_TYPE,
                                  "limit": bg.BILL_PAGE, "endTime": int(now * 1000),
                                  "startTime": int(max(since, now - bg.MAX_BILL_WINDOW) * 1000)}
        bills: list[Any] = []
        while True:  # newest first, a page at a time: the next page is the bills before endId
            page = await self._call(bg.BILLS, params)
            bills += page.get("bills") or []
            if len(page.get("bills") or []) < bg.BILL_PAGE or not page.get("endId"):
                break
            params["idLessThan"] = page["endId"]
        payments = [FundingPayment(pair, int(bill["cTime"]) / 1000, Decimal(bill["amount"]), bill["coin"],
                                   str(bill["billId"]))
                    for bill in bills if (pair := self.trading_pair_of(bill.get("symbol", ""))) is not None]
        return sorted(payments, key=lambda p: p.timestamp)
