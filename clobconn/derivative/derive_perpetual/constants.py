"""Derive perpetual facts as data; hosts, methods, protocol constants, errors and states are spot's.

https://docs.derive.xyz; https://v3.docs.derive.xyz/openapi.json (public/get_ticker,
private/get_positions, private/get_funding_history) and
https://v3.docs.derive.xyz/subscriptions.asyncapi.json (ticker_slim.{instrument}.{interval}).
"""

from __future__ import annotations

from dataclasses import replace

from clobconn.core.data_types import PositionMode
from clobconn.core.venue import Feature
from clobconn.exchange.derive.constants import SPEC as SPOT_SPEC

CONNECTOR_ID = "derive_perpetual"
PERP_INSTRUMENTS = "perp"
# ticker_slim's cadence in milliseconds (100 or 1000): mark, index and the hourly funding rate ``f``.
TICKER_INTERVAL_MS = 1000
# Funding accrues continuously and is quoted per hour: the next funding time is the next whole hour.
FUNDING_PERIOD = 3600
# The collateral perpetuals settle in.
SETTLEMENT_ASSET = "USDC"

# Margin is the subaccount's (standard or portfolio), with no leverage to set per instrument, and a
# position is one signed amount per instrument: one-way, always.
SPEC = replace(
    SPOT_SPEC,
    connector_id=CONNECTOR_ID,
    features=frozenset({Feature.CANCEL_ALL, Feature.REDUCE_ONLY}),
    is_perpetual=True,
    fixed_position_mode=PositionMode.ONEWAY,
)
