"""The shared spot conformance suite, run against the Bybit v5 spot connector over a loopback venue."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

import pytest

from clobconn.core.data_types import InFlightOrder, OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, RateLimitExceeded
from clobconn.core.events import EventType
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, SpotConformanceSuite, eventually
from tests.exchange.bybit.conformance_hooks import V5_ROUTES, BybitConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bybit"


class TestBybitSpotConformance(BybitConformanceHooks, SpotConformanceSuite):
    connector_id = "bybit"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book snapshot comes on the stream (see ws_reply).
    routes = V5_ROUTES
    public_ws_path = "/v5/public/spot"
    user_ws_path = "/v5/private"
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        # minOrderQty is no longer checked on spot: the smallest size is one basePrecision step.
        "min_order_size": Decimal("0.000001"),
        "max_order_size": Decimal("83"),
        "max_market_order_size": Decimal("41.5"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.000001"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {"BTC": (Decimal("0.5"), Decimal("0.4")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}

    async def test_private_stream_authenticates_then_subscribes_spot_topics(self) -> None:
        auth, subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][:2]
        assert auth["op"] == "auth" and auth["args"][0] == API_KEY
        # ws_reply refuses a bad signature (the stream would then reconnect): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert subscribe == {"op": "subscribe", "args": ["order.spot", "execution.spot", "wallet"]}

    async def test_signed_post_covers_the_sent_body(self) -> None:
        await self.open_order()
        request = self.placements()[-1]
        headers = request.headers
        pre_image = headers["X-BAPI-TIMESTAMP"] + API_KEY + headers["X-BAPI-RECV-WINDOW"] + request.body.decode()
        expected = hmac.new(API_SECRET.encode(), pre_image.encode(), hashlib.sha256).hexdigest()
        assert headers["X-BAPI-API-KEY"] == API_KEY and headers["X-BAPI-SIGN"] == expected
        assert request.json == {"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
                                "qty": "0.5", "orderLinkId": request.json["orderLinkId"], "price": "99",
                                "timeInForce": "GTC"}

    async def test_gap_resubscribes_and_rebuilds_the_book_from_the_stream(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 2, last + 2, last + 1)
        await self.venue.wait_for_ws_message(self.public_ws_path, lambda m: m.get("op") == "subscribe", count=2)
        sent = self.venue.endpoint(self.public_ws_path).received[received:]
        assert [m["op"] for m in sent] == ["unsubscribe", "subscribe"]
        assert sent[-1]["args"] == ["orderbook.50.BTCUSDT", "publicTrade.BTCUSDT"]
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        assert Decimal("100.10") not in [level.price for level in book.bids()]

    async def test_amend_changes_the_order_in_place_and_sends_only_what_changed(self) -> None:
        client_id = await self.open_order()
        order = self.conn.in_flight_orders[client_id]
        self.venue.route("POST", "/v5/order/amend",
                         lambda _: MockResponse(self.venue_fixture("amend_order", order.client_order_id,
                                                                   order.exchange_order_id)))
        amended = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.57"))
        assert amended is order and order.price == Decimal("98.5") and order.amount == self.order_amount
        request = self.venue.requests_to("POST", "/v5/order/amend")[-1].json
        assert request == {"category": "spot", "symbol": "BTCUSDT", "orderId": order.exchange_order_id,
                           "price": "98.5"}
        await self.conn.amend_order(self.trading_pair, client_id, amount=Decimal("0.3"))
        assert self.venue.requests_to("POST", "/v5/order/amend")[-1].json["qty"] == "0.3"
        assert order.amount == Decimal("0.3") and order.state is OrderState.OPEN
        # Still one order, under its own id: nothing was cancelled or created by the amends.
        assert list(self.conn.in_flight_orders) == [client_id]
        assert not self.events(EventType.ORDER_CANCELLED) and len(self.events(EventType.ORDER_CREATED)) == 1

    async def test_batch_reports_each_order_by_its_own_code(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            ids = [entry["orderLinkId"] for entry in request.json["request"]]
            return MockResponse(self.venue_fixture("batch_place", ids[0], "", second_id=ids[1]))

        self.venue.route("POST", "/v5/order/create-batch", answer)
        results = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
        ])
        placed, refused = results
        assert isinstance(placed, InFlightOrder) and placed.exchange_order_id == "1666800494330512128"
        assert isinstance(refused, InsufficientFunds) and refused.venue_code == "170131"
        body = self.venue.requests_to("POST", "/v5/order/create-batch")[-1].json
        assert body["category"] == "spot" and len(body["request"]) == 2
        assert "category" not in body["request"][0]

    async def test_market_orders_say_which_coin_their_qty_is_in(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "505", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal(0), OrderType.MARKET,
                                    quote_amount=Decimal("20"))
        by_base, by_quote = (r.json for r in self.placements()[-2:])
        assert by_base["marketUnit"] == "baseCoin" and by_base["qty"] == "0.5" and "timeInForce" not in by_base
        assert by_quote["marketUnit"] == "quoteCoin" and by_quote["qty"] == "20"

    async def test_linear_updates_on_the_shared_private_stream_are_ignored(self) -> None:
        client_id = await self.open_order()
        cancelled = self.order_vars(client_id, state=OrderState.CANCELED)
        message = self.fixtures.payload("user_order", self.vars(**cancelled))
        message["data"][0]["category"] = "linear"
        await self.venue.push(self.user_ws_path, message)
        await self.push_user("user_balance", asset="USDT", total="7", available="7", locked="0")
        await eventually(lambda: self.conn.get_balance("USDT") == Decimal("7"), what="a later message")
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN

    async def test_ip_ban_403_is_a_rate_limit(self) -> None:
        self.serve("balances", MockResponse("access too frequent", status=403))
        with pytest.raises(RateLimitExceeded):
            await self.conn._update_balances()

    def venue_fixture(self, name: str, client_id: str, exchange_id: str | None, **extra: str) -> object:
        variables = {"client_order_id": client_id, "exchange_order_id": exchange_id or "", "first_id": client_id,
                     **extra}
        return FixtureSet(FIXTURES).payload(name, variables)

    async def test_refused_auth_reconnects_and_is_not_ready(self) -> None:
        path = self.user_ws_path

        def refuse(message: object) -> list[object]:
            if isinstance(message, dict) and message.get("op") in ("auth", "subscribe"):
                return [{"success": False, "ret_msg": "Invalid apikey", "op": message["op"], "conn_id": "c1"}]
            return []

        self.venue.on_ws_message(path, refuse)
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=3, timeout=15)
        assert self.conn.status_dict["user_stream_connected"] is False
