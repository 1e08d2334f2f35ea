"""Gate.io USDT perpetual public data: ``futures.order_book_update``, ``futures.trades`` and
``futures.tickers`` (mark price and funding rate) on one socket, REST snapshots.

https://www.gate.com/docs/developers/futures/ws/en/#order-book-api
Sizes on the wire are contract counts; the book and trades hold base amounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clobconn.core.data_source import MarketMessage
from clobconn.core.data_types import FundingInfo, TradeType
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import PublicTrade
from clobconn.derivative.gate_io_perpetual.constants import BOOK_PAYLOAD, HEARTBEAT, ORDER_BOOK
from clobconn.exchange.gate_io.order_book_data_source import GateIoOrderBookDataSource, to_seconds
from clobconn.exchange.gate_io.parsers import dec

if TYPE_CHECKING:
    from clobconn.core.perpetual_base import PerpetualDerivativeBase


class GateIoPerpetualOrderBookDataSource(GateIoOrderBookDataSource):
    connector: PerpetualDerivativeBase
    market = "futures"
    symbol_param = "contract"
    snapshot_endpoint = ORDER_BOOK
    heartbeat = HEARTBEAT

    def book_payload(self, symbol: str, subscribe: bool) -> list[str]:
        # The documented unsubscribe names the frequency only.
        return [symbol, *BOOK_PAYLOAD] if subscribe else [symbol, BOOK_PAYLOAD[0]]

    def subscription_frames(self, event: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        frames = super().subscription_frames(event, stream, trading_pairs)
        if frames:
            frames.append({**frames[-1], "channel": "futures.tickers"})
        return frames

    def levels(self, trading_pair: str, levels: Iterable[Any]) -> list[RawLevel]:
        """``{"p": price, "s": contracts}`` as ``[price, base amount]``.

        Not ``dec``: a missing size must not read as zero, which would drop the level unnoticed.
        """
        size = self.connector.trading_rules[trading_pair].contract_size
        return [[level["p"], format(Decimal(str(level["s"])) * size, "f")] for level in levels]

    def parse_trades(self, result: Any) -> list[MarketMessage]:
        """futures.trades: a list; a positive size means the taker bought."""
        trades: list[MarketMessage] = []
        for trade in result if isinstance(result, list) else ():
            pair = self.connector.trading_pair_of(trade["contract"])
            if pair is None:
                continue
            contracts = dec(trade["size"])
            side = TradeType.BUY if contracts > 0 else TradeType.SELL
            amount = self.connector.trading_rules[pair].from_contracts(abs(contracts))
            trades.append(PublicTrade(pair, str(trade["id"]), Decimal(str(trade["price"])), amount, side,
                                      to_seconds(trade.get("create_time_ms") or trade["create_time"])))
        return trades

    def parse_other(self, channel: Any, result: Any) -> Iterable[MarketMessage]:
        if channel != "futures.tickers" or not isinstance(result, list):
            return ()
        return [info for ticker in result if (info := self.parse_ticker(ticker)) is not None]

    def parse_ticker(self, ticker: Mapping[str, Any]) -> FundingInfo | None:
        """futures.tickers: mark and index price and the current funding rate. The next funding time
        is not in it; it is kept from the last REST read of the contract."""
        pair = self.connector.trading_pair_of(ticker.get("contract", ""))
        if pair is None:
            return None
        known = self.connector.funding_info.get(pair)
        return FundingInfo(pair, dec(ticker["index_price"]), dec(ticker["mark_price"]),
                           known.next_funding_timestamp if known is not None else 0.0, dec(ticker["funding_rate"]))
