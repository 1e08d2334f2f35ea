"""Bitget private stream on /v2/ws/private: a ``login`` op, then ``orders``, ``positions`` and ``account``
(https://www.bitget.com/api-doc/contract/websocket/private/Order-Channel and its siblings). Orders and
positions read the same on REST and on the stream, so their parsers live here for derivative.py too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

from clobconn.core.channel_frames import ChannelPush
from clobconn.core.channel_streams import ChannelUserStream
from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderUpdate, Position, PositionSide, TradeFee, TradeUpdate
from clobconn.core.web.numbers import optional_decimal
from clobconn.derivative.bitget_perpetual.constants import HEARTBEAT, ORDER_STATES, PRIVATE_WS_PATH
from clobconn.derivative.bitget_perpetual.order_book_data_source import BitgetConnectorView

HOLD_SIDES = {"long": PositionSide.LONG, "short": PositionSide.SHORT}


def fee_paid(fee: Any, coin: str) -> TradeFee:
    """Bitget writes a charged fee negative ("Transaction fee ..., negative value"); the core's fee is
    what was paid, so the sign flips (a rebate becomes a negative fee)."""
    return TradeFee.flat(coin, -Decimal(fee or "0"))


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """GET /api/v2/mix/order/detail, the order lists and the ``orders`` channel (the detail page's example
    says ``state`` for ``status``). Filled: ``accBaseVolume`` on the stream, ``baseVolume`` on REST."""
    filled = data.get("accBaseVolume", data.get("baseVolume"))
    return OrderUpdate(trading_pair, int(data["uTime"]) / 1000, ORDER_STATES[data.get("status") or data["state"]],
                       data.get("clientOid") or None, str(data["orderId"]), executed_amount=optional_decimal(filled))


def parse_fill(trading_pair: str, row: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /api/v2/mix/order/fills: its fee is in ``feeDetail`` (one entry per fee coin)."""
    price, size = Decimal(row["price"]), Decimal(row["baseVolume"])
    detail = (row.get("feeDetail") or [{}])[0]
    return TradeUpdate(str(row["tradeId"]), trading_pair, price, size, price * size,
                       fee_paid(detail.get("totalFee"), detail.get("feeCoin", "")), int(row["cTime"]) / 1000,
                       None, str(row["orderId"]), is_maker=row.get("tradeScope") == "maker")


def parse_order_event(trading_pair: str, data: Mapping[str, Any]) -> list[UserMessage]:
    """An ``orders`` push: the order's state, plus the fill that caused it (``tradeId``, ``fillPrice``,
    ``baseVolume``, ``fillFee``/``fillFeeCoin`` of this very fill; ``tradeScope`` T or M)."""
    messages: list[UserMessage] = [parse_order(trading_pair, data)]
    if data.get("tradeId") and Decimal(data.get("baseVolume") or "0") > 0:
        price, size = Decimal(data["fillPrice"]), Decimal(data["baseVolume"])
        messages.append(TradeUpdate(str(data["tradeId"]), trading_pair, price, size, price * size,
                                    fee_paid(data.get("fillFee"), data.get("fillFeeCoin", "")),
                                    int(data["fillTime"]) / 1000, data.get("clientOid") or None,
                                    str(data["orderId"]), is_maker=data.get("tradeScope") == "M"))
    return messages


def parse_position(trading_pair: str, row: Mapping[str, Any]) -> Position:
    """GET /api/v2/mix/position/all-position rows and the ``positions`` channel. ``total`` is unsigned:
    a one-way short is negative, as the core's one-way positions are signed; in hedge mode the side
    says it."""
    size = Decimal(row["total"])
    hedge = row.get("posMode") == "hedge_mode"
    side = HOLD_SIDES[row["holdSide"]] if hedge else PositionSide.BOTH
    amount = -size if row["holdSide"] == "short" else size
    return Position(trading_pair, side, amount, Decimal(row["openPriceAvg"]), Decimal(row["unrealizedPL"] or 0),
                    Decimal(str(row.get("leverage") or 0)), mark_price=optional_decimal(row.get("markPrice")),
                    liquidation_price=optional_decimal(row.get("liquidationPrice")))


def parse_balance(account: Mapping[str, Any]) -> Balance:
    """GET /api/v2/mix/account/accounts or the ``account`` channel: equity as the total, ``available``."""
    return Balance(account["marginCoin"], Decimal(account.get("accountEquity") or account["equity"]),
                   Decimal(account["available"]))


class BitgetPerpetualUserStreamDataSource(ChannelUserStream):
    ws_path = PRIVATE_WS_PATH
    heartbeat = HEARTBEAT

    def subscribe_frame(self) -> dict[str, Any]:
        product_type = cast(BitgetConnectorView, self.connector).product_type
        return {"op": "subscribe", "args": [
            {"instType": product_type, "channel": "orders", "instId": "default"},
            {"instType": product_type, "channel": "positions", "instId": "default"},
            {"instType": product_type, "channel": "account", "coin": "default"},
        ]}

    def parse_push(self, push: ChannelPush) -> Iterable[UserMessage]:
        if push.channel == "account":
            return [parse_balance(account) for account in push.data]
        messages: list[UserMessage] = []
        for row in push.data:
            pair = self.connector.trading_pair_of(row["instId"])
            if pair is not None and push.channel == "orders":
                messages += parse_order_event(pair, row)
            elif pair is not None and push.channel == "positions":
                messages.append(parse_position(pair, row))
        return messages
