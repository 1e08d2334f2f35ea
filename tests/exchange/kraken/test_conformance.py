"""The shared spot conformance suite, run against the Kraken connector over a loopback venue.

The mock plays Kraken: it checks every private REST call's API-Sign (computed here from the docs' rule),
hands out a WebSocket token, answers a v2 ``book`` subscription with the snapshot on the stream, and
stamps every book message with the venue's CRC32 checksum, computed here independently of the
connector's own. Prices and sizes go over the wire as JSON numbers, as v2 sends them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.core.events import EventType
from clobconn.core.orders.lifecycle import BatchOrder
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, SpotConformanceSuite, eventually, state_of
from clobconn.testing.venue_book import book_levels

FIXTURES = Path(__file__).parents[2] / "fixtures" / "kraken"
# Kraken secrets are base64: the suite's secret, encoded, is this venue's.
SECRET = base64.b64encode(API_SECRET.encode()).decode()
TOKEN = "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw"
Levels = dict[Decimal, tuple[str, str]]
REST_STATES = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "open", OrderState.FILLED: "closed",
               OrderState.CANCELED: "canceled"}


def wire(value: Any) -> str:
    """A number as the mock writes it in JSON (orjson's shortest float text, which Python's repr shares)."""
    return repr(float(value))


def venue_checksum(bids: Levels, asks: Levels) -> int:
    """The docs' rule: the top 10 asks (lowest first) then bids (highest first), price then qty as sent,
    without the decimal point and leading zeros, CRC32."""
    def text(level: tuple[str, str]) -> str:
        return "".join(part.replace(".", "").lstrip("0") for part in level)
    top = [asks[p] for p in sorted(asks)[:10]] + [bids[p] for p in sorted(bids, reverse=True)[:10]]
    return zlib.crc32("".join(text(level) for level in top).encode())


def apply(side: Levels, levels: list[dict[str, float]], depth: int = 10, best_first_high: bool = True) -> None:
    for level in levels:
        price, qty = wire(level["price"]), wire(level["qty"])
        if Decimal(qty) == 0:
            side.pop(Decimal(price), None)
        else:
            side[Decimal(price)] = (price, qty)
    for price in sorted(side, reverse=best_first_high)[depth:]:
        del side[price]


def expected_api_sign(request: RecordedRequest) -> str:
    """The docs' rule, written out apart from the connector: HMAC-SHA512(path + SHA256(nonce + body))."""
    nonce = request.params["nonce"] if not request.body.startswith(b"{") else str(request.json["nonce"])
    digest = hashlib.sha256(nonce.encode() + request.body).digest()
    return base64.b64encode(hmac.new(base64.b64decode(SECRET), request.path.encode() + digest,
                                     hashlib.sha512).digest()).decode()


class TestKrakenConformance(SpotConformanceSuite):
    connector_id = "kraken"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USD"
    second_trading_pair = "ETH-USD"
    routes = {
        "server_time": ("GET", "/0/public/Time"),
        "trading_rules": ("GET", "/0/public/AssetPairs"),
        "balances": ("POST", "/0/private/BalanceEx"),
        "place_order": ("POST", "/0/private/AddOrder"),
        "cancel_order": ("POST", "/0/private/CancelOrder"),
        "order_status": ("POST", "/0/private/QueryOrders"),
        "order_fills": ("POST", "/0/private/TradesHistory"),
        # Never called: CancelAll is account-wide, so cancel_all(pair) cancels order by order.
        "cancel_all": ("POST", "/0/private/CancelAll"),
        "open_orders": ("POST", "/0/private/OpenOrders"),
        "order_history": ("POST", "/0/private/ClosedOrders"),
    }
    public_ws_path = "/v2"
    user_ws_path = "/auth/v2"
    # The balances channel gives the total only.
    stream_balance_has_available = False
    venue_states = {OrderState.OPEN: "new", OrderState.PARTIALLY_FILLED: "partially_filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.0")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "min_price_increment": Decimal("0.1"),
        "min_base_amount_increment": Decimal("0.00000001"),
        "min_notional": Decimal("0.5"),
    }
    expected_balances = {"BTC": (Decimal("0.75"), Decimal("0.5")), "USD": (Decimal("1000.5"), Decimal("900.25"))}

    def connector_config(self, **overrides: Any) -> dict[str, Any]:
        config = super().connector_config(api_secret=SECRET, private_ws_url=f"{self.venue.ws_url}/auth")
        config.update(overrides)
        return config

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        form = request.params
        return {"price": form.get("price"), "amount": form.get("volume"), "client_order_id": form.get("cl_ord_id")}

    def format_levels(self, levels: list[tuple[str, str]]) -> Any:
        # v2 sends numbers; a scenario's deliberately bad value (a bool, None) goes out as it is.
        def number(value: Any) -> Any:
            return float(value) if isinstance(value, str) else value
        return [{"price": number(price), "qty": number(size)} for price, size in levels]

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        variables["rest_state"] = REST_STATES[variables["state"]]
        # v2 sends numbers ("name_num" in the fixtures); a value JSON cannot hold as a number (NaN, 1e400)
        # or a deliberately wrong type goes out as it is, to reach the connector's checks.
        for name, value in list(variables.items()):
            if isinstance(value, (str, Decimal, int, float)) and not isinstance(value, bool):
                try:
                    number = float(value)
                except ValueError:
                    variables[f"{name}_num"] = value
                    continue
                variables[f"{name}_num"] = number if math.isfinite(number) else str(value)
            else:
                variables[f"{name}_num"] = value
        # A message's checksum is over the book after it; a scenario that passes its own (wrong) one keeps it.
        if "checksum" not in variables:
            bids, asks = book_levels(getattr(self, "conn", None), self.trading_pair)
            apply(bids, variables["bids"])
            apply(asks, variables["asks"], best_first_high=False)
            variables["checksum"] = venue_checksum(bids, asks)
        return variables

    def snapshot_frame(self, symbol: str) -> Any:
        bids: Levels = {}
        asks: Levels = {}
        apply(bids, self.format_levels(list(self.snapshot_bids)))
        apply(asks, self.format_levels(list(self.snapshot_asks)), best_first_high=False)
        return self.fixtures.payload("snapshot", self.vars(symbol=symbol, checksum=venue_checksum(bids, asks)))

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/0/public/Assets", lambda _: self.reply("assets"))
        venue.route("POST", "/0/private/GetWebSocketsToken", lambda _: self.reply("ws_token"))

    def refuse_user_login(self) -> None:
        # A refused key is refused at GetWebSocketsToken, before any socket (spot-errors: EAPI:Invalid key).
        self.venue.route("POST", "/0/private/GetWebSocketsToken", self.reply("auth_error"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        method, params = message.get("method"), message.get("params") or {}
        if method == "ping":
            return [{"method": "pong", "time_in": "2023-09-24T14:10:23.799685Z"}]
        if method not in ("subscribe", "unsubscribe"):
            return []
        if path == self.user_ws_path:
            ok = params.get("token") == TOKEN
            return [{"method": method, "result": {"channel": params["channel"]}, "success": ok,
                     **({} if ok else {"error": "EAccount:Invalid token"})}]
        replies: list[Any] = []
        for symbol in params.get("symbol", []):
            replies.append({"method": method, "success": True,
                            "result": {"channel": params["channel"], "symbol": symbol}})
            if method == "subscribe" and params["channel"] == "book":
                # The snapshot follows the ack on the stream: what RESUBSCRIBE relies on.
                replies.append(self.snapshot_frame(symbol))
        return replies

    # == what the suite's scenarios assume that Kraken does otherwise =============================

    async def test_book_gap_triggers_resync(self) -> None:
        pytest.skip("Kraken's book carries no sequence number: the checksum of every message is its check")

    async def test_gap_reports_book_lost_then_synced(self) -> None:
        pytest.skip("Kraken's book carries no sequence number, so there is no gap to report")

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # QueryOrders takes txids only: an order whose ack never came is found among the open orders
        # by its cl_ord_id (the suite's version serves the status query instead).
        self.serve("place_order", MockResponse({}, delay=1.3))
        with pytest.raises(Exception, match="outcome") as info:
            await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT,
                                        self.order_price)
        client_id = info.value.client_order_id  # type: ignore[attr-defined]
        order = self.conn.in_flight_orders[client_id]
        self.serve_listings({"client_order_id": client_id, "exchange_order_id": "5012340001",
                             "state": OrderState.OPEN})
        await self.conn._update_order_status()
        assert state_of(order) is OrderState.OPEN and order.exchange_order_id == "5012340001"
        (request,) = self.venue.requests_to(*self.routes["open_orders"])[-1:]
        assert request.params["cl_ord_id"] == client_id
        assert len(self.placements()) == 1
        assert [e.client_order_id for e in self.events(EventType.ORDER_CREATED)] == [client_id]

    # == what only this venue's protocol adds =====================================================

    async def test_every_private_call_is_signed_with_a_rising_nonce(self) -> None:
        await self.open_order()
        private = [r for r in self.venue.requests if r.path.startswith("/0/private/")]
        assert len(private) >= 4
        for request in private:
            assert request.headers["API-Key"] == API_KEY
            assert request.headers["API-Sign"] == expected_api_sign(request), request.path
        nonces = [int(r.params["nonce"]) for r in private]
        assert nonces == sorted(nonces) and len(set(nonces)) == len(nonces)
        placement = self.placements()[-1].params
        assert (placement["pair"], placement["ordertype"], placement["type"], placement["timeinforce"]) == (
            "XBTUSD", "limit", "buy", "GTC")

    async def test_pairs_and_assets_use_the_common_names(self) -> None:
        # XBT/USD is BTC-USD, XDG/USD is DOGE-USD; the cancel_only pair is not tradable.
        assert self.conn.symbols["BTC-USD"] == "BTC/USD"
        assert self.conn.symbols["DOGE-USD"] == "DOGE/USD"
        assert "USDT-USD" not in self.conn.trading_rules
        assert set(self.conn.balances) >= {"BTC", "USD"} and "XXBT" not in self.conn.balances

    async def test_private_stream_subscribes_with_the_token(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[0]
        assert [(f["params"]["channel"], f["params"]["token"]) for f in frames[:2]] == [
            ("executions", TOKEN), ("balances", TOKEN)]
        assert len(self.venue.requests_to("POST", "/0/private/GetWebSocketsToken")) == 1
        # A new connection asks for a new token (one unused for 15 minutes expires).
        await self.venue.drop(self.user_ws_path)
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        await eventually(lambda: self.conn.ready, what="ready again")
        assert len(self.venue.requests_to("POST", "/0/private/GetWebSocketsToken")) == 2

    async def test_book_is_cut_to_the_subscribed_depth(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        bids = [(f"{95 - i}.0", "1.0") for i in range(8)]
        await self.push_diff(bids, [], 0, 0, 0)
        await eventually(lambda: book.bid_depth == 10, what="ten bids")
        # Kraken sends no removal for the levels pushed below the 10th: the book drops them itself, and
        # the next checksum (over the venue's own top 10) still matches.
        assert Decimal("88.0") not in [level.price for level in book.bids()]
        await self.push_diff([("100.2", "0.1")], [], 0, 0, 0)
        await eventually(lambda: book.best_bid == Decimal("100.2"), what="the next update")
        assert book.is_synced and book.bid_depth == 10 and self.conn.order_book_tracker.resyncs == 0

    async def test_the_checksum_covers_the_digits_as_sent(self) -> None:
        # v2 writes 0.50000000 as a JSON number; the checksum covers its eight decimals, which a float
        # decode would drop (the connector decodes its frames with the numbers' text kept).
        book = self.conn.get_order_book(self.trading_pair)
        bids, asks = book_levels(getattr(self, "conn", None), self.trading_pair)
        bids[Decimal("100.25")] = ("100.25", "0.50000000")
        frame = ('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":100.25,'
                 f'"qty":0.50000000}}],"asks":[],"checksum":{venue_checksum(bids, asks)},'
                 '"timestamp":"2023-10-06T17:35:55.440295Z"}]}')
        await self.venue.push(self.public_ws_path, frame)
        await eventually(lambda: book.best_bid == Decimal("100.25"), what="the update applied")
        assert book.is_synced and self.conn.order_book_tracker.resyncs == 0

    async def test_checksum_mismatch_resubscribes_the_pair_on_the_same_socket(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        await self.push_diff([("100.1", "1")], [], 0, 0, 0, checksum=12345)
        await eventually(lambda: self.conn.order_book_tracker.resyncs >= 1, what="resync")
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        methods = [(m["method"], m["params"]["channel"])
                   for m in self.venue.endpoint(self.public_ws_path).received[received:]]
        assert ("unsubscribe", "book") in methods and ("subscribe", "book") in methods
        assert self.venue.connections(self.public_ws_path) == 1

    async def test_batch_orders_answer_each_order_with_a_txid_or_its_refusal(self) -> None:
        # https://docs.kraken.com/api/docs/rest-api/add-order-batch: one entry per order, in order.
        def answer(request: RecordedRequest) -> MockResponse:
            return MockResponse({"error": [], "result": {"orders": [
                {"txid": "65LRD3-AHGRA-YAH8V5", "descr": {"order": "buy 0.50000000 XBTUSD @ limit 99.0"}},
                {"error": "EOrder:Insufficient funds"}]}})

        self.venue.route("POST", "/0/private/AddOrderBatch", answer)
        orders: list[BatchOrder] = [
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.SELL, self.trading_pair, self.order_amount, OrderType.LIMIT_MAKER, Decimal("101"))]
        placed, refused = await self.conn.place_orders(orders)
        assert not isinstance(placed, Exception) and placed.exchange_order_id == "65LRD3-AHGRA-YAH8V5"
        assert isinstance(refused, InsufficientFunds)
        (request,) = self.venue.requests_to("POST", "/0/private/AddOrderBatch")
        assert request.headers["API-Sign"] == expected_api_sign(request)
        body = request.json
        assert body["pair"] == "XBTUSD" and [o["type"] for o in body["orders"]] == ["buy", "sell"]
        assert body["orders"][1]["oflags"] == "post"

    async def test_amend_changes_the_order_in_place(self) -> None:
        client_id = await self.open_order()
        order = self.conn.in_flight_orders[client_id]
        self.venue.route("POST", "/0/private/AmendOrder",
                         MockResponse({"error": [], "result": {"amend_id": "TTW6PD-RC36L-ZZSWNU"}}))
        await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98.5"))
        (request,) = self.venue.requests_to("POST", "/0/private/AmendOrder")
        assert (request.params["txid"], request.params["limit_price"]) == (order.exchange_order_id, "98.5")
        assert Decimal(request.params["order_qty"]) == self.order_amount
        assert self.conn.in_flight_orders[client_id].price == Decimal("98.5")

    async def test_the_base64_secret_never_shows(self, caplog: pytest.LogCaptureFixture) -> None:
        await self.open_order()
        for text in (caplog.text, repr(self.conn), repr(self.conn.config), repr(self.conn.auth)):
            assert SECRET not in text
