"""Binance USDⓈ-M public data: depth on fstream's /public path; trades and mark prices on /market.

https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
The spot data source does the subscribing and parsing; only the paths, channels and rules differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import FundingInfo
from clobconn.core.order_book.sync import SequenceRule
from clobconn.derivative.binance_perpetual.constants import ROUTES
from clobconn.exchange.binance.order_book_data_source import (
    BinanceOrderBookDataSource,
    parse_diff,
    parse_trade,
)


def parse_mark_price(trading_pair: str, data: Mapping[str, Any]) -> FundingInfo:
    """<symbol>@markPrice@1s: mark p, index i, funding rate r, next funding time T."""
    return FundingInfo(trading_pair, Decimal(data["i"]), Decimal(data["p"]), data["T"] / 1000, Decimal(data["r"]))


class BinancePerpetualOrderBookDataSource(BinanceOrderBookDataSource):
    # Each diff names the previous one's u in pu; the first after a snapshot straddles its id.
    sequence_rule = SequenceRule.PREV_CHAIN
    stream_names = ("public", "market")
    book_stream = "public"
    # USDⓈ-M has no raw @trade stream.
    channels = {"public": ("depth@100ms",), "market": ("aggTrade", "markPrice@1s")}
    parsers = {"depthUpdate": parse_diff, "aggTrade": parse_trade, "markPriceUpdate": parse_mark_price}
    snapshot_endpoint = ROUTES.depth

    def ws_path(self, stream: str) -> str:
        return f"/{stream}/ws"
