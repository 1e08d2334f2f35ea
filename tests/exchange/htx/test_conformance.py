"""The shared spot conformance suite, run against the HTX connector over a loopback venue.

The mock plays HTX: it acknowledges "sub"s, answers a "req" of the mbp topic with the book (the
snapshot comes on the book's socket, STREAM_REQUEST), checks the /ws/v2 auth request's signature
(version 2.1, computed here from the docs' rule) and acknowledges the private topics. The venue gzips
its public frames; the loopback venue sends plain JSON text, which the same sockets read (the gzip
path is covered in test_htx_specific.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import InsufficientFunds, NotSupported
from clobconn.core.orders.lifecycle import BatchOrder
from clobconn.core.web.auth import hmac_sha256_base64
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest
from clobconn.testing.suites import API_KEY, API_SECRET, SpotConformanceSuite, eventually

FIXTURES = Path(__file__).parents[2] / "fixtures" / "htx"
ACCOUNT_ID = "100009"


def expected_ws_signature(params: dict[str, str]) -> str:
    """The docs' v2.1 rule, written out independently of the connector."""
    signed = {key: params[key] for key in ("accessKey", "signatureMethod", "signatureVersion", "timestamp")}
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in sorted(signed.items()))
    return hmac_sha256_base64(API_SECRET, f"GET\n127.0.0.1\n/ws/v2\n{query}")


class TestHtxConformance(SpotConformanceSuite):
    connector_id = "htx"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    # No "snapshot" route: the book comes as the answer to a "req" on the book's socket (see ws_reply).
    routes = {
        "server_time": ("GET", "/v1/common/timestamp"),
        "trading_rules": ("GET", "/v1/settings/common/market-symbols"),
        "balances": ("GET", f"/v1/account/accounts/{ACCOUNT_ID}/balance"),
        "place_order": ("POST", "/v1/order/orders/place"),
        "cancel_order": ("POST", "/v1/order/orders/{order_id}/submitcancel"),
        "order_status": ("GET", "/v1/order/orders/{order_id}"),
        "order_fills": ("GET", "/v1/order/orders/{order_id}/matchresults"),
        "cancel_all": ("POST", "/v1/order/orders/batchCancelOpenOrders"),
        "open_orders": ("GET", "/v1/order/openOrders"),
        "order_history": ("GET", "/v1/order/history"),
    }
    public_ws_path = "/feed"
    role_ws_paths = {"trade": "/ws"}
    user_ws_path = "/ws/v2"
    venue_states = {OrderState.OPEN: "submitted", OrderState.PARTIALLY_FILLED: "partial-filled",
                    OrderState.FILLED: "filled", OrderState.CANCELED: "canceled"}
    venue_sides = {TradeType.BUY: "buy", TradeType.SELL: "sell"}
    rejected_error = InsufficientFunds
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.0001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.01"),
        "min_base_amount_increment": Decimal("0.000001"),
        "min_notional": Decimal("5"),
        "max_notional": Decimal("1000000"),
    }
    expected_balances = {"BTC": (Decimal("0.75"), Decimal("0.5")), "USDT": (Decimal("1000.5"), Decimal("900.25"))}

    def extract_order_fields(self, request: RecordedRequest) -> dict[str, str | None]:
        body = request.json
        return {"price": body.get("price"), "amount": body.get("amount"),
                "client_order_id": body.get("client-order-id")}

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("GET", "/v1/account/accounts", lambda _: self.reply("accounts"))

    def ws_reply(self, path: str, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            return []
        if "sub" in message:
            return [{"id": message.get("id"), "status": "ok", "subbed": message["sub"], "ts": 1489474081631}]
        if "unsub" in message:
            return [{"id": message.get("id"), "status": "ok", "unsubbed": message["unsub"], "ts": 1489474081631}]
        if "req" in message:
            symbol = str(message["req"]).split(".")[1]
            return [self.fixtures.payload("snapshot", self.vars(symbol=symbol))]
        if message.get("action") == "req" and message.get("ch") == "auth":
            params = message["params"]
            if params.get("accessKey") == API_KEY and params.get("signature") == expected_ws_signature(params):
                return [{"action": "req", "code": 200, "ch": "auth", "data": {}}]
            return [{"action": "req", "code": 2003, "ch": "auth", "message": "auth.fail"}]
        if message.get("action") == "sub":
            return [{"action": "sub", "code": 200, "ch": message["ch"], "data": {}}]
        return []

    def refuse_user_login(self) -> None:
        self.venue.on_ws_message(self.user_ws_path, lambda m: [{"action": "req", "code": 2003, "ch": "auth",
                                                                "message": "auth.fail"}]
                                 if isinstance(m, dict) and m.get("ch") == "auth" else [])

    async def push_user(self, fixture: str, **variables: Any) -> None:
        await super().push_user(fixture, **variables)
        if fixture == "user_fill":
            # Each trade comes twice: on trade.clearing with its fee, and on orders# with the order's new
            # state and cumulative amount (the suite's fills carry that state).
            await super().push_user("user_order", **variables)

    # == what only this venue's protocol adds =====================================================

    async def test_private_stream_authenticates_then_subscribes_every_symbol(self) -> None:
        frames = self.venue.endpoint(self.user_ws_path).sessions[0]
        auth = frames[0]
        assert (auth["action"], auth["ch"], auth["params"]["authType"]) == ("req", "auth", "api")
        assert auth["params"]["signatureVersion"] == "2.1"
        # ws_reply refuses a bad signature (the stream would reconnect): one connection means it passed.
        assert self.venue.connections(self.user_ws_path) == 1
        assert frames[1:] == [{"action": "sub", "ch": "orders#*"}, {"action": "sub", "ch": "trade.clearing#*#0"},
                              {"action": "sub", "ch": "accounts.update#2"}]

    async def test_orders_name_the_spot_account_fetched_at_start(self) -> None:
        assert self.conn.account == {"spot": ACCOUNT_ID}
        assert len(self.venue.requests_to("GET", "/v1/account/accounts")) == 1
        await self.open_order()
        body = self.placements()[-1].json
        assert (body["account-id"], body["type"], body["symbol"], body["source"]) == (
            ACCOUNT_ID, "buy-limit", "btcusdt", "spot-api")

    async def test_market_buy_is_sized_in_quote_currency(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "901", None)))
        await self.conn.place_order(self.trading_pair, TradeType.BUY, Decimal(0), OrderType.MARKET,
                                    quote_amount=Decimal("25"))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET)
        buy, sell = (request.json for request in self.placements()[-2:])
        assert (buy["type"], buy["amount"]) == ("buy-market", "25")
        assert (sell["type"], Decimal(sell["amount"])) == ("sell-market", self.order_amount)

    async def test_the_book_is_the_mbp_topic_on_feed_and_trades_on_ws(self) -> None:
        book_frames = self.venue.endpoint("/feed").sessions[0]
        assert [frame.get("sub") or frame.get("req") for frame in book_frames[:2]] == [
            "market.btcusdt.mbp.150", "market.btcusdt.mbp.150"]
        assert "req" in book_frames[1]
        assert self.venue.endpoint("/ws").sessions[0][0]["sub"] == "market.btcusdt.trade.detail"

    async def test_balances_of_other_accounts_are_not_ours(self) -> None:
        before = self.conn.get_balance("USDT")
        frame = self.fixtures.payload("user_balance", self.vars(total="5", available="5"))
        frame["data"]["accountId"] = 100010
        await self.venue.push(self.user_ws_path, frame)
        await self.push_user("user_balance", asset="ETH", total="3", available="2")
        await eventually(lambda: self.conn.get_balance("ETH") == Decimal("3"), what="the spot account's balance")
        assert self.conn.get_balance("USDT") == before

    async def test_batch_orders_answer_each_order_with_an_id_or_its_refusal(self) -> None:
        # https://huobiapi.github.io/docs/spot/v1/en/#place-a-batch-of-orders: one item per order.
        def answer(request: RecordedRequest) -> MockResponse:
            first, second = request.json
            return MockResponse({"status": "ok", "data": [
                {"order-id": 359985236, "client-order-id": first["client-order-id"]},
                {"client-order-id": second["client-order-id"], "err-code": "account-frozen-balance-insufficient-error",
                 "err-msg": "trade account balance is not enough, left: `89`"}]})

        self.venue.route("POST", "/v1/order/batch-orders", answer)
        orders: list[BatchOrder] = [
            (TradeType.BUY, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price),
            (TradeType.SELL, self.trading_pair, self.order_amount, OrderType.LIMIT, self.order_price)]
        placed, refused = await self.conn.place_orders(orders)
        assert not isinstance(placed, Exception) and placed.exchange_order_id == "359985236"
        assert isinstance(refused, InsufficientFunds)
        (request,) = self.venue.requests_to("POST", "/v1/order/batch-orders")
        assert [item["type"] for item in request.json] == ["buy-limit", "sell-limit"]
        assert {item["account-id"] for item in request.json} == {ACCOUNT_ID}

    async def test_amend_is_not_supported_and_says_so_naming_the_venue(self) -> None:
        client_id = await self.open_order()
        with pytest.raises(NotSupported, match="htx"):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98"))
