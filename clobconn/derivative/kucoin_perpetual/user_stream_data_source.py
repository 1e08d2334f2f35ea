"""KuCoin futures private stream: orders, wallet and positions of every contract.

https://www.kucoin.com/docs-new/3470323 (tradeOrders), /3470324 (wallet), /3470325 (position).
Sizes are contract counts on the wire and base amounts here. As on spot, a match event carries no
fee, so it makes the connector fetch the order's fills from REST.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, Position, PositionSide, TradingRule
from clobconn.core.web.ws import ConnectSpec
from clobconn.derivative.kucoin_perpetual.constants import (
    BULLET_PRIVATE,
    ORDER_TOPIC,
    POSITION_ALL_TOPIC,
    POSITION_TOPIC,
    WALLET_TOPIC,
)
from clobconn.exchange.kucoin.order_book_data_source import bullet_connect_spec
from clobconn.exchange.kucoin.parsers import order_event
from clobconn.exchange.kucoin.user_stream_data_source import KucoinUserStreamDataSource


def parse_position(rule: TradingRule, data: Mapping[str, Any]) -> Position:
    """A position (GET /api/v1/positions, position.change events): signed currentQty in contracts."""
    # Isolated positions report realLeverage, cross ones only leverage.
    leverage = data.get("realLeverage") or data.get("leverage") or 0
    return Position(rule.trading_pair, PositionSide.BOTH, rule.from_contracts(Decimal(str(data["currentQty"]))),
                    Decimal(str(data["avgEntryPrice"])), Decimal(str(data["unrealisedPnl"])),
                    Decimal(str(leverage)), mark_price=Decimal(str(data["markPrice"])),
                    liquidation_price=Decimal(str(data["liquidationPrice"])))


class KucoinPerpetualUserStreamDataSource(KucoinUserStreamDataSource):
    topics = (ORDER_TOPIC, WALLET_TOPIC, POSITION_ALL_TOPIC)

    async def connect_spec(self) -> ConnectSpec:
        return await bullet_connect_spec(self.connector, BULLET_PRIVATE)

    def parse_data(self, topic: str, data: Mapping[str, Any]) -> list[UserMessage]:
        if topic == WALLET_TOPIC:
            return [Balance(data["currency"], Decimal(data["walletBalance"]), Decimal(data["availableBalance"]))]
        pair = self.connector.trading_pair_of(str(data.get("symbol")))
        if pair is None:
            return []
        rule = self.connector.trading_rules[pair]
        if topic == POSITION_TOPIC:
            # Mark-price and funding-settlement events carry no quantity: the position did not change.
            return [parse_position(rule, data)] if "currentQty" in data else []
        if topic != ORDER_TOPIC:
            return []
        update = order_event(self.connector, pair, data, rule.from_contracts(Decimal(data.get("filledSize") or 0)),
                             rule.from_contracts(Decimal(data.get("remainSize") or 0)))
        if data["type"] == "match":
            self.connector.fetch_fills_soon(update)
        return [update]
