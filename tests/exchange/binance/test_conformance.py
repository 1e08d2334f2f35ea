"""The shared spot conformance suite, run against the Binance connector over a loopback venue."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState
from clobconn.core.errors import OrderOutcomeUnknown, RateLimitExceeded
from clobconn.core.events import EventType
from clobconn.testing.suites import SpotConformanceSuite, eventually
from tests.exchange.binance.conformance_hooks import BinanceConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "binance"


class TestBinanceSpotConformance(BinanceConformanceHooks, SpotConformanceSuite):
    connector_id = "binance"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v3/time"),
        "trading_rules": ("GET", "/api/v3/exchangeInfo"),
        "balances": ("GET", "/api/v3/account"),
        "snapshot": ("GET", "/api/v3/depth"),
        "place_order": ("POST", "/api/v3/order"),
        "cancel_order": ("DELETE", "/api/v3/order"),
        "order_status": ("GET", "/api/v3/order"),
        "order_fills": ("GET", "/api/v3/myTrades"),
        "cancel_all": ("DELETE", "/api/v3/openOrders"),
        "open_orders": ("GET", "/api/v3/openOrders"),
        "order_history": ("GET", "/api/v3/allOrders"),
    }
    public_ws_path = "/ws"
    user_ws_path = "/ws-api/v3"
    ws_api_path = "/ws-api/v3"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00001"),
        "max_order_size": Decimal("9000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("9000000"),
    }
    expected_balances = {
        "BTC": (Decimal("4723846.89208129"), Decimal("4723846.89208129")),
        "USDT": (Decimal("4763370.18006011"), Decimal("4763368.68006011")),
    }

    # Orders over the WS-API (order.place, order.cancel), on the user stream's path.
    ws_order_path = "/ws-api/v3"

    def refuse_user_login(self) -> None:
        # The WS-API's answer to a request signed with a refused key (websocket-api "Authentication requests").
        refusal = self.fixtures.payload("auth_error")
        self.venue.on_ws_message(self.user_ws_path, lambda message: [
            {"id": message.get("id"), "status": self.fixtures.status("auth_error"), "error": refusal}]
            if isinstance(message, dict) and "method" in message else [])

    async def test_a_depth_frame_the_typed_decoder_refuses_still_meets_the_book_checks(self) -> None:
        # A boolean size: the typed decode (DEPTH_FRAMES) refuses the frame, and it must then be refused by
        # the book's level checks as without typed decoding (counted, the book resynced), not dropped unseen.
        tracker = self.conn.order_book_tracker
        book = self.conn.get_order_book(self.trading_pair)
        rejected, resyncs, last = tracker.rejected_messages, tracker.resyncs, book.last_update_id
        await self.push_public("diff", bids=[["100.40", True]], asks=[], first_id=last + 1, last_id=last + 1,
                               prev_id=last)
        await eventually(lambda: tracker.rejected_messages > rejected, what="the frame refused by the level checks")
        await eventually(lambda: tracker.resyncs > resyncs, what="the book resynced")
        await eventually(lambda: book.is_synced, what="the book synced again")
        assert book.best_bid != Decimal("100.40")

    async def test_delisted_symbol_not_tradable(self) -> None:
        # LUNAUSDT is in the fixture with status BREAK.
        assert "LUNA-USDT" not in self.conn.trading_rules

    async def test_user_stream_subscribes_with_signed_request(self) -> None:
        subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][0]
        assert subscribe["method"] == "userDataStream.subscribe.signature"
        assert {"apiKey", "timestamp", "signature"} <= set(subscribe["params"])

    async def test_user_stream_live_only_once_the_subscription_is_acknowledged(self) -> None:
        path = self.user_ws_path
        self.venue.on_ws_message(path, lambda message: [])  # the venue stops answering subscriptions
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=2)
        await self.venue.wait_for_ws_message(path, lambda m: isinstance(m, dict) and "method" in m, count=2)
        assert self.conn.status_dict["user_stream_connected"] is False
        assert not self.conn.ready
        await self.venue.push(path, {"id": 2, "status": 200, "result": {"subscriptionId": 1}})
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], what="acknowledged")

    # == the WS-API's own answers on the order path (websocket-api "Status codes", errors.md) ============

    def ws_api_refusal(self, status: int, code: int, msg: str) -> Any:
        """A responder answering with the WS-API's failed-response envelope (websocket-api "Response format")."""
        return lambda message: [{"id": message["id"], "status": status, "error": {"code": code, "msg": msg}}]

    @pytest.mark.no_connector
    async def test_ws_api_5xx_answer_is_an_unknown_outcome_never_a_refusal(self) -> None:
        script = await self.open_ws_connector()
        # "If a response contains 5xx status code, it does not necessarily mean that your request has failed."
        script.serve("place", self.ws_api_refusal(500, -1006, "An unexpected response was received from the "
                                                  "message bus. Execution status unknown."))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.ws_place()
        order = self.conn.orders.find(info.value.client_order_id)
        assert order is not None and order.outcome_unknown and order.state is OrderState.PENDING_CREATE
        assert not self.events(EventType.ORDER_FAILED)
        assert len(script.sent("place")) == 1 and not self.placements()

    @pytest.mark.no_connector
    async def test_ws_api_silence_past_the_request_timeout_is_an_unknown_outcome(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", lambda message: [])
        with pytest.raises(OrderOutcomeUnknown):
            await self.ws_place()
        assert len(script.sent("place")) == 1 and not self.placements()
        assert not self.events(EventType.ORDER_FAILED)

    @pytest.mark.no_connector
    async def test_ws_api_timestamp_refusal_resyncs_the_clock_and_sends_once_more(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", self.ws_api_refusal(400, -1021, "Timestamp for this request is outside of the "
                                                  "recvWindow."), self.ws_answer("ws_place_order"))
        time_requests = len(self.venue.requests_to(*self.routes["server_time"]))
        order = await self.ws_place()
        assert order.state is OrderState.OPEN
        assert len(script.sent("place")) == 2 and not self.placements()
        assert len(self.venue.requests_to(*self.routes["server_time"])) > time_requests, "the clock is re-synced"

    @pytest.mark.no_connector
    async def test_ws_api_rate_limit_refusal_fails_the_order_and_pauses_the_pool(self) -> None:
        script = await self.open_ws_connector()
        script.serve("place", self.ws_api_refusal(429, -1003, "Too much request weight used."))
        with pytest.raises(RateLimitExceeded):
            await self.ws_place()
        assert len(self.events(EventType.ORDER_FAILED)) == 1 and not self.conn.in_flight_orders
        started = time.monotonic()
        script.serve("place", self.ws_answer("ws_place_order"))
        await self.ws_place()
        assert time.monotonic() - started >= 0.5, "the order pool waits out the refusal's pause"
