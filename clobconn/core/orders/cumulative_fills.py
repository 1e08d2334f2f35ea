"""Fills from an order's running totals, for venues that report no individual trades.

Some venues (AscendEx) say only how much of an order has filled so far, at what average price and for
what fee in total, on every path alike: the order's REST status and its stream updates. A fill is then
the part of those totals that the fills already landed do not account for. Its id is the order's id and
the cumulative amount it brings the order to, so the same step seen on both paths counts once, and a
step older than what has landed (a late stream update after a poll saw more) brings nothing.
"""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.data_types import InFlightOrder, TradeFee, TradeUpdate


def cumulative_step_id(exchange_order_id: str, executed: Decimal) -> str:
    """The fill id of the step that brought the order to ``executed`` ("0.50" and "0.5" are one step)."""
    return f"{exchange_order_id}:{format(executed.normalize(), 'f')}"


def fill_from_totals(order: InFlightOrder | None, trading_pair: str, exchange_order_id: str, executed: Decimal,
                     average_price: Decimal, total_fee: Decimal, fee_asset: str, timestamp: float,
                     is_maker: bool | None = None) -> TradeUpdate | None:
    """The fill that takes ``order`` (None when not tracked yet: nothing has landed) from its landed fills
    to the venue's totals: ``executed`` base at ``average_price`` for ``total_fee`` in ``fee_asset``.
    None when the totals bring nothing new, or hold a value no fill may carry (NaN, infinity: the
    order update that carries them is refused by the core's validation and logged)."""
    if not (executed.is_finite() and average_price.is_finite() and total_fee.is_finite()):
        return None
    landed = list(order.fills.values()) if order is not None else []
    landed_base = sum((fill.fill_base_amount for fill in landed), Decimal(0))
    amount = executed - landed_base
    if amount <= 0:
        return None
    landed_quote = sum((fill.fill_quote_amount for fill in landed), Decimal(0))
    landed_fee = sum((fill.fee.amount_in(fee_asset) for fill in landed), Decimal(0))
    # The average over the whole order, less what the landed fills paid, is this step's own price.
    quote = max(average_price * executed - landed_quote, Decimal(0))
    fee = max(total_fee - landed_fee, Decimal(0))
    return TradeUpdate(cumulative_step_id(exchange_order_id, executed), trading_pair, quote / amount, amount, quote,
                       TradeFee.flat(fee_asset, fee), timestamp,
                       order.client_order_id if order is not None else None, exchange_order_id, is_maker=is_maker)
