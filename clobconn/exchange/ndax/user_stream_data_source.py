"""NDAX private stream on the gateway socket: AuthenticateUser, then SubscribeAccountEvents.

https://apidoc.ndax.io/#authenticateuser and #subscribeaccountevents. The account's events come as
OrderStateEvent (the order object), OrderTradeEvent (a fill, without its fee) and AccountPositionEvent
(a balance, absolute). The objects' parsers are in parsers.py, shared with exchange.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clobconn.core.data_source import ConnectorView, UserMessage, UserStreamDataSource
from clobconn.core.errors import MissingCredentials
from clobconn.core.login import login_refusal
from clobconn.core.web.ws import ConnectSpec, WSConnection
from clobconn.exchange.ndax.auth import NdaxAuth
from clobconn.exchange.ndax.constants import NOT_AUTHORIZED, OMS_ID, WS_PATH
from clobconn.exchange.ndax.frames import RequestNumbers, heartbeat, read_frame, request_frame
from clobconn.exchange.ndax.parsers import parse_balance, parse_fill, parse_order


class NdaxUserStreamDataSource(UserStreamDataSource):
    def __init__(self, connector: ConnectorView) -> None:
        super().__init__(connector)
        self.numbers = RequestNumbers()

    async def connect_spec(self) -> ConnectSpec:
        return ConnectSpec(url=f"{self.connector.private_ws_url}{WS_PATH}", heartbeat=heartbeat(self.numbers))

    async def on_open(self, connection: WSConnection) -> None:
        auth = self.connector.auth
        if not isinstance(auth, NdaxAuth):
            raise MissingCredentials("the NDAX private stream needs api_key, api_secret and the user id")
        await connection.send(request_frame(self.numbers(), "AuthenticateUser", auth.credentials()))
        answer = read_frame(await connection.receive())
        result = answer.payload if answer is not None else None
        if not (isinstance(result, dict) and answer is not None and answer.function == "AuthenticateUser"
                and (result.get("Authenticated") or result.get("authenticated"))):
            # A refusal says authenticated false with an errormsg and no code: the venue's Not Authorized.
            details = result if isinstance(result, dict) else {}
            raise login_refusal(self.connector.name, self.connector.spec.error_table,
                                details.get("errorcode") or NOT_AUTHORIZED, str(details.get("errormsg") or result))
        account = (self.connector.account or {}).get("account_id") or _account_of(result)
        await connection.send(request_frame(self.numbers(), "SubscribeAccountEvents",
                                            {"OMSId": OMS_ID, "AccountId": int(account)}))

    def parse(self, message: Any) -> Iterable[UserMessage]:
        frame = read_frame(message)
        if frame is None or not isinstance(frame.payload, dict):
            return ()
        data = frame.payload
        if frame.function == "AccountPositionEvent":
            return (parse_balance(data),)
        if frame.function not in ("OrderStateEvent", "OrderTradeEvent"):
            return ()
        pair = self.connector.trading_pair_of(str(data.get("Instrument", data.get("InstrumentId"))))
        if pair is None:
            return ()
        if frame.function == "OrderStateEvent":
            return (parse_order(pair, data),)
        return (parse_fill(pair, data, {}),)


def _account_of(result: dict[str, Any]) -> Any:
    """The account AuthenticateUser names (``User.AccountId``), where the account context is not known."""
    user = result.get("User") or result.get("user") or {}
    return user.get("AccountId") or user.get("accountId")
