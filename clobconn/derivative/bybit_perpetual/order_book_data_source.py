"""Bybit v5 linear public data: the spot book and trade topics on /v5/public/linear, plus ``tickers``.

https://bybit-exchange.github.io/docs/v5/websocket/public/ticker. Linear tickers send a snapshot on
subscribe, then deltas that carry only the fields that changed: the last full ticker per symbol is
kept and each delta merged into it, so funding info always has every field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage
from clobconn.core.data_types import FundingInfo
from clobconn.exchange.bybit.order_book_data_source import BybitOrderBookDataSource

FUNDING_FIELDS = ("indexPrice", "markPrice", "nextFundingTime", "fundingRate")


def parse_funding(trading_pair: str, ticker: Mapping[str, Any]) -> FundingInfo:
    """A linear ticker (tickers.{symbol} data, or a GET /v5/market/tickers row) as funding info."""
    return FundingInfo(trading_pair, Decimal(ticker["indexPrice"]), Decimal(ticker["markPrice"]),
                       int(ticker["nextFundingTime"]) / 1000, Decimal(ticker["fundingRate"]))


class BybitPerpetualOrderBookDataSource(BybitOrderBookDataSource):
    ws_path = "/v5/public/linear"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tickers: dict[str, dict[str, Any]] = {}

    def topics(self, symbol: str) -> list[str]:
        return [*super().topics(symbol), f"tickers.{symbol}"]

    def parse_topic(self, kind: str, pair: str, message: Mapping[str, Any]) -> Iterable[MarketMessage]:
        if kind != "tickers":
            return super().parse_topic(kind, pair, message)
        data = message["data"]
        if message.get("type") == "snapshot":
            self._tickers[pair] = dict(data)
        elif pair in self._tickers:
            self._tickers[pair].update(data)
        else:
            return ()  # a delta before any snapshot: wait for the snapshot a (re)subscribe brings
        ticker = self._tickers[pair]
        if any(ticker.get(name) in (None, "") for name in FUNDING_FIELDS):
            return ()
        return (parse_funding(pair, ticker),)
