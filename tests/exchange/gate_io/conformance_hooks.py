"""The conformance hooks both Gate.io connectors share: the mock answers pings and subscriptions the
way the v4 WebSocket does, and refuses a private subscription whose signature is wrong."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.suites import API_SECRET

FINISH_AS = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "filled",
             OrderState.CANCELED: "cancelled"}
# spot.orders / futures.orders "event": put on creation, update on a fill, finish when closed.
EVENTS = {OrderState.OPEN: "put", OrderState.PARTIALLY_FILLED: "update", OrderState.FILLED: "finish",
          OrderState.CANCELED: "finish"}


def venue_api_sign(channel: str, timestamp: int) -> str:
    """The documented WebSocket API login signature ("api", channel, no request parameters, time; one a
    line), computed here independently of the connector's auth module."""
    message = f"api\n{channel}\n\n{timestamp}"
    return hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha512).hexdigest()


def venue_sign(channel: str, event: str, timestamp: int) -> str:
    """The documented WS signature, computed here independently of the connector's auth module."""
    message = f"channel={channel}&event={event}&time={timestamp}"
    return hmac.new(API_SECRET.encode(), message.encode(), hashlib.sha512).hexdigest()


class GateIoConformanceHooks:
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    stream_auth_failures: list[Any]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        state = variables["state"]
        variables["left"] = Decimal(str(variables["amount"])) - Decimal(str(variables["cum_amount"]))
        variables["finish_as"] = FINISH_AS[state]
        variables["event"] = EVENTS[state]
        return variables

    def subscription_key(self, message: Any) -> Any:
        # The request time and its signature change on every connection; the subscription does not.
        if isinstance(message, dict):
            return tuple(sorted((k, repr(v)) for k, v in message.items() if k not in ("time", "auth", "id")))
        return message

    # The open and finished listings share one path, told apart by their status parameter.
    route_filters = {"open_orders": lambda request: request.query.get("status") == "open",
                     "order_history": lambda request: request.query.get("status") == "finished"}

    def refuse_user_login(self) -> None:
        # Every private subscription is signed; a refused key is answered with error code 4 (ws docs, "Error").
        def refuse(message: Any) -> list[Any]:
            if not (isinstance(message, dict) and message.get("auth")):
                return []
            return [{"time": message.get("time", 0), "channel": message.get("channel"), "event": message.get("event"),
                     "error": {"code": 4, "message": "Authentication fail"}, "result": {"status": "fail"}}]
        self.venue.on_ws_message(self.user_ws_path, refuse)

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        channel, event, timestamp = message.get("channel", ""), message.get("event"), message.get("time", 0)
        if channel.endswith(".ping"):
            return [{"time": timestamp, "channel": channel.replace(".ping", ".pong"), "event": "", "error": None,
                     "result": None}]
        if event == "api" and channel.endswith(".login"):
            return [self.api_login_answer(message)]
        reply = {"time": timestamp, "time_ms": timestamp * 1000, "channel": channel, "event": event}
        auth = message.get("auth")
        if auth is not None and auth.get("SIGN") != venue_sign(channel, str(event), timestamp):
            return [reply | {"error": {"code": 4, "message": "Authentication fail"}, "result": {"status": "fail"}}]
        return [reply | {"error": None, "result": {"status": "success"}}]

    def api_login_answer(self, message: Any) -> Any:
        """The WebSocket API's answer to ``<market>.login`` (ws docs, "Login"): the key's uid, or a refused
        signature's INVALID_SIGNATURE."""
        payload, channel = message.get("payload", {}), message["channel"]
        ok = payload.get("signature") == venue_api_sign(channel, int(payload.get("timestamp", 0)))
        header = {"response_time": "1681985856667", "status": "200" if ok else "401", "channel": channel,
                  "event": "api", "client_id": "::1-0x140001a2600"}
        data = ({"result": {"api_key": payload.get("api_key"), "uid": "110284739"}} if ok
                else {"errs": {"label": "INVALID_SIGNATURE", "message": "Signature mismatch"}})
        return {"header": header, "data": data, "request_id": payload.get("req_id")}

    # == orders over the WebSocket API ({spot,futures}.order_place / order_cancel) ====================

    def ws_order_op(self, message: Any) -> str | None:
        channel = message.get("channel") if isinstance(message, dict) else None
        if not isinstance(channel, str) or message.get("event") != "api":
            return None
        return {"order_place": "place", "order_cancel": "cancel"}.get(channel.partition(".")[2])

    def ws_order_fields(self, message: Any) -> dict[str, Any]:
        payload = message["payload"]
        param = payload["req_param"]
        price, amount = param.get("price"), self.ws_order_amount(param)
        return {"request_id": payload["req_id"], "client_order_id": param.get("text"),
                "price": None if price is None else Decimal(price),
                "amount": None if amount is None else Decimal(amount), "signature": None}

    def ws_order_amount(self, param: dict[str, Any]) -> Any:
        """The amount an order_place request carries, in base currency."""
        return param.get("amount")
