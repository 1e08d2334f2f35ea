"""Core data types."""

from clobconn.core.data_types.enums import (
    FeeType,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TimeInForce,
    TradeType,
)
from clobconn.core.data_types.market import Balance, TradingRule, quantize_down
from clobconn.core.data_types.order import InFlightOrder, OrderUpdate, Placement, TokenAmount, TradeFee, TradeUpdate
from clobconn.core.data_types.order_state import LEGAL_TRANSITIONS, OrderState, is_legal_transition
from clobconn.core.data_types.perpetual import FundingInfo, FundingPayment, Position

__all__ = [
    "LEGAL_TRANSITIONS",
    "Balance",
    "FeeType",
    "FundingInfo",
    "FundingPayment",
    "InFlightOrder",
    "OrderState",
    "OrderType",
    "OrderUpdate",
    "Placement",
    "Position",
    "PositionAction",
    "PositionMode",
    "PositionSide",
    "TimeInForce",
    "TokenAmount",
    "TradeFee",
    "TradeType",
    "TradeUpdate",
    "TradingRule",
    "is_legal_transition",
    "quantize_down",
]
