"""The shared spot conformance suite, run against the BTC Markets connector over a loopback venue.

The mock plays BTC Markets: one socket URL for public and private data (served apart here under
``/private``), a book snapshot on the stream for each market a ``subscribe`` or ``addSubscription``
names, a ``heartbeat`` confirming a subscription, the private subscription's signature checked, and
every pushed delta stamped with the checksum of the book after it, computed here from the guide
(https://github.com/ngin-io/websocket-checksum), independently of the connector.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, OrderOutcomeUnknown
from clobconn.core.events import EventType
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import API_KEY, SpotConformanceSuite, eventually
from clobconn.testing.venue_book import VenueLevels, apply_levels, book_levels

FIXTURES = Path(__file__).parents[2] / "fixtures" / "btc_markets"
# The venue issues secrets base64-encoded; this one decodes to 32 bytes.
SECRET = base64.b64encode(b"conformance-btcm-secret-NEVERLOG").decode()
Levels = VenueLevels


def digits(value: str) -> str:
    return value.replace(".", "").lstrip("0")


def venue_checksum(bids: Levels, asks: Levels) -> int:
    """The guide's rule: best 10 bids then best 10 asks, price and volume digits, CRC32 in decimal."""
    top = [bids[p] for p in sorted(bids, reverse=True)[:10]] + [asks[p] for p in sorted(asks)[:10]]
    return zlib.crc32("".join(digits(p) + digits(s) for p, s in top).encode())


def subscription_signature(timestamp: str) -> str:
    message = f"/users/self/subscribe\n{timestamp}".encode()
    return base64.b64encode(hmac.new(base64.b64decode(SECRET), message, hashlib.sha512).digest()).decode()


class TestBtcMarketsConformance(SpotConformanceSuite):
    connector_id = "btc_markets"
    fixture_dir = FIXTURES
    trading_pair = "BTC-AUD"
    second_trading_pair = "ETH-AUD"
    # No "snapshot" route: the book snapshot comes on the stream (see ws_reply).
    routes = {
        "server_time": ("GET", "/v3/time"),
        "trading_rules": ("GET", "/v3/markets"),
        "balances": ("GET", "/v3/accounts/me/balances"),
        "place_order": ("POST", "/v3/orders"),
        "cancel_order": ("DELETE", "/v3/orders/{id}"),
        "order_status": ("GET", "/v3/orders/{id}"),
        "order_fills": ("GET", "/v3/trades"),
        "cancel_all": ("DELETE", "/v3/orders"),
        # One path lists both, told apart by the status parameter.
        "open_orders": ("GET", "/v3/orders"),
        "order_history": ("GET", "/v3/orders"),
    }
    route_filters = {
        "open_orders": lambda request: request.query.get("status") == "open",
        "order_history": lambda request: request.query.get("status") == "all",
    }
    public_ws_path = "/v2"
    user_ws_path = "/private/v2"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00000001"),
        "min_notional": Decimal("0"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "AUD": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "Placed", OrderState.PARTIALLY_FILLED: "Partially Matched",
                    OrderState.FILLED: "Fully Matched", OrderState.CANCELED: "Cancelled"}
    venue_sides = {TradeType.BUY: "Bid", TradeType.SELL: "Ask"}
    rejected_error = InsufficientFunds
    exchange_order_id = "5012345678"

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config(private_ws_url=f"{self.venue.ws_url}/private")
        if config["api_secret"] is not None:
            config["api_secret"] = SECRET
        return config | overrides

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("amount"), "client_order_id": body.get("clientOrderId")}

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        # [price, volume, number of orders]; a deletion has volume "0" and no orders.
        return [[price, size, 0 if size is not None and Decimal(size) == 0 else 1] for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables["timestamp_iso"] = datetime.fromtimestamp(variables["timestamp_ms"] / 1000, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        variables["open_amount"] = Decimal(str(variables["amount"])) - Decimal(str(variables["cum_amount"]))
        # A delta's checksum is over the book after it; a scenario that passes its own (wrong) one keeps it.
        if "checksum" not in variables:
            bids, asks = book_levels(getattr(self, "conn", None), self.trading_pair)
            try:
                apply_levels(bids, variables["bids"])
                apply_levels(asks, variables["asks"])
            except (TypeError, ArithmeticError):
                pass  # a scenario's deliberately unreadable level: the connector must skip the frame anyway
            variables["checksum"] = venue_checksum(bids, asks)
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        kind, channels = message.get("messageType"), message.get("channels", [])
        heartbeat = {"messageType": "heartbeat", "channels": [{"name": name} for name in channels]}
        if path == self.user_ws_path:
            if kind == "subscribe" and message.get("key") == API_KEY and \
                    message.get("signature") == subscription_signature(str(message.get("timestamp"))):
                return [heartbeat]
            return [{"messageType": "error", "code": 1, "message": "authentication failed. invalid key"}]
        if kind in ("subscribe", "addSubscription") and "orderbookUpdate" in channels:
            snapshots = [self.fixtures.payload("snapshot", self.vars(symbol=market)) for market in message["marketIds"]]
            return [*snapshots, heartbeat]
        return []

    def refuse_user_login(self) -> None:
        self.venue.on_ws_message(self.user_ws_path, lambda m: [
            {"messageType": "error", "code": 1, "message": "authentication failed. invalid key"}])

    # == where the venue differs from the suite's model ===========================================

    async def test_book_gap_triggers_resync(self) -> None:
        pytest.skip("BTC Markets' snapshotId is its clock in microseconds, not a sequence: an id jump is no gap. "
                    "A missed delta shows as a checksum mismatch (test_a_missed_delta_is_caught_by_the_checksum...)")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        pytest.skip("BTC Markets' ids cannot show a gap (see test_book_gap_triggers_resync); a checksum mismatch "
                    "reports the book lost and synced again (test_a_missed_delta_is_caught_by_the_checksum...)")

    async def test_balance_update_via_user_stream(self) -> None:
        pytest.skip("BTC Markets streams no balances: fundChange names a deposit or withdrawal, not the balance after")

    async def test_a_bad_balance_is_skipped_and_the_next_one_lands(self) -> None:  # type: ignore[override]
        pytest.skip("BTC Markets streams no balances (see test_balance_update_via_user_stream)")

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # Before its ack BTC Markets finds an order by client order id only in the pair's listing
        # (GET /v3/orders?status=all), not at GET /v3/orders/{id}: the order the suite serves as its
        # status is what that listing holds.
        self.status_also_listed = True
        await super().test_placement_timeout_is_outcome_unknown_and_reconciled()
        assert self.venue.requests_to(*self.routes["order_history"]) and \
            not self.venue.requests_to(*self.routes["order_status"])

    status_also_listed = False

    def serve(self, role: str, *responses: MockResponse | Any) -> None:
        super().serve(role, *responses)
        if role == "order_status" and self.status_also_listed:
            super().serve("order_history", *(MockResponse([r.body]) for r in responses if isinstance(r, MockResponse)))

    # == what only this venue's protocol adds =====================================================

    async def test_a_missed_delta_is_caught_by_the_checksum_and_the_market_resubscribed(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        mark = len(self.venue.endpoint(self.public_ws_path).received)
        bids, asks = book_levels(getattr(self, "conn", None), self.trading_pair)
        # The venue's book also changed at 99.75, in a delta that never arrived: its checksum covers it.
        apply_levels(bids, [["99.75", "4", 1], ["100.10", "1", 1]])
        await self.push_diff([("100.10", "1")], [], book.last_update_id + 70_000, book.last_update_id + 70_000, 0,
                             checksum=venue_checksum(bids, asks))
        await eventually(lambda: self.conn.order_book_tracker.resyncs >= 1, what="checksum resync")
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        lost, synced = self.events(EventType.BOOK_SYNC_LOST), self.events(EventType.BOOK_SYNCED)
        assert [e.reason for e in lost] == ["checksum_mismatch"] and synced[-1].trading_pair == self.trading_pair
        sent = self.venue.endpoint(self.public_ws_path).received[mark:]
        # The market alone is removed and added again: a "subscribe" would replace the socket's others.
        assert [m["messageType"] for m in sent[:2]] == ["removeSubscription", "addSubscription"]
        assert sent[1] == {"marketIds": ["BTC-AUD"], "channels": ["orderbookUpdate", "trade"],
                           "messageType": "addSubscription", "clientType": "api"}
        assert self.venue.connections(self.public_ws_path) == 1

    async def test_a_delta_stamped_before_the_book_is_ignored(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        # Deltas stamped before the snapshot arrive after it (the venue's stream is not clean around it).
        await self.push_diff([("100.00", "0")], [], last - 1000, last - 1000, 0, checksum=0)
        await self.push_diff([("100.40", "1")], [], last, last, 0)
        await eventually(lambda: book.best_bid == Decimal("100.40"), what="the delta at the book's own stamp")
        assert Decimal("100.00") in [level.price for level in book.bids()] and book.is_synced
        assert self.conn.order_book_tracker.resyncs == 0

    async def test_public_socket_opens_with_one_subscribe_then_adds_markets(self) -> None:
        first = self.venue.endpoint(self.public_ws_path).sessions[0][0]
        assert first == {"marketIds": ["BTC-AUD"], "channels": ["orderbookUpdate", "trade", "heartbeat"],
                         "messageType": "subscribe"}

    async def test_private_subscription_is_signed_with_the_decoded_secret(self) -> None:
        frame = self.venue.endpoint(self.user_ws_path).sessions[0][0]
        assert frame["messageType"] == "subscribe" and frame["key"] == API_KEY
        assert frame["channels"] == ["orderChange", "fundChange", "heartbeat"]
        assert frame["marketIds"] == ["BTC-AUD", "ETH-AUD", "LTC-AUD"]
        assert frame["signature"] == subscription_signature(frame["timestamp"])

    async def test_signed_request_headers_cover_the_sent_body_but_not_the_query(self) -> None:
        await self.open_order()
        await self.conn._fetch_open_orders(self.trading_pair)
        for request in (self.placements()[-1], self.venue.requests_to("GET", "/v3/orders")[-1]):
            timestamp = request.headers["BM-AUTH-TIMESTAMP"]
            pre_image = f"{request.method}{request.path}{timestamp}".encode() + request.body
            expected = base64.b64encode(hmac.new(base64.b64decode(SECRET), pre_image, hashlib.sha512).digest())
            assert request.headers["BM-AUTH-SIGNATURE"] == expected.decode()
            assert request.headers["BM-AUTH-APIKEY"] == API_KEY
        listing = self.venue.requests_to("GET", "/v3/orders")[-1]
        assert listing.query == {"marketId": "BTC-AUD", "status": "open"}
        body = self.placements()[-1].json
        assert (body["type"], body["side"], body["timeInForce"]) == ("Limit", "Bid", "GTC") and "postOnly" not in body

    async def test_limit_maker_is_a_post_only_limit_and_market_has_no_price(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "901", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        maker, market = (r.json for r in self.placements()[-2:])
        assert (maker["type"], maker["side"], maker["postOnly"], maker["price"]) == ("Limit", "Ask", True, "99.00")
        assert market["type"] == "Market" and "price" not in market and "timeInForce" not in market

    async def test_post_only_market_status_limits_the_order_types(self) -> None:
        # LTC-AUD is "Post Only" and MCAU-AUD "Offline" in the fixture.
        assert "MCAU-AUD" not in self.conn.trading_rules
        assert self.conn.trading_rules["LTC-AUD"].supported_order_types == {OrderType.LIMIT_MAKER}
        assert self.conn.trading_rules["BTC-AUD"].supported_order_types is None

    async def test_batch_orders_one_request_of_at_most_four_with_per_order_outcomes(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            items = [item["placeOrder"] for item in request.json]
            placed = [{"orderId": str(7000 + i), "marketId": "BTC-AUD", "side": "Bid", "type": "Limit",
                       "creationTime": "2019-08-30T11:08:21.956000Z", "price": item["price"],
                       "amount": item["amount"], "openAmount": item["amount"], "status": "Accepted",
                       "timeInForce": "GTC", "postOnly": False, "selfTrade": "A",
                       "clientOrderId": item["clientOrderId"]} for i, item in enumerate(items) if i != 1]
            refused = [{"requestId": items[1]["clientOrderId"], "code": "InsufficientFund",
                        "message": "insufficient fund"}] if len(items) > 1 else []
            return MockResponse({"placeOrders": placed, "cancelOrders": [], "unprocessedRequests": refused})

        self.venue.route("POST", "/v3/batchorders", answer)
        prices = [Decimal("99.00"), Decimal("98.00"), Decimal("97.00"), Decimal("96.00"), Decimal("95.00")]
        results = await self.conn.place_orders([(TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT,
                                                 price) for price in prices])
        requests = self.venue.requests_to("POST", "/v3/batchorders")
        assert [len(r.json) for r in requests] == [4, 1]
        placed, refused, *others = results
        assert not isinstance(placed, Exception) and placed.exchange_order_id == "7000"
        assert isinstance(refused, InsufficientFunds) and refused.venue_code == "InsufficientFund"
        assert all(not isinstance(o, Exception) and o.state is OrderState.OPEN for o in [placed, *others])
        assert not self.placements()

    async def test_amend_replaces_the_order_with_a_new_one(self) -> None:
        client_id = await self.open_order()
        old = self.conn.in_flight_orders[client_id]

        def replaced(request: RecordedRequest) -> MockResponse:
            return self.reply("order_status", {"client_order_id": request.json["clientOrderId"],
                                               "exchange_order_id": "7777", "price": request.json["price"],
                                               "amount": request.json["amount"]})

        self.venue.route("PUT", "/v3/orders/{id}", replaced)
        new = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.50"))
        request = self.venue.requests_to("PUT", "/v3/orders/{id}")[0]
        assert request.path == f"/v3/orders/{old.exchange_order_id}"
        assert request.json == {"price": "98.50", "amount": "0.50000000", "clientOrderId": new.client_order_id}
        assert new.client_order_id != client_id and new.exchange_order_id == "7777"
        assert new.state is OrderState.OPEN and old.state is OrderState.CANCELED

    async def test_cancel_before_the_ack_goes_by_client_order_id_through_a_batch(self) -> None:
        self.serve("place_order", MockResponse({}, delay=1.3))
        with pytest.raises(OrderOutcomeUnknown) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        client_id = info.value.client_order_id
        self.venue.route("POST", "/v3/batchorders", {"placeOrders": [], "unprocessedRequests": [],
                                                     "cancelOrders": [{"orderId": "7010", "clientOrderId": client_id}]})
        assert await self.conn.cancel_order(self.trading_pair, client_id) is True
        batch = self.venue.requests_to("POST", "/v3/batchorders")[0]
        assert batch.json == [{"cancelOrder": {"clientOrderId": client_id}}]

    async def test_cancel_all_names_the_market_in_the_query(self) -> None:
        await self.test_cancel_all()
        request = self.venue.requests_to("DELETE", "/v3/orders")[0]
        assert request.query == {"marketId": "BTC-AUD"}

    async def test_secret_that_is_not_base64_is_refused_without_showing_it(self) -> None:
        from clobconn.core.errors import InvalidCredentials

        bad = "not base64: NEVER-LOGGED-7q6p!"
        with pytest.raises(InvalidCredentials, match="base64") as info:
            self.make_connector(api_secret=bad)
        assert bad not in str(info.value) and bad not in repr(info.value)
        assert "NEVER-LOGGED" not in str(info.value.__cause__ or "") and info.value.__suppress_context__

    async def test_the_base64_secret_never_in_logs_reprs_or_errors(self, caplog: pytest.LogCaptureFixture) -> None:
        self.serve("place_order", self.reply("auth_error"))
        with pytest.raises(Exception) as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        for text in (caplog.text, repr(self.conn), repr(self.conn.auth), repr(self.conn.config), str(info.value)):
            assert SECRET not in text
