"""Shared scenarios: bad input is refused before anything is signed or sent (issue 11).

Mixins for the conformance suites (``SpotConformanceSuite`` inherits ``InputScenarios``,
``PerpetualConformanceSuite`` also ``PerpetualInputScenarios``), so every connector runs them against
its real code over the loopback venue. Each refusal is checked twice: the typed error names the
argument, and the venue received no request at all (the count is taken around a call that refuses
before its first await, so no background task can interleave).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import (
    InFlightOrder,
    OrderState,
    OrderType,
    PositionMode,
    PositionSide,
    TimeInForce,
    TradeType,
)
from clobconn.core.errors import InvalidArgument, InvalidOrder, InvalidOrderArgument, OrderRuleViolation
from clobconn.core.events import EventType, OrderCreatedEvent
from clobconn.core.venue import Feature
from clobconn.testing.suite_base import ConformanceSuiteBase, PerpetualSuiteBase

# Values no amount or price may take: not finite, out of range, or not a number at all.
NOT_FINITE: tuple[object, ...] = (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
                                  float("nan"), float("inf"), "NaN", "1e400")
WRONG_TYPES: tuple[object, ...] = (True, [1], {"amount": 1}, b"1", "ten")


class InputScenarios(ConformanceSuiteBase):
    """Every public order entry point refuses bad arguments, and accepts friendly ones exactly."""

    def serve_acks(self) -> None:
        """Acknowledge every placement, each with its own exchange id."""
        ids = itertools.count(801)
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, str(next(ids)), None)))

    async def created(self, client_id: str, timeout: float = 5.0) -> OrderCreatedEvent:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events(EventType.ORDER_CREATED):
                if event.client_order_id == client_id:
                    assert isinstance(event, OrderCreatedEvent)
                    return event
            await asyncio.sleep(0.01)
        raise AssertionError(f"no ORDER_CREATED for {client_id}")

    # == scenarios ================================================================================

    async def test_non_finite_amount_or_price_refused_before_sending(self) -> None:
        pair, amount, price, limit = self.trading_pair, self.order_amount, self.order_price, OrderType.LIMIT
        for bad in NOT_FINITE:
            await self.refused(InvalidOrderArgument, "amount", self.conn.buy, pair, bad, limit, price)
            await self.refused(InvalidOrderArgument, "price", self.conn.sell, pair, amount, limit, bad)
            await self.refused(InvalidOrderArgument, "price", self.conn.place_order, pair, TradeType.BUY, amount,
                               limit, bad)
            batch: list[Any] = [(TradeType.BUY, pair, bad, limit, price)]
            results = await self.conn.place_orders(batch)
            assert isinstance(results[0], InvalidOrderArgument) and results[0].field == "amount"
        assert not self.placements() and not self.conn.in_flight_orders

    async def test_wrong_types_refused_before_sending(self) -> None:
        pair, amount, price, limit = self.trading_pair, self.order_amount, self.order_price, OrderType.LIMIT
        for bad in WRONG_TYPES:
            await self.refused(InvalidOrderArgument, "amount", self.conn.buy, pair, bad, limit, price)
            await self.refused(InvalidOrderArgument, "price", self.conn.sell, pair, amount, limit, bad)
        await self.refused(InvalidOrderArgument, "amount", self.conn.buy, pair, None, limit, price)
        await self.refused(InvalidOrderArgument, "trading_pair", self.conn.buy, None, amount, limit, price)
        await self.refused(InvalidOrderArgument, "reduce_only", self.conn.buy, pair, amount, limit, price,
                           reduce_only="no")
        await self.refused(InvalidOrderArgument, "orders[0]", self.conn.place_orders, [(TradeType.BUY, pair)])
        # Zero and negative amounts break the positivity rule, as before.
        for nonpositive in (Decimal(0), Decimal("-0.5"), -1):
            error = await self.refused(OrderRuleViolation, None, self.conn.buy, pair, nonpositive, limit, price)
            assert isinstance(error, OrderRuleViolation) and error.rule == "amount"
        assert not self.placements() and not self.conn.in_flight_orders

    async def test_unknown_enum_strings_refused_listing_the_allowed_values(self) -> None:
        pair, amount, price = self.trading_pair, self.order_amount, self.order_price
        error = await self.refused(InvalidOrderArgument, "order_type", self.conn.buy, pair, amount, "STOP", price)
        assert "LIMIT, LIMIT_MAKER, MARKET" in str(error)
        await self.refused(InvalidOrderArgument, "trade_type", self.conn.place_order, pair, "LONG", amount,
                           OrderType.LIMIT, price)
        error = await self.refused(InvalidOrderArgument, "time_in_force", self.conn.buy, pair, amount,
                                   OrderType.LIMIT, price, time_in_force="DAY")
        assert "GTC, IOC, FOK" in str(error)
        # A member of the wrong enum is a mix-up, not a spelling.
        await self.refused(InvalidOrderArgument, "order_type", self.conn.buy, pair, amount, TradeType.BUY, price)
        assert not self.placements() and not self.conn.in_flight_orders

    async def test_enum_strings_accepted_by_value_or_name_in_any_case(self) -> None:
        self.serve_acks()
        place: Callable[..., Awaitable[InFlightOrder]] = self.conn.place_order
        order = await place(self.trading_pair, "buy", self.order_amount, "limit", self.order_price,
                            time_in_force="GTC")
        assert (order.trade_type, order.order_type, order.time_in_force) == (
            TradeType.BUY, OrderType.LIMIT, TimeInForce.GTC)
        assert order.state is OrderState.OPEN
        buy: Callable[..., str] = self.conn.buy
        created = await self.created(buy(self.trading_pair, self.order_amount, "LIMIT", self.order_price))
        assert created.order_type is OrderType.LIMIT and created.trade_type is TradeType.BUY
        assert len(self.placements()) == 2

    async def test_float_amount_and_price_sent_as_their_shortest_repr(self) -> None:
        # The documented choice: a float is the number its repr shows (0.001 -> "0.001"), never its
        # binary value (0.001000000000000000020816...).
        self.serve_acks()
        place: Callable[..., Awaitable[InFlightOrder]] = self.conn.place_order
        order = await place(self.trading_pair, TradeType.BUY, float(self.order_amount), OrderType.LIMIT,
                            float(self.order_price))
        fields = self.extract_order_fields(self.placements()[-1])
        assert Decimal(str(fields["price"])) == self.order_price
        assert Decimal(str(fields["amount"])) == self.order_amount
        assert isinstance(order.amount, Decimal) and order.amount == self.order_amount
        assert isinstance(order.price, Decimal) and order.price == self.order_price

    async def test_order_created_event_carries_the_quantized_values(self) -> None:
        rule = self.conn.trading_rules[self.trading_pair]
        self.serve_acks()
        client_id = self.conn.buy(self.trading_pair, self.order_amount + rule.min_base_amount_increment / 3,
                                  OrderType.LIMIT, self.order_price + rule.min_price_increment / 2)
        created = await self.created(client_id)
        assert (created.amount, created.price) == (self.order_amount, self.order_price)
        fields = self.extract_order_fields(self.placements()[-1])
        assert (Decimal(str(fields["amount"])), Decimal(str(fields["price"]))) == (created.amount, created.price)

    @pytest.mark.no_connector
    async def test_strict_quantize_refuses_values_off_the_grid(self) -> None:
        self.conn = self.make_connector(strict_quantize=True)
        await self.conn.start()
        await self.conn.wait_ready(timeout=10)
        rule = self.conn.trading_rules[self.trading_pair]
        pair, amount, price = self.trading_pair, self.order_amount, self.order_price
        off_tick = price + rule.min_price_increment / 2
        error = await self.refused(OrderRuleViolation, None, self.conn.buy, pair, amount, OrderType.LIMIT, off_tick)
        assert isinstance(error, OrderRuleViolation)
        assert (error.rule, error.value, error.limit) == ("min_price_increment", off_tick, rule.min_price_increment)
        off_step = amount + rule.min_base_amount_increment / 2
        error = await self.refused(OrderRuleViolation, None, self.conn.place_order, pair, TradeType.SELL, off_step,
                                   OrderType.LIMIT, price)
        assert isinstance(error, OrderRuleViolation)
        assert (error.rule, error.value, error.limit) == (
            "min_base_amount_increment", off_step, rule.min_base_amount_increment)
        assert not self.placements()
        # On the grid, the same connector places the order unchanged.
        await self.open_order()
        assert len(self.placements()) == 1

    async def test_amend_refuses_bad_values_before_sending(self) -> None:
        if Feature.AMEND_ORDER not in self.conn.spec.features:
            pytest.skip("the venue cannot amend orders")
        client_id = await self.open_order()
        pair, amend = self.trading_pair, self.conn.amend_order
        for bad in (*NOT_FINITE, True, "ten"):
            await self.refused(InvalidOrderArgument, "price", amend, pair, client_id, price=bad)
            await self.refused(InvalidOrderArgument, "amount", amend, pair, client_id, amount=bad)
        # A zero is refused, not read as "keep the current amount".
        error = await self.refused(OrderRuleViolation, None, amend, pair, client_id, amount=Decimal(0))
        assert isinstance(error, OrderRuleViolation) and error.rule == "amount"
        await self.refused(InvalidOrderArgument, "client_order_id", amend, pair, None, price=self.order_price)
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN

    async def test_cancel_refuses_wrong_types_before_sending(self) -> None:
        client_id = await self.open_order()
        await self.refused(InvalidOrderArgument, "client_order_id", self.conn.cancel_order, self.trading_pair, None)
        await self.refused(InvalidOrderArgument, "trading_pair", self.conn.cancel, ["BTC", "USDT"], client_id)
        await self.refused(InvalidOrderArgument, "client_order_id", self.conn.cancel, self.trading_pair, 12345)
        await self.refused(InvalidOrderArgument, "trading_pair", self.conn.cancel_all, 5, trading_pair=1)
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN


class PerpetualInputScenarios(PerpetualSuiteBase):
    """Leverage, position mode and position side: the same checks on the calls that place no order."""

    async def test_bad_leverage_refused_before_sending(self) -> None:
        pair = self.trading_pair
        leverage = self.perp.get_leverage(pair)
        for bad in (*NOT_FINITE, *WRONG_TYPES, None, 0, Decimal("-5")):
            error = await self.refused(InvalidArgument, "leverage", self.perp.set_leverage, pair, bad)
            # Not an order: the error is a BadRequest, never an InvalidOrder.
            assert not isinstance(error, InvalidOrder)
        await self.refused(InvalidArgument, "trading_pair", self.perp.set_leverage, None, self.leverage)
        if self.perp.spec.whole_leverage:
            await self.refused(InvalidArgument, "leverage", self.perp.set_leverage, pair, Decimal("10.5"))
        assert self.perp.get_leverage(pair) == leverage

    async def test_leverage_given_as_a_string_or_float(self) -> None:
        self.serve("set_leverage", self.reply("set_leverage", {"leverage": self.leverage}))
        set_leverage: Callable[..., Awaitable[Decimal]] = self.perp.set_leverage
        assert await set_leverage(self.trading_pair, str(self.leverage)) == self.leverage
        assert await set_leverage(self.trading_pair, float(self.leverage)) == self.leverage
        assert len(self.venue.requests_to(*self.routes["set_leverage"])) == 2

    async def test_position_mode_by_name_and_unknown_modes_refused(self) -> None:
        for bad in ("CROSS", None, True, PositionSide.LONG):
            error = await self.refused(InvalidArgument, "mode", self.perp.set_position_mode, bad)
            assert isinstance(error, InvalidArgument) and error.allowed == ("ONEWAY", "HEDGE")
        set_mode: Callable[..., Awaitable[None]] = self.perp.set_position_mode
        # The current mode named in lower case: nothing to change, nothing sent.
        sent, current = len(self.venue.requests), self.perp.position_mode
        await set_mode(current.value.lower())
        assert len(self.venue.requests) == sent
        if Feature.HEDGE_MODE in self.perp.spec.features and current is PositionMode.ONEWAY:
            self.serve("set_position_mode", self.reply("set_position_mode"))
            await set_mode("HEDGE")
            assert self.perp.position_mode is PositionMode.HEDGE
            assert len(self.venue.requests_to(*self.routes["set_position_mode"])) == 1

    async def test_position_side_checked(self) -> None:
        get_position: Callable[..., object] = self.perp.get_position
        # A side named in lower case is the side.
        long = self.perp.positions.get((self.trading_pair, PositionSide.LONG))
        assert get_position(self.trading_pair, "long") is long
        for bad in ("UP", 1, PositionMode.HEDGE):
            await self.refused(InvalidArgument, "side", self.perp.get_position, self.trading_pair, bad)
