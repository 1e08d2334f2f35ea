"""The shared spot conformance suite, run against the KuCoin connector over a loopback venue, and
the scenarios only KuCoin's protocol has (bullet tokens, straddling level2 diffs, amend, batch).

The mock serves the bullet endpoints, whose answers point the connector at the mock's own sockets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import API_SECRET, PASSPHRASE, SpotConformanceSuite, eventually
from tests.exchange.kucoin.conformance_hooks import KucoinConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kucoin"


def b64_hmac(key: str, text: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()


class TestKucoinConformance(KucoinConformanceHooks, SpotConformanceSuite):
    connector_id = "kucoin"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/v1/timestamp"),
        "trading_rules": ("GET", "/api/v2/symbols"),
        "balances": ("GET", "/api/v1/accounts"),
        "snapshot": ("GET", "/api/v3/market/orderbook/level2"),
        "place_order": ("POST", "/api/v1/hf/orders/sync"),
        "cancel_order": ("DELETE", "/api/v1/hf/orders/sync/client-order/{client_oid}"),
        "order_status": ("GET", "/api/v1/hf/orders/{ref:.+}"),
        "order_fills": ("GET", "/api/v1/hf/fills"),
        "cancel_all": ("DELETE", "/api/v1/hf/orders"),
        "open_orders": ("GET", "/api/v1/hf/orders/active"),
        "order_history": ("GET", "/api/v1/hf/orders/done"),
    }
    fills_route = ("GET", "/api/v1/hf/fills")
    rejected_error = InsufficientFunds
    order_price = Decimal("99.5")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00001"),
        "max_order_size": Decimal("10000000000"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.00000001"),
        "min_notional": Decimal("0.1"),
        "max_notional": Decimal("99999999"),
    }
    expected_balances = {"USDT": (Decimal("26.66759503"), Decimal("26.66759503")),
                         "BTC": (Decimal("0.5"), Decimal("0.4"))}

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("size"), "client_order_id": body.get("clientOid")}

    def extra_routes(self, venue: MockVenue) -> None:
        self.install_bullets(venue, "/api/v1/bullet-public", "/api/v1/bullet-private")
        # Without credentials the connector reads the public top-100 book instead of the full one.
        venue.route("GET", "/api/v1/market/orderbook/level2_100", lambda _: self.reply("snapshot"))

    # == what only KuCoin's protocol adds ==========================================================

    async def test_requests_are_signed_with_the_passphrase_hmac(self) -> None:
        await self.open_order()
        request = self.placements()[-1]
        expected = b64_hmac(API_SECRET, request.headers["KC-API-TIMESTAMP"] + "POST/api/v1/hf/orders/sync"
                            + request.body.decode())
        assert request.headers["KC-API-SIGN"] == expected
        assert request.headers["KC-API-PASSPHRASE"] == b64_hmac(API_SECRET, PASSPHRASE)

    async def test_every_connection_fetches_a_fresh_bullet_token(self) -> None:
        endpoint = self.venue.endpoint(self.public_ws_path)
        bullets = len(self.venue.requests_to("POST", "/api/v1/bullet-public"))
        await self.venue.drop(self.public_ws_path)
        await self.venue.wait_for_connections(self.public_ws_path, count=2)
        assert len(self.venue.requests_to("POST", "/api/v1/bullet-public")) == bullets + 1
        first, second = endpoint.connect_paths[:2]
        assert "token=token-" in first and "connectId=" in first and first != second
        private = self.venue.endpoint(self.user_ws_path)
        assert "token=" in private.connect_paths[0]
        # The private token came from the signed bullet endpoint.
        assert "KC-API-SIGN" in self.venue.requests_to("POST", "/api/v1/bullet-private")[0].headers

    async def test_subscribes_only_after_the_welcome(self) -> None:
        endpoint = self.venue.endpoint(self.public_ws_path)
        assert endpoint.sessions[0] and all(m.get("type") == "subscribe" for m in endpoint.sessions[0])
        # A socket that greets with anything but a welcome is dropped before a subscription is sent.
        self.venue.on_ws_connect(self.public_ws_path, lambda _: [{"type": "error", "code": 401}])
        await self.venue.drop(self.public_ws_path)
        await self.venue.wait_for_connections(self.public_ws_path, count=3)
        assert endpoint.sessions[1] == [] and endpoint.sessions[2] == []

    async def test_pings_at_the_interval_the_bullet_names(self) -> None:
        def fast_bullet(_: RecordedRequest) -> MockResponse:
            response = self.bullet("bullet_public", self.public_ws_path)
            response.body["data"]["instanceServers"][0]["pingInterval"] = 50
            return response

        self.venue.route("POST", "/api/v1/bullet-public", fast_bullet)
        await self.venue.drop(self.public_ws_path)
        await self.venue.wait_for_connections(self.public_ws_path, count=2)
        pings = await self.venue.wait_for_ws_message(self.public_ws_path, lambda m: m.get("type") == "ping", count=2)
        assert pings[0] == {"id": "ping", "type": "ping"}

    async def test_subscriptions_and_private_acks(self) -> None:
        public = self.venue.endpoint(self.public_ws_path).sessions[0]
        assert [m["topic"] for m in public] == ["/market/level2:BTC-USDT", "/market/match:BTC-USDT"]
        assert all(m["type"] == "subscribe" and m["response"] is True for m in public)
        private = self.venue.endpoint(self.user_ws_path).sessions[0]
        assert [(m["topic"], m["privateChannel"]) for m in private] == [
            ("/spotMarket/tradeOrdersV2", True), ("/account/balance", True)]
        assert self.conn.status_dict["user_stream_connected"]

    async def test_straddling_diff_applies_then_gap_resyncs_from_rest(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        # sequenceStart below the book's sequence: KuCoin's first diff after a snapshot may straddle it.
        await self.push_diff([("100.20", "1")], [], last - 3, last + 2, 0)
        await eventually(lambda: book.best_bid == Decimal("100.20"), what="straddling diff applied")
        snapshots = len(self.venue.requests_to(*self.routes["snapshot"]))
        await self.push_diff([("100.30", "1")], [], last + 4, last + 5, 0)
        await self.venue.wait_for_requests(*self.routes["snapshot"], count=snapshots + 1)
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt from REST")

    async def test_private_error_frame_neither_reconnects_nor_loses_the_next_frame(self) -> None:
        # https://www.kucoin.com/docs-new/error-code/websocket: a refused request on an open socket.
        await self.venue.push(self.user_ws_path, {"id": "1545910660740", "type": "error", "code": 404,
                                                  "data": "topic /spotMarket/unknown is not found"})
        await self.push_user("user_balance", asset=self.quote, total="4321.5", available="4300.5")
        await eventually(lambda: self.conn.get_balance(self.quote) == Decimal("4321.5"), what="the next frame")
        assert self.venue.connections(self.user_ws_path) == 1

    async def test_a_list_client_oid_is_refused_by_validation(self) -> None:
        client_id = await self.open_order()
        frame = self.fixtures.payload("user_fill", self.vars(**self.order_vars(
            client_id, state=OrderState.PARTIALLY_FILLED, cum_amount=self.order_amount / 2)))
        frame["data"]["clientOid"] = [client_id]
        await self.venue.push(self.user_ws_path, frame)
        await eventually(lambda: self.conn.rejections.by_channel["user stream"] == 1, what="the update refused")
        runner = self.conn._user_stream
        assert runner is not None and runner.malformed_frames == 0
        assert not [t for t in self.conn.tasks.spawned if t.get_name().startswith("fills:")]
        assert self.conn.in_flight_orders[client_id].state is OrderState.OPEN

    @pytest.mark.no_connector
    async def test_public_top_100_snapshot_without_credentials(self) -> None:
        conn = self.make_connector(api_key=None, api_secret=None, passphrase=None)
        try:
            await conn.start()
            await conn.wait_ready(timeout=10)
            assert self.venue.requests_to("GET", "/api/v1/market/orderbook/level2_100")
            assert not self.venue.requests_to(*self.routes["snapshot"])
        finally:
            await conn.stop()

    async def test_amend_tracks_the_new_order_by_its_exchange_id(self) -> None:
        client_id = await self.open_order()
        old = self.conn.orders.find(client_id)
        assert old is not None
        self.venue.route("POST", "/api/v1/hf/orders/alter",
                         {"code": "200000", "data": {"newOrderId": "7777", "clientOid": client_id}})
        new = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("99.0"))
        body = self.venue.requests_to("POST", "/api/v1/hf/orders/alter")[0].json
        assert {**body, "newSize": Decimal(body["newSize"])} == {
            "symbol": "BTC-USDT", "orderId": old.exchange_order_id, "newPrice": "99.0", "newSize": Decimal("0.5")}
        assert new.exchange_order_id == "7777" and old.state is OrderState.CANCELED
        # KuCoin keeps the old clientOid on the new order: its messages belong to the replacement.
        await self.push_user("user_order", client_order_id=client_id, exchange_order_id="7777",
                             state=OrderState.CANCELED)
        await eventually(lambda: new.state is OrderState.CANCELED, what="replacement cancelled")

    async def test_batch_places_limit_orders_in_one_request(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            first, _ = request.json["orderList"]
            return MockResponse({"code": "200000", "data": [
                {"orderId": "6711195e5584bc0007bd5aef", "clientOid": first["clientOid"], "orderTime": 1729173854299,
                 "originSize": "0.5", "dealSize": "0", "remainSize": "0.5", "canceledSize": "0", "status": "open",
                 "matchTime": 1729173854326, "success": True},
                {"success": False, "failMsg": "Balance insufficient!"}]})

        self.venue.route("POST", "/api/v1/hf/orders/multi/sync", answer)
        placed, refused = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.SELL, self.trading_pair, self.order_amount, OrderType.LIMIT_MAKER, Decimal("101.5"))])
        assert not isinstance(placed, Exception) and placed.state is OrderState.OPEN
        assert isinstance(refused, InsufficientFunds)
        sent = self.venue.requests_to("POST", "/api/v1/hf/orders/multi/sync")[0].json["orderList"]
        assert [o["postOnly"] for o in sent] == [False, True] and not self.placements()

    async def test_funding_account_balance_events_are_ignored(self) -> None:
        payload: dict[str, Any] = self.fixtures.payload("user_balance", self.vars(asset="USDT", total="5",
                                                                                   available="5"))
        payload["data"]["relationEvent"] = "main.deposit"
        await self.venue.push(self.user_ws_path, payload)
        await self.push_user("user_balance", asset="BTC", total="0.75", available="0.7", locked="0.05")
        await eventually(lambda: self.conn.get_balance("BTC") == Decimal("0.75"), what="trade account balance")
        assert self.conn.get_balance("USDT") == Decimal("26.66759503")
