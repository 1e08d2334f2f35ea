"""DerivePerpetualDerivative: Derive perpetuals (ETH-PERP...) over the v3 JSON-RPC API.

https://docs.derive.xyz. Signing, the subaccount, orders and their listings are spot's
(``clobconn.exchange.derive.exchange.DeriveBase``); a perpetual adds reduce-only orders, positions
(private/get_positions), funding info (public/get_ticker, then the ticker_slim channel) and funding
settlements (private/get_funding_history). Margin is the subaccount's: there is no leverage to set.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import FundingInfo, FundingPayment, InFlightOrder, Position
from clobconn.core.errors import NotSupported
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.derivative.derive_perpetual.constants import PERP_INSTRUMENTS, SPEC
from clobconn.derivative.derive_perpetual.order_book_data_source import DerivePerpetualOrderBookDataSource
from clobconn.derivative.derive_perpetual.parsers import parse_funding, parse_position, parse_ticker
from clobconn.derivative.derive_perpetual.user_stream_data_source import DerivePerpetualUserStreamDataSource
from clobconn.exchange.derive import constants as derive
from clobconn.exchange.derive.exchange import DeriveBase


class DerivePerpetualDerivative(PerpetualDerivativeBase, DeriveBase):
    spec = SPEC
    order_book_data_source_class = DerivePerpetualOrderBookDataSource
    user_stream_data_source_class = DerivePerpetualUserStreamDataSource
    instrument_type = PERP_INSTRUMENTS

    def _extra_order_params(self, order: InFlightOrder) -> dict[str, Any]:
        return {"reduce_only": True} if order.reduce_only else {}

    def poll_positions_soon(self) -> None:
        self._poll_soon("positions")

    async def _fetch_positions(self) -> list[Position]:
        positions = []
        for row in (await self._private(derive.POSITIONS))["positions"]:
            pair = self.trading_pair_of(row["instrument_name"])
            if pair is not None and Decimal(row["amount"]):
                positions.append(parse_position(pair, row))
        return positions

    async def _set_leverage(self, trading_pair: str, leverage: Decimal) -> Decimal:
        raise NotSupported(f"{self.name}: margin is the subaccount's (standard or portfolio); there is no "
                           "leverage to set per instrument")

    async def _fetch_funding_info(self, trading_pair: str) -> FundingInfo:
        ticker = await self._rpc(derive.TICKER, {"instrument_name": self.exchange_symbol(trading_pair)})
        return parse_ticker(trading_pair, ticker)

    async def _fetch_funding_payments(self, since: float) -> list[FundingPayment]:
        answer = await self._private(derive.FUNDING_HISTORY, {"start_timestamp": int(since * 1000),
                                                              "end_timestamp": int(time.time() * 1000),
                                                              "page_size": derive.PAGE_SIZE})
        payments = [parse_funding(pair, event) for event in answer["events"]
                    if (pair := self.trading_pair_of(str(event.get("instrument_name")))) is not None]
        return sorted(payments, key=lambda payment: payment.timestamp)
