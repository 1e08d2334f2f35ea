"""Coinbase Advanced Trade account objects: products, orders, fills and balances, REST and user channel.

Order object: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/orders/get-order;
fills: .../orders/list-fills; accounts: .../accounts/list-accounts; products: .../public/list-public-products;
user channel: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/user.
exchange.py and user_stream_data_source.py both import from here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate, TradingRule
from clobconn.exchange.coinbase_advanced_trade.constants import ORDER_STATES

ZERO = Decimal(0)


def seconds(text: Any) -> float:
    """An RFC 3339 time ("2023-02-09T20:32:50.714964855Z", nanoseconds cut to micro); absent means now."""
    if not text:
        return time.time()
    return datetime.fromisoformat(str(text)).timestamp()


def _bound(value: Any) -> Decimal | None:
    return Decimal(value) or None if value not in (None, "") else None


def parse_product(product: Mapping[str, Any]) -> tuple[str, TradingRule]:
    """A ``products`` entry: (product_id, rule). The pair is base-quote by currency id, so BTC-USDC stays
    BTC-USDC even though its book is BTC-USD's (its ``alias``)."""
    pair = f"{product['base_currency_id']}-{product['quote_currency_id']}"
    return product["product_id"], TradingRule(
        pair,
        min_order_size=_bound(product.get("base_min_size")) or ZERO,
        max_order_size=_bound(product.get("base_max_size")),
        min_price_increment=_bound(product.get("price_increment") or product.get("quote_increment")) or ZERO,
        min_base_amount_increment=_bound(product.get("base_increment")) or ZERO,
        min_notional=_bound(product.get("quote_min_size")) or ZERO,
        max_notional=_bound(product.get("quote_max_size")),
    )


def is_tradable(product: Mapping[str, Any]) -> bool:
    return (product.get("product_type") == "SPOT" and product.get("status") == "online"
            and not product.get("trading_disabled") and not product.get("is_disabled"))


def _state(status: str, filled: Decimal) -> OrderState:
    state = ORDER_STATES[status]
    return OrderState.PARTIALLY_FILLED if state is OrderState.OPEN and filled > 0 else state


def parse_order(trading_pair: str, order: Mapping[str, Any]) -> OrderUpdate:
    """The REST order object (get order, the historical batch listing)."""
    filled = Decimal(order.get("filled_size") or 0)
    moment = order.get("last_fill_time") or order.get("created_time")
    return OrderUpdate(trading_pair, seconds(moment), _state(order["status"], filled),
                       order.get("client_order_id") or None, order["order_id"], executed_amount=filled,
                       reason=order.get("reject_message") or order.get("cancel_message") or None)


def parse_user_order(trading_pair: str, order: Mapping[str, Any], moment: float) -> OrderUpdate:
    """An order of the user channel: cumulative amounts only, never a fill (``cumulative_quantity``)."""
    filled = Decimal(order.get("cumulative_quantity") or 0)
    return OrderUpdate(trading_pair, moment, _state(order["status"], filled), order.get("client_order_id") or None,
                       order["order_id"], executed_amount=filled, reason=order.get("cancel_reason") or None)


def parse_fill(trading_pair: str, fill: Mapping[str, Any], client_order_id: str | None) -> TradeUpdate:
    """A row of orders/historical/fills. ``size`` is in quote when ``size_in_quote`` says so; the
    commission is in the quote currency."""
    price, size = Decimal(fill["price"]), Decimal(fill["size"])
    base = size / price if fill.get("size_in_quote") else size
    quote_asset = trading_pair.split("-")[1]
    return TradeUpdate(str(fill["trade_id"]), trading_pair, price, base, base * price,
                       TradeFee.flat(quote_asset, Decimal(fill.get("commission") or 0)),
                       seconds(fill.get("trade_time")), client_order_id, fill["order_id"],
                       is_maker=fill.get("liquidity_indicator") == "MAKER")


def parse_account(account: Mapping[str, Any]) -> Balance:
    """An ``accounts`` entry: what is available, plus what open orders hold."""
    available = Decimal(account["available_balance"]["value"])
    hold = Decimal((account.get("hold") or {}).get("value") or 0)
    return Balance(account["currency"], available + hold, available)
