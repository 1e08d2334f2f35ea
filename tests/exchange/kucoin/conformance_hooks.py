"""What the KuCoin spot and futures conformance tests share: the mock's bullet endpoints, acks and
pongs, and a venue-consistent REST fills list for the match events pushed on the user stream."""

from __future__ import annotations

import itertools
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from clobconn.core.data_types import OrderState, TradeType
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

EVENT_TYPES = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "match", OrderState.FILLED: "filled",
               OrderState.CANCELED: "canceled"}


def welcome(path_qs: str) -> list[Any]:
    """The first frame on every KuCoin socket; its id is the connectId the client chose."""
    connect_id = parse_qs(urlsplit(path_qs).query)["connectId"][0]
    return [{"id": connect_id, "type": "welcome"}]


class KucoinConformanceHooks:
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "match", OrderState.FILLED: "done",
                    OrderState.CANCELED: "done"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    public_ws_path: ClassVar[str] = "/public"
    user_ws_path: ClassVar[str] = "/private"
    fills_route: ClassVar[tuple[str, str]]
    # Every bullet call hands out a new token, as KuCoin does.
    tokens = itertools.count(1)
    fixtures: FixtureSet
    venue: MockVenue

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        state = variables["state"]
        amount, cum = variables["amount"], variables["cum_amount"]
        done = state in (OrderState.FILLED, OrderState.CANCELED)
        variables.update(
            active=not done, sync_status="done" if done else "open", event_type=EVENT_TYPES[state],
            remain_amount=0 if done else amount - cum,
            canceled_amount=amount - cum if state is OrderState.CANCELED else 0,
            timestamp_ns=variables["timestamp_ms"] * 1_000_000,
        )
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if message.get("type") == "ping":
            return [{"id": message["id"], "type": "pong"}]
        if message.get("type") in ("subscribe", "unsubscribe"):
            return [{"id": message["id"], "type": "ack"}]
        return []

    def refuse_user_login(self) -> None:
        # The private stream's token comes from the signed bullet-private call: a refused key gets none.
        self.venue.route("POST", "/api/v1/bullet-private", self.reply("auth_error"))

    def bullet(self, fixture: str, path: str) -> MockResponse:
        return self.reply(fixture, {"token": f"token-{next(self.tokens)}", "ws_endpoint": self.venue.ws_url + path})

    def install_bullets(self, venue: MockVenue, public: str, private: str) -> None:
        venue.route("POST", public, lambda _: self.bullet("bullet_public", self.public_ws_path))
        venue.route("POST", private, lambda _: self.bullet("bullet_private", self.user_ws_path))
        # KuCoin greets each socket, and subscriptions sent before the welcome may be lost.
        for path in (self.public_ws_path, self.user_ws_path):
            venue.on_ws_connect(path, welcome)
        self.pushed_fills: list[dict[str, Any]] = []
        venue.route(*self.fills_route, self.fills_so_far)

    def fills_so_far(self, request: RecordedRequest) -> MockResponse:
        """The order's fills as REST lists them once their match events went out on the stream."""
        response = self.reply("order_fills")
        items = []
        for variables in self.pushed_fills:
            if str(variables["exchange_order_id"]) == request.query.get("orderId"):
                items += self.fixtures.payload("order_fills", self.vars(**variables))["data"]["items"]
        response.body["data"]["items"] = items
        return response

    async def push_user(self, fixture: str, **variables: Any) -> None:
        if fixture == "user_fill":
            self.pushed_fills.append(variables)
        await super().push_user(fixture, **variables)  # type: ignore[misc]
