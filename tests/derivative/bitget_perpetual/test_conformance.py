"""The shared perpetual conformance suite, run against the Bitget USDT-M connector over a loopback venue.

The mock plays Bitget v2: it checks the login frame's signature and passphrase, answers the text
"ping", acknowledges subscriptions, sends each book's snapshot on the stream after a ``books``
subscription (what RESUBSCRIBE resyncs rely on) and stamps every diff with the checksum of the book
after it (the snapshot's is 0, as the venue sends it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState, OrderType, PositionAction, PositionMode, TradeType
from clobconn.core.errors import InsufficientFunds, InvalidArgument
from clobconn.core.events import EventType
from clobconn.core.order_book.checksums import interleaved_levels, signed_crc32
from clobconn.derivative.bitget_perpetual.derivative import BitgetPerpetualDerivative
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, PASSPHRASE, PerpetualConformanceSuite, eventually
from clobconn.testing.venue_book import apply_levels, book_levels

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bitget_perpetual"
class TestBitgetPerpetualConformance(PerpetualConformanceSuite):
    connector_id = "bitget_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book's snapshot comes on the stream (see ws_reply).
    routes = {
        "server_time": ("GET", "/api/v2/public/time"),
        "trading_rules": ("GET", "/api/v2/mix/market/contracts"),
        "balances": ("GET", "/api/v2/mix/account/accounts"),
        "place_order": ("POST", "/api/v2/mix/order/place-order"),
        "cancel_order": ("POST", "/api/v2/mix/order/cancel-order"),
        "order_status": ("GET", "/api/v2/mix/order/detail"),
        "order_fills": ("GET", "/api/v2/mix/order/fills"),
        "cancel_all": ("POST", "/api/v2/mix/order/batch-cancel-orders"),
        "open_orders": ("GET", "/api/v2/mix/order/orders-pending"),
        "order_history": ("GET", "/api/v2/mix/order/orders-history"),
        "positions": ("GET", "/api/v2/mix/position/all-position"),
        "position_mode": ("GET", "/api/v2/mix/account/account"),
        "set_leverage": ("POST", "/api/v2/mix/account/set-leverage"),
        "set_position_mode": ("POST", "/api/v2/mix/account/set-position-mode"),
        "funding_info": ("GET", "/api/v2/mix/market/ticker"),
        "funding_payments": ("GET", "/api/v2/mix/account/bill"),
    }
    public_ws_path = "/v2/ws/public"
    user_ws_path = "/v2/ws/private"
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.01"),
        "max_order_size": Decimal("1200"),
        "max_market_order_size": Decimal("220"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.01"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {"USDT": (Decimal("1000.5"), Decimal("900.25"))}
    expected_position = ("BTC-USDT", Decimal("-0.25"), Decimal("101.5"))
    # The positions channel carries markPrice and the venue's unrealizedPL at it.
    user_position_has_mark = True
    venue_states = {OrderState.OPEN: "live", OrderState.PARTIALLY_FILLED: "partially_filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "1116501214293032964"

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("size"), "client_order_id": body.get("clientOid")}

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.json.get("reduceOnly") == "YES"

    def extra_routes(self, venue: MockVenue) -> None:
        # The next funding time comes from current-fund-rate, beside the ticker's mark, index and rate.
        venue.route("GET", "/api/v2/mix/market/current-fund-rate", lambda _: self.reply("funding_rate"))

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # A diff's checksum is over the book after it; a scenario that passes its own (wrong) one keeps it.
        if "checksum" not in variables:
            conn = getattr(self, "conn", None)
            syncs = conn.order_book_tracker.syncs if conn is not None else {}
            last = syncs[self.trading_pair].book.last_update_id if self.trading_pair in syncs else 0
            bids, asks = book_levels(conn, self.trading_pair)
            apply_levels(bids, variables["bids"])
            apply_levels(asks, variables["asks"])
            if variables["first_id"] > last + 1:
                # A scenario's gap: the diffs in between were lost on the way, so the venue's book (what
                # its checksum covers) holds a level the client never saw. seq alone cannot show it.
                bids[Decimal("1.5")] = ("1.5", "7")
            top_bids = [bids[p] for p in sorted(bids, reverse=True)]
            top_asks = [asks[p] for p in sorted(asks)]
            variables["checksum"] = signed_crc32(interleaved_levels(top_bids, top_asks, 25))
        return variables

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if message == "ping":
            return ["pong"]
        op = message.get("op") if isinstance(message, dict) else None
        if op == "login":
            login = message["args"][0]
            expected = base64.b64encode(hmac.new(API_SECRET.encode(), f"{login['timestamp']}GET/user/verify".encode(),
                                                 hashlib.sha256).digest()).decode()
            if (login["apiKey"], login["passphrase"], login["sign"]) == (API_KEY, PASSPHRASE, expected):
                return [{"event": "login", "code": "0", "msg": ""}]
            return [{"event": "error", "code": "30005", "msg": "error"}]
        if op in ("subscribe", "unsubscribe"):
            replies: list[Any] = [{"event": op, "arg": arg} for arg in message["args"]]
            if op == "subscribe" and path == self.public_ws_path:
                replies += [self.fixtures.payload("snapshot", self.vars(symbol=arg["instId"]))
                            for arg in message["args"] if arg["channel"] == "books"]
            return replies
        return []

    def refuse_user_login(self) -> None:
        # 30015 "Invalid sign" (ccxt's record of Bitget's answer) refuses the credentials themselves.
        self.venue.on_ws_message(self.user_ws_path, lambda m: [{"event": "error", "code": "30015",
                                                                "msg": "Invalid sign"}]
                                 if isinstance(m, dict) and m.get("op") == "login" else [])

    # == what only this venue's protocol adds =====================================================

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        # Bitget's seq may skip, so a lost diff shows as the next checksum's mismatch, not as a gap:
        # the shared scenario with that reason.
        mark = await self.settled_health_mark()
        last = self.conn.get_order_book(self.trading_pair).last_update_id
        await self.push_diff([("100.10", "1")], [], last + 5, last + 6, last + 4)
        await eventually(lambda: EventType.CONNECTOR_READY in self.health_kinds_since(mark), what="ready again")
        events = self.health_events_since(mark)
        assert [e.type for e in events] == [EventType.BOOK_SYNC_LOST, EventType.CONNECTOR_DOWN,
                                            EventType.BOOK_SYNCED, EventType.CONNECTOR_READY], events
        assert events[0].reason == "checksum_mismatch" and events[2].trading_pair == self.trading_pair

    async def test_streams_subscribe_the_product_types_channels(self) -> None:
        public = self.venue.endpoint(self.public_ws_path).sessions[0][0]
        assert public == {"op": "subscribe", "args": [
            {"instType": "USDT-FUTURES", "channel": channel, "instId": "BTCUSDT"}
            for channel in ("books", "trade", "ticker")]}
        login, subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][:2]
        # ws_reply refuses a bad signature (the stream would then reconnect): one connection means it passed.
        assert login["op"] == "login" and self.venue.connections(self.user_ws_path) == 1
        assert subscribe == {"op": "subscribe", "args": [
            {"instType": "USDT-FUTURES", "channel": "orders", "instId": "default"},
            {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"},
            {"instType": "USDT-FUTURES", "channel": "account", "coin": "default"}]}

    async def test_checksum_mismatch_resubscribes_the_pair_on_the_same_socket(self) -> None:
        mark = await self.settled_health_mark()
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 1, last + 1, last, checksum=12345)
        await self.venue.wait_for_ws_message(self.public_ws_path,
                                             lambda m: isinstance(m, dict) and m.get("op") == "subscribe", count=2)
        sent = [m for m in self.venue.endpoint(self.public_ws_path).received[received:] if isinstance(m, dict)]
        assert [m["op"] for m in sent][:2] == ["unsubscribe", "subscribe"]
        assert {"instType": "USDT-FUTURES", "channel": "books", "instId": "BTCUSDT"} in sent[1]["args"]
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        assert Decimal("100.10") not in [level.price for level in book.bids()]
        # The stream survived: the same socket carries the rebuilt book and the next diffs.
        assert self.venue.connections(self.public_ws_path) == 1
        assert self.health_events_since(mark)[0].reason == "checksum_mismatch"
        await self.push_diff([("100.20", "1")], [], book.last_update_id + 3, book.last_update_id + 3,
                             book.last_update_id)
        await eventually(lambda: book.best_bid == Decimal("100.20"), what="a later diff, its seq skipping")

    async def test_login_failing_without_blaming_the_key_reconnects(self) -> None:
        # 30005, the docs' bare login "error": nothing says the key is wrong.
        path = self.user_ws_path
        self.venue.on_ws_message(path, lambda m: [{"event": "error", "code": "30005", "msg": "error"}]
                                 if isinstance(m, dict) and m.get("op") == "login" else [])
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=3, timeout=8)
        assert self.conn.auth_failure is None

    async def test_batch_orders_one_request_with_per_order_outcomes(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            first, second = request.json["orderList"]
            return MockResponse({"code": "00000", "msg": "success", "requestTime": 1627293504612, "data": {
                "successList": [{"orderId": "7001", "clientOid": first["clientOid"]}],
                "failureList": [{"orderId": "", "clientOid": second["clientOid"], "errorMsg": "Insufficient balance",
                                 "errorCode": "43012"}]}})

        self.venue.route("POST", "/api/v2/mix/order/batch-place-order", answer)
        placed, refused = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, Decimal("98.0")),
        ])
        assert not isinstance(placed, Exception) and placed.exchange_order_id == "7001"
        assert isinstance(refused, InsufficientFunds) and refused.venue_code == "43012"
        body = self.venue.requests_to("POST", "/api/v2/mix/order/batch-place-order")[0].json
        assert (body["symbol"], body["productType"], body["marginCoin"], body["marginMode"]) == (
            "BTCUSDT", "USDT-FUTURES", "USDT", "crossed")
        assert [o["price"] for o in body["orderList"]] == ["99.0", "98.0"] and not self.placements()

    async def test_amend_cancels_and_replaces_under_a_new_client_oid(self) -> None:
        client_id = await self.open_order()
        old = self.conn.in_flight_orders[client_id]
        self.venue.route("POST", "/api/v2/mix/order/modify-order", MockResponse({
            "code": "00000", "msg": "success", "requestTime": 1627293504612,
            "data": {"orderId": old.exchange_order_id, "clientOid": client_id}}))
        new = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.5"), amount=Decimal("0.4"))
        body = self.venue.requests_to("POST", "/api/v2/mix/order/modify-order")[0].json
        assert body == {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT",
                        "orderId": old.exchange_order_id, "newClientOid": new.client_order_id,
                        "newSize": "0.40", "newPrice": "98.5"}
        assert new.client_order_id != client_id and new.state is OrderState.OPEN
        assert [e.client_order_id for e in self.events(EventType.ORDER_CANCELLED)] == [client_id]
        # The new order's id comes later ("asynchronously"): the stream names it by its clientOid.
        await self.push_user("user_order", **self.order_vars(new.client_order_id, exchange_order_id="8123"))
        await eventually(lambda: new.exchange_order_id == "8123", what="the replacement's orderId")

    async def test_hedge_mode_orders_carry_the_position_side_and_trade_side(self) -> None:
        self.serve("set_position_mode", self.reply("set_position_mode"))
        await self.perp.set_position_mode(PositionMode.HEDGE)
        assert self.venue.requests_to(*self.routes["set_position_mode"])[-1].json == {
            "productType": "USDT-FUTURES", "posMode": "hedge_mode"}
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "801", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET,
                                    position_action=PositionAction.CLOSE)
        open_short, close_long = (r.json for r in self.placements()[-2:])
        assert (open_short["side"], open_short["tradeSide"], open_short["force"]) == ("sell", "open", "post_only")
        # Closing a long is a sell; hedge mode names the position (buy) and closes it.
        assert (close_long["side"], close_long["tradeSide"], close_long["orderType"]) == ("buy", "close", "market")
        assert "reduceOnly" not in close_long and "price" not in close_long

    async def test_cancel_all_batch_cancels_the_pairs_open_orders(self) -> None:
        first, second = await self.open_order(), await self.open_order()
        orders = [self.conn.in_flight_orders[c] for c in (first, second)]

        def answer(request: RecordedRequest) -> MockResponse:
            return MockResponse({"code": "00000", "msg": "success", "requestTime": 1627293504612, "data": {
                "successList": [{"orderId": ref["orderId"], "clientOid": ""} for ref in request.json["orderIdList"]],
                "failureList": []}})

        self.serve("cancel_all", answer)
        results = await self.conn.cancel_all(timeout=5)
        assert sorted((r.client_order_id, r.success) for r in results) == sorted([(first, True), (second, True)])
        body = self.venue.requests_to(*self.routes["cancel_all"])[0].json
        assert body["symbol"] == "BTCUSDT" and body["orderIdList"] == [{"orderId": o.exchange_order_id} for o in orders]
        assert not self.venue.requests_to(*self.routes["cancel_order"])

    async def test_set_margin_mode_then_orders_carry_it(self) -> None:
        self.venue.route("POST", "/api/v2/mix/account/set-margin-mode", MockResponse({
            "code": "00000", "msg": "success", "requestTime": 1627293445916, "data": {
                "symbol": "BTCUSDT", "marginCoin": "USDT", "longLeverage": "25", "shortLeverage": "20",
                "marginMode": "isolated"}}))
        assert isinstance(self.conn, BitgetPerpetualDerivative)
        await self.conn.set_margin_mode(self.trading_pair, "isolated")
        assert self.venue.requests_to("POST", "/api/v2/mix/account/set-margin-mode")[0].json == {
            "symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginCoin": "USDT", "marginMode": "isolated"}
        await self.open_order()
        assert self.placements()[-1].json["marginMode"] == "isolated"
        await self.refused(InvalidArgument, "mode", self.conn.set_margin_mode, self.trading_pair, "portfolio")

    async def test_only_normal_perpetuals_are_listed(self) -> None:
        # The fixture also holds a symbol under maintenance and a delivery contract.
        assert set(self.conn.trading_rules) == {"BTC-USDT", "ETH-USDT"}
        assert self.venue.requests_to(*self.routes["trading_rules"])[0].query == {"productType": "USDT-FUTURES"}

    async def test_funding_info_and_payments(self) -> None:
        info = self.perp.get_funding_info(self.trading_pair)
        assert info is not None and (info.mark_price, info.index_price, info.rate) == (
            Decimal("100.25"), Decimal("100.2"), Decimal("0.0001"))
        # The ticker has no funding time: current-fund-rate's nextUpdate gives it.
        assert info.next_funding_timestamp > 0 and self.venue.requests_to("GET", "/api/v2/mix/market/current-fund-rate")
        await self.perp._update_funding_payments()
        payment = self.perp.funding_payments[0]
        assert (payment.trading_pair, payment.amount, payment.asset, payment.payment_id) == (
            "BTC-USDT", Decimal("-0.004992"), "USDT", "9001")
        query = self.venue.requests_to(*self.routes["funding_payments"])[-1].query
        assert query["businessType"] == "contract_settle_fee" and query["productType"] == "USDT-FUTURES"
        assert int(query["endTime"]) - int(query["startTime"]) <= 30 * 24 * 3600 * 1000

    async def test_funding_payments_are_read_page_by_page(self) -> None:
        def page(first: int, count: int) -> MockResponse:
            payload = self.fixtures.payload("funding_payments", self.vars())
            row = payload["data"]["bills"][0]
            payload["data"] = {"bills": [dict(row, billId=str(i)) for i in range(first, first - count, -1)],
                               "endId": str(first - count + 1)}
            return MockResponse(payload)

        self.serve("funding_payments", page(500, 100), page(400, 1))
        await self.perp._update_funding_payments()
        first, second = self.venue.requests_to(*self.routes["funding_payments"])[-2:]
        assert "idLessThan" not in first.query and second.query["idLessThan"] == "401"
        assert {str(i) for i in range(400, 501)} <= {p.payment_id for p in self.perp.funding_payments}
