"""The shared spot conformance suite, run against the Tegro connector over a loopback venue.

The mock plays Tegro's two-step placement (see conformance_hooks.py). The event socket reports an
order's filled amount, never a fill: each "user_fill" pushed here also puts that fill in
orders/trades/{order_id}, where the venue has it and the connector fetches it.
"""

from __future__ import annotations

import pytest

from clobconn.core.data_types import OrderType, TimeInForce
from clobconn.core.errors import NotSupported
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import SECRETS, SpotConformanceSuite
from tests.exchange.tegro.conformance_hooks import ADDRESS, PRIVATE_KEY, TegroLoopback


class TestTegroConformance(TegroLoopback, SpotConformanceSuite):
    # == Tegro's one secret is the wallet's private key; no login: the channel is the wallet's address ======

    def secret_values(self) -> tuple[str, ...]:
        return (*SECRETS, PRIVATE_KEY, PRIVATE_KEY[2:])

    def credentials_used(self, ws_path: str | None = None) -> bool:
        if ws_path is not None:
            return {"action": "subscribe", "channelId": ADDRESS} in self.venue.endpoint(ws_path).sessions[-1]
        # The order went out signed (test_tegro_specific recovers the wallet from such a signature).
        placed = self.placements()
        return bool(placed) and str(placed[-1].json.get("signature", "")).startswith("0x")

    # == what the suite cannot ask of this venue ==================================================

    async def test_balance_update_via_user_stream(self) -> None:
        pytest.skip("Tegro's event socket carries no balances: they are polled from the portfolio")

    @pytest.mark.parametrize("total", ["NaN"])
    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self, total: str) -> None:
        pytest.skip("Tegro's event socket carries no balances: they are polled from the portfolio")

    NO_GAPS = ("Tegro's diffs carry only the venue's time in seconds, which several diffs share: no id can show a "
               "gap (SequenceRule.MONOTONIC), so nothing a gap would resync can be arranged; a reconnect resyncs "
               "(test_tegro_specific)")

    async def test_book_gap_triggers_resync(self) -> None:
        pytest.skip(self.NO_GAPS)

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        pytest.skip(self.NO_GAPS)

    async def test_diffs_during_snapshot_are_buffered_and_replayed(self) -> None:
        pytest.skip(self.NO_GAPS)

    async def test_a_snapshot_with_a_null_size_is_skipped_whole(self) -> None:
        pytest.skip(self.NO_GAPS)

    async def test_a_far_future_diff_during_a_snapshot_does_not_poison_the_resync(self) -> None:
        pytest.skip(self.NO_GAPS + "; and a far-future time is just a later diff")

    async def test_place_market_order(self) -> None:
        pytest.skip("Tegro builds limit orders only: the signed Order always carries a price")

    async def test_post_only_with_ioc_refused(self) -> None:
        # Tegro has no post-only flag: LIMIT_MAKER is refused whatever its time in force.
        with pytest.raises(NotSupported, match="LIMIT_MAKER is not supported by tegro"):
            self.conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT_MAKER, self.order_price,
                          time_in_force=TimeInForce.IOC)
        assert not self.placements()

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # Tegro has no client order id: an order whose placement answer was lost is found among the wallet's
        # orders of the market by the hash of the Order it signed, which it learnt before sending.
        def recent_orders(_: RecordedRequest) -> MockResponse:
            (client_id,) = self.conn.in_flight_orders
            return self.reply("order_history", {"client_order_id": client_id})

        self.serve("order_history", recent_orders)
        await super().test_placement_timeout_is_outcome_unknown_and_reconciled()
