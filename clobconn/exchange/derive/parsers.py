"""Derive objects, REST and socket alike (the shapes of https://v3.docs.derive.xyz/openapi.json and
subscriptions.asyncapi.json): an order is one object in its REST answers and its ``.orders`` push; a
trade likewise on ``private/get_trade_history`` and ``.trades``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeType, TradeUpdate, TradingRule
from clobconn.core.order_book.messages import BookMessage, BookMessageType, PublicTrade
from clobconn.exchange.derive.constants import ORDER_STATES


@dataclass(frozen=True)
class Instrument:
    """What an order's signed Trade data needs of its instrument, beside its rule."""

    name: str
    asset_address: str
    sub_id: int
    base_fee: Decimal
    taker_fee_rate: Decimal


def parse_instrument(row: Mapping[str, Any]) -> tuple[str, Instrument, TradingRule]:
    """An entry of public/get_all_instruments: (trading pair, instrument, rule). A spot instrument is
    ``ETH-USDC`` and a perpetual ``ETH-PERP``; either trades base ``base_currency`` for ``quote_currency``."""
    pair = f"{row['base_currency']}-{row['quote_currency']}"
    instrument = Instrument(row["instrument_name"], row["base_asset_address"], int(row["base_asset_sub_id"]),
                            Decimal(row["base_fee"]), Decimal(row["taker_fee_rate"]))
    maximum = Decimal(row["maximum_amount"])
    rule = TradingRule(pair, min_order_size=Decimal(row["minimum_amount"]), max_order_size=maximum or None,
                       min_price_increment=Decimal(row["tick_size"]),
                       min_base_amount_increment=Decimal(row["amount_step"]))
    return pair, instrument, rule


def _seconds(millis: Any) -> float:
    return int(millis) / 1000


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """An order object: the client order id is its ``label`` (empty for orders placed elsewhere)."""
    executed = Decimal(data["filled_amount"])
    state = ORDER_STATES[data["order_status"]]
    if state is OrderState.OPEN and executed > 0:
        state = OrderState.PARTIALLY_FILLED
    return OrderUpdate(trading_pair, _seconds(data["last_update_timestamp"]), state, data.get("label") or None,
                       str(data["order_id"]), executed_amount=executed,
                       reason=data.get("cancel_reason") or None)


def parse_trade(trading_pair: str, row: Mapping[str, Any]) -> TradeUpdate:
    """One of the subaccount's trades; the fee (``trade_fee``) is in the quote currency."""
    price, amount = Decimal(row["trade_price"]), Decimal(row["trade_amount"])
    return TradeUpdate(str(row["trade_id"]), trading_pair, price, amount, price * amount,
                       TradeFee.flat(trading_pair.split("-")[1], Decimal(row["trade_fee"])),
                       _seconds(row["timestamp"]), row.get("label") or None, str(row["order_id"]),
                       is_maker=row.get("liquidity_role") == "maker")


def parse_collaterals(subaccount: Mapping[str, Any]) -> list[Balance]:
    """private/get_subaccount's collaterals: what the subaccount holds of each asset. The venue margins
    open orders in USD across the portfolio rather than locking an asset, so all of it is available."""
    return [Balance(row["asset_name"], Decimal(row["amount"]), Decimal(row["amount"]))
            for row in subaccount.get("collaterals", ())]


def parse_book(trading_pair: str, data: Mapping[str, Any]) -> BookMessage:
    """An ``orderbook.{instrument}.{group}.{depth}`` message: the book's top levels, whole, numbered by
    ``publish_id`` (a later snapshot has a higher one)."""
    def side(levels: Any) -> list[Sequence[Any]]:
        return [[level["price"], level["amount"]] for level in levels]

    return BookMessage(BookMessageType.SNAPSHOT, trading_pair, side(data["bids"]), side(data["asks"]),
                       int(data["publish_id"]), timestamp=_seconds(data["timestamp"]))


def parse_public_trade(trading_pair: str, row: Mapping[str, Any]) -> PublicTrade:
    """An entry of a ``trades.{instrument}`` message; ``direction`` is the taker's."""
    side = TradeType.BUY if row["direction"] == "buy" else TradeType.SELL
    return PublicTrade(trading_pair, str(row["trade_id"]), Decimal(row["trade_price"]), Decimal(row["trade_amount"]),
                       side, _seconds(row["timestamp"]))
