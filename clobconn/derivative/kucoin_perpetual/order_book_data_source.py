"""KuCoin futures public data: level2 changes, executions and mark/index/funding per contract.

https://www.kucoin.com/docs-new/3470319 (level2 increments), /3470320 (execution),
/3470321 (instrument), /api-3470224 (REST snapshot). Each level2 message carries one change,
``"price,side,size"``, and a sequence one above the last. Sizes are contract counts on the wire
and base amounts here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import MarketMessage
from clobconn.core.data_types import FundingInfo, TradingRule
from clobconn.core.order_book.levels import RawLevel
from clobconn.core.order_book.messages import BookMessage, BookMessageType
from clobconn.core.order_book.sync import SequenceRule
from clobconn.derivative.kucoin_perpetual.constants import (
    BOOK_TOPIC,
    BULLET_PUBLIC,
    INSTRUMENT_TOPIC,
    SNAPSHOT,
    TRADE_TOPIC,
)
from clobconn.exchange.kucoin.order_book_data_source import KucoinOrderBookDataSource, parse_trade, topic_frame

TOPICS = (BOOK_TOPIC, TRADE_TOPIC, INSTRUMENT_TOPIC)


def base_size(rule: TradingRule, contracts: Any) -> str:
    """A contract count (string or JSON number) as a base amount string."""
    return format(rule.from_contracts(Decimal(str(contracts))), "f")


def parse_snapshot(rule: TradingRule, data: Mapping[str, Any]) -> BookMessage:
    """GET /api/v1/level2/snapshot: [price, contracts] levels (JSON numbers) and ``sequence``."""
    bids: list[RawLevel] = [(str(price), base_size(rule, size)) for price, size in data["bids"]]
    asks: list[RawLevel] = [(str(price), base_size(rule, size)) for price, size in data["asks"]]
    return BookMessage(BookMessageType.SNAPSHOT, rule.trading_pair, bids, asks, int(data["sequence"]),
                       timestamp=int(data["ts"]) / 1e9)


def parse_change(rule: TradingRule, data: Mapping[str, Any]) -> BookMessage:
    """/contractMarket/level2: one "price,side,size" change (size 0 removes the level)."""
    price, side, size = data["change"].split(",")
    level: list[RawLevel] = [(price, base_size(rule, size))]
    bids, asks = (level, []) if side == "buy" else ([], level)
    return BookMessage(BookMessageType.DIFF, rule.trading_pair, bids, asks, int(data["sequence"]),
                       timestamp=data["timestamp"] / 1000)


class KucoinPerpetualOrderBookDataSource(KucoinOrderBookDataSource):
    sequence_rule = SequenceRule.SEQUENCE
    bullet = BULLET_PUBLIC

    def subscription_frames(self, action: str, stream: str, trading_pairs: Sequence[str]) -> list[Any]:
        # One topic per contract: the futures topics name a single symbol.
        return [topic_frame(action, f"{topic}:{self.connector.exchange_symbol(pair)}")
                for pair in trading_pairs for topic in TOPICS]

    async def fetch_snapshot(self, trading_pair: str) -> BookMessage:
        answer = await self.connector.rest.call(SNAPSHOT, {"symbol": self.connector.exchange_symbol(trading_pair)})
        return parse_snapshot(self.connector.trading_rules[trading_pair], answer["data"])

    def parse(self, stream: str, message: Any) -> Iterable[MarketMessage]:
        if not isinstance(message, dict) or message.get("type") != "message":
            return ()
        topic, _, symbol = str(message.get("topic", "")).partition(":")
        pair = self.connector.trading_pair_of(symbol)
        if pair is None:
            return ()
        data = message["data"]
        rule = self.connector.trading_rules[pair]
        if topic == BOOK_TOPIC:
            return (parse_change(rule, data),)
        if topic == TRADE_TOPIC:
            return (parse_trade(pair, data, rule.from_contracts(Decimal(str(data["size"])))),)
        if topic == INSTRUMENT_TOPIC:
            return self._instrument(pair, message.get("subject"), data)
        return ()

    def _instrument(self, trading_pair: str, subject: Any, data: Mapping[str, Any]) -> tuple[FundingInfo, ...]:
        """/contract/instrument: "mark.index.price" or "funding.rate", each updating part of the info."""
        known: dict[str, FundingInfo] = getattr(self.connector, "funding_info", {})
        current = known.get(trading_pair)
        if current is None:
            # Not loaded from REST yet: the next REST load brings the whole picture.
            return ()
        if subject == "mark.index.price":
            return (dataclasses.replace(current, mark_price=Decimal(str(data["markPrice"])),
                                        index_price=Decimal(str(data["indexPrice"]))),)
        if subject == "funding.rate":
            return (dataclasses.replace(current, rate=Decimal(str(data["fundingRate"]))),)
        return ()
