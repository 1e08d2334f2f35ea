"""The shared spot conformance suite, run against the Coinbase Advanced Trade connector over a loopback venue.

The mock plays Coinbase: the market socket (/market) answers a level2 subscription with the book's
snapshot, numbered like every frame of that socket (sequence_num); the user socket (/user) checks the
subscription's JWT against the public half of a key made for the test and numbers its frames from 0 on
each connection. The user channel reports an order's cumulative amount, never a fill: each "user_fill"
pushed here also puts that fill in orders/historical/fills, where the venue has it, and the connector
fetches it from there.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from clobconn.core.data_types import OrderState, OrderType, TimeInForce, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported, OrderNotFound
from clobconn.core.events import EventType
from clobconn.core.orders.lifecycle import BatchOrder
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import API_KEY, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "coinbase_advanced_trade"
BROKERAGE = "/api/v3/brokerage"
KEY = ec.generate_private_key(ec.SECP256R1())
# The form the CDP portal hands out: a SEC1 PEM block, here pasted on one line with \n escapes.
KEY_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
KEY_ONE_LINE = KEY_PEM.strip().replace("\n", "\\n")


def claims_of(token: str) -> dict[str, Any]:
    """The token's claims, once its ES256 signature checks against the key's public half."""
    decoded: dict[str, Any] = jwt.decode(token, KEY.public_key(), algorithms=["ES256"], options={"verify_aud": False})
    return decoded


def listing_with_status(request: RecordedRequest) -> bool:
    return request.query.get("order_status") == "OPEN"


class TestCoinbaseConformance(SpotConformanceSuite):
    connector_id = "coinbase_advanced_trade"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USD"
    second_trading_pair = "ETH-USD"
    # No "snapshot" route: the book comes on the stream when level2 is subscribed (see ws_reply).
    routes = {
        "server_time": ("GET", f"{BROKERAGE}/time"),
        "trading_rules": ("GET", f"{BROKERAGE}/market/products"),
        "balances": ("GET", f"{BROKERAGE}/accounts"),
        "place_order": ("POST", f"{BROKERAGE}/orders"),
        "cancel_order": ("POST", f"{BROKERAGE}/orders/batch_cancel"),
        # Coinbase has no cancel-all: the core cancels each order through batch_cancel.
        "cancel_all": ("POST", f"{BROKERAGE}/orders/batch_cancel"),
        "order_status": ("GET", BROKERAGE + "/orders/historical/{order_id:\\d+}"),
        "order_fills": ("GET", f"{BROKERAGE}/orders/historical/fills"),
        "open_orders": ("GET", f"{BROKERAGE}/orders/historical/batch"),
        "order_history": ("GET", f"{BROKERAGE}/orders/historical/batch"),
    }
    route_filters = {"open_orders": listing_with_status,
                     "order_history": lambda request: not listing_with_status(request)}
    public_ws_path = "/market"
    user_ws_path = "/user"
    venue_states = {OrderState.OPEN: "OPEN", OrderState.PARTIALLY_FILLED: "OPEN", OrderState.FILLED: "FILLED",
                    OrderState.CANCELED: "CANCELLED"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.000001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("1000000"),
    }
    expected_balances = {"BTC": (Decimal("0.75"), Decimal("0.5")), "USD": (Decimal("1000.5"), Decimal("900.25"))}
    user_sequence = 0

    @pytest.fixture(autouse=True)
    def _venue_fills(self) -> None:
        # exchange order id -> trade id -> the fills listing's row
        self.venue_fills: dict[str, dict[str, Any]] = {}

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config()
        config.update(api_secret=KEY_ONE_LINE, ws_url=f"{self.venue.ws_url}/market",
                      private_ws_url=f"{self.venue.ws_url}/user")
        config.update(overrides)
        return config

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # level2 carries both sides in one "updates" list, each level naming its side.
        variables["updates"] = [
            {"side": side, "event_time": "2023-02-09T20:32:50.714964855Z", "price_level": price, "new_quantity": size}
            for side, levels in (("bid", variables["bids"]), ("offer", variables["asks"])) for price, size in levels]
        return variables

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        (config,) = body["order_configuration"].values()
        return {"price": config.get("limit_price"), "amount": config.get("base_size") or config.get("quote_size"),
                "client_order_id": body["client_order_id"]}

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict) or message.get("type") != "subscribe":
            return []
        if path == self.public_ws_path and message.get("channel") == "level2":
            return [self.fixtures.payload("snapshot", self.vars(symbol=product)) for product in message["product_ids"]]
        if path == self.user_ws_path and message.get("channel") == "user":
            try:
                claims = claims_of(message["jwt"])
            except jwt.PyJWTError:
                return [{"type": "error", "message": "authentication failure"}]
            assert claims["sub"] == API_KEY and claims["iss"] == "cdp" and "uri" not in claims
            self.user_sequence = 0
            return [{"channel": "subscriptions", "client_id": "", "timestamp": "2023-02-09T20:33:57.609931463Z",
                     "sequence_num": 0, "events": [{"subscriptions": {"user": ["user"]}}]}]
        return []

    def refuse_user_login(self) -> None:
        self.venue.on_ws_message(self.user_ws_path, lambda m: [{"type": "error", "message": "authentication failure"}]
                                 if isinstance(m, dict) and m.get("channel") == "user" else [])

    async def push_user(self, fixture: str, **variables: Any) -> None:
        frame = self.fixtures.payload(fixture, self.vars(**variables))
        self.user_sequence += 1
        frame["sequence_num"] = self.user_sequence
        if fixture == "user_fill":
            # The fill the update reports is in the venue's fills listing, with the order's earlier ones,
            # where the connector reads it.
            row = self.fixtures.payload("order_fills", self.vars(**variables))["fills"][0]
            self.venue_fills.setdefault(row["order_id"], {})[row["trade_id"]] = row
            self.serve("order_fills", lambda request: MockResponse(
                {"fills": list(self.venue_fills.get(request.query.get("order_ids", ""), {}).values()), "cursor": ""}))
        assert await self.venue.push(self.user_ws_path, frame), "no user stream connection to push to"

    # == what the suite cannot ask of this venue ==================================================

    async def test_balance_update_via_user_stream(self) -> None:
        pytest.skip("Coinbase's user channel carries no balances: they are polled from accounts")

    @pytest.mark.parametrize("total", ["NaN"])
    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self, total: str) -> None:
        pytest.skip("Coinbase's user channel carries no balances: they are polled from accounts")

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # The venue has no order query by client order id: an order whose placement answer was lost is
        # found among the pair's recent orders (orders/historical/batch), which list it once it exists.
        def recent_orders(_: RecordedRequest) -> MockResponse:
            (client_id,) = self.conn.in_flight_orders
            return self.reply("order_history", {"client_order_id": client_id})

        self.serve("order_history", recent_orders)
        await super().test_placement_timeout_is_outcome_unknown_and_reconciled()
        assert "start_date" in self.venue.requests_to(*self.routes["order_history"])[-1].query

    # The suite's secrecy checks with this venue's secret (a private key: its PEM body and the one-line form
    # it is pasted in), and the key name found where it goes: inside a signed JWT rather than in clear.
    def secret_values(self) -> tuple[str, ...]:
        return (*super().secret_values(), KEY_ONE_LINE, KEY_PEM.splitlines()[1])

    def credentials_used(self, ws_path: str | None = None) -> bool:
        if ws_path is not None:
            sessions = self.venue.endpoint(ws_path).sessions
            subscribe = sessions[-1][0] if sessions and sessions[-1] else {}
            return subscribe.get("channel") == "user" and claims_of(subscribe["jwt"])["sub"] == API_KEY
        tokens = [r.headers["Authorization"].removeprefix("Bearer ") for r in self.venue.requests
                  if "Authorization" in r.headers]
        return any(claims_of(token)["sub"] == API_KEY for token in tokens)

    # == what only this venue's protocol adds =====================================================

    async def test_every_rest_call_carries_a_fresh_jwt_naming_its_method_host_and_path(self) -> None:
        await self.open_order()
        await self.conn._update_balances()
        place, accounts = self.placements()[-1], self.venue.requests_to(*self.routes["balances"])[-1]
        host = self.venue.http_url.removeprefix("http://")
        place_claims = claims_of(place.headers["Authorization"].removeprefix("Bearer "))
        accounts_claims = claims_of(accounts.headers["Authorization"].removeprefix("Bearer "))
        assert place_claims["uri"] == f"POST {host}{BROKERAGE}/orders"
        # The query (limit=250) is not part of the uri.
        assert accounts_claims["uri"] == f"GET {host}{BROKERAGE}/accounts" and accounts.query["limit"] == "250"
        assert place_claims["exp"] - place_claims["nbf"] == 120

    async def test_orders_carry_the_configuration_of_their_type(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "901", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal(0), OrderType.MARKET,
                                    quote_amount=Decimal("25"))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                    self.order_price, time_in_force=TimeInForce.IOC)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                    self.order_price, time_in_force=TimeInForce.FOK)
        configs = [request.json["order_configuration"] for request in self.placements()[-5:]]
        # Sizes and prices go as quantized to the product's increments (0.000001 and 0.01).
        limit = {"base_size": "0.500000", "limit_price": "99.00"}
        assert configs == [{"market_market_ioc": {"quote_size": "25"}},
                           {"market_market_ioc": {"base_size": "0.500000"}},
                           {"limit_limit_gtc": {**limit, "post_only": True}}, {"sor_limit_ioc": limit},
                           {"limit_limit_fok": limit}]
        assert [request.json["side"] for request in self.placements()[-5:]] == ["BUY", "SELL", "BUY", "BUY", "BUY"]

    async def test_amend_edits_the_gtc_order_in_place(self) -> None:
        client_id = await self.open_order()
        self.venue.route("POST", f"{BROKERAGE}/orders/edit", MockResponse({"success": True, "errors": []}))
        order = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.5"), amount=Decimal("0.4"))
        (edit,) = self.venue.requests_to("POST", f"{BROKERAGE}/orders/edit")
        assert edit.json == {"order_id": order.exchange_order_id, "price": "98.50", "size": "0.400000"}
        assert order.client_order_id == client_id and order.price == Decimal("98.5")

    async def test_a_refused_edit_is_a_typed_error_and_leaves_the_order(self) -> None:
        client_id = await self.open_order()
        self.venue.route("POST", f"{BROKERAGE}/orders/edit", MockResponse(
            {"success": False, "errors": [{"edit_failure_reason": "ORDER_NOT_FOUND",
                                           "preview_failure_reason": "UNKNOWN_PREVIEW_FAILURE_REASON"}]}))
        with pytest.raises(OrderNotFound):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.5"))
        assert self.conn.in_flight_orders[client_id].price == self.order_price

    async def test_no_native_batch_placement_orders_go_one_by_one(self) -> None:
        with pytest.raises(NotSupported, match="coinbase_advanced_trade"):
            await self.conn._place_orders_batch([])
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "902", None)))
        before = len(self.placements())
        orders: list[BatchOrder] = [
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.SELL, self.trading_pair, self.order_amount, OrderType.LIMIT, Decimal("120"))]
        placed = await self.conn.place_orders(orders)
        assert all(not isinstance(result, Exception) for result in placed)
        assert len(self.placements()) == before + 2

    async def test_a_partial_fill_reported_by_the_user_channel_is_fetched_at_once(self) -> None:
        client_id = await self.open_order()
        fills = len(self.venue.requests_to(*self.routes["order_fills"]))
        half = self.order_amount / 2
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED,
                                                             fill_amount=half, cum_amount=half, trade_id="91"))
        await eventually(lambda: bool(self.events(EventType.ORDER_FILLED)), timeout=0.9, what="the fill, fetched")
        (request,) = self.venue.requests_to(*self.routes["order_fills"])[fills:]
        assert request.query["order_ids"] == self.conn.in_flight_orders[client_id].exchange_order_id

    async def test_a_gap_in_the_user_sockets_numbering_reconnects_it(self) -> None:
        self.user_sequence += 5
        await self.push_user("user_order", client_order_id="x", exchange_order_id="1")
        await self.venue.wait_for_connections(self.user_ws_path, count=2)

    # == sequence_num: one numbering per socket ===================================================

    def book_socket_sequence(self) -> int:
        (socket,) = self.conn.order_book_tracker.pools["public"]
        assert socket.last_sequence is not None
        return socket.last_sequence

    async def push_heartbeat(self, sequence_num: int) -> None:
        # https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/heartbeats
        await self.venue.push(self.public_ws_path, {
            "channel": "heartbeats", "client_id": "", "timestamp": "2023-06-23T20:31:56.121961769Z",
            "sequence_num": sequence_num, "events": [{"current_time": "2023-06-23 20:31:56.121961769 +0000 UTC",
                                                      "heartbeat_counter": 3049}]})

    async def test_other_channels_take_numbers_between_a_books_messages_without_a_gap(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        last = self.book_socket_sequence()
        await self.push_heartbeat(last + 1)
        await self.push_public("trade", last_id=last + 2)
        await self.push_diff([("100.25", "0.5")], [], last + 3, last + 3, last + 2)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="the diff applied")
        assert self.conn.order_book_tracker.connection_gaps == 0 and self.conn.order_book_tracker.resyncs == 0
        assert book.last_update_id == last + 3

    async def test_a_number_missed_on_any_channel_resyncs_every_book_of_the_socket(self) -> None:
        await self.conn.add_trading_pair(self.second_trading_pair or "")
        btc, eth = self.conn.get_order_book("BTC-USD"), self.conn.get_order_book("ETH-USD")
        await eventually(lambda: btc.is_synced and eth.is_synced, what="both books synced")
        received = len(self.venue.endpoint(self.public_ws_path).received)
        # A heartbeat two above the last number: one frame, of whatever channel or book, was lost.
        await self.push_heartbeat(self.book_socket_sequence() + 2)
        await eventually(lambda: self.conn.order_book_tracker.resyncs == 2, what="both books resynced")
        assert self.conn.order_book_tracker.connection_gaps == 1
        await eventually(lambda: len(self.venue.endpoint(self.public_ws_path).received) >= received + 8,
                         what="both resubscriptions (level2 and market_trades each)")
        sent = self.venue.endpoint(self.public_ws_path).received[received:]
        level2 = [(frame["type"], frame["product_ids"]) for frame in sent if frame["channel"] == "level2"]
        assert sorted(level2) == [("subscribe", ["BTC-USD"]), ("subscribe", ["ETH-USD"]),
                                  ("unsubscribe", ["BTC-USD"]), ("unsubscribe", ["ETH-USD"])]
        await eventually(lambda: btc.is_synced and eth.is_synced, what="both books rebuilt from fresh snapshots")
        assert [e.reason for e in self.events(EventType.BOOK_SYNC_LOST)] == ["gap", "gap"]

    async def test_diffs_buffered_before_the_resubscribed_snapshot_are_dropped(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        self.venue.on_ws_message(self.public_ws_path, lambda _: [])  # the resubscribe goes unanswered for now
        last = self.book_socket_sequence()
        await self.push_diff([("98.00", "7")], [], last + 5, last + 5, last + 4)  # gap: resync
        await eventually(lambda: not book.is_synced, what="the book given up")
        await self.push_diff([("97.00", "7")], [], last + 6, last + 6, last + 5)  # older than the coming snapshot
        await self.venue.push(self.public_ws_path, self.fixtures.payload("snapshot", self.vars(update_id=last + 7)))
        await eventually(lambda: book.is_synced, what="synced on the snapshot")
        self.assert_book(list(self.snapshot_bids), list(self.snapshot_asks))

    # == USD/USDC aliases =========================================================================

    async def test_a_usdc_pair_trades_as_itself_but_its_book_is_the_usd_feed(self) -> None:
        assert self.conn.symbols["BTC-USDC"] == "BTC-USDC"
        assert self.conn.feed_product("BTC-USDC") == "BTC-USD"  # type: ignore[attr-defined]
        received = len(self.venue.endpoint(self.public_ws_path).received)
        await self.conn.add_trading_pair("BTC-USDC")
        usdc = self.conn.get_order_book("BTC-USDC")
        await eventually(lambda: usdc.is_synced, what="the BTC-USDC book, from the BTC-USD snapshot")
        sent = self.venue.endpoint(self.public_ws_path).received[received:]
        assert {tuple(frame["product_ids"]) for frame in sent} == {("BTC-USD",)}
        # Every BTC-USD message is the BTC-USDC book's too.
        last = self.book_socket_sequence()
        await self.push_diff([("100.25", "0.5")], [], last + 1, last + 1, last)
        await eventually(lambda: usdc.best_bid == Decimal("100.25"), what="the diff in the BTC-USDC book")
        assert self.conn.get_order_book("BTC-USD").best_bid == Decimal("100.25")
        # Orders name the USDC product itself.
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "903", None)))
        order = await self.conn.place_order("BTC-USDC", TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                            self.order_price)
        assert self.placements()[-1].json["product_id"] == "BTC-USDC"
        # A user-channel update that names the order under BTC-USD still reaches the BTC-USDC order.
        await self.push_user("user_order", symbol="BTC-USD", client_order_id=order.client_order_id,
                             exchange_order_id="903", state=OrderState.CANCELED)
        await eventually(lambda: order.state is OrderState.CANCELED, what="the update on the USDC order")
        assert [e.trading_pair for e in self.events(EventType.ORDER_CANCELLED)] == ["BTC-USDC"]

    async def test_the_user_channels_first_message_read_at_login_is_not_lost(self) -> None:
        client_id = await self.open_order()
        cancelled = self.order_vars(client_id, state=OrderState.CANCELED)

        def snapshot_first(message: Any) -> list[Any]:
            if isinstance(message, dict) and message.get("channel") == "user":
                self.user_sequence = 0
                return [self.fixtures.payload("user_order", self.vars(**cancelled))]  # numbered 0
            return []

        self.venue.on_ws_message(self.user_ws_path, snapshot_first)
        await self.venue.drop(self.user_ws_path)
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        await eventually(lambda: self.conn._user_stream_live, what="the user stream back")
        await self.push_user("user_order", client_order_id="another", exchange_order_id="1")  # numbered 1
        await eventually(lambda: bool(self.events(EventType.ORDER_CANCELLED)), what="the snapshot's update")
