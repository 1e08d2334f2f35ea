"""The conformance hooks both Bybit connectors share: one v5 API, one request and frame shape.

The mock plays Bybit's streams: it checks the ``op: auth`` signature, acknowledges subscriptions
as Bybit does and answers an ``orderbook`` subscription with the book's snapshot, which is what a
RESUBSCRIBE resync relies on.
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET

# The unified v5 paths: spot and linear differ by the ``category`` parameter only.
V5_ROUTES = {
        "server_time": ("GET", "/v5/market/time"),
        "trading_rules": ("GET", "/v5/market/instruments-info"),
        "balances": ("GET", "/v5/account/wallet-balance"),
        "place_order": ("POST", "/v5/order/create"),
        "cancel_order": ("POST", "/v5/order/cancel"),
        "order_status": ("GET", "/v5/order/realtime"),
        "order_fills": ("GET", "/v5/execution/list"),
        "cancel_all": ("POST", "/v5/order/cancel-all"),
        # order/realtime and order/history answer both an order's query (by orderId or orderLinkId) and
        # the symbol's listing (without): route_filters tells them apart.
        "open_orders": ("GET", "/v5/order/realtime"),
        "order_history": ("GET", "/v5/order/history"),
}


def names_an_order(request: RecordedRequest) -> bool:
    return "orderId" in request.query or "orderLinkId" in request.query


def lists_orders(request: RecordedRequest) -> bool:
    return not names_an_order(request)


class BybitConformanceHooks:
    venue_states = {OrderState.OPEN: "New", OrderState.PARTIALLY_FILLED: "PartiallyFilled",
                    OrderState.FILLED: "Filled", OrderState.CANCELED: "Cancelled"}
    venue_sides = {TradeType.BUY: "Buy", TradeType.SELL: "Sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "1321003749386327552"
    route_filters = {"order_status": names_an_order, "open_orders": lists_orders, "order_history": lists_orders}
    # The suite supplies these (and vars, reply): this class is mixed in before it.
    public_ws_path: str
    fixtures: FixtureSet

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("qty"), "client_order_id": body.get("orderLinkId")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # An execution's leavesQty says whether it filled the order.
        variables["leaves_qty"] = Decimal(str(variables["amount"])) - Decimal(str(variables["cum_amount"]))
        return variables

    def extra_routes(self, venue: MockVenue) -> None:
        # Orders order/realtime no longer knows are looked up in order/history.
        venue.route("GET", "/v5/order/history", lambda _: self.reply("order_not_found"))

    def refuse_user_login(self) -> None:
        # A refused "auth" carries no code (v5 ws/connect); the connector asks the key's information
        # over REST why, and the venue answers 10003 for an invalid key (v5 error codes).
        self.venue.on_ws_message(self.user_ws_path, lambda message: [
            {"success": False, "ret_msg": "Invalid apikey", "op": "auth", "conn_id": "cejreaspqfh3"}]
            if isinstance(message, dict) and message.get("op") == "auth" else [])
        self.venue.route("GET", "/v5/user/query-api", self.reply("auth_error"))

    # Orders over the trade socket (order.create, order.cancel), after its auth op.
    ws_order_path = "/v5/trade"

    def ws_order_op(self, message: Any) -> str | None:
        op = message.get("op") if isinstance(message, dict) else None
        return {"order.create": "place", "order.cancel": "cancel"}.get(op) if isinstance(op, str) else None

    def ws_order_fields(self, message: Any) -> dict[str, Any]:
        args = message["args"][0]
        price, amount = args.get("price"), args.get("qty")
        # The requests carry no signature: the socket's auth does.
        return {"request_id": message["reqId"], "client_order_id": args.get("orderLinkId"),
                "price": None if price is None else Decimal(price),
                "amount": None if amount is None else Decimal(amount), "signature": None}

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        op = message.get("op") if isinstance(message, dict) else None
        if path == self.ws_order_path and op == "auth":
            # The trade socket answers its auth with a retCode (websocket/trade/guideline "Authentication").
            key, expires, signature = message["args"]
            expected = hmac.new(API_SECRET.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256).hexdigest()
            good = key == API_KEY and signature == expected
            return [{"retCode": 0 if good else 10004, "retMsg": "OK" if good else "Invalid sign", "op": "auth",
                     "connId": "cnt5leec0hvan15eukcg-2t"}]
        if op == "ping":
            return [{"success": True, "ret_msg": "pong", "conn_id": "465772b1", "req_id": "", "op": "ping"}]
        if op == "auth":
            key, expires, signature = message["args"]
            expected = hmac.new(API_SECRET.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256).hexdigest()
            good = key == API_KEY and signature == expected
            return [{"success": good, "ret_msg": "" if good else "Params Error", "op": "auth",
                     "conn_id": "cejreaspqfh3"}]
        if op not in ("subscribe", "unsubscribe"):
            return []
        replies: list[Any] = [{"success": True, "ret_msg": "", "conn_id": "3cd84cb1", "req_id": "", "op": op}]
        if op == "subscribe" and path == self.public_ws_path:
            replies += [self.fixtures.payload("snapshot", self.vars(symbol=topic.rsplit(".", 1)[1]))
                        for topic in message["args"] if topic.startswith("orderbook.")]
        return replies
