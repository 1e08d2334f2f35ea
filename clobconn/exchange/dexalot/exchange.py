"""DexalotExchange: markets and order listings over the REST API; orders placed, replaced and cancelled as
signed transactions to the TradePairs contract on the Dexalot L1 (addOrderList, cancelAddList,
cancelOrderList), their outcome read from the receipt's events; balances and order states read from the
contracts with eth_call. https://docs.dexalot.com/en/apiv2/ and https://docs.dexalot.com/en/contracts/

The L1's chain id and RPC, and the contracts' addresses, come from the venue's REST at start (the account
context): environments names the L1, deployment its TradePairs and PortfolioSub.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderType,
    OrderUpdate,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import ClobconnError, ExchangeError, NetworkError, OrderNotFound, refusal_error
from clobconn.core.evm.abi import hex_bytes
from clobconn.core.evm.receipts import wait_for_receipt
from clobconn.core.evm.rpc import EvmRpc
from clobconn.core.evm.transactions import ContractCall, TransactionSender
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.exchange.dexalot import constants as dexalot
from clobconn.exchange.dexalot import parsers as parse
from clobconn.exchange.dexalot.auth import DexalotAuth
from clobconn.exchange.dexalot.order_book_data_source import DexalotOrderBookDataSource
from clobconn.exchange.dexalot.parsers import PORTFOLIO_SUB, TRADE_PAIRS, Market, to_bytes32
from clobconn.exchange.dexalot.user_stream_data_source import DexalotUserStreamDataSource

BALANCE_PAGE = 50  # PortfolioSub.getBalances scans 50 tokens a page


class DexalotConfig(ConnectorConfig):
    # The Dexalot L1's JSON-RPC; by default the one the venue's environments endpoint names.
    rpc_url: str | None = None
    # Seconds a transaction may go without a receipt before its outcome is unknown (and reconciled, never resent).
    receipt_timeout: float = dexalot.RECEIPT_TIMEOUT


class DexalotExchange(ExchangeBase):
    spec = dexalot.SPEC
    config_class = DexalotConfig
    config: DexalotConfig
    order_book_data_source_class = DexalotOrderBookDataSource
    user_stream_data_source_class = DexalotUserStreamDataSource

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Filled by every trading-rules load: the sources read the markets through DexalotView.
        self.markets: dict[str, Market] = {}
        self.token_decimals: dict[str, int] = {}
        self._chain: tuple[EvmRpc, TransactionSender] | None = None
        super().__init__(*args, **kwargs)

    def _create_auth(self) -> DexalotAuth:
        assert self.config.api_secret is not None
        return DexalotAuth(self.config.api_secret)

    @property
    def wallet(self) -> DexalotAuth:
        assert isinstance(self.auth, DexalotAuth), "private calls run only with the private key"
        return self.auth

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        markets = parse.parse_pairs(await self.rest.call(dexalot.PAIRS))
        self.token_decimals = parse.token_decimals(await self.rest.call(dexalot.TOKENS))
        self.markets = {market.trading_pair: market for market, _ in markets}
        return [(market.symbol, rule) for market, rule in markets]

    async def _fetch_account_context(self) -> dict[str, str]:
        """The L1 (environments' ``subnet`` entry: chain id, RPC) and its TradePairs and PortfolioSub addresses."""
        subnets = [e for e in await self.rest.call(dexalot.ENVIRONMENTS) if e.get("type") == dexalot.SUBNET_ENV_TYPE]
        if not subnets:
            raise ExchangeError(f"{self.name}: the venue's environments list no Dexalot L1 ('subnet')")
        subnet = subnets[0]
        context = {"env": str(subnet["env"]), "chain_id": str(int(subnet["chain_id"])),
                   "rpc_url": str(subnet["chain_instance"])}
        for contract_type, key in (("TradePairs", "trade_pairs"), ("Portfolio", "portfolio")):
            rows = await self.rest.call(dexalot.DEPLOYMENT, {"contracttype": contract_type, "env": context["env"]})
            found = [r["address"] for r in rows if r.get("env") == context["env"] or
                     r.get("env_type") == dexalot.SUBNET_ENV_TYPE]
            if not found:
                raise ExchangeError(f"{self.name}: no {contract_type} deployment on {context['env']}")
            context[key] = str(found[0])
        return context

    async def _evm(self) -> tuple[Mapping[str, str], EvmRpc, TransactionSender]:
        context = await self.account_context()
        if self._chain is None:
            rpc = EvmRpc(self.config.rpc_url or context["rpc_url"], timeout=self.config.request_timeout)
            self._chain = rpc, TransactionSender(rpc, self.wallet.signer, int(context["chain_id"]))
        return context, *self._chain

    async def _transact(self, data: bytes, gas: int) -> Mapping[str, Any]:
        """Send one TradePairs call and wait for its receipt. No receipt in time is TransactionUnconfirmed (a
        NetworkError after sending: the outcome is unknown, reconciled, never resent); a revert raises."""
        context, rpc, sender = await self._evm()
        sent = await sender.send(ContractCall(context["trade_pairs"], data, gas=gas))
        receipt: Mapping[str, Any] = await wait_for_receipt(rpc, sent.tx_hash, self.config.receipt_timeout)
        return receipt

    async def stop(self) -> None:
        await super().stop()
        if self._chain is not None:
            await self._chain[0].close()  # its own session: the node is not the venue's REST host
            self._chain = None

    async def _fetch_balances(self) -> list[Balance]:
        """PortfolioSub.getBalances, page by page: the L1 wallet holds only gas (ALOT); the funds are here."""
        context, rpc, _ = await self._evm()
        balances: dict[str, Balance] = {}
        for page in range(1, max(1, math.ceil(len(self.token_decimals) / BALANCE_PAGE)) + 1):
            data = PORTFOLIO_SUB.encode_call("getBalances", self.wallet.address, page)
            result = PORTFOLIO_SUB.decode_result("getBalances", await rpc.call_contract(context["portfolio"], data))
            balances.update((b.asset, b) for b in parse.parse_balances(result, self.token_decimals))
        return list(balances.values())

    def _new_order(self, order: InFlightOrder) -> tuple[Any, ...]:
        """An ITradePairs.NewOrder; every value is checked (bytes32, whole EVM units) before anything is signed."""
        market = self.markets[order.trading_pair]
        price = 0
        if order.order_type is not OrderType.MARKET:
            assert order.price is not None
            price = market.price_units(order.price)
        type2 = (dexalot.TYPE2_POST_ONLY if order.order_type is OrderType.LIMIT_MAKER
                 else dexalot.TYPE2[order.time_in_force])
        return (to_bytes32(order.client_order_id, "client_order_id"), to_bytes32(market.symbol, "trading_pair"),
                price, market.amount_units(order.amount), self.wallet.address,
                0 if order.trade_type is TradeType.BUY else 1, dexalot.TYPE1[order.order_type], type2, dexalot.STP_NONE)

    def _placement(self, order: InFlightOrder, receipt: Mapping[str, Any]) -> Placement | ClobconnError:
        """The order's OrderStatusChanged in the receipt (REJECTED carries the reason code) and its fills."""
        market, now = self.markets[order.trading_pair], time.time()
        events, fills = parse.receipt_events(market, self.wallet.address, receipt.get("logs", ()), now)
        for struct, code in events:
            if parse.from_bytes32(struct["clientOrderId"]) != order.client_order_id:
                continue
            if dexalot.STATUSES[int(struct["status"])] == "REJECTED":
                return refusal_error(self.spec.error_table, code, code, f"{self.name} order {order.client_order_id}")
            update = parse.chain_order(market, struct, now)
            return update, [dataclasses.replace(f, client_order_id=order.client_order_id) for f in fills
                            if f.exchange_order_id == update.exchange_order_id]
        # Mined, yet no word of the order: ask the chain for it rather than guess.
        return NetworkError(f"{self.name}: the receipt of order {order.client_order_id} carries no status for it",
                            request_sent=True)

    async def _place_order(self, order: InFlightOrder) -> Placement:
        (result,) = await self._place_orders_batch([order])
        if isinstance(result, ClobconnError):
            raise result
        return result

    async def _place_orders_batch(self, orders: list[InFlightOrder]) -> list[Placement | ClobconnError]:
        """One addOrderList transaction for the lot: an order the contract refuses is REJECTED, the rest stand."""
        new_orders = [self._new_order(order) for order in orders]
        receipt = await self._transact(TRADE_PAIRS.encode_call("addOrderList", new_orders),
                                       dexalot.PLACE_GAS * len(orders))
        return [self._placement(order, receipt) for order in orders]

    async def _amend_order(self, order: InFlightOrder, replacement: InFlightOrder) -> Placement:
        """cancelAddList: the order cancelled and its replacement added in one transaction."""
        data = TRADE_PAIRS.encode_call("cancelAddList", [self._order_id(order)], [self._new_order(replacement)])
        result = self._placement(replacement, await self._transact(data, dexalot.PLACE_GAS + dexalot.CANCEL_GAS))
        if isinstance(result, ClobconnError):
            raise result
        return result

    def _order_id(self, order: InFlightOrder) -> bytes:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} has no exchange id yet")
        return hex_bytes(order.exchange_order_id)

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        """cancelOrderList (cancelOrderListByClientIds before the exchange id is known); the receipt says
        CANCELED, or CANCEL_REJECT with the reason (T-OAEX-01: the order is closed or unknown)."""
        if order.exchange_order_id is not None:
            data = TRADE_PAIRS.encode_call("cancelOrderList", [self._order_id(order)])
        else:
            data = TRADE_PAIRS.encode_call("cancelOrderListByClientIds",
                                           [to_bytes32(order.client_order_id, "client_order_id")])
        receipt = await self._transact(data, dexalot.CANCEL_GAS)
        market, now = self.markets[order.trading_pair], time.time()
        for struct, code in parse.receipt_events(market, self.wallet.address, receipt.get("logs", ()), now)[0]:
            if dexalot.STATUSES[int(struct["status"])] == "CANCEL_REJECT":
                raise refusal_error(self.spec.error_table, code, code, f"{self.name} cancel of {order.client_order_id}")
            return dataclasses.replace(parse.chain_order(market, struct, now), client_order_id=order.client_order_id)
        raise NetworkError(f"{self.name}: the cancel of {order.client_order_id} was mined without a status",
                           request_sent=True)

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        """TradePairs.getOrderByClientOrderId: the chain's own state of the order, by our id (a zero id: none)."""
        context, rpc, _ = await self._evm()
        data = TRADE_PAIRS.encode_call("getOrderByClientOrderId", self.wallet.address,
                                       to_bytes32(order.client_order_id, "client_order_id"))
        struct = TRADE_PAIRS.decode_result("getOrderByClientOrderId",
                                           await rpc.call_contract(context["trade_pairs"], data))["order"]
        if not any(struct["id"]):
            raise OrderNotFound(f"{self.name}: the chain has no order {order.client_order_id}")
        return parse.chain_order(self.markets[order.trading_pair], struct, time.time())

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = await self.rest.call(dexalot.EXECUTIONS, {"orderid": order.exchange_order_id})
        return parse.listed_fills(self.markets[order.trading_pair], order.client_order_id, rows)

    async def _listed_orders(self, trading_pair: str, params: dict[str, Any]) -> Sequence[OrderUpdate]:
        market = self.markets[trading_pair]
        rows = (await self.rest.call(dexalot.ORDERS, {"pair": market.symbol, **params}))["rows"]
        return [parse.listed_order(market, row) for row in rows if row.get("pair", market.symbol) == market.symbol]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        return list(await self._listed_orders(trading_pair, {"category": dexalot.OPEN_CATEGORY}))

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        start = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        updates = await self._listed_orders(trading_pair, {"category": dexalot.ALL_CATEGORY, "periodfrom": start})
        return [u for u in updates if u.new_state.is_terminal]
