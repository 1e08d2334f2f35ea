"""Derive perpetual objects: positions, tickers (mark, index, funding) and funding settlements.

Shapes: https://v3.docs.derive.xyz/openapi.json (private/get_positions, public/get_ticker,
private/get_funding_history) and subscriptions.asyncapi.json (ticker_slim). Sizes are base amounts
(a perpetual's contract is one unit of its base), signed: negative is short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import FundingInfo, FundingPayment, Position, PositionSide
from clobconn.core.web.numbers import optional_decimal
from clobconn.derivative.derive_perpetual.constants import FUNDING_PERIOD, SETTLEMENT_ASSET


def parse_position(trading_pair: str, row: Mapping[str, Any]) -> Position:
    """An entry of private/get_positions."""
    return Position(trading_pair, PositionSide.BOTH, Decimal(row["amount"]), Decimal(row["average_price"]),
                    Decimal(row["unrealized_pnl"]), optional_decimal(row.get("leverage")) or Decimal(0),
                    mark_price=optional_decimal(row.get("mark_price")),
                    liquidation_price=optional_decimal(row.get("liquidation_price")))


def parse_ticker(trading_pair: str, ticker: Mapping[str, Any]) -> FundingInfo:
    """public/get_ticker's result or ticker_slim's ``instrument_ticker``: ``I`` index, ``M`` mark, ``f`` the
    current hourly funding rate, ``t`` the snapshot's time (ms); funding is next due on the whole hour."""
    now = int(ticker["t"]) / 1000
    next_funding = math.floor(now / FUNDING_PERIOD + 1) * FUNDING_PERIOD
    return FundingInfo(trading_pair, Decimal(ticker["I"]), Decimal(ticker["M"]), float(next_funding),
                       Decimal(ticker.get("f") or 0))


def parse_funding(trading_pair: str, event: Mapping[str, Any]) -> FundingPayment:
    """An event of private/get_funding_history: ``funding`` is what the subaccount got (negative: paid),
    in USDC. The venue gives the event no id of its own: the settlement batch names it."""
    return FundingPayment(trading_pair, int(event["timestamp"]) / 1000, Decimal(event["funding"]), SETTLEMENT_ASSET,
                          str(event["batch_uuid"]))
