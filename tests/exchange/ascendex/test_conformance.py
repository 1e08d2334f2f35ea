"""The shared spot conformance suite, run against the AscendEx connector over a loopback venue.

The mock plays AscendEx: private paths start with the account group that GET /api/pro/v1/info gives
(6 in the fixture), the private socket is /6/api/pro/v1/stream and its ``auth`` op is checked against
the docs' signing rule, computed here. The venue's order ids end with the last 9 characters of the
client's id (Generate Order Id), so the fixtures' order ids do too (``venue_order_id``).
"""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported
from clobconn.core.events import EventType
from clobconn.core.orders.lifecycle import BatchOrder
from clobconn.core.web.auth import hmac_sha256_base64
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ascendex"
GROUP = "6"
PRIVATE = f"/{GROUP}/api/pro/v1"


def expected_signature(timestamp: Any, api_path: str) -> str:
    """The docs' rule, written out independently of the connector: base64 HMAC-SHA256 of "<ts>+<path>"."""
    return hmac_sha256_base64(API_SECRET, f"{timestamp}+{api_path}")


class TestAscendexConformance(SpotConformanceSuite):
    connector_id = "ascendex"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/api/pro/v1/exchange-info"),
        "trading_rules": ("GET", "/api/pro/v1/cash/products"),
        "snapshot": ("GET", "/api/pro/v1/depth"),
        "balances": ("GET", f"{PRIVATE}/cash/balance"),
        "place_order": ("POST", f"{PRIVATE}/cash/order"),
        "cancel_order": ("DELETE", f"{PRIVATE}/cash/order"),
        "cancel_all": ("DELETE", f"{PRIVATE}/cash/order/all"),
        # The order's totals are its fills: both roles are the order query.
        "order_status": ("GET", f"{PRIVATE}/cash/order/status"),
        "order_fills": ("GET", f"{PRIVATE}/cash/order/status"),
        "open_orders": ("GET", f"{PRIVATE}/cash/order/open"),
        "order_history": ("GET", f"{PRIVATE}/cash/order/hist/current"),
    }
    public_ws_path = "/api/pro/v1/stream"
    user_ws_path = f"{PRIVATE}/stream"
    venue_states = {OrderState.OPEN: "New", OrderState.PARTIALLY_FILLED: "PartiallyFilled",
                    OrderState.FILLED: "Filled", OrderState.CANCELED: "Canceled"}
    venue_sides = {TradeType.BUY: "Buy", TradeType.SELL: "Sell"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.00001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("400000"),
    }
    expected_balances = {"BTC": (Decimal("0.75"), Decimal("0.5")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("orderPrice"), "amount": body.get("orderQty"), "client_order_id": body.get("id")}

    def template_vars(self, variables: dict[str, Any]) -> dict[str, Any]:
        # The venue's order id ends with the client id's last 9 characters; an id that already does (the
        # one the connector took from an ack) is kept as it is.
        exchange_id, client_id = str(variables["exchange_order_id"]), str(variables["client_order_id"])
        tail = client_id[-9:]
        composite = client_id != "unknown" and not exchange_id.endswith(tail)
        variables["venue_order_id"] = f"a{exchange_id}{tail}" if composite else exchange_id
        return variables

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/api/pro/v1/info", lambda _: self.reply("accounts"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if message.get("op") in ("sub", "unsub"):
            return [{"m": message["op"], "id": message.get("id"), "ch": message["ch"], "code": 0}]
        if message.get("op") == "ping":
            return [{"m": "pong", "code": 0, "ts": 1574260701259, "hp": 2}]
        if message.get("op") == "auth":
            if message.get("key") == API_KEY and message.get("sig") == expected_signature(message["t"], "stream"):
                # A greeting and a ping may come before the answer; the ping wants its pong first.
                return [{"op": "connected", "type": "unauth"}, {"m": "ping", "hp": 3},
                        {"m": "auth", "id": message.get("id"), "code": 0}]
            return [{"m": "auth", "id": message.get("id"), "code": 200001, "err": "Authorization failed"}]
        return []

    def refuse_user_login(self) -> None:
        # The docs' "Auth error message".
        self.venue.on_ws_message(self.user_ws_path, lambda m: [
            {"m": "auth", "id": "abc123", "code": 200006, "err": "Unable to find User Account Data"}]
            if isinstance(m, dict) and m.get("op") == "auth" else [])

    # == the venue's differences ====================================================================

    status_also_listed = False

    def serve(self, role: str, *responses: MockResponse | Any) -> None:
        super().serve(role, *responses)
        if role == "order_status" and self.status_also_listed:
            super().serve("open_orders", *responses)

    async def test_placement_timeout_is_outcome_unknown_and_reconciled(self) -> None:
        # Before its ack an order can be found only in the listings (the order query takes the venue's
        # order id): the order the suite serves as its status is what the open orders hold.
        self.status_also_listed = True
        await super().test_placement_timeout_is_outcome_unknown_and_reconciled()
        assert self.venue.requests_to(*self.routes["open_orders"])
        assert not self.venue.requests_to(*self.routes["order_status"])

    async def test_unknown_placement_listed_as_open_is_not_lost(self) -> None:
        # The suite's check with the venue's id: the listed order's id ends with the client id's tail.
        client_id = await self.place_with_lost_answer()
        self.serve("order_status", self.reply("order_not_found"))
        listed = {"client_order_id": client_id, "exchange_order_id": "5012345757", "state": OrderState.OPEN}
        self.serve_listings(listed)
        self.pass_acceptance_deadline()
        for _ in range(self.conn.spec.lost_order_threshold):
            await self.conn._update_order_status()
        order = self.conn.in_flight_orders[client_id]
        assert order.state is OrderState.OPEN and order.exchange_order_id == f"a5012345757{client_id[-9:]}"
        assert not self.events(EventType.ORDER_LOST)

    @pytest.mark.parametrize("amount", ["NaN", "-0.25"])
    async def test_a_bad_fill_amount_is_skipped_and_the_next_fill_lands(self, amount: str) -> None:
        pytest.skip("AscendEx sends no fill amounts, only each order's cumulative filled quantity (cfq), from "
                    "which fills are derived: a bad one is test_a_bad_executed_amount_is_skipped_...")

    async def test_completion_waits_for_every_fill_whatever_the_arrival_order(self) -> None:
        # The suite's permutations, with what AscendEx's fills are: each order message's totals less the
        # fills counted. When the full total comes first it is one fill of everything, and the older
        # half total that follows adds nothing; otherwise two fills. Either way the order completes
        # once, after its fills, with the whole amount.
        half = self.order_amount / 2
        messages = ("fill_1", "fill_2", "order_partial", "order_filled")
        for arrival in itertools.permutations(messages):
            client_id = await self.open_order()
            for name in arrival:
                full = name in ("fill_2", "order_filled")
                await self.push_user("user_fill", **self.order_vars(
                    client_id, state=OrderState.FILLED if full else OrderState.PARTIALLY_FILLED,
                    cum_amount=self.order_amount if full else half))

            def mine(event_type: EventType, cid: str = client_id) -> list[Any]:
                return [e for e in self.events(event_type) if e.client_order_id == cid]

            await eventually(lambda: bool(mine(EventType.ORDER_COMPLETED)), what=f"completion after {arrival}")
            await asyncio.sleep(0.02)
            (completed,), fills = mine(EventType.ORDER_COMPLETED), mine(EventType.ORDER_FILLED)
            first_full = min(arrival.index("fill_2"), arrival.index("order_filled"))
            first_half = min(arrival.index("fill_1"), arrival.index("order_partial"))
            assert len(fills) == (2 if first_half < first_full else 1), arrival
            assert sum((f.trade.fill_base_amount for f in fills), Decimal(0)) == self.order_amount, arrival
            assert self.recorded.index(completed) > max(self.recorded.index(f) for f in fills), arrival
            assert completed.executed_base == self.order_amount, arrival

    # == what only this venue's protocol adds =====================================================

    async def test_private_paths_carry_the_account_group_fetched_once_at_start(self) -> None:
        assert self.conn.account == {"group": GROUP, "uid": "U0866943712"}
        assert len(self.venue.requests_to("GET", "/api/pro/v1/info")) == 1
        await self.open_order()
        (placement,) = self.placements()
        assert placement.path == f"/{GROUP}/api/pro/v1/cash/order"

    async def test_every_signed_request_signs_its_documented_api_path(self) -> None:
        client_id = await self.open_order()
        self.serve("order_status", self.reply("order_status", self.order_vars(client_id)))
        await self.conn._update_order_status()
        signed = {"/api/pro/v1/info": "info", f"{PRIVATE}/cash/balance": "balance",
                  f"{PRIVATE}/cash/order": "order", f"{PRIVATE}/cash/order/status": "order/status"}
        for path, api_path in signed.items():
            request = self.venue.requests_to("POST" if path.endswith("/order") else "GET", path)[-1]
            headers = request.headers
            assert headers["x-auth-key"] == API_KEY
            assert headers["x-auth-signature"] == expected_signature(headers["x-auth-timestamp"], api_path), path
        assert "x-auth-signature" not in self.venue.requests_to("GET", "/api/pro/v1/depth")[0].headers

    async def test_private_stream_authenticates_then_subscribes_to_the_cash_orders(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[0]
        assert frames[0]["op"] == "auth" and frames[0]["key"] == API_KEY
        # ws_reply refuses a bad signature (the stream would reconnect): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert frames[1] == {"op": "pong"}
        assert {"op": "sub", "ch": "order:cash"}.items() <= frames[2].items()

    async def test_the_order_message_brings_both_balances(self) -> None:
        client_id = await self.open_order()
        frame = self.fixtures.payload("user_order", self.vars(**self.order_vars(client_id)))
        frame["data"] |= {"btb": "1.25", "bab": "0.75", "qtb": "950.5", "qab": "900.5"}
        await self.venue.push(self.user_ws_path, frame)
        await eventually(lambda: self.conn.get_balance("BTC") == Decimal("1.25"), what="the base balance")
        assert self.conn.get_available_balance("BTC") == Decimal("0.75")
        assert (self.conn.get_balance("USDT"), self.conn.get_available_balance("USDT")) == (
            Decimal("950.5"), Decimal("900.5"))

    async def test_limit_maker_is_post_only_and_market_orders_carry_no_price_or_time_in_force(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "905", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, self.order_amount, OrderType.LIMIT_MAKER,
                                    self.order_price)
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET)
        maker, market = (request.json for request in self.placements()[-2:])
        assert (maker["orderType"], maker["postOnly"], maker["timeInForce"], maker["side"]) == (
            "limit", True, "GTC", "buy")
        assert maker["symbol"] == "BTC/USDT" and isinstance(maker["time"], int)
        assert market["orderType"] == "market" and market["side"] == "sell"
        assert "orderPrice" not in market and "timeInForce" not in market and "postOnly" not in market

    async def test_batch_orders_go_ten_a_request_and_a_refused_batch_names_each_orders_reason(self) -> None:
        # https://ascendex.github.io/ascendex-pro-api/#place-batch-orders: all or nothing, up to 10 orders.
        def answer(request: RecordedRequest) -> MockResponse:
            orders = request.json["orders"]
            if len(orders) == 10:
                return MockResponse({"code": 0, "data": {"ac": "CASH", "action": "batch-place-order", "status": "Ack",
                                     "info": [{"id": o["id"], "orderId": f"a16e80b75cbd{o['id'][-9:]}",
                                               "orderType": "Limit", "symbol": o["symbol"],
                                               "timestamp": 1573596819185} for o in orders]}})
            first, second = orders
            return MockResponse({"ac": "CASH", "action": "batch-place-order", "code": 300013, "info": [
                {"code": 300004, "id": first["id"], "message": "Notional is too small.",
                 "reason": "INVALID_NOTIONAL", "symbol": "BTC/USDT"},
                {"code": 300013, "id": second["id"], "message": "Some invalid order in this batch.",
                 "reason": "INVALID_BATCH_ORDER", "symbol": "BTC/USDT"}],
                "message": "Batch Order failed, please check each order info for detail.",
                "reason": "INVALID_BATCH_ORDER", "status": "Err"})

        self.venue.route("POST", f"{PRIVATE}/cash/order/batch", answer)
        order: BatchOrder = (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price)
        results = await self.conn.place_orders([order] * 12)
        requests = self.venue.requests_to("POST", f"{PRIVATE}/cash/order/batch")
        assert [len(r.json["orders"]) for r in requests] == [10, 2]
        placed = [r for r in results if not isinstance(r, Exception)]
        assert len(placed) == 10 and all(str(p.exchange_order_id).startswith("a16e80b75cbd") for p in placed)
        refused = [r for r in results if isinstance(r, Exception)]
        assert [getattr(r, "venue_code", None) for r in refused] == [300004, 300013]
        assert "Notional is too small" in str(refused[0])

    async def test_amend_is_not_supported_and_says_so_naming_the_venue(self) -> None:
        client_id = await self.open_order()
        with pytest.raises(NotSupported, match="ascendex"):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98"))
