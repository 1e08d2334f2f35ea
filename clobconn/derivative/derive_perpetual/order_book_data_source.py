"""Derive perpetual public data: spot's book and trade channels, plus ``ticker_slim.{instrument}.1000``
(mark, index and the hourly funding rate), which streams the funding info."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import MarketMessage
from clobconn.derivative.derive_perpetual.constants import TICKER_INTERVAL_MS
from clobconn.derivative.derive_perpetual.parsers import parse_ticker
from clobconn.exchange.derive.order_book_data_source import DeriveOrderBookDataSource


class DerivePerpetualOrderBookDataSource(DeriveOrderBookDataSource):
    def channels(self, instrument: str) -> list[str]:
        return [*super().channels(instrument), f"ticker_slim.{instrument}.{TICKER_INTERVAL_MS}"]

    def parse_channel(self, kind: str, trading_pair: str, data: Any) -> Iterable[MarketMessage]:
        if kind == "ticker_slim":
            return [parse_ticker(trading_pair, data["instrument_ticker"])]
        return super().parse_channel(kind, trading_pair, data)
