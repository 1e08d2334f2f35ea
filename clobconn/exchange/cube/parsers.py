"""Cube's markets and assets, its account objects (order socket: trade.proto decoded to mappings; IR REST
listings), and what its data sources read of the connector (``CubeView``). Amounts are integers: a price is a
whole number of the market's ``priceTickSize``, a quantity of its ``quantityTickSize``, a balance, fee or REST
fill amount of the asset's raw units; conversions are exact (core/web/numbers.py), never rounded.
https://cubexch.gitbook.io/cube-api/exchange-info and https://cubexch.gitbook.io/cube-api/websocket-trade-api
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from clobconn.core.data_source import ConnectorView
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate, TradingRule
from clobconn.core.web.numbers import from_units, to_units
from clobconn.exchange.cube.constants import ACTIVE_MARKET_STATUSES


@dataclass(frozen=True, slots=True)
class Asset:
    asset_id: int
    symbol: str
    decimals: int  # raw units per whole asset, as a power of ten (18 for ETH, 8 for BTC)

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
    quote_lot: Decimal  # in quote asset: a fill's fill_quote_quantity counts them

    def price_units(self, price: Decimal) -> int:
        return to_units(price, self.price_tick, "price", self.trading_pair)

    def quantity_units(self, amount: Decimal) -> int:
        return to_units(amount, self.quantity_tick, "amount", self.trading_pair)

    def price(self, units: int | str) -> Decimal:
        return from_units(units, self.price_tick)

    def quantity(self, units: int | str) -> Decimal:
        return from_units(units, self.quantity_tick)


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
        # The ticks are the steps, one quantity tick the least size; the notional bounds are raw quote units.
        low, high = entry.get("minOrderQuoteAmt"), entry.get("maxOrderQuoteAmt")
        markets.append((market, TradingRule(
            market.trading_pair, min_order_size=market.quantity_tick, min_price_increment=market.price_tick,
            min_base_amount_increment=market.quantity_tick, min_notional=quote.from_raw(low) if low else Decimal(0),
            max_notional=quote.from_raw(high) if high else None)))
    return assets, markets


# The IR orders listing's "status".
LISTED_STATES = {"open": OrderState.OPEN, **dict.fromkeys(("p-filled", "pfilled"), OrderState.PARTIALLY_FILLED),
                 "filled": OrderState.FILLED, "canceled": OrderState.CANCELED, "rejected": OrderState.FAILED}


class CubeView(ConnectorView, Protocol):
    markets: dict[str, Market]
    markets_by_id: dict[int, Market]
    assets: dict[int, Asset]


def nanos(value: int | str) -> float:  # a matching-engine transact time, in seconds
    return int(value) / 1e9


def raw_units(value: Mapping[str, Any]) -> int:  # RawUnits: four 64-bit words, least significant first
    return sum(int(value.get(f"word{i}", 0)) << (64 * i) for i in range(4))


def position_balance(asset: Asset, position: Mapping[str, Any]) -> Balance:
    """AssetPosition (bootstrap and later): the total and what open orders leave available."""
    return Balance(asset.symbol, asset.from_raw(raw_units(position["total"])),
                   asset.from_raw(raw_units(position["available"])))


def executed_state(cumulative: Decimal, leaves: Decimal) -> OrderState:
    return OrderState.FILLED if not leaves else OrderState.PARTIALLY_FILLED if cumulative else OrderState.OPEN


def fill_id(trade_id: object, price_units: object, quantity_units: object) -> str:
    """A trade id is the match event's: one aggressing order may fill against several resting orders in one
    event, and price and size (which the REST listing and the socket both carry) tell those fills apart."""
    return f"{trade_id}:{price_units}:{quantity_units}"


def fee_paid(asset: Asset, received: Decimal, ratio: Mapping[str, Any]) -> Decimal:
    """The fee on what a fill received: ``received * mantissa * 10^exponent``, rounded down to a raw unit."""
    fee = received * Decimal(int(ratio.get("mantissa", 0))).scaleb(int(ratio.get("exponent", 0)))
    return fee.quantize(Decimal(1).scaleb(-asset.decimals), rounding=ROUND_DOWN)


def socket_fill(market: Market, fill: Mapping[str, Any]) -> tuple[TradeUpdate, OrderUpdate]:
    """Fill: the trade, and the order's state after it (cumulative and leaves quantities)."""
    base = market.quantity(fill["fill_quantity"])
    quote = Decimal(int(fill["fill_quote_quantity"])) * market.quote_lot
    # The fee comes out of what the order received: the base asset for a bid, the quote for an ask.
    received, received_in = (base, market.base) if fill["side"] == "BID" else (quote, market.quote)
    client_id, exchange_id = str(fill["client_order_id"]), str(fill["exchange_order_id"])
    at = nanos(fill["transact_time"])
    trade = TradeUpdate(fill_id(fill["trade_id"], fill["fill_price"], fill["fill_quantity"]), market.trading_pair,
                        market.price(fill["fill_price"]), base, quote,
                        TradeFee.flat(received_in.symbol, fee_paid(received_in, received, fill.get("fee_ratio", {}))),
                        at, client_id, exchange_id, is_maker=not fill["aggressor_indicator"])
    cumulative = market.quantity(fill["cumulative_quantity"])
    state = executed_state(cumulative, market.quantity(fill["leaves_quantity"]))
    return trade, OrderUpdate(market.trading_pair, at, state, client_id, exchange_id, executed_amount=cumulative)


# The socket answers that change an order's state; a modify's answer is settled by the amend that asked.
ORDER_CHANGES = frozenset({"new_ack", "new_reject", "cancel_ack"})


def answer_update(kind: str, body: Mapping[str, Any], trading_pair: str) -> OrderUpdate:
    """NewOrderAck, NewOrderReject or CancelOrderAck (a request's, IOC, STP, mass cancel, disconnect)."""
    client_id, at = str(body["client_order_id"]), nanos(body["transact_time"])
    exchange_id = str(body["exchange_order_id"]) if "exchange_order_id" in body else None
    if kind == "new_reject":
        return OrderUpdate(trading_pair, at, OrderState.FAILED, client_id, reason=str(body.get("reason")))
    state = OrderState.OPEN if kind == "new_ack" else OrderState.CANCELED
    return OrderUpdate(trading_pair, at, state, client_id, exchange_id, reason=body.get("reason"))


def listed_order(market: Market, row: Mapping[str, Any]) -> OrderUpdate:
    """An order of GET /ir/v0/users/subaccount/{id}/orders."""
    filled = row.get("filledTotal") or {}
    at = row.get("canceledAt") or row.get("filledAt") or row.get("modifiedAt") or row["createdAt"]
    return OrderUpdate(market.trading_pair, nanos(at), LISTED_STATES[row["status"]], str(row["clientOrderId"]),
                       str(row["orderId"]), executed_amount=market.quantity(filled.get("quantity", 0)),
                       reason=row.get("reason"))


def listed_fills(market: Market, assets: Mapping[int, Asset], rows: Iterable[Mapping[str, Any]],
                 client_order_id: str) -> list[TradeUpdate]:
    """GET /ir/v0/users/subaccount/{id}/fills: amounts in raw units, the price in the market's units."""
    fills = []
    for fill in rows:
        fee_asset = assets.get(int(fill.get("feeAssetId", -1)))
        fee = TradeFee.flat(fee_asset.symbol, fee_asset.from_raw(fill["feeAmount"])) if fee_asset else TradeFee()
        fills.append(TradeUpdate(fill_id(fill["tradeId"], fill["price"], fill["quantity"]), market.trading_pair,
                                 market.price(fill["price"]), market.base.from_raw(fill["baseAmount"]),
                                 market.quote.from_raw(fill["quoteAmount"]), fee, nanos(fill["filledAt"]),
                                 client_order_id, str(fill["orderId"]), is_maker=not fill.get("isAggressor", False)))
    return fills
