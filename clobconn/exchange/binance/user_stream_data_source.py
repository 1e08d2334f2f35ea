"""Binance spot user data over the WebSocket API: a signature subscription, no listen key.

https://developers.binance.com/docs/binance-spot-api-docs/websocket-api/user-data-stream-requests
https://developers.binance.com/docs/binance-spot-api-docs/user-data-stream
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from clobconn.core.data_source import UserMessage, UserStreamDataSource
from clobconn.core.data_types import Balance, OrderState, OrderUpdate, TradeFee, TradeUpdate
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.auth import AuthBase
from clobconn.core.web.ws import ConnectSpec, Heartbeat, StreamAction, WSConnection
from clobconn.exchange.binance.auth import BinanceAuth
from clobconn.exchange.binance.constants import ORDER_STATES, WS_API_PATH

logger = logging.getLogger(__name__)

# Account streams can be silent for hours: liveness comes from our pings, not from traffic.
USER_STREAM_HEARTBEAT = Heartbeat(protocol_ping=30.0, idle_timeout=86_400.0)
_RECONNECT = (StreamAction.RECONNECT,)


def binance_auth(auth: AuthBase | None) -> BinanceAuth:
    if not isinstance(auth, BinanceAuth):
        raise MissingCredentials("the Binance user stream needs api_key and api_secret")
    return auth


def parse_order_event(trading_pair: str, event: Mapping[str, Any]) -> list[UserMessage]:
    """executionReport (spot) and the "o" object of ORDER_TRADE_UPDATE (futures): the same field letters."""
    # On a cancel, c is the cancel request's id and C the order's own.
    client_id = event.get("C") or event["c"]
    exchange_id = str(event["i"])
    timestamp = event["T"] / 1000
    state = ORDER_STATES[event["X"]]
    items: list[UserMessage] = [OrderUpdate(
        trading_pair, timestamp, state, client_id, exchange_id, executed_amount=Decimal(event["z"]),
        reason=event.get("r") if state is OrderState.FAILED else None)]
    if event["x"] == "TRADE":
        price, amount = Decimal(event["L"]), Decimal(event["l"])
        # Futures events carry no quote amount (Y).
        quote = Decimal(event["Y"]) if "Y" in event else price * amount
        fee = TradeFee.flat(event["N"], Decimal(event["n"])) if event.get("N") else TradeFee()
        items.append(TradeUpdate(str(event["t"]), trading_pair, price, amount, quote, fee, timestamp,
                                 client_id, exchange_id, is_maker=event["m"]))
    return items


def parse_account_position(event: Mapping[str, Any]) -> list[UserMessage]:
    """outboundAccountPosition: absolute free and locked amounts of the assets that changed."""
    return [Balance(b["a"], Decimal(b["f"]) + Decimal(b["l"]), Decimal(b["f"])) for b in event["B"]]


class BinanceUserStreamDataSource(UserStreamDataSource):
    # on_open returns once the WS-API has accepted the subscription, so an open stream is a live one.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_id = 0

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_API_PATH}", heartbeat=USER_STREAM_HEARTBEAT)

    async def on_open(self, connection: WSConnection) -> None:
        self._request_id += 1
        await connection.send({"id": self._request_id, "method": "userDataStream.subscribe.signature",
                               "params": binance_auth(self.connector.auth).ws_signed_params()})
        # Without the venue's yes no event would ever come; its no says whether the key was refused
        # (-2015, -1022: the stream stops) or something a reconnect may mend.
        answer = await connection.receive()
        status = answer.get("status") if isinstance(answer, dict) else None
        if status != 200:
            error = answer.get("error", {}) if isinstance(answer, dict) else {}
            raise login_refusal(self.connector.name, self.connector.spec.error_table, error.get("code"),
                                str(error.get("msg", answer)), status if isinstance(status, int) else 400)

    def parse(self, message: Any) -> Iterable[UserMessage]:
        if not isinstance(message, dict):
            return ()
        if "status" in message and "id" in message:
            # A key revoked during the session (-2015 with "id": null): the next login says whether it stays refused.
            if message["status"] != 200:
                logger.error("%s: user stream refused: %s", self.connector.name, message.get("error"))
                return _RECONNECT
            return ()
        # Events arrive wrapped as {"subscriptionId": n, "event": {...}}.
        event = message.get("event", message)
        kind = event.get("e")
        if kind == "executionReport":
            pair = self.connector.trading_pair_of(event["s"])
            return () if pair is None else parse_order_event(pair, event)
        if kind == "outboundAccountPosition":
            return parse_account_position(event)
        if kind in ("eventStreamTerminated", "serverShutdown"):
            return _RECONNECT
        # balanceUpdate is a delta; the outboundAccountPosition sent with it has the new totals.
        return ()
