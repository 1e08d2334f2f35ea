"""Bybit v5 account objects: orders, executions and wallet coins.

The order, execution and coin objects are the same on REST (order/realtime, order/history,
execution/list, wallet-balance) and on the private stream, so one parser each serves both: the
connector and its user stream import them from here.
https://bybit-exchange.github.io/docs/v5/websocket/private/order (and execution, wallet)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.web.numbers import optional_decimal
from clobconn.exchange.bybit.constants import ORDER_STATES

_ZERO = Decimal(0)


def _decimal(value: Any) -> Decimal:
    """Bybit sends "" for a field that does not apply."""
    return Decimal(value) if value not in (None, "") else _ZERO


def _millis(value: Any) -> float:
    return int(value) / 1000 if value not in (None, "") else time.time()


def parse_order(trading_pair: str, data: Mapping[str, Any]) -> OrderUpdate:
    """An order object: GET /v5/order/realtime and /history rows, and the "order" topic."""
    state = ORDER_STATES[data["orderStatus"]]
    reason = data.get("rejectReason") if state is OrderState.FAILED else None
    return OrderUpdate(trading_pair, _millis(data.get("updatedTime")), state, data.get("orderLinkId") or None,
                       str(data["orderId"]), executed_amount=_decimal(data.get("cumExecQty")), reason=reason)


def parse_fill(trading_pair: str, data: Mapping[str, Any], fee_asset: str) -> TradeUpdate:
    """An execution: GET /v5/execution/list rows and the "execution" topic. A positive execFee is paid,
    a negative one a rebate; feeCurrency is given on spot (``fee_asset`` stands in where it is empty)."""
    price, amount = Decimal(data["execPrice"]), Decimal(data["execQty"])
    quote = _decimal(data.get("execValue")) or price * amount
    return TradeUpdate(str(data["execId"]), trading_pair, price, amount, quote,
                       TradeFee.flat(data.get("feeCurrency") or fee_asset, _decimal(data.get("execFee"))),
                       _millis(data.get("execTime")), data.get("orderLinkId") or None, str(data["orderId"]),
                       is_maker=bool(data.get("isMaker")))


def parse_fill_event(trading_pair: str, data: Mapping[str, Any], fee_asset: str) -> list[UserMessage]:
    """"execution" topic: the fill, preceded by the order's state it implies (leavesQty 0: filled), so a
    partial fill is seen as one before the "order" message comes."""
    fill = parse_fill(trading_pair, data, fee_asset)
    leaves = optional_decimal(data.get("leavesQty"))
    if leaves is None:
        return [fill]
    state = OrderState.FILLED if leaves == 0 else OrderState.PARTIALLY_FILLED
    return [OrderUpdate(trading_pair, fill.fill_timestamp, state, fill.client_order_id, fill.exchange_order_id), fill]


def parse_coin(coin: Mapping[str, Any]) -> Balance:
    """A "coin" entry of GET /v5/account/wallet-balance and of the "wallet" topic (unified account).

    Available is the wallet balance less what spot orders lock and what derivative orders and
    positions hold as initial margin (availableToWithdraw is deprecated for unified accounts).
    """
    total = _decimal(coin.get("walletBalance"))
    held = sum((_decimal(coin.get(k)) for k in ("locked", "totalOrderIM", "totalPositionIM")), _ZERO)
    return Balance(coin["coin"], total, max(total - held, _ZERO))
