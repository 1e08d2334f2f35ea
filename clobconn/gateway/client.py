"""Gateway's REST routes, one method each, over the core REST client (throttled, typed errors).

Every network parameter comes from ``GatewayConfig.network_params``/``trading_params``. Amounts go out
as JSON numbers in human units (Gateway's schemas type them ``Type.Number``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.errors import RateLimitExceeded
from clobconn.core.venue import RateLimitReset, ResetUnit
from clobconn.core.web.rest import RestClient
from clobconn.core.web.throttler import AsyncThrottler, RateLimit
from clobconn.gateway.config import GatewayConfig
from clobconn.gateway.errors import ERROR_TABLE, extract_gateway_error
from clobconn.gateway.models import MalformedAnswer, Poll, PoolInfo, Submission, Token, required, to_decimal

logger = logging.getLogger(__name__)

GATEWAY_LIMIT = "gateway"
# A 429 is refused before Gateway does anything, so the same request is sent again once the pause the
# throttler took from Retry-After is over; this many times at most.
RATE_LIMIT_ATTEMPTS = 3


def as_number(amount: Decimal) -> float | int:
    """A Decimal as the JSON number Gateway's schemas take (an integral amount stays an integer)."""
    return int(amount) if amount == amount.to_integral_value() and abs(amount) < 2**53 else float(amount)


class GatewayClient:
    def __init__(self, config: GatewayConfig) -> None:
        self.config = config
        throttler = AsyncThrottler([RateLimit(GATEWAY_LIMIT, config.max_requests_per_minute, 60.0)])
        self.rest = RestClient(
            config.url,
            throttler,
            error_table=ERROR_TABLE,
            error_extractor=extract_gateway_error,
            timeout=config.request_timeout,
            default_limit_id=GATEWAY_LIMIT,
            rate_limit_resets=(RateLimitReset("Retry-After", ResetUnit.SECONDS),),
            ssl_context=config.tls.ssl_context() if config.tls is not None else None,
        )

    async def close(self) -> None:
        await self.rest.close()

    async def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                    body: Mapping[str, Any] | None = None, retry_rate_limit: bool = True) -> Any:
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            try:
                return await self.rest.request(method, path, params=params, data=dict(body) if body else None)
            except RateLimitExceeded:
                if not retry_rate_limit or attempt == RATE_LIMIT_ATTEMPTS:
                    raise
                logger.info("Gateway rate limit on %s %s; sending again after its pause (try %d)",
                            method, path, attempt + 1)
        raise AssertionError("unreachable")

    # == server and configuration ================================================================

    async def health(self) -> Any:
        return await self._call("GET", "/")

    async def chains(self) -> dict[str, list[str]]:
        """``GET /config/chains``: each chain's networks."""
        payload = await self._call("GET", "/config/chains")
        return {str(entry["chain"]): [str(n) for n in entry.get("networks", [])]
                for entry in required(payload, "chains") if isinstance(entry, Mapping) and "chain" in entry}

    async def connectors(self) -> list[Mapping[str, Any]]:
        """``GET /config/connectors``: ``{name, trading_types, chain, networks}`` each."""
        return [c for c in required(await self._call("GET", "/config/connectors"), "connectors")
                if isinstance(c, Mapping)]

    async def namespace(self, namespace: str) -> Mapping[str, Any]:
        payload = await self._call("GET", "/config", params={"namespace": namespace})
        return payload if isinstance(payload, Mapping) else {}

    async def wallets(self) -> list[Mapping[str, Any]]:
        """``GET /wallet``: ``[{chain, walletAddresses}]``."""
        payload = await self._call("GET", "/wallet")
        return [w for w in payload if isinstance(w, Mapping)] if isinstance(payload, list) else []

    async def tokens(self) -> dict[str, Token]:
        """``GET /tokens``: the network's token list, by symbol."""
        payload = await self._call("GET", "/tokens", params=self.config.registry_params())
        tokens = {}
        for entry in required(payload, "tokens"):
            try:
                token = Token(str(entry["symbol"]), str(entry["address"]), int(entry["decimals"]))
            except (KeyError, TypeError, ValueError):
                logger.warning("skipping a malformed Gateway token entry: %r", entry)
                continue
            tokens[token.symbol] = token
        return tokens

    async def estimate_gas(self) -> tuple[Decimal, str]:
        """``GET /chains/{chain}/estimate-gas``: the fee of a default transaction and its asset."""
        payload = await self._call("GET", f"/chains/{self.config.chain}/estimate-gas",
                                   params=self.config.network_params())
        return to_decimal(required(payload, "fee"), "fee"), str(required(payload, "feeAsset"))

    # == wallet ===================================================================================

    async def balances(self, tokens: Iterable[str]) -> dict[str, Decimal]:
        """``POST /chains/{chain}/balances``: keyed by symbol even for tokens asked by address."""
        body: dict[str, Any] = {**self.config.network_params(), "tokens": list(tokens)}
        if self.config.wallet_address:
            body["address"] = self.config.wallet_address
        payload = await self._call("POST", f"/chains/{self.config.chain}/balances", body=body)
        balances = {}
        for symbol, value in (required(payload, "balances") or {}).items():
            try:
                balances[str(symbol)] = to_decimal(value, f"balance of {symbol}")
            except MalformedAnswer as exc:
                logger.warning("skipping a Gateway balance: %s", exc)
        return balances

    async def allowances(self, tokens: Iterable[str], spender: str) -> dict[str, Decimal]:
        """``POST /chains/ethereum/allowances``: what ``spender`` (an address or "uniswap/amm") may spend."""
        body = {**self.config.network_params(), "address": self.config.wallet_address, "spender": spender,
                "tokens": list(tokens)}
        payload = await self._call("POST", f"/chains/{self.config.chain}/allowances", body=body)
        return {str(symbol): to_decimal(value, f"allowance of {symbol}")
                for symbol, value in (required(payload, "approvals") or {}).items()}

    async def approve(self, token: str, spender: str, amount: Decimal | None) -> Submission:
        """``POST /chains/ethereum/approve``; ``amount`` None approves the maximum."""
        body: dict[str, Any] = {**self.config.network_params(), "address": self.config.wallet_address,
                                "spender": spender, "token": token}
        if amount is not None:
            body["amount"] = as_number(amount)
        return Submission.parse(await self._call("POST", f"/chains/{self.config.chain}/approve", body=body))

    # == swaps ====================================================================================

    async def quote(self, base: str, quote: str, side: str, amount: Decimal,
                    slippage_pct: float | None) -> Any:
        """``GET /trading/swap/quote``: ``amount`` is always in the base token."""
        params: dict[str, Any] = {**self.config.trading_params(), "baseToken": base, "quoteToken": quote,
                                  "amount": str(amount), "side": side}
        if slippage_pct is not None:
            params["slippagePct"] = str(slippage_pct)
        return await self._call("GET", "/trading/swap/quote", params=params)

    async def execute_swap(self, base: str, quote: str, side: str, amount: Decimal,
                           slippage_pct: float | None) -> Submission:
        """``POST /trading/swap/execute``. Sent once per swap by the caller: never retried here except
        after a 429, which Gateway answers before touching the chain."""
        body: dict[str, Any] = {**self.config.trading_params(), "baseToken": base, "quoteToken": quote,
                                "amount": as_number(amount), "side": side}
        if self.config.wallet_address:
            body["walletAddress"] = self.config.wallet_address
        if slippage_pct is not None:
            body["slippagePct"] = slippage_pct
        return Submission.parse(await self._call("POST", "/trading/swap/execute", body=body))

    async def router_quote(self, base: str, quote: str, side: str, amount: Decimal,
                           slippage_pct: float | None) -> Any:
        """``GET /connectors/{dex}/router/quote-swap``: a quote with a ``quoteId`` Gateway keeps in memory
        for a short while, executable by ``execute_quote``."""
        params: dict[str, Any] = {**self.config.network_params(), "baseToken": base, "quoteToken": quote,
                                  "amount": str(amount), "side": side}
        if slippage_pct is not None:
            params["slippagePct"] = str(slippage_pct)
        return await self._call("GET", self._dex_path("quote-swap", "router"), params=params)

    async def execute_quote(self, quote_id: str) -> Submission:
        """``POST /connectors/{dex}/router/execute-quote``; an id Gateway forgot is ``QuoteExpired``."""
        body: dict[str, Any] = {**self.config.network_params(), "quoteId": quote_id}
        if self.config.wallet_address:
            body["walletAddress"] = self.config.wallet_address
        return Submission.parse(await self._call("POST", self._dex_path("execute-quote", "router"), body=body))

    async def poll(self, signature: str) -> Poll:
        body: dict[str, Any] = {**self.config.network_params(), "signature": signature}
        return Poll.parse(await self._call("POST", f"/chains/{self.config.chain}/poll", body=body))

    # == pools and liquidity ======================================================================

    def _dex_path(self, action: str, dex_type: str | None = None) -> str:
        if self.config.dex is None:
            raise ValueError("pool, liquidity and router calls need the config's dex")
        return f"/connectors/{self.config.dex}/{dex_type or self.config.dex_type.value}/{action}"

    async def pool_info(self, pool_address: str) -> PoolInfo:
        params = {**self.config.network_params(), "poolAddress": pool_address}
        return PoolInfo.parse(await self._call("GET", self._dex_path("pool-info"), params=params))

    async def find_pool(self, base: str, quote: str) -> Any:
        """``GET /pools/{BASE-QUOTE}``: the registry's pool for the pair on the configured DEX and type."""
        params = {**self.config.registry_params(), "connector": self.config.dex,
                  "type": self.config.dex_type.value}
        return await self._call("GET", f"/pools/{base}-{quote}", params=params)

    async def position_info(self, position_address: str) -> Any:
        params = {**self.config.network_params(), "positionAddress": position_address}
        if self.config.wallet_address:
            params["walletAddress"] = self.config.wallet_address
        return await self._call("GET", self._dex_path("position-info"), params=params)

    async def liquidity_action(self, action: str, body: Mapping[str, Any]) -> Submission:
        """One of the position transactions (``add-liquidity``, ``open-position``, ...): sent once."""
        full: dict[str, Any] = {**self.config.network_params(), **body}
        if self.config.wallet_address:
            full["walletAddress"] = self.config.wallet_address
        return Submission.parse(await self._call("POST", self._dex_path(action), body=full))
