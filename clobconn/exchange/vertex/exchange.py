"""VertexExchange: products, balances and orders over the gateway's queries (GET /query), EIP-712 signed
executes (POST /execute), and the archive (indexer) for ended orders and fills.
https://docs.vertexprotocol.com/developer-resources/api (gateway/queries, gateway/executes, archive-indexer)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any, cast

from clobconn.core.config import ConnectorConfig
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
from clobconn.core.errors import ExchangeError, MissingCredentials, OrderNotFound, OrderRuleViolation
from clobconn.core.evm.signing import typed_data_digest
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import to_fixed_point
from clobconn.exchange.vertex import constants as vx
from clobconn.exchange.vertex import parsers as parse
from clobconn.exchange.vertex.auth import VertexAuth, typed_data
from clobconn.exchange.vertex.nonces import nonce
from clobconn.exchange.vertex.order_book_data_source import VertexOrderBookDataSource
from clobconn.exchange.vertex.parsers import Contracts, Product
from clobconn.exchange.vertex.user_stream_data_source import VertexUserStreamDataSource


class VertexConfig(ConnectorConfig):
    # The subaccount every order, balance and stream names: up to 12 ASCII characters of the sender.
    subaccount_name: str = "default"
    # The archive (indexer) host, when not the domain's (a test venue, a mirror).
    archive_url: str | None = None


class VertexExchange(ExchangeBase):
    spec = vx.SPEC
    config_class = VertexConfig
    order_book_data_source_class = VertexOrderBookDataSource
    user_stream_data_source_class = VertexUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.products: dict[str, Product] = {}
        self.products_by_id: dict[int, Product] = {}
        self.contracts: Contracts | None = None
        super().__init__(*args, **kwargs)
        self.archive_url = cast(VertexConfig, self.config).archive_url or self.domain_urls.extra["archive"]

    def _create_auth(self) -> VertexAuth:
        assert self.config.api_secret is not None
        return VertexAuth(self.config.api_secret, self.config.api_key, cast(VertexConfig, self.config).subaccount_name,
                          self.time_sync.time_ms)

    @property
    def _auth(self) -> VertexAuth:
        if not isinstance(self.auth, VertexAuth):
            raise MissingCredentials(f"{self.name}: trading needs the wallet's private key (or a linked signer's)")
        return self.auth

    async def sender(self) -> str:
        return self._auth.sender

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # {"status": "failure", "error": "<text>", "error_code": n}: the documented list names the texts.
        if isinstance(payload, Mapping) and payload.get("status") == "failure":
            error = str(payload.get("error", ""))
            return error, f"{error} (error_code {payload.get('error_code')})"
        return None if status < 400 else (None, str(payload)[:500])

    async def _query(self, kind: str, **params: Any) -> Any:
        return (await self.rest.call(vx.QUERY, {"type": kind, **params}))["data"]

    async def _archive(self, kind: str, body: dict[str, Any]) -> Any:
        return await self.rest.request(vx.ARCHIVE.method, vx.ARCHIVE.path, data={kind: body},
                                       limit_id=vx.ARCHIVE.limit_id, base_url=self.archive_url)

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        self.contracts = parse.parse_contracts(await self._query("contracts"))
        markets = parse.parse_symbols(await self._query("symbols", product_type="spot"))
        self.products = {product.trading_pair: product for product, _ in markets}
        self.products_by_id = {product.product_id: product for product, _ in markets}
        return [(product.symbol, rule) for product, rule in markets]

    async def _fetch_balances(self) -> list[Balance]:
        return parse.spot_balances(await self._query("subaccount_info", subaccount=await self.sender()),
                                   self.products_by_id)

    def _chain(self) -> Contracts:
        assert self.contracts is not None, "the contracts load with the trading rules"
        return self.contracts

    async def _execute(self, kind: str, body: dict[str, Any]) -> Mapping[str, Any]:
        return (await self.rest.call(vx.EXECUTE, data={kind: body})).get("data") or {}

    def _signed(self, primary: str, message: dict[str, Any], verifying_contract: str) -> tuple[str, str]:
        """The signature and the digest (0x hex) of one execute."""
        data = typed_data(primary, message, verifying_contract, self._chain().chain_id)
        return self._auth.signer.sign_typed_data(data), "0x" + typed_data_digest(data).hex()

    async def _place_order(self, order: InFlightOrder) -> Placement:
        product, pair = self.products[order.trading_pair], order.trading_pair
        sign = 1 if order.trade_type is TradeType.BUY else -1
        order_type = (vx.POST_ONLY if order.order_type is OrderType.LIMIT_MAKER else vx.IOC if order.order_type is
                      OrderType.MARKET else {TimeInForce.IOC: vx.IOC, TimeInForce.FOK: vx.FOK}.get(order.time_in_force,
                                                                                                 vx.DEFAULT))
        price = order.price if order.price is not None else self._protection_price(pair, order.trade_type)
        message = {"sender": self._auth.sender, "priceX18": to_fixed_point(price, vx.X18_DECIMALS, "price", pair),
                   "amount": sign * to_fixed_point(order.amount, vx.X18_DECIMALS, "amount", pair),
                   "expiration": vx.GTC_EXPIRATION | order_type << vx.ORDER_TYPE_SHIFT,
                   "nonce": int(order.client_order_id)}
        signature, digest = self._signed("Order", message, self._chain().book_addrs[product.product_id])
        # The order's name from now on, even if the answer is lost: a cancel, a status query or a fill that
        # comes before the answer names the order by its digest, known before the venue answers.
        order.exchange_order_id = digest
        # spot_leverage false: a spot order that would borrow is refused rather than opening a loan.
        await self._execute("place_order", {
            "product_id": product.product_id, "order": {k: str(v) for k, v in message.items()},
            "signature": signature, "spot_leverage": False})
        return OrderUpdate(pair, time.time(), OrderState.OPEN, order.client_order_id, digest), []

    def _protection_price(self, pair: str, side: TradeType) -> Decimal:
        """Vertex has no market order: one is an IOC limit order at the book's far side, ``MARKET_SLIPPAGE`` past it."""
        reference, tick = self._reference_price(pair, side), self.trading_rules[pair].min_price_increment
        if reference is None:
            raise OrderRuleViolation(f"{pair}: no price to bound a market order with", trading_pair=pair, rule="price")
        bound = reference * (1 + vx.MARKET_SLIPPAGE if side is TradeType.BUY else 1 - vx.MARKET_SLIPPAGE) / tick
        return bound.to_integral_value(ROUND_CEILING if side is TradeType.BUY else ROUND_FLOOR) * tick

    def _digest(self, order: InFlightOrder) -> str:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} was never signed here")
        return order.exchange_order_id

    def _cancel_nonce(self) -> int:
        return nonce(self.time_sync.time_ms() + round(vx.PLACEMENT_EXPIRY * 1000))

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        digest, product_id = self._digest(order), self.products[order.trading_pair].product_id
        message = {"sender": self._auth.sender, "productIds": [product_id], "digests": [digest],
                   "nonce": self._cancel_nonce()}
        signature, _ = self._signed("Cancellation", message, self._chain().endpoint_addr)
        answer = await self._execute("cancel_orders", {"tx": message | {"nonce": str(message["nonce"])},
                                                       "signature": signature})
        for cancelled in answer.get("cancelled_orders", ()):
            if cancelled["digest"] == digest:
                update = parse.open_order(order.trading_pair, cancelled)
                return OrderUpdate(update.trading_pair, time.time(), OrderState.CANCELED, order.client_order_id,
                                   digest, executed_amount=update.executed_amount)
        # Nothing of it was on the book: it has ended, and its status query says how.
        raise OrderNotFound(f"{self.name}: order {order.client_order_id} was not on the book")

    async def _cancel_all_orders(self, trading_pair: str) -> list[OrderUpdate]:
        message = {"sender": self._auth.sender, "productIds": [self.products[trading_pair].product_id],
                   "nonce": self._cancel_nonce()}
        signature, _ = self._signed("CancellationProducts", message, self._chain().endpoint_addr)
        answer = await self._execute("cancel_product_orders", {"tx": message | {"nonce": str(message["nonce"])},
                                                               "signature": signature})
        updates = [parse.open_order(trading_pair, cancelled) for cancelled in answer.get("cancelled_orders", ())]
        return [OrderUpdate(trading_pair, time.time(), OrderState.CANCELED, u.client_order_id, u.exchange_order_id,
                            executed_amount=u.executed_amount) for u in updates]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """On the book (`order`), else ended (the archive's `orders` by digest), else unknown to the venue."""
        digest, product_id = self._digest(order), self.products[order.trading_pair].product_id
        try:
            return parse.open_order(order.trading_pair, await self._query("order", product_id=product_id,
                                                                          digest=digest))
        except OrderNotFound:
            pass
        except ExchangeError as refused:
            if refused.venue_code is None:
                raise
        archived = (await self._archive("orders", {"digests": [digest], "limit": 1})).get("orders", ())
        if not archived:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} is unknown to the venue")
        return parse.archived_order(order.trading_pair, archived[0])

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        digest = self._digest(order)
        answer = await self._archive("matches", {"subaccount": await self.sender(), "limit": 500,
                                                 "product_ids": [self.products[order.trading_pair].product_id]})
        return parse.archived_fills(order.trading_pair, answer, digest, order.client_order_id)

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        data = await self._query("subaccount_orders", sender=await self.sender(),
                                 product_id=self.products[trading_pair].product_id)
        return [parse.open_order(trading_pair, entry) for entry in data.get("orders", ())]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        """The archive's orders of the pair since ``since``; one still on the book is not an ended one."""
        on_book = {update.exchange_order_id for update in await self._fetch_open_orders(trading_pair)}
        answer = await self._archive("orders", {"subaccount": await self.sender(), "limit": 500,
                                                "product_ids": [self.products[trading_pair].product_id]})
        return [parse.archived_order(trading_pair, entry, entry["digest"] in on_book)
                for entry in answer.get("orders", ())]
