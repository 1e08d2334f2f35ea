"""The shared spot conformance suite, run against the Bitrue connector over a loopback venue.

Bitrue's depth stream sends whole books, never diffs: the mock answers a subscription with the book
and pushes each of the suite's diffs as the whole book after it, stamped with the diff's last id as
its ``ts``. Scenarios that need a sequence gap have no Bitrue equivalent and are replaced below.
"""

from __future__ import annotations

import gzip
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson
import pytest

from clobconn.core.data_types import OrderState, OrderType, TimeInForce, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported
from clobconn.core.events import EventType
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bitrue"
LISTEN_KEY_PATH = "/poseidon/api/v1/listenKey"
# The order event's numeric state (X) and event (x), and side (S): docs "order status", "order event".
WS_STATES = {OrderState.OPEN: 1, OrderState.FILLED: 2, OrderState.PARTIALLY_FILLED: 3, OrderState.CANCELED: 4}
WS_EVENTS = {OrderState.OPEN: 1, OrderState.CANCELED: 2, OrderState.PARTIALLY_FILLED: 3, OrderState.FILLED: 3}
WS_SIDES = {"BUY": 1, "SELL": 2}


def _finite(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def whole_book_after(book: list[tuple[str, str]], levels: list[tuple[Any, Any]]) -> list[list[Any]]:
    """One side of the book after ``levels`` (size "0" deletes); a level no book may hold is kept as
    sent, so the venue's whole book carries the bad value the scenario is about."""
    side = {Decimal(price): [price, size] for price, size in book}
    bad: list[list[Any]] = []
    for price, size in levels:
        number, amount = _finite(price), _finite(size)
        if number is None or amount is None or number <= 0 or amount < 0:
            bad.append([price, size])
        elif amount == 0:
            side.pop(number, None)
        else:
            side[number] = [price, size]
    return [*side.values(), *bad]


class TestBitrueConformance(SpotConformanceSuite):
    connector_id = "bitrue"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book comes on the stream (see ws_reply). No cancel-all: Bitrue has none.
    routes = {
        "server_time": ("GET", "/api/v1/time"),
        "trading_rules": ("GET", "/api/v1/exchangeInfo"),
        "balances": ("GET", "/api/v1/account"),
        "place_order": ("POST", "/api/v1/order"),
        "cancel_order": ("DELETE", "/api/v1/order"),
        "order_status": ("GET", "/api/v1/order"),
        "order_fills": ("GET", "/api/v2/myTrades"),
        "open_orders": ("GET", "/api/v1/openOrders"),
        "order_history": ("GET", "/api/v1/allOrders"),
    }
    public_ws_path = "/market/ws"
    user_ws_path = "/stream"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("9000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.0001"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {
        "BTC": (Decimal("4723846.89208129"), Decimal("4723846.89208129")),
        "USDT": (Decimal("4763370.18006011"), Decimal("4763368.68006011")),
    }
    venue_states = {OrderState.OPEN: "NEW", OrderState.PARTIALLY_FILLED: "PARTIALLY_FILLED",
                    OrderState.FILLED: "FILLED", OrderState.CANCELED: "CANCELED"}
    rejected_error = InsufficientFunds
    # Every order event with a partial or filled state is a fill event (x 3) carrying its trade.
    stream_order_updates = False

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        params = request.params
        return {"price": params.get("price"), "amount": params.get("quantity"),
                "client_order_id": params.get("newClientOrderId")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        state = variables["state"]
        variables["ws_state"] = WS_STATES.get(state, 1)
        variables["ws_event"] = WS_EVENTS.get(state, 1)
        variables["ws_side"] = WS_SIDES[variables["side"]]
        variables["asset_lower"] = str(variables["asset"]).lower()
        variables.setdefault("cb_id", str(variables["symbol"]).lower())
        return variables

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", LISTEN_KEY_PATH, lambda _: self.reply("listen_key"))

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused API key gets none.
        self.venue.route("POST", LISTEN_KEY_PATH, self.reply("auth_error"))

    def book_side(self, is_bid: bool) -> list[tuple[str, str]]:
        book = self.conn.get_order_book(self.trading_pair)
        return [(str(level.price), str(level.size)) for level in (book.bids() if is_bid else book.asks())]

    async def push_diff(self, bids: list[tuple[str, str]], asks: list[tuple[str, str]], first_id: int,
                        last_id: int, prev_id: int, **extra: Any) -> None:
        await self.push_public("diff", bids=whole_book_after(self.book_side(True), bids),
                               asks=whole_book_after(self.book_side(False), asks), update_id=last_id)

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict) or message.get("event") != "sub":
            return []
        params = message["params"]
        ack = {**params, "event_rep": "subed", "status": "ok", "ts": 1663815268584}
        if path != self.public_ws_path:
            return [ack]
        # The venue answers a subscription, then pushes the whole book.
        return [ack, self.fixtures.payload("snapshot", self.vars(cb_id=params["cb_id"]))]

    # == what a snapshot-only venue has instead of the gap scenarios ===============================

    async def test_book_gap_triggers_resync(self) -> None:
        pytest.skip("Bitrue sends whole books: there is no sequence, so no gap (see test_bitrue_specific)")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        pytest.skip("Bitrue sends whole books: there is no sequence, so no gap")

    async def test_public_trade_sets_last_price(self) -> None:
        pytest.skip("Bitrue documents no public trade stream")

    async def test_post_only_with_ioc_refused(self) -> None:
        # Bitrue has no post-only order at all: LIMIT_MAKER is refused whatever its time in force.
        with pytest.raises(NotSupported, match="LIMIT_MAKER is not supported by bitrue"):
            self.conn.buy(self.trading_pair, self.order_amount, OrderType.LIMIT_MAKER, self.order_price,
                          time_in_force=TimeInForce.IOC)
        assert not self.placements()

    async def test_cancel_all(self) -> None:
        # No cancel-all endpoint: the core cancels each open order by itself.
        client_id = await self.open_order()
        cancelled = {**self.order_vars(client_id), "state": OrderState.CANCELED}
        self.serve("cancel_order", self.reply("cancel_order", cancelled))
        results = await self.conn.cancel_all(timeout=5)
        assert [(r.client_order_id, r.success) for r in results] == [(client_id, True)]
        assert not self.conn.in_flight_orders
        assert len(self.venue.requests_to(*self.routes["cancel_order"])) == 1

    # == what only this venue's protocol adds =====================================================

    async def test_each_push_replaces_the_whole_book(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        await self.push_public("diff", bids=[["98.00", "1"]], asks=[["102.00", "2"]], update_id=last + 10)
        await eventually(lambda: book.best_bid == Decimal("98.00"), what="the new book")
        self.assert_book([("98.00", "1")], [("102.00", "2")])
        # An older book arriving late is stale: it changes nothing. The socket is read in order, so
        # once the venue has the pong to the ping sent after it, the stale book has been handled.
        await self.push_public("diff", bids=[["97.00", "1"]], asks=[["103.00", "1"]], update_id=last + 5)
        await self.venue.push(self.public_ws_path, {"ping": "after-the-stale-book"})
        await self.venue.wait_for_ws_message(self.public_ws_path, lambda m: m == {"pong": "after-the-stale-book"})
        self.assert_book([("98.00", "1")], [("102.00", "2")])
        assert book.is_synced and book.last_update_id == last + 10

    async def test_gzip_frames_are_decompressed(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        payload = self.fixtures.payload("diff", self.vars(bids=[["98.00", "1"]], asks=[["102.00", "2"]],
                                                          update_id=book.last_update_id + 10))
        assert await self.venue.push(self.public_ws_path, gzip.compress(orjson.dumps(payload)))
        await eventually(lambda: book.best_bid == Decimal("98.00"), what="the gzip book")

    async def test_private_stream_opens_with_a_listen_key_from_its_own_host_and_subscribes(self) -> None:
        key = self.fixtures.payload("listen_key")["data"]["listenKey"]
        endpoint = self.venue.endpoint(self.user_ws_path)
        assert endpoint.connect_paths[0].endswith(f"?listenKey={key}")
        created = self.venue.requests_to("POST", LISTEN_KEY_PATH)
        assert created and created[0].headers["X-MBX-APIKEY"] == "conformance-api-key-0f9d8c7b6a5e4d3c2b1a"
        assert "signature" not in created[0].params
        assert endpoint.sessions[0][:2] == [{"event": "sub", "params": {"channel": "user_order_update"}},
                                            {"event": "sub", "params": {"channel": "user_balance_update"}}]

    async def test_market_ping_is_answered_with_its_pong(self) -> None:
        received = len(self.venue.endpoint(self.public_ws_path).received)
        await self.venue.push(self.public_ws_path, {"ping": "1663815268584"})
        pong = await self.venue.wait_for_ws_message(self.public_ws_path, lambda m: "pong" in m,
                                                    count=1)
        assert pong[-1] == {"pong": "1663815268584"}
        assert len(self.venue.endpoint(self.public_ws_path).received) == received + 1

    async def test_fill_on_the_stream_reads_the_numeric_state_and_lowercase_fee_asset(self) -> None:
        client_id = await self.open_order(trade_type=TradeType.SELL)
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.FILLED, side="SELL",
                                                             cum_amount=self.order_amount, fee_asset="usdt"))
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="ORDER_COMPLETED")
        fill = self.events(EventType.ORDER_FILLED)[0].trade
        assert fill.fee.flat_fees[0].token == "USDT"
