"""The conformance hooks both HashKey connectors share: one API, one listen key, one public socket.

The mock answers pings and subscriptions the way the v1 streams do (a depth subscription is answered
with the whole book, as every depth frame is), serves the listen key, and answers batch placements
with the documented envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

LISTEN_KEY = "MKxPTRoLXBBhlRseAUaDyWyZVjiNxCVqcaUasZidmByckGjUcLBKKcopKbvUfORD"


class HashkeyConformanceHooks:
    # The suite's (these hooks come first in the test classes' bases).
    venue: MockVenue
    fixtures: FixtureSet
    conn: Any
    reply: Callable[..., MockResponse]
    vars: Callable[..., dict[str, Any]]
    trading_pair: str
    second_trading_pair: str
    order_price: Decimal
    venue_states = {OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    # executionReport carries the fill with each partial or filled state.
    stream_order_updates = False
    user_ws_path = f"/api/v1/ws/{LISTEN_KEY}"
    # The batch endpoint, the amount each order asks for, its quantity on the wire, and its side.
    batch_path: ClassVar[str]
    batch_amount: ClassVar[Decimal]
    batch_quantity: ClassVar[str]
    batch_side: ClassVar[str]

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", "/api/v1/userDataStream", lambda _: self.reply("listen_key"))
        venue.route("PUT", "/api/v1/userDataStream", lambda _: {})

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused key gets none.
        self.venue.route("POST", "/api/v1/userDataStream", self.reply("auth_error"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if "ping" in message:
            return [{"pong": message["ping"]}]
        if message.get("event") in ("sub", "cancel"):
            replies: list[Any] = [{**message, "code": "0", "msg": "Success"}]
            if message["event"] == "sub" and message.get("topic") == "depth":
                # The first depth frame after a subscription is the whole book: RESUBSCRIBE relies on it.
                replies += [self.fixtures.payload("snapshot", self.vars(symbol=symbol))
                            for symbol in message["symbol"].split(",")]
            return replies
        return []

    async def test_batches_go_twenty_orders_of_one_symbol_at_a_time_and_refusals_are_typed(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            # The documented envelope: code "0000" and one result per order; the third is refused.
            result: list[Any] = [{"code": "0000", "order": self.fixtures.payload("place_order", self.vars(
                                      client_order_id=order.get("clientOrderId") or order["newClientOrderId"],
                                      exchange_order_id=str(900 + i)))}
                                 for i, order in enumerate(request.json)]
            if len(result) > 2:
                result[2] = {"code": "0401", "msg": "Insufficient asset"}
            return MockResponse({"code": "0000", "result": result})

        self.venue.route("POST", self.batch_path, answer)
        batch: list[Any] = [(TradeType.BUY, self.trading_pair, self.batch_amount, OrderType.LIMIT,
                             self.order_price) for _ in range(22)]
        batch.append((TradeType.SELL, self.second_trading_pair, self.batch_amount, OrderType.LIMIT, self.order_price))
        results = await self.conn.place_orders(batch)
        sent = [request.json for request in self.venue.requests_to("POST", self.batch_path)]
        assert [len(orders) for orders in sent] == [20, 2, 1]
        assert {order["symbol"] for order in sent[2]} == {self.conn.exchange_symbol(self.second_trading_pair)}
        first = (sent[0][0]["quantity"], sent[0][0]["side"])
        assert first == (self.batch_quantity, self.batch_side), first
        assert isinstance(results[2], InsufficientFunds)
        placed = [result for result in results if not isinstance(result, Exception)]
        assert len(placed) == 22 and all(order.state is OrderState.OPEN for order in placed)
