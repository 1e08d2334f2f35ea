"""Paper trading over the connector's own conformance venue: its book, fed as its suite feeds it.

Each connector's conformance suite serves its venue's documented payloads on the loopback mock venue
and syncs the book to the suite's snapshot (bids 100.00 x 1.5, 99.50 x 2.0, 99.00 x 3.0; asks
100.50 x 1.0, 101.00 x 2.5, 101.50 x 4.0) whichever way the venue sends it (REST snapshot, stream
snapshot, whole-book pushes). The paper twin of the connector starts over that venue with no keys;
a taker buy must fill exactly on the levels that book showed, and no private request may reach the venue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.events import EventType
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.perpetual_base import PerpetualDerivativeBase
from clobconn.testing.suite_base import ConformanceSuiteBase

PAPER_QUOTE = Decimal(1_000_000)


class PaperScenarios(ConformanceSuiteBase):
    def make_paper_connector(self) -> ExchangeBase:
        # The suite's keys are given, as a user may: a venue that signs a public read (KuCoin's full book)
        # needs them; every private call must still stay off the venue (checked below).
        return self.make_connector(paper=True, paper_balances={self.quote: PAPER_QUOTE})

    def private_requests(self) -> list[str]:
        """The requests that reached the venue's trading and account endpoints."""
        found: list[str] = []
        for role in ("place_order", "cancel_order", "order_status", "balances", "positions", "set_leverage"):
            if role not in self.routes:
                continue
            wanted = self.route_filters.get(role)
            found += [role for r in self.venue.requests_to(*self.routes[role]) if wanted is None or wanted(r)]
        return found

    @pytest.mark.no_connector
    async def test_paper_taker_order_walks_the_shown_levels(self) -> None:
        conn = self.make_paper_connector()
        try:
            await conn.start()
            await conn.wait_ready(timeout=10)
            book = conn.get_order_book(self.trading_pair)
            shown = [(level.price, level.size) for level in book.asks(3)]
            assert len(shown) >= 2, f"the book shows too few asks to walk: {shown}"
            rule = conn.trading_rules[self.trading_pair]
            # All of the best level and part of the next: an amount on the venue's step.
            amount = rule.quantize_amount(shown[0][1] + shown[1][1] / 2)
            filled: list[Any] = []
            conn.add_listener(EventType.ORDER_FILLED, filled.append)
            order = await conn.place_order(self.trading_pair, TradeType.BUY, amount, OrderType.LIMIT, shown[2][0])
            assert order.state is OrderState.FILLED, order.state
            fills = sorted((f.fill_price, f.fill_base_amount) for f in order.fills.values())
            assert fills == [shown[0], (shown[1][0], amount - shown[0][1])], (fills, shown)
            assert len(filled) == 2
            # Nothing above the limit and nothing the book did not show: every fill is a shown level's price.
            assert {price for price, _ in fills} <= {price for price, _ in shown}
            spent = sum((price * size for price, size in fills), Decimal(0))
            if not conn.spec.is_perpetual:
                assert conn.get_balance(self.quote) == PAPER_QUOTE - spent
            else:
                assert isinstance(conn, PerpetualDerivativeBase)
                position = conn.get_position(self.trading_pair)
                assert position is not None and position.amount == amount
            assert not self.private_requests(), f"paper trading reached the venue: {self.private_requests()}"
        finally:
            await conn.stop()
