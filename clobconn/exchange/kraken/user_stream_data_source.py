"""Kraken private stream on WebSocket v2 (wss://ws-auth.kraken.com/v2): ``executions`` (orders and fills,
with a snapshot of the open orders on subscribe) and ``balances``.

https://docs.kraken.com/api/docs/websocket-v2/executions, .../balances, and the token: .../rest-api/
get-websockets-token. A token expires unless used to subscribe within 15 minutes (a subscribed connection
keeps it valid): a fresh one is fetched before every connection (``connect_spec``) and used at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.web.ws import ConnectSpec, StreamAction, WSConnection
from clobconn.exchange.kraken.constants import HEARTBEAT, WS_PATH, WS_TOKEN
from clobconn.exchange.kraken.parsers import decode_frame, parse_execution, parse_stream_balance

logger = logging.getLogger(__name__)


class KrakenUserStreamDataSource(UserStreamDataSource):
    # Live once the venue acknowledges the executions subscription.
    confirms_subscription = True
    _token = ""

    async def connect_spec(self) -> ConnectSpec:
        # A refused key answers EAPI:Invalid key here, which the error table makes an AuthenticationError:
        # the stream stops rather than asking again.
        answer = await self.connector.rest.request(WS_TOKEN.method, WS_TOKEN.path, signed=True,
                                                   limit_id=WS_TOKEN.limit_id, form=True)
        self._token = str(answer["result"]["token"])
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=HEARTBEAT,
                           text_decoder=decode_frame)

    async def on_open(self, connection: WSConnection) -> None:
        await connection.send({"method": "subscribe", "params": {
            "channel": "executions", "token": self._token, "snap_orders": True, "snap_trades": False}})
        await connection.send({"method": "subscribe", "params": {
            "channel": "balances", "token": self._token, "snapshot": True}})

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        if message.get("method") == "subscribe":
            channel = (message.get("result") or {}).get("channel")
            if message.get("success") is False:
                # An expired or refused token, say: a new connection fetches a new one.
                logger.error("%s private stream: subscribe refused: %s", self.connector.name, message.get("error"))
                return (StreamAction.RECONNECT,)
            return (StreamAction.SUBSCRIBED,) if channel == "executions" else ()
        channel = message.get("channel")
        if channel == "balances":
            return [parse_stream_balance(entry, self.connector.balances) for entry in message["data"]]
        if channel != "executions":
            return ()
        messages: list[UserMessage] = []
        for entry in message["data"]:
            pair = self._pair_of(entry)
            if pair is not None:
                messages += parse_execution(pair, entry)
        return messages

    def _pair_of(self, entry: dict[str, Any]) -> str | None:
        # Updates carry only the fields that changed: a status change may name no symbol, only the order.
        if "symbol" in entry:
            return self.connector.trading_pair_of(str(entry["symbol"]))
        order = self.connector.orders.find(entry.get("cl_ord_id"), entry.get("order_id"))
        return order.trading_pair if order is not None else None
