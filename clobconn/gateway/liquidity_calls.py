"""The connector's pool and liquidity calls: checked arguments, then one ``LiquidityPositions.send``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.errors import InvalidArgument, NotSupported
from clobconn.core.orders.arguments import as_decimal, as_pair
from clobconn.gateway.client import GatewayClient, as_number
from clobconn.gateway.config import DexType, GatewayConfig
from clobconn.gateway.liquidity import LiquidityAction, LiquidityPositions, amounts
from clobconn.gateway.models import PoolInfo


class LiquidityCalls:
    """Mixed into ``GatewayConnector``, which provides these three."""

    config: GatewayConfig
    client: GatewayClient
    liquidity: LiquidityPositions

    def _amm_or_clmm(self, *allowed: DexType) -> None:
        if self.config.dex_type not in allowed:
            raise NotSupported(f"this call needs dex_type {' or '.join(t.value for t in allowed)}, "
                               f"not {self.config.dex_type.value}")

    async def pool_address(self, trading_pair: str) -> str:
        """The address of the pair's pool in Gateway's pool registry, for the configured DEX and type."""
        self._amm_or_clmm(DexType.AMM, DexType.CLMM)
        base, quote = as_pair(trading_pair, InvalidArgument).split("-")
        payload = await self.client.find_pool(base, quote)
        if not isinstance(payload, Mapping) or not payload.get("address"):
            raise NotSupported(f"Gateway returned no pool address for {trading_pair}")
        return str(payload["address"])

    async def pool_info(self, pool_address: str) -> PoolInfo:
        """A pool's price, reserves and fee (``pool_address(pair)`` finds the address)."""
        self._amm_or_clmm(DexType.AMM, DexType.CLMM)
        return await self.client.pool_info(pool_address)

    async def position_info(self, position_address: str) -> Mapping[str, Any]:
        self._amm_or_clmm(DexType.CLMM)
        payload = await self.client.position_info(position_address)
        return payload if isinstance(payload, Mapping) else {}

    def _positive(self, value: Decimal | None, name: str) -> Decimal | None:
        if value is None:
            return None
        checked = as_decimal(value, name, error=InvalidArgument)
        if checked < 0:
            raise InvalidArgument(f"{name} must not be negative, got {value}", field=name, value=value)
        return checked

    async def add_liquidity(self, pool_address: str, base_amount: Decimal, quote_amount: Decimal | None = None,
                            position_address: str | None = None) -> LiquidityAction:
        """AMM: add to the pool (the quote side follows the pool's ratio). CLMM: add to ``position_address``."""
        self._amm_or_clmm(DexType.AMM, DexType.CLMM)
        body: dict[str, Any] = {"poolAddress": pool_address, **amounts(
            self._positive(base_amount, "base_amount"), self._positive(quote_amount, "quote_amount"))}
        if self.config.dex_type is DexType.CLMM:
            if position_address is None:
                raise InvalidArgument("a CLMM add needs the position_address", field="position_address")
            body["positionAddress"] = position_address
        return await self.liquidity.send("add-liquidity", body)

    async def remove_liquidity(self, percentage: Decimal, pool_address: str | None = None,
                               position_address: str | None = None) -> LiquidityAction:
        """Remove ``percentage`` (0 < p <= 100) of the wallet's AMM share in ``pool_address``, or of a CLMM
        position."""
        self._amm_or_clmm(DexType.AMM, DexType.CLMM)
        pct = as_decimal(percentage, "percentage", error=InvalidArgument)
        if not 0 < pct <= 100:
            raise InvalidArgument(f"percentage must be within (0, 100], got {percentage}", field="percentage",
                                  value=percentage)
        body: dict[str, Any] = {"percentageToRemove": float(pct)}
        if self.config.dex_type is DexType.CLMM:
            body["positionAddress"] = position_address
        else:
            body["poolAddress"] = pool_address
        return await self.liquidity.send("remove-liquidity", body)

    async def open_position(self, pool_address: str, lower_price: Decimal, upper_price: Decimal,
                            base_amount: Decimal | None = None, quote_amount: Decimal | None = None) -> LiquidityAction:
        """CLMM: open a position between two prices (quote per base); its address is on the result."""
        self._amm_or_clmm(DexType.CLMM)
        lower = as_decimal(lower_price, "lower_price", error=InvalidArgument)
        upper = as_decimal(upper_price, "upper_price", error=InvalidArgument)
        if not 0 < lower < upper:
            raise InvalidArgument(f"lower_price must be above 0 and below upper_price ({lower} .. {upper})",
                                  field="lower_price", value=lower_price)
        body = {"poolAddress": pool_address, "lowerPrice": as_number(lower), "upperPrice": as_number(upper),
                **amounts(self._positive(base_amount, "base_amount"), self._positive(quote_amount, "quote_amount"))}
        return await self.liquidity.send("open-position", body)

    async def collect_fees(self, position_address: str) -> LiquidityAction:
        self._amm_or_clmm(DexType.CLMM)
        return await self.liquidity.send("collect-fees", {"positionAddress": position_address})

    async def close_position(self, position_address: str) -> LiquidityAction:
        """CLMM: withdraw everything and the fees, and close the position."""
        self._amm_or_clmm(DexType.CLMM)
        return await self.liquidity.send("close-position", {"positionAddress": position_address})
