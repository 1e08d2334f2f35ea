"""Bitstamp on the loopback venue: what the conformance suite and Bitstamp's own stream tests share."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suite_base import ConformanceSuiteBase

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bitstamp"
USER_ID = 123456
TOKEN = "dc8c5fd9f1a3e0c4a3b6c8f0e2d4a6b8c0e2f4a6"
PRIVATE_PATH = "/private"
NO_BALANCE_CHANNEL = "Bitstamp has no balance channel: balances come from the poll"


class BitstampVenue(ConformanceSuiteBase):
    """The loopback venue's Bitstamp: routes, fixture values and the hooks the suite's machinery calls."""

    connector_id = "bitstamp"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USD"
    second_trading_pair = "ETH-USD"
    routes = {
        # Bitstamp documents no server-time endpoint: the suite's base routes want one, so it names a
        # path the connector never calls (the clock is the local one).
        "server_time": ("GET", "/unused/no-server-time/"),
        "trading_rules": ("GET", "/api/v2/markets/"),
        "balances": ("POST", "/api/v2/account_balances/"),
        "snapshot": ("GET", "/api/v2/order_book/{pair}/"),
        # buy/{pair}, sell/{pair}, buy/market/{pair}, sell/market/{pair}: one role.
        "place_order": ("POST", "/api/v2/{side:buy|sell}/{pair:(market/)?[a-z]+}/"),
        "cancel_order": ("POST", "/api/v2/cancel_order/"),
        "order_status": ("POST", "/api/v2/order_status/"),
        "order_fills": ("POST", "/api/v2/order_status/"),
        "cancel_all": ("POST", "/api/v2/cancel_all_orders/{pair}/"),
        "open_orders": ("POST", "/api/v2/open_orders/{pair}/"),
    }
    public_ws_path = "/"
    user_ws_path = f"{PRIVATE_PATH}/"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00002"),
        "max_order_size": Decimal("2000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00000001"),
        "min_notional": Decimal("10"),
        "max_notional": Decimal("5000000"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "USD": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "Open", OrderState.PARTIALLY_FILLED: "Open",
                    OrderState.FILLED: "Finished", OrderState.CANCELED: "Canceled"}
    rejected_error = InsufficientFunds
    token_valid_sec = 60

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # Public and private channels share one host on Bitstamp; the mock tells them apart by path.
        return super().connector_config(private_ws_url=f"{self.venue.ws_url}{PRIVATE_PATH}", **overrides)

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        form = request.form
        return {"price": form.get("price"), "amount": form.get("amount"),
                "client_order_id": form.get("client_order_id")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        amount, executed = Decimal(str(variables["amount"])), Decimal(str(variables["cum_amount"]))
        state = variables["state"]
        price = Decimal(str(variables["fill_price"]))
        base, quote = (asset.lower() for asset in self.trading_pair.split("-"))
        # order_status lists the order's trades; one row stands for everything executed so far.
        trades = [{"tid": int(variables["trade_id"]), "price": str(price), "type": 2, "fee": variables["fee"],
                   base: str(executed), quote: str(price * executed), "datetime": "2022-01-31 14:43:16.123000"}]
        event = ("order_deleted" if state in (OrderState.FILLED, OrderState.CANCELED)
                 else "order_changed" if executed else "order_created")
        return variables | {"remaining": amount - executed, "transactions": trades if executed else [],
                            "order_event": event, "user_id": USER_ID,
                            "ws_token": variables.get("ws_token", TOKEN), "token_valid_sec": self.token_valid_sec}

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", "/api/v2/websockets_token/", lambda _: self.reply("websockets_token"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if isinstance(message, dict) and message.get("event") == "bts:heartbeat":
            return [{"event": "bts:heartbeat", "channel": "", "data": {"status": "success"}}]
        if not isinstance(message, dict) or message.get("event") not in ("bts:subscribe", "bts:unsubscribe"):
            return []
        channel = message["data"]["channel"]
        if path == self.user_ws_path and getattr(self, "refusing_subscriptions", False):
            return [self.fixtures.payload("subscription_refused")]
        verb = "subscription_succeeded" if message["event"] == "bts:subscribe" else "unsubscription_succeeded"
        return [{"event": f"bts:{verb}", "channel": channel, "data": {}}]

    def refuse_user_login(self) -> None:
        # The cached token is refused at the next subscription, and a fresh one is refused outright.
        self.refusing_subscriptions = True
        self.venue.route("POST", "/api/v2/websockets_token/", self.reply("auth_error"))
