"""The shared spot conformance suite, run against the Bitmart connector over a loopback venue.

The mock plays Bitmart: it checks the login frame's signature (which covers the memo), answers the
text "ping", acknowledges subscriptions, and sends each book's snapshot on the stream after a
``spot/depth/increase100`` subscription (what RESUBSCRIBE resyncs rely on). Its frames are text; the
venue's raw-deflate binary frames are covered in test_bitmart_specific.py.
"""

from __future__ import annotations

import hashlib
import hmac
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, PASSPHRASE, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bitmart"
DEPTH = "spot/depth/increase100:"


class TestBitmartConformance(SpotConformanceSuite):
    connector_id = "bitmart"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book snapshot comes on the stream (see ws_reply).
    routes = {
        "server_time": ("GET", "/system/time"),
        "trading_rules": ("GET", "/spot/v1/symbols/details"),
        "balances": ("GET", "/spot/v1/wallet"),
        "place_order": ("POST", "/spot/v2/submit_order"),
        "cancel_order": ("POST", "/spot/v3/cancel_order"),
        "order_status": ("POST", "/spot/v4/query/client-order"),
        "order_fills": ("POST", "/spot/v4/query/order-trades"),
        "cancel_all": ("POST", "/spot/v4/cancel_all"),
        "open_orders": ("POST", "/spot/v4/query/open-orders"),
        "order_history": ("POST", "/spot/v4/query/history-orders"),
    }
    public_ws_path = "/api"
    user_ws_path = "/user"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.00001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "new", OrderState.PARTIALLY_FILLED: "partially_filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "1234567890"

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("size"), "client_order_id": body.get("client_order_id")}

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if message == "ping":
            return ["pong"]
        op = message.get("op") if isinstance(message, dict) else None
        if op == "login":
            key, timestamp, signature = message["args"]
            expected = hmac.new(API_SECRET.encode(), f"{timestamp}#{PASSPHRASE}#bitmart.WebSocket".encode(),
                                hashlib.sha256).hexdigest()
            if (key, signature) == (API_KEY, expected):
                return [{"event": "login"}]
            return [{"event": "login", "errorCode": "91002", "errorMessage": "API KEY not found"}]
        if op == "request":
            # One snapshot on a live subscription (#public-depth-increase-channel, step 7).
            return [self.fixtures.payload("snapshot", self.vars(symbol=topic.removeprefix(DEPTH)))
                    for topic in message["args"] if topic.startswith(DEPTH)]
        if op in ("subscribe", "unsubscribe"):
            replies: list[Any] = [{"event": op, "topic": topic} for topic in message["args"]]
            if op == "subscribe" and path == self.public_ws_path:
                replies += [self.fixtures.payload("snapshot", self.vars(symbol=topic.removeprefix(DEPTH)))
                            for topic in message["args"] if topic.startswith(DEPTH)]
            return replies
        return []

    def refuse_user_login(self) -> None:
        # The docs' failed-login example (#websocket-subscription): 91002 "API KEY not found".
        self.venue.on_ws_message(self.user_ws_path, lambda m: [
            {"event": "login", "errorCode": "91002", "errorMessage": "API KEY not found"}]
            if isinstance(m, dict) and m.get("op") == "login" else [])

    # == what only this venue's protocol adds =====================================================

    async def test_private_stream_logs_in_then_subscribes(self) -> None:
        login, subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][:2]
        assert login["op"] == "login" and login["args"][0] == API_KEY
        # ws_reply refuses a bad signature (the stream would then stop): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert subscribe == {"op": "subscribe", "args": ["spot/user/orders:ALL_SYMBOLS",
                                                         "spot/user/balance:BALANCE_UPDATE"]}
        assert self.venue.endpoint(self.user_ws_path).connect_paths[0] == "/user?protocol=1.1"

    async def test_signed_request_headers_cover_the_sent_body_and_the_memo(self) -> None:
        await self.open_order()
        request = self.placements()[-1]
        timestamp = request.headers["X-BM-TIMESTAMP"]
        pre_image = f"{timestamp}#{PASSPHRASE}#".encode() + request.body
        assert request.headers["X-BM-SIGN"] == hmac.new(API_SECRET.encode(), pre_image, hashlib.sha256).hexdigest()
        assert request.headers["X-BM-KEY"] == API_KEY
        # The memo is signed, never sent.
        assert PASSPHRASE not in repr(request.headers) and PASSPHRASE.encode() not in request.body
        body = request.json
        assert (body["symbol"], body["side"], body["type"]) == ("BTC_USDT", "buy", "limit")

    async def test_market_buy_is_sized_in_quote_and_market_sell_in_base(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", {"exchange_order_id": "901"}))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal(0), OrderType.MARKET,
                                    quote_amount=Decimal("25"))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET)
        quote, base_buy, sell = (r.json for r in self.placements()[-3:])
        assert (quote["type"], quote["notional"]) == ("market", "25") and "size" not in quote
        # A buy sized in base spends that much at the best ask (100.50 in the snapshot).
        assert base_buy["notional"] == "50.25" and "size" not in base_buy
        assert (sell["type"], sell["size"]) == ("market", "0.50000") and "notional" not in sell
        assert all("price" not in body for body in (quote, base_buy, sell))

    async def test_gap_requests_a_snapshot_on_the_stream_and_rebuilds_the_book(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 2, last + 2, last + 1)
        await self.venue.wait_for_ws_message(self.public_ws_path,
                                             lambda m: isinstance(m, dict) and m.get("op") == "request")
        sent = [m for m in self.venue.endpoint(self.public_ws_path).received[received:] if isinstance(m, dict)]
        # The depth snapshot alone is asked for: nothing is unsubscribed, so trades keep coming.
        assert sent == [{"op": "request", "args": ["spot/depth/increase100:BTC_USDT"]}]
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        assert Decimal("100.10") not in [level.price for level in book.bids()]

    async def test_batch_orders_one_request_in_order(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            return MockResponse({"code": 1000, "trace": "t", "message": "success",
                                 "data": {"code": 0, "msg": "success", "data": {"orderIds": ["7001", "7002"]}}})

        self.venue.route("POST", "/spot/v4/batch_orders", answer)
        placed = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, Decimal("98.00")),
        ])
        assert [getattr(o, "exchange_order_id", o) for o in placed] == ["7001", "7002"]
        [request] = self.venue.requests_to("POST", "/spot/v4/batch_orders")
        body = request.json
        assert body["symbol"] == "BTC_USDT" and [p["price"] for p in body["orderParams"]] == ["99.00", "98.00"]
        assert [p["clientOrderId"] for p in body["orderParams"]] == [o.client_order_id for o in placed
                                                                     if not isinstance(o, Exception)]
        assert not self.placements()

    async def test_batch_refused_whole_fails_every_order(self) -> None:
        self.venue.route("POST", "/spot/v4/batch_orders", self.reply("place_order_rejected"))
        results = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, Decimal("98.00")),
        ])
        assert all(isinstance(r, InsufficientFunds) for r in results)
        assert not self.conn.in_flight_orders

    async def test_amend_is_not_supported_and_names_the_venue(self) -> None:
        client_id = await self.open_order()
        sent = len(self.venue.requests)
        with pytest.raises(NotSupported, match="bitmart"):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.50"))
        assert len(self.venue.requests) == sent

    async def test_pre_trade_pair_not_tradable(self) -> None:
        # NEWCOIN_USDT is in the fixture with trade_status "pre-trade".
        assert "NEWCOIN-USDT" not in self.conn.trading_rules and "ETH-USDT" in self.conn.trading_rules

    async def test_raw_deflate_frames_are_inflated(self) -> None:
        # The venue sends its data frames as raw deflate (no zlib header): the socket inflates them.
        book = self.conn.get_order_book(self.trading_pair)
        last = book.last_update_id
        payload = self.fixtures.payload("diff", self.vars(bids=[["100.25", "0.5"]], asks=[], last_id=last + 1))
        deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        frame = deflater.compress(orjson.dumps(payload)) + deflater.flush()
        assert await self.venue.push(self.public_ws_path, frame)
        await eventually(lambda: book.last_update_id == last + 1, what="the deflated update applied")
        assert book.best_bid == Decimal("100.25")

    async def test_login_refused_for_another_reason_reconnects_without_blaming_the_key(self) -> None:
        # 90004 "Invalid channel param" is not a credential refusal: the stream reconnects.
        path = self.user_ws_path
        self.venue.on_ws_message(path, lambda m: [
            {"event": "login", "errorCode": "90004", "errorMessage": "Invalid channel param"}]
            if isinstance(m, dict) and m.get("op") == "login" else [])
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=3, timeout=8)
        assert self.conn.auth_failure is None
        self.venue.on_ws_message(path, lambda m: self.ws_reply(path, m))
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], timeout=10, what="logged in again")

    async def test_subscriptions_go_at_most_20_topics_a_frame(self) -> None:
        source = self.conn.order_book_tracker._source
        frames = source.subscription_frames("subscribe", "public", [self.trading_pair] * 11)
        assert [len(frame["args"]) for frame in frames] == [20, 2]
        assert source.max_subscriptions_per_socket == 100 and source.subscriptions_per_pair("public") == 2
