"""The shared conformance suites. A connector's test module subclasses one and supplies data.

What the subclass supplies is declarative: which paths serve which role, the fixture directory,
the values its fixtures were written for, and a handful of small hooks where venues genuinely
differ (where an order's price sits in a request, what the venue calls an order state). Every
scenario then runs against the real connector over a real loopback server.

Fixture roles (``<fixture_dir>/conformance/<role>.json``): server_time, trading_rules, balances,
snapshot, place_order, place_order_rejected, order_status, order_not_found, order_fills,
cancel_order, cancel_not_found, cancel_all, diff, trade, user_order, user_fill, user_balance,
and for perpetuals positions, set_leverage, position_mode, set_position_mode, funding_info,
funding_payments, user_position, mark_price. Optional: timestamp_error, and those the scenario
modules (``scenarios_*.py``) name.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import (
    OrderState,
    OrderType,
    PositionAction,
    PositionMode,
    TimeInForce,
    TradeType,
)
from clobconn.core.errors import (
    BadSymbol,
    ClobconnError,
    ExchangeNotAvailable,
    MissingCredentials,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRuleViolation,
    RateLimitExceeded,
)
from clobconn.core.events import EventType, OrderCreatedEvent
from clobconn.core.order_book.sync import ResyncMode
from clobconn.core.venue import Feature
from clobconn.testing.helpers import eventually, state_of
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.scenarios_health import HealthScenarios, PerpetualHealthScenarios
from clobconn.testing.scenarios_input import InputScenarios, PerpetualInputScenarios
from clobconn.testing.scenarios_login import LoginScenarios
from clobconn.testing.scenarios_orders import OrderTruthScenarios
from clobconn.testing.scenarios_paper import PaperScenarios
from clobconn.testing.scenarios_rate_headers import RateHeaderScenarios
from clobconn.testing.scenarios_secrets import SecretScenarios
from clobconn.testing.scenarios_venue_values import VenueValueScenarios
from clobconn.testing.scenarios_ws_orders import WSOrderScenarios
from clobconn.testing.suite_base import (
    API_KEY,
    API_SECRET,
    PASSPHRASE,
    SECRETS,
    ConformanceSuiteBase,
    PerpetualSuiteBase,
)

__all__ = ["API_KEY", "API_SECRET", "PASSPHRASE", "SECRETS", "PerpetualConformanceSuite", "SpotConformanceSuite",
           "eventually", "state_of"]


class SpotConformanceSuite(HealthScenarios, InputScenarios, OrderTruthScenarios, LoginScenarios, VenueValueScenarios,
                           SecretScenarios, PaperScenarios, RateHeaderScenarios, WSOrderScenarios,
                           ConformanceSuiteBase):
    # == trading rules, balances, validation ======================================================

    async def test_trading_rules_parsed(self) -> None:
        rule = self.conn.trading_rules[self.trading_pair]
        for name, expected in self.expected_rule.items():
            assert getattr(rule, name) == expected, f"rule field {name}"

    async def test_symbol_maps_both_ways(self) -> None:
        symbol = self.conn.exchange_symbol(self.trading_pair)
        assert self.conn.trading_pair_of(symbol) == self.trading_pair
        with pytest.raises(BadSymbol):
            self.conn.exchange_symbol("NOPE-NOPE")

    async def test_balances_parsed(self) -> None:
        for asset, (total, available) in self.expected_balances.items():
            assert self.conn.get_balance(asset) == total
            assert self.conn.get_available_balance(asset) == available

    async def test_unknown_pair_refused_before_sending(self) -> None:
        with pytest.raises(BadSymbol, match="NOPE-USDT"):
            self.conn.buy("NOPE-USDT", self.order_amount, OrderType.LIMIT, self.order_price)
        assert not self.placements()

    async def test_amount_below_minimum_refused(self) -> None:
        rule = self.conn.trading_rules[self.trading_pair]
        tiny = rule.min_order_size / 10 if rule.min_order_size else Decimal(0)
        with pytest.raises(OrderRuleViolation) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, tiny, OrderType.LIMIT, self.order_price)
        assert info.value.rule == "min_order_size"
        assert info.value.trading_pair == self.trading_pair
        assert not self.placements()

    async def test_notional_below_minimum_refused(self) -> None:
        rule = self.conn.trading_rules[self.trading_pair]
        if rule.min_notional <= 0:
            pytest.skip("the fixture's pair has no minimum notional")
        amount = max(rule.min_order_size, rule.min_base_amount_increment)
        price = rule.quantize_price(rule.min_notional / amount / 2)
        if price <= 0:
            pytest.skip("no price on the tick grid gives a notional below the minimum")
        with pytest.raises(OrderRuleViolation) as info:
            self.conn.buy(self.trading_pair, amount, OrderType.LIMIT, price)
        assert info.value.rule == "min_notional"
        assert not self.placements()

    async def test_post_only_with_ioc_refused(self) -> None:
        with pytest.raises(NotSupported, match="post-only"):
            self.conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT_MAKER, self.order_price,
                          time_in_force=TimeInForce.IOC)
        assert not self.placements()

    async def test_unsupported_order_type_or_tif_refused(self) -> None:
        unsupported_types = set(OrderType) - self.conn.spec.order_types
        unsupported_tifs = set(TimeInForce) - self.conn.spec.time_in_force
        if unsupported_types:
            with pytest.raises(NotSupported, match="order type"):
                self.conn.buy(self.trading_pair, self.order_amount, unsupported_types.pop(), self.order_price)
        elif unsupported_tifs:
            with pytest.raises(NotSupported, match="time in force"):
                self.conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price,
                              time_in_force=unsupported_tifs.pop())
        else:
            with pytest.raises(NotSupported, match="market order"):
                self.conn.buy(self.trading_pair, self.order_amount, OrderType.MARKET,
                              time_in_force=TimeInForce.FOK)
        assert not self.placements()

    @pytest.mark.no_connector
    async def test_missing_credentials_refused_before_sending(self) -> None:
        conn = self.make_connector(api_key=None, api_secret=None)
        try:
            await conn.start()
            await conn.wait_ready(timeout=10)
            with pytest.raises(MissingCredentials):
                conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price)
            assert not self.placements()
        finally:
            await conn.stop()

    @pytest.mark.no_connector
    async def test_missing_passphrase_refused_where_the_venue_needs_one(self) -> None:
        conn = self.make_connector(passphrase=None)
        if not conn.spec.needs_passphrase:
            # Key and secret are then all it takes.
            assert conn.has_credentials and conn.auth is not None
            return
        assert not conn.has_credentials and conn.auth is None
        try:
            await conn.start()
            await conn.wait_ready(timeout=10)
            with pytest.raises(MissingCredentials, match="passphrase"):
                conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price)
            assert not self.placements()
        finally:
            await conn.stop()

    async def test_price_and_amount_quantized_down_to_steps(self) -> None:
        rule = self.conn.trading_rules[self.trading_pair]
        price = self.order_price + rule.min_price_increment * Decimal("0.7")
        amount = self.order_amount + rule.min_base_amount_increment * Decimal("0.6")
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "501", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, amount, OrderType.LIMIT, price)
        fields = self.extract_order_fields(self.placements()[-1])
        assert Decimal(str(fields["price"])) == self.order_price
        assert Decimal(str(fields["amount"])) == self.order_amount
        assert order.price == self.order_price and order.amount == self.order_amount

    # == placing ==================================================================================

    async def test_buy_returns_client_order_id_at_once(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "502", None), delay=0.2))
        client_id = self.conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price)
        assert self.conn.spec.client_order_id.is_valid(client_id)
        assert self.conn.in_flight_orders[client_id].state is OrderState.PENDING_CREATE
        await eventually(lambda: bool(self.events(EventType.ORDER_CREATED)), what="ORDER_CREATED")
        assert self.extract_order_fields(self.placements()[-1])["client_order_id"] == client_id

    async def test_place_order_success(self) -> None:
        client_id = await self.open_order()
        order = self.conn.in_flight_orders[client_id]
        assert order.exchange_order_id is not None
        created = self.events(EventType.ORDER_CREATED)
        assert [e.client_order_id for e in created] == [client_id]
        assert created[0].amount == self.order_amount and created[0].price == self.order_price

    async def test_place_market_order(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "503", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        assert order.exchange_order_id is not None
        assert self.extract_order_fields(self.placements()[-1])["price"] is None

    async def test_place_order_rejected(self) -> None:
        self.serve("place_order", self.reply("place_order_rejected"))
        with pytest.raises(self.rejected_error):
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        failed = self.events(EventType.ORDER_FAILED)
        assert len(failed) == 1
        assert not self.conn.in_flight_orders
        assert self.conn.orders.finished[failed[0].client_order_id].state is OrderState.FAILED

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        self.serve("place_order", MockResponse({}, delay=1.3))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        client_id = info.value.client_order_id
        order = self.conn.in_flight_orders[client_id]
        assert order.outcome_unknown and order.state is OrderState.PENDING_CREATE
        self.serve("order_status", self.reply("order_status", {"client_order_id": client_id, "state": OrderState.OPEN}))
        await self.conn._update_order_status()
        assert state_of(order) is OrderState.OPEN
        assert not self.conn.in_flight_orders[client_id].outcome_unknown
        assert len(self.placements()) == 1, "a placement with an unknown outcome must never be re-sent"
        assert [e.client_order_id for e in self.events(EventType.ORDER_CREATED)] == [client_id]

    async def test_timestamp_error_resyncs_clock_and_retries_once(self) -> None:
        if not self.fixtures.has("timestamp_error"):
            pytest.skip("the venue signs no timestamps")
        time_requests = len(self.venue.requests_to(*self.routes["server_time"]))
        self.serve("place_order", self.reply("timestamp_error"),
                   lambda req: self.reply("place_order", self._ack_vars(req, "504", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                            self.order_price)
        assert order.state is OrderState.OPEN
        assert len(self.placements()) == 2
        assert len(self.venue.requests_to(*self.routes["server_time"])) == time_requests + 1

    # == cancelling ===============================================================================

    async def test_cancel_order_success(self) -> None:
        client_id = await self.open_order()
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        assert await self.conn.cancel_order(self.trading_pair, client_id) is True
        assert [e.client_order_id for e in self.events(EventType.ORDER_CANCELLED)] == [client_id]
        assert client_id not in self.conn.in_flight_orders

    async def test_cancel_not_found_raises_and_keeps_tracking(self) -> None:
        client_id = await self.open_order()
        self.serve("cancel_order", self.reply("cancel_not_found"))
        with pytest.raises(OrderNotFound):
            await self.conn.cancel_order(self.trading_pair, client_id)
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN
        assert not self.events(EventType.ORDER_CANCELLED)

    async def test_cancel_untracked_order_refused(self) -> None:
        with pytest.raises(OrderNotFound):
            await self.conn.cancel_order(self.trading_pair, "never-placed")

    async def test_cancel_all(self) -> None:
        client_id = await self.open_order()
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_all", self.reply("cancel_all", cancelled))
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        # Venues whose cancel-all answer names no order are asked each order's state afterwards.
        self.serve("order_status", self.reply("order_status", cancelled))
        results = await self.conn.cancel_all(timeout=5)
        assert [(r.client_order_id, r.success) for r in results] == [(client_id, True)]
        assert not self.conn.in_flight_orders

    # == tracking =================================================================================

    async def test_status_poll_fills_order_via_rest(self) -> None:
        client_id = await self.open_order()
        filled = self.order_vars(client_id, state=OrderState.FILLED, cum_amount=self.order_amount)
        self.serve("order_status", self.reply("order_status", filled))
        self.serve("order_fills", self.reply("order_fills", filled))
        await self.conn._update_order_status()
        fills = self.events(EventType.ORDER_FILLED)
        assert len(fills) == 1 and fills[0].trade.fill_base_amount == self.order_amount
        completed = self.events(EventType.ORDER_COMPLETED)
        assert [e.client_order_id for e in completed] == [client_id]
        assert completed[0].executed_base == self.order_amount

    async def test_fill_via_user_stream(self) -> None:
        client_id = await self.open_order()
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.FILLED,
                                                             cum_amount=self.order_amount))
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="ORDER_COMPLETED")
        fill = self.events(EventType.ORDER_FILLED)[0].trade
        assert fill.fill_price == self.order_price and fill.fill_base_amount == self.order_amount
        assert fill.fee.flat_fees and fill.fee.flat_fees[0].amount == Decimal("0.00001")

    async def test_fill_counted_once_across_stream_and_rest(self) -> None:
        client_id = await self.open_order()
        filled = self.order_vars(client_id, state=OrderState.FILLED, cum_amount=self.order_amount)
        await self.push_user("user_fill", **filled)
        await eventually(lambda: bool(self.events(EventType.ORDER_FILLED)), what="ORDER_FILLED")
        # The same trade seen again by polling must not count twice.
        self.serve("order_status", self.reply("order_status", filled))
        self.serve("order_fills", self.reply("order_fills", filled))
        order = self.conn.orders.find(client_id)
        assert order is not None
        await self.conn._reconcile_order(order)
        await self.conn.order_lifecycle.fetch_fills(order)
        assert len(self.events(EventType.ORDER_FILLED)) == 1
        assert order.executed_amount_base == self.order_amount
        assert len(self.events(EventType.ORDER_COMPLETED)) == 1

    async def test_fill_before_acknowledgement(self) -> None:
        fill_sent = asyncio.Event()

        async def slow_ack(request: RecordedRequest) -> MockResponse:
            client_id = self.extract_order_fields(request)["client_order_id"]
            await self.push_user("user_fill", client_order_id=client_id, exchange_order_id="601",
                                 state=OrderState.FILLED, cum_amount=self.order_amount)
            fill_sent.set()
            await asyncio.sleep(0.2)
            return self.reply("place_order", {"client_order_id": client_id, "exchange_order_id": "601"})

        self.serve("place_order", slow_ack)
        order = await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                            self.order_price)
        assert fill_sent.is_set()
        assert order.state is OrderState.FILLED
        assert len(self.events(EventType.ORDER_CREATED)) == 1
        assert len(self.events(EventType.ORDER_FILLED)) == 1
        assert len(self.events(EventType.ORDER_COMPLETED)) == 1

    async def test_partial_fills_accumulate(self) -> None:
        client_id = await self.open_order()
        half = self.order_amount / 2
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED,
                                                             fill_amount=half, cum_amount=half, trade_id="81"))
        await eventually(lambda: len(self.events(EventType.ORDER_FILLED)) == 1, what="first fill")
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.PARTIALLY_FILLED and order.executed_amount_base == half
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.FILLED,
                                                             fill_amount=half, cum_amount=self.order_amount,
                                                             trade_id="82"))
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="ORDER_COMPLETED")
        assert state_of(order) is OrderState.FILLED and order.executed_amount_base == self.order_amount

    async def test_order_not_found_repeatedly_is_lost(self) -> None:
        client_id = await self.open_order()
        self.serve("order_status", self.reply("order_not_found"))
        for _ in range(self.conn.spec.lost_order_threshold - 1):
            await self.conn._update_order_status()
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN
        await self.conn._update_order_status()
        assert client_id not in self.conn.in_flight_orders
        assert [e.client_order_id for e in self.events(EventType.ORDER_FAILED)] == [client_id]

    async def test_network_errors_never_count_as_not_found(self) -> None:
        client_id = await self.open_order()
        self.serve("order_status", MockResponse("upstream down", status=503), MockResponse({}, delay=1.3))
        for _ in range(self.conn.spec.lost_order_threshold + 1):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN and order.not_found_count == 0

    async def test_late_fill_after_cancel_still_lands(self) -> None:
        client_id = await self.open_order()
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        await self.conn.cancel_order(self.trading_pair, client_id)
        half = self.order_amount / 2
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED,
                                                             fill_amount=half, cum_amount=half, trade_id="91"))
        await eventually(lambda: bool(self.events(EventType.ORDER_FILLED)), what="late ORDER_FILLED")
        order = self.conn.orders.finished[client_id]
        assert order.state is OrderState.CANCELED and order.executed_amount_base == half

    async def test_balance_update_via_user_stream(self) -> None:
        await self.push_user("user_balance", asset=self.quote, total="1234.5", available="1200.5", locked="34")
        await eventually(lambda: self.conn.get_balance(self.quote) == Decimal("1234.5"), what="balance update")
        if self.stream_balance_has_available:
            assert self.conn.get_available_balance(self.quote) == Decimal("1200.5")
        assert any(e.balance.asset == self.quote for e in self.events(EventType.BALANCE_UPDATED))

    async def test_events_async_iterator(self) -> None:
        stream = self.conn.events(EventType.ORDER_CREATED)
        pending = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        client_id = await self.open_order()
        event = await asyncio.wait_for(pending, 2)
        assert isinstance(event, OrderCreatedEvent) and event.client_order_id == client_id
        await stream.aclose()

    # == order book ===============================================================================

    async def test_book_snapshot_then_diffs(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        assert book.is_synced and book.best_bid == Decimal("100.00") and book.best_ask == Decimal("100.50")
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5"), ("99.50", "0")], [("100.50", "0.25")], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="diff applied")
        self.assert_book([("100.25", "0.5"), ("100.00", "1.5"), ("99.00", "3.0")],
                         [("100.50", "0.25"), ("101.00", "2.5"), ("101.50", "4.0")])

    async def test_book_gap_triggers_resync(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"])) if "snapshot" in self.routes else 0
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)
        await eventually(lambda: self.conn.order_book_tracker.resyncs >= 1, what="resync")
        if self.conn.order_book_tracker._source.resync_mode is ResyncMode.REST_SNAPSHOT:
            await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
            await eventually(lambda: book.is_synced, what="book synced again")
            assert book.best_bid == Decimal("100.00")

    async def test_diffs_during_snapshot_are_buffered_and_replayed(self) -> None:
        mode = self.conn.order_book_tracker._source.resync_mode
        if mode is not ResyncMode.REST_SNAPSHOT:
            pytest.skip(f"the venue's snapshot is no REST call to hold back: it resyncs by {mode.value}")
        book = self.conn.get_order_book(self.trading_pair)
        release = asyncio.Event()

        async def slow_snapshot(_: RecordedRequest) -> MockResponse:
            await release.wait()
            return self.reply("snapshot", {"update_id": self.snapshot_id + 10})

        self.serve("snapshot", slow_snapshot)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)  # gap -> resync
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=2)
        new = self.snapshot_id + 10
        await self.push_diff([("98.00", "7")], [], new - 2, new - 1, new - 3)  # older than the snapshot: dropped
        await self.push_diff([("100.20", "2")], [], new + 1, new + 1, new)
        await self.push_diff([("100.30", "3")], [], new + 2, new + 2, new + 1)
        await asyncio.sleep(0.05)
        assert not book.is_synced
        release.set()
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.30"), what="replayed diffs")
        assert book.last_update_id == new + 2
        assert Decimal("98.00") not in [level.price for level in book.bids()]

    async def test_public_reconnect_resubscribes(self) -> None:
        path = self.public_ws_path
        first = [self.subscription_key(m) for m in self.venue.endpoint(path).sessions[0]]
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=2)
        await eventually(lambda: len(self.venue.endpoint(path).sessions[1]) >= len(first), what="resubscribe")
        again = [self.subscription_key(m) for m in self.venue.endpoint(path).sessions[1]]
        assert again[: len(first)] == first
        await eventually(lambda: self.conn.get_order_book(self.trading_pair).is_synced, what="book resynced")

    async def test_user_stream_reconnect_resubscribes(self) -> None:
        path = self.user_ws_path
        first_count = len(self.venue.endpoint(path).sessions[0])
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=2)
        await eventually(lambda: len(self.venue.endpoint(path).sessions[1]) >= first_count, what="re-auth")
        await eventually(lambda: self.conn.ready, what="ready again")

    async def test_fill_missed_while_the_user_stream_was_down_is_found_once_it_is_back(self) -> None:
        client_id = await self.open_order()
        path, status = self.user_ws_path, self.routes["order_status"]
        polls = len(self.venue.requests_to(*status))
        self.venue.refuse_connections(path)
        await self.venue.drop(path)
        # The poll made as the stream went down still finds the order open ...
        await self.venue.wait_for_requests(*status, count=polls + 1)
        await eventually(lambda: not self.conn._user_stream_live, what="user stream down")
        # ... and it fills before the stream is back, so neither that poll nor the stream saw it.
        filled = self.order_vars(client_id, state=OrderState.FILLED, cum_amount=self.order_amount)
        self.serve("order_status", self.reply("order_status", filled))
        self.serve("order_fills", self.reply("order_fills", filled))
        assert self.conn.in_flight_orders
        self.venue.refuse_connections(path, refuse=False)
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), timeout=10,
                         what="the fill, found by the poll made once the stream is live again")
        assert self.events(EventType.ORDER_FILLED)[0].trade.fill_base_amount == self.order_amount

    async def test_checksum_mismatch_resyncs(self) -> None:
        if self.conn.order_book_tracker._source.checksum() is None:
            pytest.skip("the venue's book has no checksum")
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_diff([("100.25", "0.5")], [], last + 1, last + 1, last, checksum=12345)
        await eventually(lambda: self.conn.order_book_tracker.resyncs >= 1, what="checksum resync")

    async def test_malformed_frames_skipped(self) -> None:
        path = self.public_ws_path
        for garbage in ("{not json", {"unexpected": ["shape"]}, {"e": "depthUpdate", "s": None}):
            await self.venue.push(path, garbage)
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_diff([("100.40", "1")], [], last + 1, last + 1, last)
        await eventually(lambda: book.best_bid == Decimal("100.40"), what="stream alive after garbage")
        assert self.venue.connections(path) == 1

    async def test_public_trade_sets_last_price(self) -> None:
        await self.push_public("trade", fill_price="100.75", fill_amount="0.3")
        await eventually(lambda: self.conn.last_trade_price(self.trading_pair) == Decimal("100.75"),
                         what="last trade price")

    async def test_add_and_remove_pair_at_runtime(self) -> None:
        pair = self.second_trading_pair
        if pair is None:
            pytest.skip("no second pair in the fixtures")
        path = self.public_ws_path
        before = len(self.venue.endpoint(path).received)
        await self.conn.add_trading_pair(pair)
        await eventually(lambda: len(self.venue.endpoint(path).received) > before, what="subscribe")
        await eventually(lambda: self.conn.get_order_book(pair).is_synced, what="second book synced")
        sent = len(self.venue.endpoint(path).received)
        await self.conn.remove_trading_pair(pair)
        await eventually(lambda: len(self.venue.endpoint(path).received) > sent, what="unsubscribe")
        with pytest.raises(BadSymbol):
            self.conn.get_order_book(pair)

    # == errors, limits, secrets, lifecycle =======================================================

    async def test_rate_limit_pauses_the_pool(self) -> None:
        self.serve("balances", MockResponse({"code": -1003, "msg": "Too many requests"}, status=429,
                                            headers={"Retry-After": "1"}), self.reply("balances"))
        with pytest.raises(RateLimitExceeded) as info:
            await self.conn._update_balances()
        assert info.value.retry_after == 1.0
        await self.conn._update_balances()
        first, second = self.venue.requests_to(*self.routes["balances"])[-2:]
        assert second.received_at - first.received_at >= 0.9

    async def test_server_error_is_exchange_not_available(self) -> None:
        self.serve("balances", MockResponse("<html>bad gateway</html>", status=502))
        with pytest.raises(ExchangeNotAvailable):
            await self.conn._update_balances()

    async def test_secrets_never_in_logs_reprs_or_errors(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        self.serve("place_order", self.reply("place_order_rejected"))
        with pytest.raises(ClobconnError) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        texts = [caplog.text, repr(self.conn), repr(self.conn.config), str(self.conn.config),
                 self.conn.config.model_dump_json(), str(info.value), repr(info.value), repr(info.value.request),
                 repr(self.conn.auth)]
        for secret in self.secret_values():
            for text in texts:
                assert secret not in text and secret.lower() not in text.lower()
        # The credentials did reach the venue, so the check above was not vacuous.
        assert self.credentials_used()

    async def test_status_dict_ready_and_stop_closes_session(self) -> None:
        assert self.conn.ready and all(self.conn.status_dict.values())
        session = self.conn.rest.session
        await self.conn.stop()
        assert session.closed
        assert not self.conn.order_book_tracker.runners


class PerpetualConformanceSuite(PerpetualHealthScenarios, PerpetualInputScenarios, SpotConformanceSuite,
                                PerpetualSuiteBase):
    async def test_positions_parsed(self) -> None:
        await self.perp._update_positions()
        pair, amount, entry = self.expected_position
        position = self.perp.get_position(pair)
        assert position is not None and position.amount == amount and position.entry_price == entry

    async def test_set_leverage(self) -> None:
        self.serve("set_leverage", self.reply("set_leverage", {"leverage": self.leverage}))
        applied = await self.perp.set_leverage(self.trading_pair, self.leverage)
        assert applied == self.leverage and self.perp.get_leverage(self.trading_pair) == self.leverage
        assert self.venue.requests_to(*self.routes["set_leverage"])

    async def test_set_position_mode(self) -> None:
        fixed = self.perp.spec.fixed_position_mode
        if fixed is not None:
            # One mode, always: it is the mode from the start, and the other is refused before sending.
            sent = len(self.venue.requests)
            await self.perp.set_position_mode(fixed)
            other = PositionMode.ONEWAY if fixed is PositionMode.HEDGE else PositionMode.HEDGE
            with pytest.raises(NotSupported, match=self.connector_id):
                await self.perp.set_position_mode(other)
            assert self.perp.position_mode is fixed and len(self.venue.requests) == sent
            return
        if Feature.HEDGE_MODE not in self.perp.spec.features:
            # One-way only: switching is refused before anything is sent.
            sent = len(self.venue.requests)
            with pytest.raises(NotSupported):
                await self.perp.set_position_mode(PositionMode.HEDGE)
            assert self.perp.position_mode is PositionMode.ONEWAY and len(self.venue.requests) == sent
            return
        self.serve("set_position_mode", self.reply("set_position_mode"))
        await self.perp.set_position_mode(PositionMode.HEDGE)
        assert self.perp.position_mode is PositionMode.HEDGE
        assert len(self.venue.requests_to(*self.routes["set_position_mode"])) == 1

    async def test_funding_info_from_rest_then_stream(self) -> None:
        info = self.perp.get_funding_info(self.trading_pair)
        assert info is not None and info.mark_price > 0
        if self.perp.funding_info_poll_interval is not None:
            # Nothing streams it: the REST read repeats in its own loop, here woken early.
            self.serve("funding_info", lambda _: self.reply("funding_info", {"funding_rate": "0.00031"}))
            self.perp.tasks.wake("funding_info")
            await eventually(lambda: self.perp.funding_info[self.trading_pair].rate == Decimal("0.00031"),
                             what="funding info from the REST poll")
            return
        await self.push_public("mark_price", mark_price="12345.6", funding_rate="0.00031")
        await eventually(lambda: self.perp.funding_info[self.trading_pair].rate == Decimal("0.00031"),
                         what="funding info from the stream")
        assert self.perp.funding_info[self.trading_pair].mark_price == Decimal("12345.6")

    async def test_every_funding_payment_reported_once(self) -> None:
        await self.perp._update_funding_payments()
        await self.perp._update_funding_payments()  # the same window again
        self.serve("funding_payments", self.reply("funding_payments", {"payment_id": "9002"}))
        await self.perp._update_funding_payments()
        payments = [e.payment for e in self.events(EventType.FUNDING_PAYMENT)]
        ids = [p.payment_id for p in payments]
        assert len(ids) == len(set(ids)), ids
        assert {"9001", "9002"} <= set(ids), ids
        assert len(self.perp.funding_payments) == len(payments)

    async def test_position_update_via_user_stream(self) -> None:
        def streamed() -> list[Any]:
            return [e for e in self.events(EventType.POSITION_UPDATED) if e.position.amount == Decimal("0.5")]

        await self.push_user("user_position", position_amount="0.5", entry_price="25000.5")
        await eventually(lambda: bool(streamed()), what="position update")
        position = self.perp.get_position(self.trading_pair)
        assert position is not None and position.amount == Decimal("0.5")
        assert position.entry_price == Decimal("25000.5")
        assert streamed()[0].position == position

    async def test_reduce_only_close_order(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "701", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.LIMIT,
                                            self.order_price, position_action=PositionAction.CLOSE)
        assert order.reduce_only
        assert self.is_reduce_only(self.placements()[-1])
