"""Derive perpetual private stream: spot's login and channels. ``{subaccount_id}.balances`` names a
position by its instrument and gives its new amount alone (no entry price, no PnL): such a change wakes
the positions poll, which brings the whole position."""

from __future__ import annotations

from typing import Any, Protocol

from clobconn.core.data_source import UserMessage
from clobconn.exchange.derive.user_stream_data_source import DeriveUserStreamDataSource, DeriveView


class DerivePerpetualView(DeriveView, Protocol):
    def poll_positions_soon(self) -> None: ...


class DerivePerpetualUserStreamDataSource(DeriveUserStreamDataSource):
    connector: DerivePerpetualView

    def parse_balances(self, rows: list[Any]) -> list[UserMessage]:
        if any(self.connector.trading_pair_of(str(row.get("name"))) is not None for row in rows):
            self.connector.poll_positions_soon()
        return super().parse_balances(rows)
