"""The shared spot conformance suite, run against the OKX connector over a loopback venue.

The mock plays OKX v5: it checks the login frame's signature and passphrase, answers the text
"ping", acknowledges subscriptions, sends each book's snapshot on the stream after a ``books``
subscription (what RESUBSCRIBE resyncs rely on) and stamps every book message with the venue's
checksum, computed here independently of the connector's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported
from clobconn.core.events import EventType
from clobconn.testing.mock_venue import MockResponse, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, PASSPHRASE, SpotConformanceSuite, eventually
from clobconn.testing.venue_book import VenueLevels, apply_levels, book_levels

FIXTURES = Path(__file__).parents[2] / "fixtures" / "okx"
Levels = VenueLevels
CONN_ID = "a4d3ae55"


def venue_checksum(bids: Levels, asks: Levels) -> int:
    """#order-book-trading-market-data-ws-order-book-channel: top 25 a side, bid/ask alternately, signed CRC32."""
    top_bids = [bids[p] for p in sorted(bids, reverse=True)[:25]]
    top_asks = [asks[p] for p in sorted(asks)[:25]]
    parts = []
    for i in range(max(len(top_bids), len(top_asks))):
        parts += [f"{p}:{s}" for p, s in (top_bids[i:i + 1] + top_asks[i:i + 1])]
    value = zlib.crc32(":".join(parts).encode())
    return value - 2**32 if value >= 2**31 else value


class TestOkxConformance(SpotConformanceSuite):
    connector_id = "okx"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book snapshot comes on the stream (see ws_reply).
    routes = {
        "server_time": ("GET", "/api/v5/public/time"),
        "trading_rules": ("GET", "/api/v5/public/instruments"),
        "balances": ("GET", "/api/v5/account/balance"),
        "place_order": ("POST", "/api/v5/trade/order"),
        "cancel_order": ("POST", "/api/v5/trade/cancel-order"),
        "order_status": ("GET", "/api/v5/trade/order"),
        "order_fills": ("GET", "/api/v5/trade/fills"),
        "cancel_all": ("POST", "/api/v5/trade/cancel-batch-orders"),
        "open_orders": ("GET", "/api/v5/trade/orders-pending"),
        "order_history": ("GET", "/api/v5/trade/orders-history"),
    }
    public_ws_path = "/ws/v5/public"
    user_ws_path = "/ws/v5/private"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("0"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "live", OrderState.PARTIALLY_FILLED: "partially_filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "5012345678"

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("px"), "amount": body.get("sz"), "client_order_id": body.get("clOrdId")}

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        # [price, size, deprecated "0", number of orders]
        return [[price, size, "0", "1"] for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # A diff's checksum is over the book after it; a scenario that passes its own (wrong) one keeps it.
        if "checksum" not in variables:
            bids, asks = book_levels(getattr(self, "conn", None), self.trading_pair)
            apply_levels(bids, variables["bids"])
            apply_levels(asks, variables["asks"])
            variables["checksum"] = venue_checksum(bids, asks)
        return variables

    def snapshot_frame(self, symbol: str) -> Any:
        bids: Levels = {}
        asks: Levels = {}
        apply_levels(bids, [list(level) for level in self.snapshot_bids])
        apply_levels(asks, [list(level) for level in self.snapshot_asks])
        return self.fixtures.payload("snapshot", self.vars(symbol=symbol, checksum=venue_checksum(bids, asks)))

    # Orders over the private socket's "order" and "cancel-order" ops, after its login.
    ws_order_path = "/ws/v5/private"

    def ws_order_op(self, message: Any) -> str | None:
        op = message.get("op") if isinstance(message, dict) else None
        return {"order": "place", "cancel-order": "cancel"}.get(op) if isinstance(op, str) else None

    def ws_order_fields(self, message: Any) -> dict[str, Any]:
        args = message["args"][0]
        price, amount = args.get("px"), args.get("sz")
        # The frames carry no signature: the socket's login does.
        return {"request_id": message["id"], "client_order_id": args.get("clOrdId"),
                "price": None if price is None else Decimal(price),
                "amount": None if amount is None else Decimal(amount), "signature": None}

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if message == "ping":
            return ["pong"]
        op = message.get("op") if isinstance(message, dict) else None
        if op == "login":
            login = message["args"][0]
            expected = base64.b64encode(hmac.new(API_SECRET.encode(), f"{login['timestamp']}GET/users/self/verify"
                                                 .encode(), hashlib.sha256).digest()).decode()
            if (login["apiKey"], login["passphrase"], login["sign"]) == (API_KEY, PASSPHRASE, expected):
                return [{"event": "login", "code": "0", "msg": "", "connId": CONN_ID}]
            return [{"event": "error", "code": "60009", "msg": "Login failed.", "connId": CONN_ID}]
        if op in ("subscribe", "unsubscribe"):
            replies: list[Any] = [{"event": op, "arg": arg, "connId": CONN_ID} for arg in message["args"]]
            if op == "subscribe" and path == self.public_ws_path:
                replies += [self.snapshot_frame(arg["instId"]) for arg in message["args"] if arg["channel"] == "books"]
            return replies
        return []

    # == what only this venue's protocol adds =====================================================

    async def test_private_stream_logs_in_then_subscribes(self) -> None:
        login, subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][:2]
        assert login["op"] == "login" and login["args"][0]["apiKey"] == API_KEY
        # ws_reply refuses a bad signature (the stream would then reconnect): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert subscribe == {"op": "subscribe", "args": [{"channel": "orders", "instType": "SPOT"},
                                                         {"channel": "account"}]}

    def answer_logins(self, code: str, message: str) -> None:
        self.venue.on_ws_message(self.user_ws_path, lambda m: [{"event": "error", "code": code, "msg": message,
                                                                "connId": CONN_ID}]
                                 if isinstance(m, dict) and m.get("op") == "login" else [])

    def refuse_user_login(self) -> None:
        # #error-code-websocket-public: 60024 "Wrong passphrase" refuses the credentials themselves.
        self.answer_logins("60024", "Wrong passphrase")

    async def test_login_failing_for_the_venue_reconnects_without_blaming_the_key(self) -> None:
        # 63999: "Login failed due to internal error. Please try again later." Nothing is wrong with the key.
        path = self.user_ws_path
        self.answer_logins("63999", "Login failed due to internal error. Please try again later.")
        await self.venue.drop(path)
        await self.venue.wait_for_connections(path, count=3, timeout=8)
        assert self.conn.auth_failure is None
        self.venue.on_ws_message(path, lambda m: self.ws_reply(path, m))
        await eventually(lambda: self.conn.status_dict["user_stream_connected"], timeout=10, what="logged in again")

    async def test_service_upgrade_notice_moves_the_public_stream_to_a_new_socket(self) -> None:
        # https://www.okx.com/docs-v5/en/#overview-websocket-notice: 64008 ahead of a service upgrade.
        path = self.public_ws_path
        await self.venue.push(path, {"event": "notice", "code": "64008", "connId": "a4d3ae55",
                                     "msg": "The connection will soon be closed for a service upgrade. "
                                            "Please reconnect."})
        await self.venue.wait_for_connections(path, count=2)
        await eventually(lambda: self.venue.live_connections(path) == 1, what="the old socket closed")
        await self.push_public("snapshot")
        await eventually(lambda: self.conn.get_order_book(self.trading_pair).is_synced, what="book on the new socket")

    async def test_signed_request_headers_cover_the_sent_body(self) -> None:
        await self.open_order()
        request = self.placements()[-1]
        timestamp = request.headers["OK-ACCESS-TIMESTAMP"]
        expected = base64.b64encode(hmac.new(API_SECRET.encode(), (timestamp + "POST/api/v5/trade/order").encode()
                                             + request.body, hashlib.sha256).digest()).decode()
        assert request.headers["OK-ACCESS-SIGN"] == expected
        assert request.headers["OK-ACCESS-KEY"] == API_KEY and request.headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
        assert timestamp.endswith("Z") and len(timestamp) == len("2020-12-08T09:08:57.715Z")
        body = request.json
        assert (body["tdMode"], body["ordType"], body["side"]) == ("cash", "limit", "buy")
        assert "x-simulated-trading" not in request.headers

    async def test_market_orders_say_which_currency_sz_is_in(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "901", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.MARKET)
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal(0), OrderType.MARKET,
                                    quote_amount=Decimal("25"))
        base, quote = (r.json for r in self.placements()[-2:])
        assert (base["ordType"], base["tgtCcy"], Decimal(base["sz"])) == ("market", "base_ccy", self.order_amount)
        assert (quote["tgtCcy"], quote["sz"]) == ("quote_ccy", "25")
        assert "px" not in base and "px" not in quote

    async def test_gap_resubscribes_and_rebuilds_the_book_from_the_stream(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 2, last + 2, last + 1)
        await self.venue.wait_for_ws_message(self.public_ws_path,
                                             lambda m: isinstance(m, dict) and m.get("op") == "subscribe", count=2)
        sent = self.venue.endpoint(self.public_ws_path).received[received:]
        assert [m["op"] for m in sent if isinstance(m, dict)][:2] == ["unsubscribe", "subscribe"]
        assert {"channel": "books", "instId": "BTC-USDT"} in sent[1]["args"]
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        assert Decimal("100.10") not in [level.price for level in book.bids()]

    async def test_batch_orders_one_request_with_per_order_outcomes(self) -> None:
        def answer(request: RecordedRequest) -> MockResponse:
            first, second = request.json
            return MockResponse({"code": "2", "msg": "", "data": [
                {"clOrdId": first["clOrdId"], "ordId": "7001", "tag": "", "ts": "1695190491421", "sCode": "0",
                 "sMsg": ""},
                {"clOrdId": second["clOrdId"], "ordId": "", "tag": "", "ts": "1695190491421", "sCode": "51008",
                 "sMsg": "Order failed. Insufficient USDT balance in account."}]})

        self.venue.route("POST", "/api/v5/trade/batch-orders", answer)
        results = await self.conn.place_orders([
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, Decimal("98.00")),
        ])
        placed, refused = results
        assert not isinstance(placed, Exception) and placed.exchange_order_id == "7001"
        assert placed.state is OrderState.OPEN
        assert isinstance(refused, InsufficientFunds) and refused.venue_code == "51008"
        assert len(self.venue.requests_to("POST", "/api/v5/trade/batch-orders")) == 1
        assert not self.placements()

    async def test_amend_changes_the_order_in_place(self) -> None:
        client_id = await self.open_order()
        order = self.conn.in_flight_orders[client_id]
        half = self.order_amount / 2
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.PARTIALLY_FILLED,
                                                             fill_amount=half, cum_amount=half, trade_id="81"))
        await eventually(lambda: order.executed_amount_base == half, what="partial fill")
        self.venue.route("POST", "/api/v5/trade/amend-order", MockResponse({"code": "0", "msg": "", "data": [
            {"clOrdId": client_id, "ordId": order.exchange_order_id, "ts": "1695190491421", "reqId": "",
             "sCode": "0", "sMsg": ""}]}))
        amended = await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.50"),
                                              amount=Decimal("0.4"))
        assert amended is order and order.price == Decimal("98.50") and order.amount == Decimal("0.65")
        body = self.venue.requests_to("POST", "/api/v5/trade/amend-order")[0].json
        # newSz counts what already filled: 0.25 filled + 0.4 still to trade.
        assert body == {"instId": "BTC-USDT", "ordId": order.exchange_order_id, "newSz": "0.65000", "newPx": "98.50"}
        assert client_id in self.conn.in_flight_orders and not self.events(EventType.ORDER_CANCELLED)
        # The stream keeps naming the same order, which completes with the new size.
        await self.push_user("user_fill", **self.order_vars(client_id, state=OrderState.FILLED, fill_amount="0.4",
                                                             cum_amount="0.65", trade_id="82"))
        await eventually(lambda: bool(self.events(EventType.ORDER_COMPLETED)), what="completed")

    async def test_cancel_all_batch_cancels_the_open_orders(self) -> None:
        first, second = await self.open_order(), await self.open_order()
        orders = [self.conn.in_flight_orders[c] for c in (first, second)]

        def answer(request: RecordedRequest) -> MockResponse:
            return MockResponse({"code": "0", "msg": "", "data": [
                {"clOrdId": "", "ordId": ref["ordId"], "ts": "1695190491421", "sCode": "0", "sMsg": ""}
                for ref in request.json]})

        self.serve("cancel_all", answer)
        results = await self.conn.cancel_all(timeout=5)
        assert sorted((r.client_order_id, r.success) for r in results) == sorted([(first, True), (second, True)])
        refs = self.venue.requests_to(*self.routes["cancel_all"])[0].json
        assert refs == [{"instId": "BTC-USDT", "ordId": o.exchange_order_id} for o in orders]
        assert not self.venue.requests_to(*self.routes["cancel_order"])

    async def test_suspended_instrument_not_tradable(self) -> None:
        # LUNA-USDT is in the fixture with state "suspend".
        assert "LUNA-USDT" not in self.conn.trading_rules and "ETH-USDT" in self.conn.trading_rules

    async def test_reduce_only_refused_on_spot(self) -> None:
        with pytest.raises(NotSupported, match="reduce-only"):
            self.conn.sell(self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price, reduce_only=True)
        assert not self.placements()
