"""TegroExchange: Tegro spot on Base over REST /api/v1 (https://tegro.readme.io/reference).

Placing is two calls: the venue builds the order as EIP-712 typed data, the client checks that it says
what was asked (chain, contract, tokens, amounts, maker), signs it and places it. Cancels likewise.
Orders settle from the wallet through ERC-20 allowances: ``approve_token`` asks, never on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.config import ConnectorConfig
from clobconn.core.data_types import (
    Balance,
    InFlightOrder,
    OrderState,
    OrderUpdate,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import BadSymbol, ExchangeError, InvalidArgument, OrderNotFound
from clobconn.core.evm.receipts import wait_for_receipt
from clobconn.core.evm.rpc import EvmRpc
from clobconn.core.evm.signing import typed_data_digest
from clobconn.core.evm.transactions import ContractCall, TransactionSender
from clobconn.core.evm.typed_data import TypedDataMismatch, check_typed_data
from clobconn.core.exchange_base import ExchangeBase, Placement
from clobconn.core.web.numbers import from_fixed_point, to_fixed_point
from clobconn.exchange.tegro import constants as tegro
from clobconn.exchange.tegro.auth import TegroAuth
from clobconn.exchange.tegro.order_book_data_source import TegroOrderBookDataSource
from clobconn.exchange.tegro.parsers import (
    TegroMarket,
    order_key,
    parse_balance,
    parse_fill,
    parse_market,
    parse_order,
    seconds,
)
from clobconn.exchange.tegro.user_stream_data_source import TegroUserStreamDataSource

# A uint256 holds the signed order's amounts and an approval's.
UINT256 = 2**256


class TegroConfig(ConnectorConfig):
    # The Base JSON-RPC node that ERC-20 approvals are sent to; the domain's public node when unset.
    node_url: str | None = None


def _data(answer: Any) -> Any:
    """The payload of an answer: some come as {"message": "success", "data": ...}, others bare."""
    if isinstance(answer, Mapping) and "data" in answer and set(answer) <= {"message", "data", "code"}:
        return answer["data"]
    return answer


class TegroExchange(ExchangeBase):
    """Tegro spot. Beyond the standard API: ``approve_token`` and ``allowance`` (ERC-20 allowances of
    the venue's exchange contract, on Base)."""

    spec = tegro.SPEC
    config_class = TegroConfig
    order_book_data_source_class = TegroOrderBookDataSource
    user_stream_data_source_class = TegroUserStreamDataSource

    def __init__(self, config: ConnectorConfig | None = None, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.chain_id = int(self.domain_urls.extra["chain_id"])
        self.markets: dict[str, TegroMarket] = {}
        # The contract that verifies orders (the EIP-712 verifyingContract) and spends the allowances.
        self.exchange_contract: str | None = None
        # Tegro has no client order id: the hash of the signed Order stands for it (hash key -> client id).
        self._client_ids: dict[str, str] = {}
        # The Base node and the wallet's transactions, opened at the first approval or allowance read.
        self._rpc: EvmRpc | None = None
        self._transactions: TransactionSender | None = None

    async def stop(self) -> None:
        await super().stop()
        if self._rpc is not None:
            await self._rpc.close()
            self._rpc, self._transactions = None, None

    def _extract_error(self, status: int, payload: Any) -> tuple[str | int | None, str] | None:
        # No venue codes: the HTTP status is the code, and the table splits it by the message.
        if status < 400:
            return None
        message = payload.get("message") or payload.get("error") if isinstance(payload, Mapping) else payload
        return str(status), str(message or "")[:500]

    def _create_auth(self) -> TegroAuth:
        assert self.config.api_secret is not None
        return TegroAuth(self.config.api_secret)

    @property
    def wallet(self) -> TegroAuth:
        assert isinstance(self.auth, TegroAuth), "checked by the core: private calls need credentials"
        return self.auth

    def market(self, trading_pair: str) -> TegroMarket:
        try:
            return self.markets[trading_pair]
        except KeyError:
            raise BadSymbol(f"{self.name}: unknown trading pair {trading_pair}") from None

    def client_id_of(self, order_hash: str) -> str | None:
        return self._client_ids.get(order_key(order_hash))

    # == rules and balances ======================================================================

    async def _fetch_trading_rules(self) -> list[tuple[str, TradingRule]]:
        chains = _data(await self.rest.call(tegro.CHAINS))
        for chain in chains:
            if int(chain["id"]) == self.chain_id:
                self.exchange_contract = str(chain["exchange_contract"])
        path = {"chain_id": str(self.chain_id)}
        answer = _data(await self.rest.call(tegro.MARKETS, params=tegro.MARKET_PAGE, path_values=path))
        rules: list[tuple[str, TradingRule]] = []
        for entry in answer:
            # Verified markets of our chain, named BASE_QUOTE: the venue lists others it will not trade.
            chain = entry.get("chainId", entry.get("chain_id"))
            if entry.get("state") != "verified" or int(chain) != self.chain_id or str(entry["symbol"]).count("_") != 1:
                continue
            rule, market = parse_market(entry)
            self.markets[rule.trading_pair] = market
            rules.append((market.symbol, rule))
        return rules

    async def _fetch_balances(self) -> list[Balance]:
        path = {"chain_id": str(self.chain_id), "wallet": self.wallet.address}
        return [parse_balance(entry) for entry in _data(await self.rest.call(tegro.PORTFOLIO, path_values=path))]

    # == orders ==================================================================================

    async def _place_order(self, order: InFlightOrder) -> Placement:
        assert order.price is not None, "Tegro takes limit orders only; the core refused the rest"
        market, address = self.market(order.trading_pair), self.wallet.address
        # The signed Order counts in the tokens' smallest units: refuse what they cannot say, before sending.
        price_units = to_fixed_point(order.price, market.quote_decimals, "price", order.trading_pair, UINT256)
        amount_units = to_fixed_point(order.amount, market.base_decimals, "amount", order.trading_pair, UINT256)
        is_buy = order.trade_type is TradeType.BUY
        # The venue's example sends price and amount as JSON numbers; the check below proves they arrived intact.
        request = {"chain_id": self.chain_id, "wallet_address": address, "market_symbol": market.symbol,
                   "side": "buy" if is_buy else "sell", "price": float(order.price), "amount": float(order.amount)}
        generated = _data(await self.rest.call(tegro.ORDER_TYPED_DATA, data=request))
        limit_order, typed = generated["limit_order"], generated["sign_data"]
        check_typed_data(typed, who=self.name, primary_type="Order", chain_id=self.chain_id,
                         verifying_contract=self._verifying_contract(),
                         expected={"baseToken": market.base_token, "quoteToken": market.quote_token,
                                   "price": price_units, "totalQuantity": amount_units, "isBuy": is_buy,
                                   "maker": address})
        # What is placed must be what is signed: the raw order the venue stores, its hash (the Order's
        # EIP-712 digest, as in the venue's example) and the market it names.
        if orjson.loads(limit_order["raw_order_data"]) != typed["message"] or \
                order_key(limit_order["order_hash"]) != typed_data_digest(typed).hex() or \
                str(limit_order["market_id"]) != market.market_id:
            raise TypedDataMismatch(f"{self.name}: the order to place differs from the typed data to sign; "
                                    "nothing was signed")
        signature = self.wallet.sign(typed)
        # Known before sending, so a placement whose answer is lost can be found by its hash.
        self._client_ids[order_key(limit_order["order_hash"])] = order.client_order_id
        body = {"chain_id": self.chain_id, "base_asset": limit_order["base_asset"],
                "quote_asset": limit_order["quote_asset"], "side": limit_order["side"],
                "volume_precision": limit_order["volume_precision"],
                "price_precision": limit_order["price_precision"], "order_hash": limit_order["order_hash"],
                "raw_order_data": limit_order["raw_order_data"], "signature": signature,
                "signed_order_type": "tegro", "market_id": market.market_id, "market_symbol": market.symbol}
        answer = _data(await self.rest.call(tegro.PLACE_ORDER, data=body))
        # The ack is this order's, whatever hash (if any) it repeats.
        return parse_order(order.trading_pair, answer, lambda _: order.client_order_id), []

    def _verifying_contract(self) -> str:
        if self.exchange_contract is None:
            raise TypedDataMismatch(f"{self.name}: the chain list names no exchange contract for chain "
                                    f"{self.chain_id}; nothing was signed")
        return self.exchange_contract

    async def _cancel_order(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is None:
            raise OrderNotFound(f"{self.name}: order {order.client_order_id} has no venue id yet")
        address = self.wallet.address
        ids = [order.exchange_order_id]
        request = {"order_ids": ids, "user_address": address.lower()}
        typed = _data(await self.rest.call(tegro.CANCEL_TYPED_DATA, data=request))
        typed = typed.get("sign_data", typed)
        check_typed_data(typed, who=self.name, primary_type="CancelOrder", chain_id=self.chain_id,
                         verifying_contract=self._verifying_contract(), expected={"maker": address})
        answer = _data(await self.rest.call(tegro.CANCEL_ORDER, data={"user_address": address, "order_ids": ids,
                                                                "Signature": self.wallet.sign(typed)}))
        if order.exchange_order_id not in [str(i) for i in answer.get("cancelled_order_ids") or ()]:
            raise OrderNotFound(f"{self.name}: the venue cancelled none of {ids}")
        return OrderUpdate(order.trading_pair, self.time_sync.time(), OrderState.CANCELED, order.client_order_id,
                           order.exchange_order_id)

    async def _user_orders(self, trading_pair: str, **params: Any) -> list[dict[str, Any]]:
        """GET orders/user/{wallet}: the wallet's orders on our chain, of one market."""
        market = self.market(trading_pair)
        query = {"chain_id": self.chain_id, "market_symbol": market.symbol, **params}
        rows = _data(await self.rest.call(tegro.USER_ORDERS, params=query, path_values={"wallet": self.wallet.address}))
        return [row for row in rows or () if str(row.get("market_id", market.market_id)) == market.market_id]

    async def _fetch_order_status(self, order: InFlightOrder) -> OrderUpdate:
        if order.exchange_order_id is not None:
            rows = await self._user_orders(order.trading_pair, order_id=order.exchange_order_id)
            rows = [row for row in rows if str(row.get("order_id")) == order.exchange_order_id]
        else:
            # Before the ack: our order is the one whose hash we noted before sending.
            rows = [row for row in await self._user_orders(order.trading_pair)
                    if self.client_id_of(str(row.get("order_hash", ""))) == order.client_order_id]
        if not rows:
            wanted = order.exchange_order_id or order.client_order_id
            raise OrderNotFound(f"{self.name}: the venue lists no order {wanted}")
        return parse_order(order.trading_pair, rows[0], self.client_id_of)

    async def _fetch_order_fills(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        rows = _data(await self.rest.call(tegro.ORDER_TRADES, path_values={"order_id": order.exchange_order_id}))
        return [parse_fill(order.trading_pair, row, order.trade_type, order.client_order_id, order.exchange_order_id)
                for row in rows or ()]

    async def _fetch_open_orders(self, trading_pair: str) -> list[OrderUpdate]:
        rows = await self._user_orders(trading_pair, status="open")
        return [parse_order(trading_pair, row, self.client_id_of) for row in rows]

    async def _fetch_order_history(self, trading_pair: str, since: float) -> list[OrderUpdate]:
        rows = await self._user_orders(trading_pair)
        ended = [row for row in rows if seconds(row.get("timestamp", 0)) >= since]
        return [parse_order(trading_pair, row, self.client_id_of) for row in ended]

    # == ERC-20 allowances: what the exchange contract may take from the wallet ===================

    def _token(self, token: str) -> tuple[str, int]:
        """A token's contract address and decimals, by its symbol on the venue's markets."""
        for market in self.markets.values():
            base, quote = market.symbol.split("_")
            if token == base:
                return market.base_token, market.base_decimals
            if token == quote:
                return market.quote_token, market.quote_decimals
        raise InvalidArgument(f"{self.name}: unknown token {token!r}; known: the tokens of the loaded markets",
                              field="token", value=token)

    async def _node(self) -> EvmRpc:
        if self._rpc is None:
            config = self.config
            url = (config.node_url if isinstance(config, TegroConfig) else None) or self.domain_urls.extra["node"]
            rpc = EvmRpc(url, timeout=self.config.request_timeout)
            # A node of another chain would take a transaction this chain id makes invalid: refuse it first.
            chain = await rpc.chain_id()
            if chain != self.chain_id:
                await rpc.close()
                raise ExchangeError(f"{self.name}: the node at {url} serves chain {chain}, not {self.chain_id}")
            self._rpc = rpc
        return self._rpc

    async def allowance(self, token: str) -> Decimal:
        """How much of ``token`` the venue's exchange contract may take from the wallet (an eth_call)."""
        address, decimals = self._token(token)
        owner, spender = self.wallet.address, self._verifying_contract()
        answer = await (await self._node()).call_contract(address, tegro.ERC20.encode_call("allowance", owner, spender))
        return from_fixed_point(tegro.ERC20.decode_result("allowance", answer)["_0"], decimals)

    async def approve_token(self, token: str, amount: Decimal, *, timeout: float = tegro.APPROVAL_TIMEOUT) -> str:
        """Let the venue's exchange contract take up to ``amount`` of ``token`` (a symbol, "USDC") from the
        wallet: one ERC-20 ``approve`` transaction, signed here and sent to the Base node. Returns its hash
        once mined; a reverted one raises ``TransactionReverted``, one not mined by ``timeout`` raises
        ``TransactionUnconfirmed`` (it may still be mined: it is never sent again). Costs gas, so it is
        sent only when called: placing an order never approves anything."""
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise InvalidArgument(f"{self.name}: approve_token needs a positive Decimal amount, not {amount!r}",
                                  field="amount", value=amount)
        address, decimals = self._token(token)
        units = to_fixed_point(amount, decimals, "amount", token, UINT256)
        spender = self._verifying_contract()
        rpc = await self._node()
        if self._transactions is None:
            self._transactions = TransactionSender(rpc, self.wallet.signer, self.chain_id)
        call = ContractCall(address, tegro.ERC20.encode_call("approve", spender, units))
        sent = await self._transactions.send(call)
        await wait_for_receipt(rpc, sent.tx_hash, timeout)
        return sent.tx_hash
