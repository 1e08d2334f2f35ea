"""The shared perpetual conformance suite, run against the Binance USDⓈ-M connector over loopback."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from clobconn.testing.mock_venue import MockVenue, RecordedRequest
from clobconn.testing.suites import PerpetualConformanceSuite, eventually
from tests.exchange.binance.conformance_hooks import BinanceConformanceHooks

FIXTURES = Path(__file__).parents[2] / "fixtures" / "binance_perpetual"


class TestBinancePerpetualConformance(BinanceConformanceHooks, PerpetualConformanceSuite):
    connector_id = "binance_perpetual"
    fixture_dir = FIXTURES
    trading_pair = "BTC-USDT"
    second_trading_pair = "ETH-USDT"
    routes = {
        "server_time": ("GET", "/fapi/v1/time"),
        "trading_rules": ("GET", "/fapi/v1/exchangeInfo"),
        "balances": ("GET", "/fapi/v3/account"),
        "snapshot": ("GET", "/fapi/v1/depth"),
        "place_order": ("POST", "/fapi/v1/order"),
        "cancel_order": ("DELETE", "/fapi/v1/order"),
        "order_status": ("GET", "/fapi/v1/order"),
        "order_fills": ("GET", "/fapi/v1/userTrades"),
        "cancel_all": ("DELETE", "/fapi/v1/allOpenOrders"),
        "positions": ("GET", "/fapi/v3/positionRisk"),
        "set_leverage": ("POST", "/fapi/v1/leverage"),
        "position_mode": ("GET", "/fapi/v1/positionSide/dual"),
        "set_position_mode": ("POST", "/fapi/v1/positionSide/dual"),
        "funding_info": ("GET", "/fapi/v1/premiumIndex"),
        "funding_payments": ("GET", "/fapi/v1/income"),
        "open_orders": ("GET", "/fapi/v1/openOrders"),
        "order_history": ("GET", "/fapi/v1/allOrders"),
    }
    public_ws_path = "/public/ws"
    user_ws_path = "/private/ws"
    role_ws_paths = {"trade": "/market/ws", "mark_price": "/market/ws"}
    # ACCOUNT_UPDATE gives the wallet balance only.
    stream_balance_has_available = False
    order_price = Decimal("99.00")
    order_amount = Decimal("0.5")
    expected_rule = {
        "min_order_size": Decimal("0.001"),
        "max_order_size": Decimal("1000"),
        "min_price_increment": Decimal("0.10"),
        "min_base_amount_increment": Decimal("0.001"),
        "min_notional": Decimal("5"),
    }
    expected_balances = {"USDT": (Decimal("23.72469206"), Decimal("20.72469206"))}
    expected_position = ("BTC-USDT", Decimal("-0.250"), Decimal("101.5"))
    # Orders over the WebSocket API (order.place, order.cancel), on its own host in production.
    ws_order_path = "/ws-fapi/v1"

    def is_reduce_only(self, request: RecordedRequest) -> bool:
        return request.params.get("reduceOnly") == "true"

    def extra_routes(self, venue: MockVenue) -> None:
        venue.route("POST", "/fapi/v1/listenKey", lambda _: self.reply("listen_key"))
        venue.route("PUT", "/fapi/v1/listenKey", lambda _: self.reply("listen_key"))

    def refuse_user_login(self) -> None:
        # The listen key is the login: a refused key cannot get one.
        self.venue.route("POST", "/fapi/v1/listenKey", self.reply("auth_error"))

    async def test_delivery_contracts_not_listed(self) -> None:
        # BTCUSDT_261225 is a quarterly delivery contract in the fixture.
        assert set(self.conn.trading_rules) == {"BTC-USDT", "ETH-USDT"}

    async def test_user_stream_uses_listen_key_and_reconnects_when_it_expires(self) -> None:
        endpoint = self.venue.endpoint(self.user_ws_path)
        assert endpoint.connect_paths[0].endswith("?listenKey=" + self.fixtures.payload("listen_key")["listenKey"])
        keys_created = len(self.venue.requests_to("POST", "/fapi/v1/listenKey"))
        await self.venue.push(self.user_ws_path, {"e": "listenKeyExpired", "E": 1576653824250,
                                                  "listenKey": "expired-key"})
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        assert len(self.venue.requests_to("POST", "/fapi/v1/listenKey")) == keys_created + 1
        await eventually(lambda: self.conn.ready, what="ready again")

    async def test_depth_and_market_streams_on_their_own_paths(self) -> None:
        public = self.venue.endpoint("/public/ws").sessions[0]
        market = self.venue.endpoint("/market/ws").sessions[0]
        assert public and all("@depth" in name for msg in public for name in msg["params"])
        assert {name.split("@")[1] for msg in market for name in msg["params"]} == {"aggTrade", "markPrice"}
