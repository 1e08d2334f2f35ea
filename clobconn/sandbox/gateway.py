"""A Gateway-compatible server for offline work and tests: Gateway 2.13's routes over simulated pools
and a simulated chain (``gateway_chain``).

It speaks what ``clobconn.gateway`` calls: health, config, wallets, tokens, balances, allowances and
approve (EVM), gas, the unified swap quote and execute, poll, pool lookup and pool info, and the AMM and
CLMM position calls. Tests script it: the statuses of the next transactions (``[0, 0, 1]``,
``[0, -1]``, ``[0]`` for pending for ever), a revert Gateway reports as confirmed, forced error bodies
(optionally after the transaction was sent, as Uniswap's execute does) and 429s; ``requests`` counts
every route called.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import ssl
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

from aiohttp import web

from clobconn.sandbox.gateway_chain import (
    ZERO,
    ChainRefusal,
    Pool,
    SimChain,
    concentrated,
    constant_product,
)
from clobconn.sandbox.gateway_positions import handle_position_action

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_ALLOWANCE = Decimal(2**256 - 1)


@dataclass(frozen=True, slots=True)
class ForcedError:
    status: int
    body: Any
    # For execute: the transaction is sent (and lands) before the error is answered.
    after_send: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SandboxChain:
    chain: str
    network: str
    native: str
    tokens: tuple[tuple[str, int], ...]
    connectors: tuple[tuple[str, tuple[str, ...]], ...]
    swap_provider: str
    fee: Decimal


SOLANA = SandboxChain("solana", "mainnet-beta", "SOL", (("SOL", 9), ("USDC", 6), ("RAY", 6)),
                      (("raydium", ("amm", "clmm")), ("jupiter", ("router",))), "raydium/amm", Decimal("0.000005"))
ETHEREUM = SandboxChain("ethereum", "base", "ETH", (("ETH", 18), ("WETH", 18), ("USDC", 6)),
                        (("uniswap", ("amm", "clmm", "router")),), "uniswap/amm", Decimal("0.00012"))

SANDBOX_WALLET = {"solana": "SandboxWa11et1111111111111111111111111111111",
                  "ethereum": "0x5a4dB0c5a4dB0c5a4dB0c5a4dB0c5a4dB0c5a4dB"}


def _number(value: Decimal) -> float:
    return float(value)


def _error(status: int, message: str, code: str | None = None, **extra: Any) -> web.Response:
    reason = {400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
              504: "Gateway Timeout"}.get(status, "Error")
    body: dict[str, Any] = {"statusCode": status, "error": reason, "message": message, **extra}
    if code is not None:
        body["code"] = code
    return web.json_response(body, status=status)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ChainRefusal(400, f"body/{name} must be number")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        raise ChainRefusal(400, f"body/{name} must be number") from None
    if not number.is_finite():
        raise ChainRefusal(400, f"body/{name} must be number")
    return number


class GatewaySandbox:
    def __init__(self, chain: SandboxChain = SOLANA, *, balances: Mapping[str, Decimal] | None = None,
                 confirm_statuses: tuple[int, ...] = (0, 1)) -> None:
        self.spec = chain
        self.wallet = SANDBOX_WALLET[chain.chain]
        self.evm = chain.chain == "ethereum"
        self.chain = SimChain(self.evm)
        self.tokens = {symbol: decimals for symbol, decimals in chain.tokens}
        self.addresses = {symbol: self._token_address(symbol) for symbol in self.tokens}
        self.balances: dict[str, Decimal] = dict(balances) if balances is not None else (
            {"SOL": Decimal(100), "USDC": Decimal(20_000), "RAY": Decimal(1000)} if not self.evm
            else {"ETH": Decimal(10), "WETH": Decimal(10), "USDC": Decimal(30_000)})
        # (token, spender) -> amount; EVM swaps need one for the token they spend.
        self.allowances: dict[tuple[str, str], Decimal] = {}
        self.pools: list[Pool] = self._seed_pools()
        self.positions: dict[str, dict[str, Any]] = {}
        # Router quotes by id: (expiry on the monotonic clock, pool, side, amount, base, quote).
        self.quotes: dict[str, tuple[float, Pool, str, Decimal, str, str]] = {}
        self.quote_ttl = 30.0
        # What each next transaction shows; the default when none is scripted.
        self.confirm_statuses = list(confirm_statuses)
        self.scripted: deque[list[int]] = deque()
        self.reverts: deque[bool] = deque()
        self.forced: dict[str, deque[ForcedError]] = {}
        self.requests: Counter[str] = Counter()
        self.app = web.Application(middlewares=[self._middleware])
        self._add_routes()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # == scripting (tests) =======================================================================

    def script_next(self, *statuses: list[int]) -> None:
        """The status sequences of the next transactions, in order: execute's answer takes the first item,
        each poll the next; the last repeats (``[0]``: pending for ever; ``[0, -1]``: pending then failed)."""
        self.scripted.extend(list(s) for s in statuses)

    def revert_next(self) -> None:
        """The next transaction reverts on chain but reports confirmed, as Gateway's Ethereum poll does."""
        self.reverts.append(True)

    def force_error(self, route: str, status: int, body: Any, *, times: int = 1, after_send: bool = False,
                    headers: Mapping[str, str] | None = None) -> None:
        """Answer ``route`` ("POST /trading/swap/execute") with ``status`` and ``body`` the next ``times``."""
        queue = self.forced.setdefault(route, deque())
        queue.extend(ForcedError(status, body, after_send, dict(headers or {})) for _ in range(times))

    def rate_limit_next(self, route: str, times: int = 1, retry_after: float = 0.05) -> None:
        body = {"statusCode": 429, "error": "Too Many Requests",
                "message": f"Rate limit exceeded, retry in {retry_after} seconds", "expiresIn": retry_after}
        self.force_error(route, 429, body, times=times, headers={"Retry-After": str(retry_after)})

    def count(self, route: str) -> int:
        return self.requests[route]

    # == lifecycle ===============================================================================

    async def start(self, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None) -> str:
        runner = web.AppRunner(self.app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0]
        self.url = f"{'https' if ssl_context else 'http'}://{'localhost' if ssl_context else host}:{bound[1]}"
        logger.info("sandbox Gateway (%s-%s) serving at %s", self.spec.chain, self.spec.network, self.url)
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> GatewaySandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def connector_config(self, dex: str | None = None, dex_type: str = "amm", **extra: Any) -> dict[str, Any]:
        """``get_connector("gateway", **sandbox.connector_config())``."""
        return {"url": self.url, "chain": self.spec.chain, "network": self.spec.network,
                "dex": dex or self.spec.swap_provider.split("/")[0], "dex_type": dex_type,
                "wallet_address": self.wallet, **extra}

    # == world ===================================================================================

    def _token_address(self, symbol: str) -> str:
        digest = hashlib.sha256(f"{self.spec.chain}:{symbol}".encode()).hexdigest()
        return f"0x{digest[:40]}" if self.evm else f"{symbol}{digest[:40]}"

    def _seed_pools(self) -> list[Pool]:
        if self.evm:
            return [constant_product("0xpoolamm" + "0" * 32, "uniswap", "WETH", "USDC", Decimal(500),
                                     Decimal(3000), Decimal("0.3")),
                    concentrated("0xpoolclmm" + "0" * 30, "uniswap", "WETH", "USDC", Decimal(200_000),
                                 Decimal(3000), Decimal(2500), Decimal(3600), Decimal("0.05"))]
        return [constant_product("RaydiumAmmPoo1SOLUSDC", "raydium", "SOL", "USDC", Decimal(20_000), Decimal(150),
                                 Decimal("0.25")),
                concentrated("RaydiumC1mmPoo1SOLUSDC", "raydium", "SOL", "USDC", Decimal(1_000_000),
                             Decimal(150), Decimal(120), Decimal(180), Decimal("0.05"))]

    def pool_for(self, base: str, quote: str, kind: str, dex: str | None = None) -> Pool:
        for pool in self.pools:
            if pool.kind == kind and (dex is None or pool.dex == dex) and {pool.base, pool.quote} == {base, quote}:
                return pool
        raise ChainRefusal(404, f"No {kind.upper()} pool found for {base}-{quote}")

    def pool_by_address(self, address: str) -> Pool:
        for pool in self.pools:
            if pool.address == address:
                return pool
        raise ChainRefusal(404, f"Pool not found: {address}")

    def _symbol(self, token: str) -> str:
        if token in self.tokens:
            return token
        for symbol, address in self.addresses.items():
            if address == token:
                return symbol
        raise ChainRefusal(404, f"Token not found: {token}")

    def _next_statuses(self) -> list[int]:
        return self.scripted.popleft() if self.scripted else list(self.confirm_statuses)

    def _spend(self, changes: Mapping[str, Decimal]) -> None:
        for symbol, change in changes.items():
            self.balances[symbol] = self.balances.get(symbol, ZERO) + change

    def _send(self, changes: Mapping[str, Decimal], effect: Callable[[], None] | None = None) -> Any:
        """A transaction whose landing moves ``changes`` (and pays the fee) and runs ``effect``."""
        fee = self.spec.fee
        native = self.spec.native

        def land() -> None:
            self._spend({**changes, native: changes.get(native, ZERO) - fee})
            if effect is not None:
                effect()
        return self.chain.send(self._next_statuses(), land, fee, self.reverts.popleft() if self.reverts else False)

    # == HTTP =====================================================================================

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        route = f"{request.method} {request.path}"
        self.requests[route] += 1
        forced = self.forced.get(route)
        if forced:
            error = forced.popleft()
            if error.after_send:
                # Uniswap's execute: the transaction went out, then Gateway failed to say so.
                with contextlib.suppress(ChainRefusal):
                    await handler(request)
            if isinstance(error.body, str | bytes):
                return web.Response(status=error.status, body=error.body, headers=error.headers,
                                    content_type="text/html")
            return web.json_response(error.body, status=error.status, headers=error.headers)
        try:
            return await handler(request)
        except ChainRefusal as refusal:
            if refusal.status == 400 and refusal.message.startswith(("body/", "querystring/")):
                return _error(400, refusal.message, validation=[{"message": refusal.message}],
                              **{"error": "Validation Error"})
            return _error(refusal.status, refusal.message)

    def _add_routes(self) -> None:
        chain = self.spec.chain
        routes = [
            web.get("/", self._health),
            web.get("/config/chains", self._chains),
            web.get("/config/connectors", self._connectors),
            web.get("/config", self._config),
            web.get("/wallet", self._wallets),
            web.get("/tokens", self._tokens),
            web.get(f"/chains/{chain}/status", self._status),
            web.get(f"/chains/{chain}/estimate-gas", self._estimate_gas),
            web.post(f"/chains/{chain}/balances", self._balances),
            web.post(f"/chains/{chain}/poll", self._poll),
            web.get("/trading/swap/quote", self._quote),
            web.post("/trading/swap/execute", self._execute),
            web.get("/pools/{pair}", self._find_pool),
            web.get("/connectors/{dex}/router/quote-swap", self._router_quote),
            web.post("/connectors/{dex}/router/execute-quote", self._execute_quote),
            web.get("/connectors/{dex}/{kind}/pool-info", self._pool_info),
            web.get("/connectors/{dex}/{kind}/position-info", self._position_info),
            web.post("/connectors/{dex}/{kind}/{action}", self._liquidity),
        ]
        if self.evm:
            routes += [web.post(f"/chains/{chain}/allowances", self._allowances),
                       web.post(f"/chains/{chain}/approve", self._approve)]
        self.app.add_routes(routes)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _chains(self, request: web.Request) -> web.Response:
        return web.json_response({"chains": [{"chain": self.spec.chain, "networks": [self.spec.network]}]})

    async def _connectors(self, request: web.Request) -> web.Response:
        return web.json_response({"connectors": [
            {"name": name, "trading_types": list(types), "chain": self.spec.chain, "networks": [self.spec.network]}
            for name, types in self.spec.connectors]})

    async def _config(self, request: web.Request) -> web.Response:
        namespace = request.query.get("namespace", "")
        if namespace == self.spec.chain:
            return web.json_response({"defaultNetwork": self.spec.network, "defaultWallet": self.wallet})
        if namespace == f"{self.spec.chain}-{self.spec.network}":
            return web.json_response({"swapProvider": self.spec.swap_provider,
                                      "nativeCurrencySymbol": self.spec.native})
        return _error(404, f"Namespace '{namespace}' not found")

    async def _wallets(self, request: web.Request) -> web.Response:
        return web.json_response([{"chain": self.spec.chain, "walletAddresses": [self.wallet]}])

    def _check_network(self, network: Any) -> None:
        if network not in (None, self.spec.network):
            raise ChainRefusal(400, f"Network {network} not supported for {self.spec.chain}")

    def _check_registry_network(self, query: Mapping[str, str]) -> None:
        """Either 2.13's chain and network, or the later chainNetwork (gateway#683)."""
        if "chainNetwork" in query:
            if query["chainNetwork"] != f"{self.spec.chain}-{self.spec.network}":
                raise ChainRefusal(400, "querystring/chainNetwork must be equal to one of the allowed values")
            return
        if query.get("chain", self.spec.chain) != self.spec.chain:
            raise ChainRefusal(400, f"Chain {query.get('chain')} not supported")
        self._check_network(query.get("network"))

    async def _tokens(self, request: web.Request) -> web.Response:
        self._check_registry_network(request.query)
        return web.json_response({"tokens": [
            {"symbol": s, "address": self.addresses[s], "decimals": d, "name": s} for s, d in self.tokens.items()]})

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response({"chain": self.spec.chain, "network": self.spec.network, "rpcUrl": "sandbox",
                                  "rpcProvider": "sandbox", "currentBlockNumber": self.chain.block,
                                  "nativeCurrency": self.spec.native, "swapProvider": self.spec.swap_provider})

    async def _estimate_gas(self, request: web.Request) -> web.Response:
        return web.json_response({"feePerComputeUnit": 1, "denomination": "gwei" if self.evm else "lamports",
                                  "computeUnits": 200_000, "feeAsset": self.spec.native,
                                  "fee": _number(self.spec.fee), "timestamp": 1_767_225_600_000})

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise ChainRefusal(400, "body/ must be object") from None
        if not isinstance(body, dict):
            raise ChainRefusal(400, "body/ must be object")
        self._check_network(body.get("network"))
        return body

    def _check_wallet(self, address: Any) -> None:
        if address not in (None, self.wallet):
            raise ChainRefusal(400, f"Wallet {address} not found")

    async def _balances(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("address"))
        tokens = body.get("tokens") or list(self.tokens)
        symbols = [self._symbol(str(token)) for token in tokens]
        return web.json_response({"balances": {s: _number(self.balances.get(s, ZERO)) for s in symbols}})

    async def _poll(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        signature = str(body.get("signature", ""))
        tx = self.chain.transactions.get(signature)
        fee: float | None = None
        if tx is None:
            # Solana: not found is 0 (for ever); Ethereum: -1 after its retries.
            status, error = (-1 if self.evm else 0), "transaction not found"
        else:
            status, error = tx.look(), None
            if status == 1 and not self.evm:
                fee = _number(tx.fee)
        return web.json_response({"currentBlock": self.chain.block, "signature": signature,
                                  "txBlock": self.chain.block if status == 1 else None, "txStatus": status,
                                  "fee": fee, "txData": None, "error": error})

    # == swaps ===================================================================================

    def _swap_request(self, params: Mapping[str, Any]) -> tuple[Pool, str, Decimal, str, str, Decimal]:
        side = params.get("side")
        if side not in ("BUY", "SELL"):
            raise ChainRefusal(400, "querystring/side must be equal to one of the allowed values")
        if params.get("chainNetwork") not in (None, f"{self.spec.chain}-{self.spec.network}"):
            raise ChainRefusal(400, f"Unsupported chainNetwork {params.get('chainNetwork')}")
        base, quote = self._symbol(str(params.get("baseToken"))), self._symbol(str(params.get("quoteToken")))
        amount = _decimal(params.get("amount"), "amount")
        connector = str(params.get("connector") or self.spec.swap_provider)
        dex, _, kind = connector.partition("/")
        pool = self.pool_for(base, quote, "amm" if kind == "router" else kind or "amm", dex)
        if (pool.base, pool.quote) != (base, quote):
            raise ChainRefusal(404, f"No pool found for {base}-{quote}")
        slippage = _decimal(params.get("slippagePct", 1), "slippagePct")
        return pool, str(side), amount, base, quote, slippage

    def _amounts(self, pool: Pool, side: str, amount: Decimal, base: str, quote: str) -> tuple[Decimal, Decimal]:
        """The pool's amounts at the tokens' decimals: what comes out rounded down, what goes in up."""
        amount_in, amount_out = pool.swap_amounts(side, amount)
        token_in, token_out = (base, quote) if side == "SELL" else (quote, base)
        return (amount_in.quantize(Decimal(1).scaleb(-self.tokens[token_in]), rounding=ROUND_UP),
                amount_out.quantize(Decimal(1).scaleb(-self.tokens[token_out]), rounding=ROUND_DOWN))

    def _quote_body(self, pool: Pool, side: str, amount: Decimal, base: str, quote: str,
                    slippage: Decimal) -> dict[str, Any]:
        amount_in, amount_out = self._amounts(pool, side, amount, base, quote)
        price = amount_out / amount if side == "SELL" else amount_in / amount
        impact = abs(price - pool.price) / pool.price * 100
        token_in, token_out = (base, quote) if side == "SELL" else (quote, base)
        bound = slippage / 100
        return {"tokenIn": self.addresses[token_in], "tokenOut": self.addresses[token_out],
                "amountIn": _number(amount_in), "amountOut": _number(amount_out), "price": _number(price),
                "priceImpactPct": _number(impact),
                "minAmountOut": _number(amount_out * (1 - bound) if side == "SELL" else amount_out),
                "maxAmountIn": _number(amount_in * (1 + bound) if side == "BUY" else amount_in),
                "poolAddress": pool.address, "slippagePct": _number(slippage)}

    async def _quote(self, request: web.Request) -> web.Response:
        pool, side, amount, base, quote, slippage = self._swap_request(request.query)
        return web.json_response(self._quote_body(pool, side, amount, base, quote, slippage))

    async def _execute(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("walletAddress"))
        pool, side, amount, base, quote, _ = self._swap_request(body)
        return self._swap(pool, side, amount, base, quote)

    async def _router_quote(self, request: web.Request) -> web.Response:
        params = {**request.query, "connector": f"{request.match_info['dex']}/amm"}
        pool, side, amount, base, quote, slippage = self._swap_request(params)
        quote_id = hashlib.sha256(f"quote-{len(self.quotes)}-{self.chain.block}".encode()).hexdigest()[:32]
        self.quotes[quote_id] = (time.monotonic() + self.quote_ttl, pool, side, amount, base, quote)
        return web.json_response({**self._quote_body(pool, side, amount, base, quote, slippage), "quoteId": quote_id})

    async def _execute_quote(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("walletAddress"))
        held = self.quotes.pop(str(body.get("quoteId")), None)
        if held is None or held[0] < time.monotonic():
            raise ChainRefusal(400, "Quote not found or expired")
        _, pool, side, amount, base, quote = held
        return self._swap(pool, side, amount, base, quote)

    def _swap(self, pool: Pool, side: str, amount: Decimal, base: str, quote: str) -> web.Response:
        amount_in, amount_out = self._amounts(pool, side, amount, base, quote)
        token_in, token_out = (base, quote) if side == "SELL" else (quote, base)
        if self.balances.get(token_in, ZERO) < amount_in:
            raise ChainRefusal(400, f"Insufficient funds: {token_in} balance below {amount_in}")
        spender = f"{pool.dex}/{pool.kind}"
        if self.evm and self.allowances.get((token_in, spender), ZERO) < amount_in:
            raise ChainRefusal(400, f"Insufficient allowance for {token_in}. Please approve {token_in} for "
                                    f"{spender} first")

        def swap() -> None:
            pool.apply_swap(side, amount)
        changes = {token_in: -amount_in, token_out: amount_out}
        tx = self._send(changes, swap)
        status = tx.look()
        answer: dict[str, Any] = {"signature": tx.signature, "status": status}
        if status == 1 and not tx.reverts:
            base_change = changes[base] - (self.spec.fee if base == self.spec.native else 0)
            quote_change = changes[quote] - (self.spec.fee if quote == self.spec.native else 0)
            answer["data"] = {"tokenIn": self.addresses[token_in], "tokenOut": self.addresses[token_out],
                              "amountIn": _number(amount_in), "amountOut": _number(amount_out),
                              "fee": _number(tx.fee), "baseTokenBalanceChange": _number(base_change),
                              "quoteTokenBalanceChange": _number(quote_change)}
        return web.json_response(answer)

    # == allowances (EVM) ========================================================================

    async def _allowances(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("address"))
        spender = str(body.get("spender"))
        symbols = [self._symbol(str(t)) for t in body.get("tokens") or []]
        return web.json_response({"spender": spender, "approvals": {
            s: str(self.allowances.get((s, spender), ZERO)) for s in symbols}})

    async def _approve(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("address"))
        token, spender = self._symbol(str(body.get("token"))), str(body.get("spender"))
        amount = _decimal(body["amount"], "amount") if "amount" in body else MAX_ALLOWANCE

        def allow() -> None:
            self.allowances[(token, spender)] = amount
        tx = self._send({}, allow)
        return web.json_response({"signature": tx.signature, "status": tx.look()})

    # == pools and positions =====================================================================

    async def _find_pool(self, request: web.Request) -> web.Response:
        self._check_registry_network(request.query)
        base, _, quote = request.match_info["pair"].partition("-")
        pool = self.pool_for(base, quote, request.query.get("type", "amm"), request.query.get("connector"))
        return web.json_response({"address": pool.address, "baseTokenAddress": self.addresses[pool.base],
                                  "quoteTokenAddress": self.addresses[pool.quote], "feePct": _number(pool.fee_pct),
                                  "type": pool.kind})

    async def _pool_info(self, request: web.Request) -> web.Response:
        self._check_network(request.query.get("network"))
        pool = self.pool_by_address(request.query.get("poolAddress", ""))
        info: dict[str, Any] = {
            "address": pool.address, "baseTokenAddress": self.addresses[pool.base],
            "quoteTokenAddress": self.addresses[pool.quote], "feePct": _number(pool.fee_pct),
            "price": _number(pool.price), "baseTokenAmount": _number(pool.base_reserve),
            "quoteTokenAmount": _number(pool.quote_reserve)}
        if pool.kind == "clmm":
            info["activeBinId"] = 0
        else:
            info["lpMint"] = {"address": f"{pool.address}LP", "decimals": 9}
        return web.json_response(info)

    async def _position_info(self, request: web.Request) -> web.Response:
        position = self.positions.get(request.query.get("positionAddress", ""))
        if position is None:
            raise ChainRefusal(404, "Position not found")
        return web.json_response({k: v for k, v in position.items() if not k.startswith("_")})

    async def _liquidity(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self._check_wallet(body.get("walletAddress"))
        changes, effect, extra = handle_position_action(self, request.match_info["kind"],
                                                        request.match_info["action"], body)
        tx = self._send(changes, effect)
        return web.json_response({"signature": tx.signature, "status": tx.look(), **extra})
