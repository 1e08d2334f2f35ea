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

from clobconn.core.data_types import OrderState, TradeType
from clobconn.core.errors import InsufficientFunds
from clobconn.core.events import EventType
from clobconn.core.order_book.checksum import interleaved_levels, signed_crc32
from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, PASSPHRASE, PerpetualConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bitget_perpetual"
Side = dict[Decimal, list[str]]


def merged(side: Side, levels: list[list[str]]) -> Side:
    """The side after a diff: a zero size removes the level, any other replaces or inserts it."""
    side = dict(side)
    for price, size in levels:
        if Decimal(size):
            side[Decimal(price)] = [price, size]
        else:
            side.pop(Decimal(price), None)
    return side


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
            bids, asks = self.book_sides()
            bids, asks = merged(bids, variables["bids"]), merged(asks, variables["asks"])
            if variables["first_id"] > self.book_id() + 1:
                # A scenario's gap: the diffs in between were lost on the way, so the venue's book (what
                # its checksum covers) holds a level the client never saw. seq alone cannot show it.
                bids[Decimal("1.5")] = ["1.5", "7"]
            top_bids = [bids[p] for p in sorted(bids, reverse=True)]
            top_asks = [asks[p] for p in sorted(asks)]
            variables["checksum"] = signed_crc32(interleaved_levels(top_bids, top_asks, 25))
        return variables

    def book_id(self) -> int:
        syncs = self.conn.order_book_tracker.syncs if hasattr(self, "conn") else {}
        return syncs[self.trading_pair].book.last_update_id if self.trading_pair in syncs else 0

    def book_sides(self) -> tuple[Side, Side]:
        syncs = self.conn.order_book_tracker.syncs if hasattr(self, "conn") else {}
        if self.trading_pair not in syncs:
            return {}, {}
        book = syncs[self.trading_pair].book
        return ({Decimal(p): [p, s] for p, s in book.raw_levels(True, book.bid_depth)},
                {Decimal(p): [p, s] for p, s in book.raw_levels(False, book.ask_depth)})

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
