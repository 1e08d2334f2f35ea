"""Cube's markets and assets, and its integer units: every price and quantity on the wire is a whole
number of the market's ticks, and every balance a whole number of the asset's raw units.

GET /ir/v0/markets (https://cubexch.gitbook.io/cube-api/exchange-info): a market's ``priceTickSize`` is
the price of one integer price unit and ``quantityTickSize`` the size of one integer quantity unit, in
human terms (they equal ``quoteLotSize / baseLotSize`` and ``baseLotSize`` over the assets' decimals).
Conversions are exact in ``Decimal``; a value that is not a whole number of units is refused, never rounded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import TradingRule
from clobconn.core.errors import InvalidOrderArgument
from clobconn.exchange.cube.constants import ACTIVE_MARKET_STATUSES


@dataclass(frozen=True, slots=True)
class Asset:
    asset_id: int
    symbol: str
    # Raw units per whole asset, as a power of ten (18 for ETH, 8 for BTC).
    decimals: int

    def from_raw(self, raw: int | str) -> Decimal:
        return Decimal(int(raw)).scaleb(-self.decimals)


@dataclass(frozen=True, slots=True)
class Market:
    market_id: int
    symbol: str
    trading_pair: str
    base: Asset
    quote: Asset
    price_tick: Decimal
    quantity_tick: Decimal
    # One quote lot in quote asset (a fill's fill_quote_quantity counts them).
    quote_lot: Decimal

    def price_units(self, price: Decimal) -> int:
        return to_units(price, self.price_tick, "price", self.trading_pair)

    def quantity_units(self, amount: Decimal) -> int:
        return to_units(amount, self.quantity_tick, "amount", self.trading_pair)

    def price(self, units: int | str) -> Decimal:
        return from_units(units, self.price_tick)

    def quantity(self, units: int | str) -> Decimal:
        return from_units(units, self.quantity_tick)


def to_units(value: Decimal, tick: Decimal, field: str, trading_pair: str) -> int:
    """``value`` as a whole number of ``tick``: exact, or refused (off the tick, or outside a uint64)."""
    units = value / tick
    if units != units.to_integral_value() or not 0 < units < 2**64:
        raise InvalidOrderArgument(f"{trading_pair}: {field} {value} is not a whole number of Cube's {tick} units",
                                   field=field, value=value)
    return int(units)


def from_units(units: int | str, tick: Decimal) -> Decimal:
    # The product of two exact decimals with few digits: no rounding at the default precision.
    return Decimal(int(units)) * tick


def parse_markets(result: Mapping[str, Any]) -> tuple[dict[int, Asset], list[tuple[Market, TradingRule]]]:
    """The ``result`` of GET /ir/v0/markets: every asset, and the markets in use (status 1 or 2, not
    ``disabled``) with their rules."""
    assets = {int(a["assetId"]): Asset(int(a["assetId"]), str(a["symbol"]), int(a["decimals"]))
              for a in result["assets"]}
    markets = []
    for entry in result["markets"]:
        base, quote = assets.get(int(entry["baseAssetId"])), assets.get(int(entry["quoteAssetId"]))
        if base is None or quote is None or entry.get("status", 1) not in ACTIVE_MARKET_STATUSES or (
                entry.get("disabled")):
            continue
        market = Market(int(entry["marketId"]), str(entry["symbol"]), f"{base.symbol}-{quote.symbol}", base, quote,
                        Decimal(entry["priceTickSize"]), Decimal(entry["quantityTickSize"]),
                        quote.from_raw(entry["quoteLotSize"]))
        markets.append((market, trading_rule(market, entry)))
    return assets, markets


def trading_rule(market: Market, entry: Mapping[str, Any]) -> TradingRule:
    """The rule: the ticks are the steps, one quantity tick the least size; the notional bounds come in
    the quote asset's raw units (``minOrderQuoteAmt``, ``maxOrderQuoteAmt``) where the market has them."""
    low, high = entry.get("minOrderQuoteAmt"), entry.get("maxOrderQuoteAmt")
    return TradingRule(
        market.trading_pair,
        min_order_size=market.quantity_tick,
        min_price_increment=market.price_tick,
        min_base_amount_increment=market.quantity_tick,
        min_notional=market.quote.from_raw(low) if low else Decimal(0),
        max_notional=market.quote.from_raw(high) if high else None,
    )
