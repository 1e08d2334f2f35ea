"""Shared scenarios: order entry over the venue's WebSocket trading API, REST the fallback (issue 21 §2).

A mixin of ``SpotConformanceSuite``, run by the suites of connectors that declare a ``ws_order_route``
(the others skip). Every other scenario of the suite runs with ``order_entry="rest"``, so that the REST
path keeps its own coverage; these build a connector with ``order_entry="websocket"``.

What a connector's suite supplies: ``ws_order_path`` (the trading socket's path on the mock venue), the
hooks ``ws_order_op`` (which operation a client frame is: "place", "cancel" or None) and
``ws_order_fields`` (its request id, client order id, price and amount as sent), and three fixtures from the
venue's documented examples, each the whole answer frame: ``ws_place_order`` (an acknowledged order, with
``{{request_id}}`` where the venue echoes the request's id), ``ws_place_order_rejected`` (a refusal that
must raise the suite's ``rejected_error``, as its REST refusal does) and ``ws_cancel_order``. A fixture
whose payload is a list is every frame the venue answers with, in order (Gate.io's ack, then its result).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, ClassVar

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import OrderOutcomeUnknown
from clobconn.core.events import EventType
from clobconn.testing.helpers import eventually, state_of
from clobconn.testing.suite_base import API_KEY, ConformanceSuiteBase
from clobconn.testing.ws_requests import WsRequestScript


class WSOrderScenarios(ConformanceSuiteBase):
    ws_order_path: ClassVar[str | None] = None

    def ws_order_op(self, message: Any) -> str | None:
        """"place", "cancel", or None for a frame that is neither (a subscription, a login)."""
        return None

    def ws_order_fields(self, message: Any) -> dict[str, Any]:
        """{"request_id", "client_order_id", "price", "amount", "signature"} as a place or cancel frame
        carries them (None for what it does not carry). A suite that declares ``ws_order_path`` supplies it.
        """
        raise TypeError(f"{type(self).__name__} declares ws_order_path {self.ws_order_path!r} but not "
                        "ws_order_fields: the scenarios cannot read what its frames carry")

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        # The suite's other scenarios script REST placements: they keep testing that route.
        return super().connector_config(**{"order_entry": "rest", **overrides})

    # == the machinery =============================================================================

    async def open_ws_connector(self) -> WsRequestScript:
        """Start a connector that places over the trading socket, with the socket's answers scripted."""
        path = self.ws_order_path
        if path is None:
            pytest.skip("the connector declares no WebSocket order route")
        # Whatever else the venue answers on that path (a login, a subscription) is answered as before.
        fallback = self.venue.endpoint(path).replier or functools.partial(self.ws_reply, path)
        script = WsRequestScript(self.ws_order_op, fallback)
        self.venue.on_ws_message(path, script)
        self.conn = self.make_connector(order_entry="websocket")
        for event_type in EventType:
            self.conn.add_listener(event_type, self.recorded.append)
        await self.conn.start()
        await self.conn.wait_ready(timeout=10)
        socket = self.conn.trading_socket
        assert socket is not None, "order_entry='websocket' must open the trading socket"
        await eventually(lambda: socket.live, what="the trading socket connected")
        return script

    def ws_answer(self, fixture: str, **variables: Any) -> Any:
        """A responder answering a request with ``fixture``, its request id and client order id echoed."""
        def respond(message: Any) -> list[Any]:
            fields = self.ws_order_fields(message)
            values = {"client_order_id": fields["client_order_id"], "request_id": fields["request_id"],
                      "exchange_order_id": self.exchange_order_id, "state": OrderState.OPEN, **variables}
            frames = self.fixtures.payload(fixture, self.vars(**values))
            return frames if isinstance(frames, list) else [frames]
        return respond

    async def ws_place(self) -> Any:
        return await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                           self.order_price)

    # == the scenarios =============================================================================

    @pytest.mark.no_connector
    async def test_ws_placement_goes_over_the_socket_not_rest(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", self.ws_answer("ws_place_order"))
        order = await self.ws_place()
        assert order.state is OrderState.OPEN and order.exchange_order_id == self.exchange_order_id
        [sent] = script.sent("place")
        fields = self.ws_order_fields(sent)
        assert fields["client_order_id"] == order.client_order_id
        # Exact at the API: the price and amount go out as the venue's strings of the order's Decimals.
        assert fields["price"] is not None and fields["amount"] is not None
        assert (fields["price"], fields["amount"]) == (order.price, order.amount)
        assert not self.placements(), "a placement answered over the socket must not also go over REST"
        assert [e.client_order_id for e in self.events(EventType.ORDER_CREATED)] == [order.client_order_id]

    @pytest.mark.no_connector
    async def test_ws_refusal_is_typed_as_on_rest_and_fails_the_order(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", self.ws_answer("ws_place_order_rejected"))
        with pytest.raises(self.rejected_error) as info:
            await self.ws_place()
        assert info.value.venue_code is not None
        assert len(script.sent("place")) == 1 and not self.placements(), "a refusal is final: nothing is re-sent"
        assert len(self.events(EventType.ORDER_FAILED)) == 1 and not self.conn.in_flight_orders

    @pytest.mark.no_connector
    async def test_ws_socket_dropped_after_the_send_is_unknown_then_reconciled_never_resent(self) -> None:
        script = await self.open_ws_connector()
        path = self.ws_order_path
        assert path is not None
        script.serve("place", lambda message: [])  # taken, never answered
        placing = asyncio.create_task(self.ws_place())
        await eventually(lambda: bool(script.sent("place")), what="the placement on the socket")
        await self.venue.drop_where(path, lambda session: any(self.ws_order_op(m) == "place" for m in session))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await placing
        client_id = info.value.client_order_id
        order = self.conn.orders.find(client_id)
        assert order is not None and order.outcome_unknown and order.state is OrderState.PENDING_CREATE
        # The venue did take it: the order-truth machinery finds it by client order id.
        self.serve("order_status", self.reply("order_status", {"client_order_id": client_id,
                                                               "state": OrderState.OPEN}))
        await self.conn._update_order_status()
        settled = self.conn.orders.find(client_id)
        assert settled is not None and settled.state is OrderState.OPEN and not settled.outcome_unknown
        assert settled.exchange_order_id == self.exchange_order_id
        await asyncio.sleep(0.05)
        assert len(script.sent("place")) == 1 and not self.placements(), "an unknown outcome is never re-sent"

    @pytest.mark.no_connector
    async def test_ws_socket_down_places_and_cancels_over_rest(self) -> None:
        script = await self.open_ws_connector()
        path = self.ws_order_path
        assert path is not None
        socket = self.conn.trading_socket
        assert socket is not None
        self.venue.refuse_connections(path)
        await self.venue.drop(path)
        await eventually(lambda: not socket.live, what="the trading socket down")
        client_id = await self.open_order()
        assert len(self.placements()) == 1 and not script.sent("place")
        self.serve("cancel_order", lambda _: self.reply("cancel_order", self.order_vars(
            client_id, state=OrderState.CANCELED)))
        assert await self.conn.cancel_order(self.trading_pair, client_id)
        assert len(self.venue.requests_to(*self.routes["cancel_order"])) == 1 and not script.sent("cancel")

    @pytest.mark.no_connector
    async def test_ws_cancel_goes_over_the_socket(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", self.ws_answer("ws_place_order"))
        order = await self.ws_place()
        script.serve("cancel", self.ws_answer("ws_cancel_order", state=OrderState.CANCELED,
                                              client_order_id=order.client_order_id, amount=order.amount,
                                              price=order.price))
        assert await self.conn.cancel_order(self.trading_pair, order.client_order_id)
        assert state_of(order) is OrderState.CANCELED
        [sent] = script.sent("cancel")
        assert self.ws_order_fields(sent)["client_order_id"] in (order.client_order_id, None)
        assert not self.venue.requests_to(*self.routes["cancel_order"])

    @pytest.mark.no_connector
    async def test_ws_orders_leave_no_secret_in_logs_or_errors(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        script = await self.open_ws_connector()
        script.serve("place", self.ws_answer("ws_place_order"), self.ws_answer("ws_place_order_rejected"))
        await self.ws_place()
        with pytest.raises(self.rejected_error) as info:
            await self.ws_place()
        sent = script.sent("place")
        assert len(sent) == 2
        # Not vacuous: the trading socket did carry the key (in each signed request, or in its login), and the
        # requests' signatures (where the venue signs each) are what must not show either.
        trading = [session for session in self.venue.endpoint(self.ws_order_path or "").sessions
                   if any(self.ws_order_op(message) == "place" for message in session)]
        assert any(API_KEY in repr(message) for session in trading for message in session)
        signatures = [self.ws_order_fields(message)["signature"] for message in sent]
        texts = [caplog.text, repr(self.conn), str(info.value), repr(info.value), repr(info.value.request)]
        for secret in (*self.secret_values(), *filter(None, signatures)):
            for text in texts:
                assert secret not in text and secret.lower() not in text.lower()
