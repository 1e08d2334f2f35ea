"""Tegro markets and account objects: the market entry, the order, the fill and the portfolio entry.

The order object comes from REST (GET orders/user/{wallet}, snake case) and from the event socket
(camel case: ``orderId``, ``quantityFilled``); one parser reads both, so exchange.py and the user stream
import it from here. Tegro has no client order id: an order is known by the hash of the EIP-712 Order it
was signed as, which the venue returns before placing; ``client_id_of`` maps that hash to ours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeType, TradeUpdate, TradingRule
from clobconn.core.web.numbers import json_decimal
from clobconn.exchange.tegro.constants import ORDER_STATES

ClientIdOf = Callable[[str], "str | None"]

@dataclass(frozen=True, slots=True)
class TegroMarket:
    """What placing on a market needs beyond its rule: its id and its two ERC-20 tokens."""

    market_id: str
    symbol: str
    base_token: str
    quote_token: str
    base_decimals: int
    quote_decimals: int


def parse_market(entry: Mapping[str, Any]) -> tuple[TradingRule, TegroMarket]:
    """An entry of GET exchange/{chain_id}/market/list. ``*_precision`` is the decimals the venue takes
    in a price or an amount; ``*_decimal`` the token's own decimals, the unit of the signed Order."""
    base, quote = entry["base_symbol"], entry["quote_symbol"]
    amount_step = Decimal(1).scaleb(-int(entry["base_precision"]))
    rule = TradingRule(f"{base}-{quote}", min_order_size=amount_step,
                       min_price_increment=Decimal(1).scaleb(-int(entry["quote_precision"])),
                       min_base_amount_increment=amount_step)
    market = TegroMarket(str(entry["id"]), str(entry["symbol"]), str(entry["base_contract_address"]),
                         str(entry["quote_contract_address"]), int(entry["base_decimal"]),
                         int(entry["quote_decimal"]))
    return rule, market


def order_key(order_hash: str) -> str:
    """An order hash as one key, whether the venue wrote it with 0x or without, in whatever case."""
    return order_hash.lower().removeprefix("0x")


def _field(data: Mapping[str, Any], snake: str, camel: str, default: Any = None) -> Any:
    return data.get(snake, data.get(camel, default))


def seconds(timestamp: Any) -> float:
    """A venue time in seconds: the venue writes some in milliseconds and some in seconds."""
    value = float(timestamp)
    return value / 1000 if value > 1e11 else value


def parse_order(trading_pair: str, data: Mapping[str, Any], client_id_of: ClientIdOf) -> OrderUpdate:
    """The order object: GET orders/user/{wallet} rows, POST orders/place, and order_* socket events."""
    status = str(data["status"]).lower()
    filled = json_decimal(_field(data, "quantity_filled", "quantityFilled", 0))
    state = ORDER_STATES[status]
    if state is OrderState.OPEN and filled > 0:
        state = OrderState.PARTIALLY_FILLED
    elif status == "closed" and json_decimal(_field(data, "quantity_pending", "quantityPending", 0)) > 0:
        # Closed with an amount still pending: off the book before filling, i.e. cancelled.
        state = OrderState.CANCELED
    cancel = data.get("cancel") or {}
    order_hash = _field(data, "order_hash", "orderHash")
    client_id = client_id_of(order_key(str(order_hash))) if order_hash else None
    when = _field(data, "timestamp", "time", 0)
    return OrderUpdate(trading_pair, seconds(when) if not isinstance(when, str) or when.isdigit() else 0.0,
                       state, client_id, str(_field(data, "order_id", "orderId")), executed_amount=filled,
                       reason=str(cancel.get("reason") or "") or None if state is OrderState.CANCELED else None)


def parse_fill(trading_pair: str, row: Mapping[str, Any], side: TradeType, client_order_id: str | None,
               exchange_order_id: str | None) -> TradeUpdate:
    """A row of GET orders/trades/{order_id}. ``is_buyer_maker`` says which side rested, so whether we
    were maker; the fee is the maker's or the taker's, in the quote token (Tegro charges in quote)."""
    price, amount = json_decimal(row["price"]), json_decimal(row["amount"])
    is_maker = bool(row["is_buyer_maker"]) == (side is TradeType.BUY)
    fee = json_decimal(row["maker_fee"] if is_maker else row["taker_fee"])
    quote = trading_pair.split("-")[1]
    return TradeUpdate(str(row["id"]), trading_pair, price, amount, price * amount, TradeFee.flat(quote, fee),
                       seconds(row["timestamp"]), client_order_id, exchange_order_id, is_maker=is_maker)


def parse_balance(entry: Mapping[str, Any]) -> Balance:
    """An entry of GET accounts/{chain_id}/{wallet}/portfolio: the wallet's token balance, of which
    ``placed_amount`` is promised to open orders (the tokens stay in the wallet until a match settles)."""
    total = json_decimal(entry["balance"])
    placed = json_decimal(entry.get("placed_amount") or 0)
    return Balance(str(entry["symbol"]), total, max(total - placed, Decimal(0)))
