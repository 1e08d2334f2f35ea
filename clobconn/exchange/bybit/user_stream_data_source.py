"""Bybit v5 private stream: /v5/private, ``op: auth``, then the categorised order and execution
topics and the account-wide wallet topic.

https://bybit-exchange.github.io/docs/v5/websocket/private/order (and execution, wallet). The order,
execution and coin objects are the same on REST (order/realtime, execution/list, wallet-balance)
and on the stream, so their parsers live here and exchange.py imports them. One Bybit account
trades spot and linear under the same symbol names (BTCUSDT), so every object is checked for the
connector's category.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.errors import MissingCredentials
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.bybit.auth import BybitAuth
from clobconn.exchange.bybit.constants import API_KEY_INFO, HEARTBEAT, ORDER_STATES, PRIVATE_WS_PATH

if TYPE_CHECKING:
    from clobconn.exchange.bybit.exchange import BybitExchange

logger = logging.getLogger(__name__)
_ZERO = Decimal(0)


def _decimal(value: Any) -> Decimal:
    """Bybit sends "" for a field that does not apply."""
    return Decimal(value) if value not in (None, "") else _ZERO


def optional_decimal(value: Any) -> Decimal | None:
    return Decimal(value) if value not in (None, "") else None


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


class BybitUserStreamDataSource(UserStreamDataSource):
    confirms_subscription = True
    connector: BybitExchange

    def topics(self) -> list[str]:
        category = self.connector.category
        return [f"order.{category}", f"execution.{category}", "wallet"]

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{PRIVATE_WS_PATH}", heartbeat=HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, BybitAuth):
            raise MissingCredentials("the Bybit private stream needs api_key and api_secret")
        await connection.send(auth.ws_login_payload())
        answer = await connection.receive()
        if not (isinstance(answer, dict) and answer.get("op") == "auth" and answer.get("success")):
            await self._explain_refused_auth(answer)
        await connection.send({"op": "subscribe", "args": self.topics()})

    async def _explain_refused_auth(self, answer: Any) -> None:
        """A refused ``auth`` answer carries no code, only a message. A signed REST call with the same
        key (GET /v5/user/query-api) says why, by a retCode the error table classifies: it raises
        AuthenticationError where the key itself is refused (the stream stops). Where the key is accepted
        the refusal was passing, and the stream reconnects."""
        message = answer.get("ret_msg") if isinstance(answer, dict) else repr(answer)
        await self.connector.rest.call(API_KEY_INFO)
        raise ConnectionError(f"{self.connector.name}: private auth refused ({message}) though REST accepts the key")

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        op = message.get("op")
        if op == "subscribe":
            if message.get("success"):
                return (StreamAction.SUBSCRIBED,)
            logger.error("%s: private subscribe refused: %s", self.connector.name, message.get("ret_msg"))
            return (StreamAction.RECONNECT,)
        topic = str(message.get("topic", "")).partition(".")[0]
        data = message.get("data")
        if not isinstance(data, list):
            return ()
        if topic == "wallet":
            return [parse_coin(coin) for account in data for coin in account.get("coin", ())]
        items: list[UserMessage] = []
        for row in data:
            if row.get("category", self.connector.category) != self.connector.category:
                continue
            pair = self.connector.trading_pair_of(row.get("symbol", ""))
            if pair is None:
                continue
            items += self.parse_row(topic, pair, row)
        return items

    def parse_row(self, topic: str, pair: str, row: Mapping[str, Any]) -> list[UserMessage]:
        if topic == "order":
            return [parse_order(pair, row)]
        if topic == "execution" and row.get("execType", "Trade") == "Trade":
            return parse_fill_event(pair, row, self.connector.fee_asset(pair))
        return []
