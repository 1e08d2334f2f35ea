"""The trading-rule checks an order passes before it is sent: pure functions of the venue's spec and
the pair's rule. A failure raises a typed error naming the rule; nothing here does I/O."""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.data_types import OrderType, TimeInForce, TradingRule
from clobconn.core.errors import NotSupported, OrderRuleViolation
from clobconn.core.orders.arguments import quantize_to_step
from clobconn.core.venue import Feature, VenueSpec


def check_order_type(spec: VenueSpec, rule: TradingRule, order_type: OrderType,
                     time_in_force: TimeInForce | None) -> TimeInForce:
    """The order's time in force, once its type and time in force are known to be supported."""
    pair, venue = rule.trading_pair, spec.connector_id
    types = spec.order_types if rule.supported_order_types is None else (
        spec.order_types & rule.supported_order_types)
    if order_type not in types:
        raise NotSupported(f"{pair}: order type {order_type.value} is not supported by {venue}")
    if order_type is OrderType.MARKET:
        # Market orders take what the book has at once; only IOC describes them.
        if time_in_force not in (None, TimeInForce.IOC):
            raise NotSupported(f"{pair}: a market order cannot be {time_in_force.value}")
        return TimeInForce.IOC
    tif = time_in_force or TimeInForce.GTC
    if order_type is OrderType.LIMIT_MAKER and tif is not TimeInForce.GTC:
        raise NotSupported(f"{pair}: a post-only order must rest, so it cannot be {tif.value}")
    tifs = spec.time_in_force if rule.supported_time_in_force is None else (
        spec.time_in_force & rule.supported_time_in_force)
    if tif not in tifs:
        raise NotSupported(f"{pair}: time in force {tif.value} is not supported by {venue}")
    return tif


def check_quote_market_buy(spec: VenueSpec, rule: TradingRule, order_type: OrderType, quote_amount: Decimal) -> None:
    """A market order sized in quote currency, where the venue takes one."""
    pair = rule.trading_pair
    if Feature.MARKET_QUOTE_AMOUNT not in spec.features:
        raise NotSupported(f"{spec.connector_id}: market orders sized in quote currency are not supported")
    if order_type is not OrderType.MARKET:
        raise NotSupported(f"{pair}: only market orders can be sized in quote currency")
    if quote_amount < rule.min_notional or quote_amount <= 0:
        raise OrderRuleViolation(
            f"{pair}: quote amount {quote_amount} is below the minimum notional {rule.min_notional}",
            trading_pair=pair, rule="min_notional", value=quote_amount, limit=rule.min_notional)


def quantized_price(rule: TradingRule, order_type: OrderType, price: Decimal | None, strict: bool) -> Decimal:
    """A limit order's price on the tick grid (rounded down, or refused off the grid when ``strict``)."""
    pair = rule.trading_pair
    if price is None or price <= 0:
        raise OrderRuleViolation(f"{pair}: a {order_type.value} order needs a positive price",
                                 trading_pair=pair, rule="price", value=price)
    price = quantize_to_step(price, rule.min_price_increment, field="price", rule="min_price_increment",
                             trading_pair=pair, strict=strict)
    if price <= 0:
        raise OrderRuleViolation(f"{pair}: price is below the tick {rule.min_price_increment}",
                                 trading_pair=pair, rule="min_price_increment", value=price,
                                 limit=rule.min_price_increment)
    return price


def check_size(rule: TradingRule, order_type: OrderType, quantized: Decimal, requested: Decimal) -> None:
    pair = rule.trading_pair
    minimum = rule.min_order_size
    maximum = rule.max_order_size
    if order_type is OrderType.MARKET:
        minimum = rule.min_market_order_size if rule.min_market_order_size is not None else minimum
        maximum = rule.max_market_order_size if rule.max_market_order_size is not None else maximum
    if quantized <= 0 or quantized < minimum:
        raise OrderRuleViolation(
            f"{pair}: amount {requested} (quantized to {quantized} by step {rule.min_base_amount_increment}) "
            f"is below the minimum order size {minimum}",
            trading_pair=pair, rule="min_order_size", value=quantized, limit=minimum)
    if maximum is not None and quantized > maximum:
        raise OrderRuleViolation(f"{pair}: amount {quantized} is above the maximum order size {maximum}",
                                 trading_pair=pair, rule="max_order_size", value=quantized, limit=maximum)


def check_notional(rule: TradingRule, amount: Decimal, price: Decimal | None) -> None:
    """Amount times price within the pair's notional bounds; without a price (a market order and no
    book to price it against) the venue judges it."""
    if price is None or (rule.min_notional <= 0 and rule.max_notional is None):
        return
    pair = rule.trading_pair
    notional = amount * price
    if notional < rule.min_notional:
        raise OrderRuleViolation(f"{pair}: notional {notional} is below the minimum {rule.min_notional}",
                                 trading_pair=pair, rule="min_notional", value=notional, limit=rule.min_notional)
    if rule.max_notional is not None and notional > rule.max_notional:
        raise OrderRuleViolation(f"{pair}: notional {notional} is above the maximum {rule.max_notional}",
                                 trading_pair=pair, rule="max_notional", value=notional, limit=rule.max_notional)
