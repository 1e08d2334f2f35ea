"""Shared scenarios: order and account truth under faults (issue 11, "Orders").

A mixin of ``SpotConformanceSuite``: every connector runs these over its loopback venue. Optional
fixture roles they use, where the connector supports them: ``open_orders``/``open_orders_empty`` and
``order_history``/``order_history_empty`` (the listings checked before an order is given up as lost),
``auth_error`` (the venue's answer to a wrong key), ``rate_limited`` (its rate-limit refusal, with the
reset header it documents).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import AuthenticationError, OrderOutcomeUnknown, RateLimitExceeded
from clobconn.core.events import EventType
from clobconn.core.venue import ResetUnit
from clobconn.testing.helpers import eventually
from clobconn.testing.mock_venue import MockResponse
from clobconn.testing.suite_base import ConformanceSuiteBase


class OrderTruthScenarios(ConformanceSuiteBase):
    async def place_with_lost_answer(self) -> str:
        """A placement whose answer never comes (the venue holds it past the client's timeout)."""
        self.serve("place_order", MockResponse({}, delay=1.3))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        return info.value.client_order_id

    def pass_acceptance_deadline(self) -> None:
        self.conn.order_lifecycle.clock = lambda: time.time() + 3600.0

    def listed_exchange_id(self, client_order_id: str, listed: str) -> str:
        """The exchange id an order ends up with when the venue's listing names it ``listed``: that one, unless
        the venue's id is the connector's to know at placement (an order's digest, its identity's hash), which
        the venue's fixtures then name instead."""
        return listed

    # == a placement whose outcome is unknown ======================================================

    async def test_late_placement_stays_unknown_within_its_window_and_its_stream_events_count(self) -> None:
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        self.serve_listings()
        for _ in range(self.conn.spec.lost_order_threshold + 1):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders.get(client_id)
        assert order is not None, "an order whose placement window is open was given up"
        assert order.outcome_unknown and order.state is OrderState.PENDING_CREATE
        assert not self.events(EventType.ORDER_FAILED) and not self.events(EventType.ORDER_LOST)
        # The venue accepted it late: its stream events are this order's, and its fill counts once.
        exchange_id = str(int(self.exchange_order_id) + 77)
        await self.push_user("user_order", client_order_id=client_id, exchange_order_id=exchange_id,
                             state=OrderState.OPEN)
        await eventually(lambda: bool(self.events(EventType.ORDER_CREATED)), what="ORDER_CREATED")
        await self.push_user("user_fill", client_order_id=client_id, exchange_order_id=exchange_id,
                             state=OrderState.FILLED, cum_amount=self.order_amount)
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="ORDER_COMPLETED")
        assert [e.client_order_id for e in self.events(EventType.ORDER_FILLED)] == [client_id]
        assert len(self.placements()) == 1, "a placement with an unknown outcome must never be re-sent"

    async def test_unknown_placement_is_lost_only_after_its_window_and_the_listings_then_revives(self) -> None:
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        self.serve_listings()
        self.pass_acceptance_deadline()
        for _ in range(self.conn.spec.lost_order_threshold):
            await self.conn._update_order_status()
        lost = self.events(EventType.ORDER_LOST)
        assert [e.client_order_id for e in lost] == [client_id]
        assert "lost" in lost[0].reason
        assert not self.events(EventType.ORDER_FAILED), "a lost order is not one the venue refused"
        assert client_id not in self.conn.in_flight_orders
        if "open_orders" in self.routes or "order_history" in self.routes:
            assert self.listing_requests() >= 1, "the listings must be checked before the verdict"
        # Evidence after the verdict revives it.
        await self.push_user("user_order", client_order_id=client_id,
                             exchange_order_id=str(int(self.exchange_order_id) + 78), state=OrderState.OPEN)
        await eventually(lambda: client_id in self.conn.in_flight_orders, what="the lost order revived")
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN
        assert [e.client_order_id for e in self.events(EventType.ORDER_CREATED)] == [client_id]

    async def test_unknown_placement_listed_as_open_is_not_lost(self) -> None:
        if "open_orders" not in self.routes:
            pytest.skip("the connector lists no open orders")
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        exchange_id = str(int(self.exchange_order_id) + 79)
        self.serve_listings({"client_order_id": client_id, "exchange_order_id": exchange_id,
                             "state": OrderState.OPEN})
        self.pass_acceptance_deadline()
        for _ in range(self.conn.spec.lost_order_threshold):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN
        assert order.exchange_order_id == self.listed_exchange_id(client_id, exchange_id)
        assert not self.events(EventType.ORDER_LOST)

    # == rate limits and the clock =================================================================

    def rate_limit_refusal(self, wait: float) -> MockResponse:
        """The venue's rate-limit refusal, with its reset header saying ``wait`` seconds (a venue that
        documents no such header refuses without one)."""
        if not self.conn.spec.rate_limit_resets:
            return self.reply("rate_limited")
        reset = self.conn.spec.rate_limit_resets[0]
        if reset.unit is ResetUnit.SECONDS:
            hint = f"{wait:g}"
        elif reset.unit is ResetUnit.MILLISECONDS:
            hint = str(int(wait * 1000))
        else:
            hint = str(int((self.conn.time_sync.time() + wait) * 1000))
        if self.fixtures.has("rate_limited"):
            response = self.reply("rate_limited")
            response.headers[reset.header] = hint
            return response
        return MockResponse({"code": 429, "msg": "Too many requests"}, status=429, headers={reset.header: hint})

    async def test_rate_limited_placement_fails_at_once_with_the_venues_reset_hint(self) -> None:
        self.serve("place_order", self.rate_limit_refusal(3.0))
        statuses = len(self.venue.requests_to(*self.routes["order_status"]))
        with pytest.raises(RateLimitExceeded) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        assert info.value.retry_after is not None
        if self.conn.spec.rate_limit_resets:
            assert 2.0 <= info.value.retry_after <= 3.5, "the venue's reset hint is the wait"
        failed = self.events(EventType.ORDER_FAILED)
        assert len(failed) == 1 and not self.conn.in_flight_orders
        await self.conn._update_order_status()
        await asyncio.sleep(0.05)
        assert len(self.venue.requests_to(*self.routes["order_status"])) == statuses, "a refused order is not polled"

    async def test_timestamp_refusal_takes_a_fresh_clock_offset(self, caplog: pytest.LogCaptureFixture) -> None:
        if not self.fixtures.has("timestamp_error"):
            pytest.skip("the venue signs no timestamps")
        skew_ms = 10_000

        def skewed(_: Any) -> MockResponse:
            now_ms = int(time.time() * 1000) + skew_ms
            return self.reply("server_time", {"timestamp_ms": now_ms, "timestamp_s": now_ms // 1000})

        self.serve("server_time", skewed)
        self.serve("place_order", self.reply("timestamp_error"),
                   lambda req: self.reply("place_order", self._ack_vars(req, "505", None)))
        with caplog.at_level(logging.INFO):
            order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount,
                                                OrderType.LIMIT, self.order_price)
        assert order.state is OrderState.OPEN
        # The skew is the offset now, not the median of stale samples and the new one.
        assert abs(self.conn.time_sync.offset - skew_ms / 1000) < 1.5, self.conn.time_sync.offset
        assert "re-synced" in caplog.text

    # == credentials ===============================================================================

    @pytest.mark.no_connector
    async def test_wrong_credentials_raise_authentication_error_from_start(self) -> None:
        if not self.fixtures.has("auth_error"):
            pytest.skip("no documented authentication refusal in the fixtures")
        self.serve("balances", self.reply("auth_error"))
        conn = self.make_connector()
        try:
            with pytest.raises(AuthenticationError, match="balances"):
                await conn.start()
            await asyncio.sleep(0.2)
            assert len(self.venue.requests_to(*self.routes["balances"])) == 1, "a refused key is not retried"
        finally:
            await conn.stop()

    async def test_refused_key_on_a_poll_stops_the_private_loops_and_wait_ready_raises(self) -> None:
        if not self.fixtures.has("auth_error"):
            pytest.skip("no documented authentication refusal in the fixtures")
        self.serve("balances", self.reply("auth_error"))
        self.conn._poll_soon("balances")
        await eventually(lambda: self.conn.auth_failure is not None, what="the refusal recorded")
        balance_calls = len(self.venue.requests_to(*self.routes["balances"]))
        self.conn._poll_soon("balances")
        await asyncio.sleep(0.1)
        assert len(self.venue.requests_to(*self.routes["balances"])) == balance_calls
        assert not self.conn.ready and not self.conn.status_dict["credentials_accepted"]
        with pytest.raises(AuthenticationError, match="balances"):
            await self.conn.wait_ready(timeout=1)

    # == fills and completion ======================================================================

    async def deliver_order_update(self, variables: dict[str, Any]) -> None:
        """An order's new state without a fill: on its user stream where the venue sends such updates,
        else by a status poll (with the fills endpoint down, so that fills come by the stream alone)."""
        if self.stream_order_updates:
            await self.push_user("user_order", **variables)
            return
        order = self.conn.orders.find(variables["client_order_id"])
        assert order is not None
        self.serve("order_status", self.reply("order_status", variables))
        self.serve("order_fills", MockResponse("fills unavailable", status=503))
        await self.conn._reconcile_order(order)

    async def test_completion_waits_for_every_fill_whatever_the_arrival_order(self) -> None:
        half = self.order_amount / 2
        messages = ("fill_1", "fill_2", "order_partial", "order_filled")
        for round_number, arrival in enumerate(itertools.permutations(messages)):
            client_id = await self.open_order()
            order = self.conn.orders.find(client_id)
            assert order is not None
            # Trade ids unique per round: a fill must never be taken for another round's.
            ids = {"fill_1": f"8{round_number:02d}1", "fill_2": f"8{round_number:02d}2"}
            for name in arrival:
                if name.startswith("fill"):
                    second = name == "fill_2"
                    await self.push_user("user_fill", **self.order_vars(
                        client_id, state=OrderState.FILLED if second else OrderState.PARTIALLY_FILLED,
                        fill_amount=half, cum_amount=self.order_amount if second else half, trade_id=ids[name]))
                else:
                    filled = name == "order_filled"
                    await self.deliver_order_update(self.order_vars(
                        client_id, state=OrderState.FILLED if filled else OrderState.PARTIALLY_FILLED,
                        cum_amount=self.order_amount if filled else half))

            def mine(event_type: EventType, cid: str = client_id) -> list[Any]:
                return [e for e in self.events(event_type) if e.client_order_id == cid]

            await eventually(lambda: bool(mine(EventType.ORDER_COMPLETED)), what=f"completion after {arrival}")
            await asyncio.sleep(0.02)
            completed = mine(EventType.ORDER_COMPLETED)
            fills = mine(EventType.ORDER_FILLED)
            assert len(completed) == 1, arrival
            assert len(fills) == 2, arrival
            assert self.recorded.index(completed[0]) > max(self.recorded.index(f) for f in fills), arrival
            assert completed[0].executed_base == self.order_amount, arrival
            assert completed[0].executed_quote == sum((f.trade.fill_quote_amount for f in fills), Decimal(0))
