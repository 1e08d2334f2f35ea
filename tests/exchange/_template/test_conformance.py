"""The shared spot conformance suite, run against the template connector over a loopback venue.

The mock plays Template Exchange (docs/connectors/_template.md): it answers subscribes with a book
snapshot on the stream, checks the login frame's signature, and stamps every book message with the
venue's checksum, computed here independently of the connector's own checksum function.
"""

from __future__ import annotations

import hashlib
import hmac
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.testing.helpers import book_strings
from clobconn.testing.mock_venue import RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "_template"
Levels = dict[Decimal, tuple[str, str]]


def venue_checksum(bids: Levels, asks: Levels) -> int:
    """The venue's rule (#checksum): top 10 a side, best first, bid/ask interleaved, "price:size" joined by ":"."""
    top_bids = [bids[p] for p in sorted(bids, reverse=True)[:10]]
    top_asks = [asks[p] for p in sorted(asks)[:10]]
    parts = []
    for i in range(max(len(top_bids), len(top_asks))):
        parts += [f"{p}:{s}" for p, s in (top_bids[i:i + 1] + top_asks[i:i + 1])]
    return zlib.crc32(":".join(parts).encode())


def apply(side: Levels, levels: list[list[str]]) -> None:
    for price, size in levels:
        if Decimal(size) == 0:
            side.pop(Decimal(price), None)
        else:
            side[Decimal(price)] = (price, size)


class TestTemplateConformance(SpotConformanceSuite):
    connector_id = "_template"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book snapshot comes on the stream (see ws_reply).
    routes = {
        "server_time": ("GET", "/v1/time"),
        "trading_rules": ("GET", "/v1/markets"),
        "balances": ("GET", "/v1/balances"),
        "place_order": ("POST", "/v1/orders"),
        "cancel_order": ("POST", "/v1/orders/cancel"),
        "order_status": ("GET", "/v1/order"),
        "order_fills": ("GET", "/v1/fills"),
        "cancel_all": ("POST", "/v1/orders/cancel-all"),
        "open_orders": ("GET", "/v1/orders/open"),
        "order_history": ("GET", "/v1/orders/history"),
    }
    public_ws_path = "/ws"
    user_ws_path = "/ws/private"
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {"BTC": (Decimal("1.5"), Decimal("1.2")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}
    venue_states = {OrderState.OPEN: "open", OrderState.PARTIALLY_FILLED: "partial",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "cancelled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    exchange_order_id = "5012345678"

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("size"), "client_order_id": body.get("client_id")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # A diff's checksum is over the book after it: the connector's current book plus the diff's levels.
        # A scenario that passes its own "checksum" (a wrong one) keeps it.
        if "checksum" not in variables:
            bids, asks = book_strings(getattr(self, "conn", None), self.trading_pair)
            apply(bids, variables["bids"])
            apply(asks, variables["asks"])
            variables["checksum"] = venue_checksum(bids, asks)
        return variables

    def snapshot_frame(self, symbol: str) -> Any:
        bids: Levels = {}
        asks: Levels = {}
        apply(bids, [list(level) for level in self.snapshot_bids])
        apply(asks, [list(level) for level in self.snapshot_asks])
        return self.fixtures.payload("snapshot", self.vars(symbol=symbol, checksum=venue_checksum(bids, asks)))

    def refuse_user_login(self) -> None:
        # docs/connectors/_template.md#private-stream: a refused login answers ok false with the error.
        refusal = self.fixtures.payload("auth_error")["error"]
        self.venue.on_ws_message(self.user_ws_path, lambda message: [{"op": "login", "ok": False, "error": refusal}]
                                 if isinstance(message, dict) and message.get("op") == "login" else [])

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        op = message.get("op") if isinstance(message, dict) else None
        if op == "ping":
            return [{"op": "pong"}]
        if op == "login":
            expected = hmac.new(API_SECRET.encode(), f"{message['ts']}GET/ws/private".encode(),
                                hashlib.sha256).hexdigest()
            if message.get("key") == API_KEY and message.get("sign") == expected:
                return [{"op": "login", "ok": True}]
            return [{"op": "login", "ok": False, "error": {"code": "INVALID_SIGNATURE", "message": "bad sign"}}]
        if op in ("subscribe", "unsubscribe"):
            replies: list[Any] = [{"op": f"{op}d", "channels": message["channels"]}]
            if op == "subscribe" and path == self.public_ws_path:
                # The venue sends each book's snapshot right after the ack: this is what RESUBSCRIBE relies on.
                replies += [self.snapshot_frame(channel.split(".", 1)[1])
                            for channel in message["channels"] if channel.startswith("book.")]
            return replies
        return []

    # == what only this venue's protocol adds =====================================================

    async def test_private_stream_logs_in_then_subscribes(self) -> None:
        login, subscribe = self.venue.endpoint(self.user_ws_path).sessions[0][:2]
        assert login["op"] == "login" and login["key"] == API_KEY
        # ws_reply refuses a bad signature (and the stream would then reconnect): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert subscribe == {"op": "subscribe", "channels": ["orders", "fills", "balances"]}

    async def test_signed_request_headers_cover_the_sent_body(self) -> None:
        await self.open_order()
        request = self.placements()[-1]
        expected = hmac.new(API_SECRET.encode(), (request.headers["TPL-TS"] + "POST/v1/orders").encode()
                            + request.body, hashlib.sha256).hexdigest()
        assert request.headers["TPL-KEY"] == API_KEY and request.headers["TPL-SIGN"] == expected
        assert request.json["tif"] == "GTC" and request.json["post_only"] is False

    async def test_gap_resubscribes_and_rebuilds_the_book_from_the_stream(self) -> None:
        book = self.conn.get_order_book(self.trading_pair)
        received = len(self.venue.endpoint(self.public_ws_path).received)
        last = book.last_update_id
        await self.push_diff([("100.10", "1")], [], last + 2, last + 2, last + 1)
        new = await self.venue.wait_for_ws_message(self.public_ws_path, lambda m: m.get("op") == "subscribe",
                                                   count=2)
        assert [m["op"] for m in self.venue.endpoint(self.public_ws_path).received[received:]] == [
            "unsubscribe", "subscribe"]
        assert "book.BTC_USDT" in new[-1]["channels"]
        await eventually(lambda: book.is_synced and book.best_bid == Decimal("100.00"), what="rebuilt book")
        assert Decimal("100.10") not in [level.price for level in book.bids()]
