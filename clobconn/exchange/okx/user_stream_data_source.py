"""OKX private stream on /ws/v5/private: a ``login`` op, then the ``orders`` and ``account`` channels.

https://www.okx.com/docs-v5/en/#overview-websocket-login,
#order-book-trading-trade-ws-order-channel, #trading-account-websocket-account-channel.
The order object is the same on REST (GET /api/v5/trade/order) and on the ``orders`` channel, so its
parser lives here and exchange.py imports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.channel_frames import ChannelPush
from clobconn.core.channel_streams import ChannelUserStream
from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderUpdate, TradeFee, TradeUpdate
from clobconn.exchange.okx.constants import HEARTBEAT, INST_TYPE, ORDER_STATES, PRIVATE_WS_PATH

SUBSCRIBE = {"op": "subscribe", "args": [{"channel": "orders", "instType": INST_TYPE}, {"channel": "account"}]}


def _client_id(data: Mapping[str, Any]) -> str | None:
    # Orders placed without a clOrdId (on the website, say) carry "".
    return data.get("clOrdId") or None


def fee_paid(fee: str, currency: str) -> TradeFee:
    """OKX signs fees from the account's side: a charge is negative, a rebate positive. The core's
    fee is what was paid, so the sign flips (a rebate becomes a negative fee)."""
    return TradeFee.flat(currency, -Decimal(fee or "0"))


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """The order object of GET /api/v5/trade/order and of the ``orders`` channel."""
    return OrderUpdate(trading_pair, int(data["uTime"]) / 1000, ORDER_STATES[data["state"]], _client_id(data),
                       data["ordId"], executed_amount=Decimal(data["accFillSz"] or "0"))


def parse_fill(trading_pair: str, row: Mapping[str, Any]) -> TradeUpdate:
    """A row of GET /api/v5/trade/fills."""
    price, size = Decimal(row["fillPx"]), Decimal(row["fillSz"])
    return TradeUpdate(row["tradeId"], trading_pair, price, size, price * size, fee_paid(row["fee"], row["feeCcy"]),
                       int(row["fillTime"] or row["ts"]) / 1000, _client_id(row), row["ordId"],
                       is_maker=row["execType"] == "M")


def parse_order_event(trading_pair: str, data: Mapping[str, Any]) -> list[UserMessage]:
    """An ``orders`` push: the order's state, plus the fill that caused it when there was one
    (``tradeId``, ``fillPx``, ``fillSz``, ``fillFee``/``fillFeeCcy`` of this very fill)."""
    messages: list[UserMessage] = [parse_order(trading_pair, data)]
    if data.get("tradeId") and Decimal(data.get("fillSz") or "0") > 0:
        price, size = Decimal(data["fillPx"]), Decimal(data["fillSz"])
        messages.append(TradeUpdate(data["tradeId"], trading_pair, price, size, price * size,
                                    fee_paid(data["fillFee"], data["fillFeeCcy"]), int(data["fillTime"]) / 1000,
                                    _client_id(data), data["ordId"], is_maker=data.get("execType") == "M"))
    return messages


def parse_balances(account: Mapping[str, Any]) -> list[Balance]:
    """An entry of GET /api/v5/account/balance or of the ``account`` channel: ``details`` per currency,
    absolute amounts. ``cashBal`` is what the currency holds, ``availBal`` what orders do not lock."""
    return [Balance(detail["ccy"], Decimal(detail["cashBal"]), Decimal(detail["availBal"]))
            for detail in account.get("details", ())]


class OkxUserStreamDataSource(ChannelUserStream):
    ws_path = PRIVATE_WS_PATH
    heartbeat = HEARTBEAT
    # A notice announces that the venue is about to close the socket (64008): reconnect now.
    reconnect_events = frozenset({"error", "notice"})

    def subscribe_frame(self) -> Any:
        return SUBSCRIBE

    def parse_push(self, push: ChannelPush) -> Iterable[UserMessage]:
        if push.channel == "account":
            return [balance for account in push.data for balance in parse_balances(account)]
        if push.channel != "orders":
            return ()
        messages: list[UserMessage] = []
        for data in push.data:
            pair = self.connector.trading_pair_of(data["instId"])
            if pair is not None:
                messages += parse_order_event(pair, data)
        return messages
