"""Bitstamp specifics: the X-Auth v2 pre-image, the microtimestamp book rule, the expiring private-channel
token, bts:request_reconnect, order flags and what the venue does not have.

Payloads are the documented shapes in tests/fixtures/bitstamp/conformance (each names its doc URL).
"""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import OrderState, OrderType, TimeInForce, TradeType
from clobconn.core.errors import AuthenticationError, InsufficientFunds, NotSupported, error_class_for
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.expiring_token import ExpiringToken
from clobconn.exchange.bitstamp.auth import BitstampAuth
from clobconn.exchange.bitstamp.constants import ERRORS, HEARTBEAT
from clobconn.exchange.bitstamp.exchange import BitstampExchange
from clobconn.exchange.bitstamp.order_book_data_source import BitstampOrderBookDataSource, parse_book
from clobconn.exchange.bitstamp.user_stream_data_source import BitstampUserStreamDataSource
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.helpers import eventually
from tests.exchange.bitstamp.conformance_hooks import TOKEN, USER_ID, BitstampVenue

fixtures = FixtureSet(Path(__file__).parents[2] / "fixtures" / "bitstamp" / "conformance")
KEY = "bs-key-0123"
SECRET = "bs-secret-NEVER-LOGGED"
NONCE = "f93c979d-b00d-43a9-9b9c-fd4cd9547fa6"
TIMESTAMP = 1643640186807


def make_auth() -> BitstampAuth:
    return BitstampAuth(SecretStr(KEY), SecretStr(SECRET), lambda: TIMESTAMP, new_nonce=lambda: NONCE)


def hex_hmac(message: str) -> str:
    return hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()


# == signing ======================================================================================

def test_signature_over_a_form_body_written_out_by_hand() -> None:
    # #section/Authentication: "BITSTAMP " + key, METHOD, host, path, query ("" here), the content
    # type, the nonce, the timestamp, "v2", then the body exactly as sent.
    request = RestRequest("POST", "https://www.bitstamp.net/api/v2/buy/btcusd/", "/api/v2/buy/btcusd/",
                          data={"amount": "0.5", "price": "99", "client_order_id": "cc1"}, form=True)
    signed = make_auth().rest_authenticate(request)
    body = "amount=0.5&price=99&client_order_id=cc1"
    pre_image = (f"BITSTAMP {KEY}POSTwww.bitstamp.net/api/v2/buy/btcusd/application/x-www-form-urlencoded"
                 f"{NONCE}{TIMESTAMP}v2{body}")
    assert signed.data == body
    assert signed.headers == {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Auth": f"BITSTAMP {KEY}",
        "X-Auth-Signature": hex_hmac(pre_image),
        "X-Auth-Nonce": NONCE,
        "X-Auth-Timestamp": str(TIMESTAMP),
        "X-Auth-Version": "v2",
    }
    # Lower-case hex, as the docs' example prints it; the nonce is a 36-character UUID.
    assert signed.headers["X-Auth-Signature"] == signed.headers["X-Auth-Signature"].lower()
    assert len(NONCE) == 36


@pytest.mark.parametrize("data", [None, {}], ids=["no body", "empty form"])
def test_a_request_without_a_body_sends_and_signs_no_content_type(data: Any) -> None:
    request = RestRequest("POST", "https://www.bitstamp.net/api/v2/websockets_token/", "/api/v2/websockets_token/",
                          data=data, form=True)
    signed = make_auth().rest_authenticate(request)
    pre_image = f"BITSTAMP {KEY}POSTwww.bitstamp.net/api/v2/websockets_token/{NONCE}{TIMESTAMP}v2"
    assert "Content-Type" not in signed.headers and signed.data is None
    assert signed.headers["X-Auth-Signature"] == hex_hmac(pre_image)


def test_every_request_gets_a_fresh_uuid_nonce_and_no_secret_shows() -> None:
    auth = BitstampAuth(SecretStr(KEY), SecretStr(SECRET), lambda: TIMESTAMP)
    nonces = {auth.rest_authenticate(RestRequest("POST", "https://www.bitstamp.net/x/", "/x/")).headers["X-Auth-Nonce"]
              for _ in range(3)}
    assert len(nonces) == 3 and all(len(n) == 36 for n in nonces)
    assert SECRET not in repr(auth) and KEY not in repr(auth)


# == the book: microtimestamps, no sequence ========================================================

def make_conn(**config: Any) -> BitstampExchange:
    conn = BitstampExchange(api_key=KEY, api_secret=SECRET, trading_pairs=["ETH-USD"], **config)
    conn.symbols = bidict({"ETH-USD": "ethusd"})
    return conn


def test_the_documented_diff_parses_with_its_microtimestamp_as_the_id() -> None:
    source = BitstampOrderBookDataSource(make_conn())
    assert source.sequence_rule is SequenceRule.TIMESTAMP
    frame = fixtures.payload("diff", {"symbol": "ethusd", "timestamp_s": 1772723362, "last_id": 1772723362377013,
                                      "bids": [["2087.28", "0.500000"], ["2087.19", "0.00000000"]],
                                      "asks": [["2087.29", "6.330796"]]})
    (message,) = source.parse("public", frame)
    assert message.type is BookMessageType.DIFF and message.trading_pair == "ETH-USD"
    assert message.last_id == 1772723362377013 and message.timestamp == pytest.approx(1772723362.377013)
    assert message.first_id is None and message.prev_id is None


def test_diffs_at_or_before_the_snapshot_are_dropped_and_a_backwards_one_resyncs() -> None:
    sync = BookSynchronizer("ETH-USD", BitstampOrderBookDataSource.sequence_rule)

    def diff(micros: int, bids: list[list[str]]) -> Any:
        return parse_book(BookMessageType.DIFF, "ETH-USD",
                          {"microtimestamp": str(micros), "bids": bids, "asks": []})

    for micros, price in ((1_000_001, "10"), (1_000_002, "11"), (1_000_004, "13"), (1_000_003, "12")):
        assert sync.on_diff(diff(micros, [[price, "1"]])) is SyncResult.BUFFERED
    snapshot = parse_book(BookMessageType.SNAPSHOT, "ETH-USD",
                          {"microtimestamp": "1000002", "bids": [["9", "1"]], "asks": [["20", "1"]]})
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    # 1 and 2 were already in the snapshot; 3 and 4 replay in time order.
    assert [level.price for level in sync.book.bids()] == [Decimal(13), Decimal(12), Decimal(9)]
    assert sync.on_diff(diff(1_000_003, [["14", "1"]])) is SyncResult.GAP
    assert not sync.is_synced


def test_the_heartbeat_is_bts_heartbeat_and_its_answer_is_not_passed_on() -> None:
    assert HEARTBEAT.app_ping_payload == {"event": "bts:heartbeat"} and HEARTBEAT.protocol_ping is None
    assert HEARTBEAT.is_pong is not None
    assert HEARTBEAT.is_pong({"event": "bts:heartbeat", "channel": "", "data": {"status": "success"}})
    assert not HEARTBEAT.is_pong({"event": "data", "channel": "diff_order_book_btcusd", "data": {}})
    # Two channels a pair, 1024 a socket: the core's pool puts 512 pairs on one connection.
    source = BitstampOrderBookDataSource(make_conn())
    assert source.max_subscriptions_per_socket == 1024 and source.subscriptions_per_pair("public") == 2


# == errors =========================================================================================

def test_refusals_are_read_from_the_body_whatever_the_status() -> None:
    conn = make_conn()
    rejected = fixtures.payload("place_order_rejected")
    code, message = conn._extract_error(200, rejected) or (None, "")
    assert code == "400.009" and message.startswith("You need 49.50 USD")
    assert error_class_for(ERRORS, code, message, 200) is InsufficientFunds
    assert conn._extract_error(403, fixtures.payload("auth_error")) == ("API0005", "Invalid signature")
    assert error_class_for(ERRORS, "API0005", "Invalid signature", 403) is AuthenticationError
    # Per-field reasons name their field; the older {"error": ...} answers are refusals too.
    assert conn._extract_error(200, {"status": "error", "reason": {"price": ["Ensure this value is positive."]}}) \
        == (None, "price: Ensure this value is positive.")
    assert conn._extract_error(200, {"error": "Order not found"}) == (None, "Order not found")
    assert conn._extract_error(200, {"id": "1", "price": "99"}) is None


# == the live connector over the loopback venue =====================================================

class TestBitstampStreams(BitstampVenue):
    """The conformance fixture (a connector on the loopback venue), for Bitstamp's own scenarios."""

    def token_requests(self) -> int:
        return len(self.venue.requests_to("POST", "/api/v2/websockets_token/"))

    def private_subscriptions(self, session: int) -> list[dict[str, Any]]:
        received = self.venue.endpoint(self.user_ws_path).sessions[session]
        return [m for m in received if m.get("event") == "bts:subscribe"]

    async def test_private_channels_carry_the_token_and_the_user_id(self) -> None:
        subscriptions = self.private_subscriptions(0)
        assert sorted(m["data"]["channel"] for m in subscriptions) == [
            f"private-my_orders_btcusd-{USER_ID}", f"private-my_trades_btcusd-{USER_ID}"]
        assert {m["data"]["auth"] for m in subscriptions} == {TOKEN}
        token_call = self.venue.requests_to("POST", "/api/v2/websockets_token/")[0]
        assert token_call.headers["X-Auth"] == "BITSTAMP conformance-api-key-0f9d8c7b6a5e4d3c2b1a"
        assert "Content-Type" not in token_call.headers and not token_call.body

    async def test_a_reconnect_within_the_tokens_validity_reuses_it(self) -> None:
        assert self.token_requests() == 1
        await self.venue.drop(self.user_ws_path)
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        await eventually(lambda: self.conn.ready, what="ready again")
        assert self.token_requests() == 1

    async def test_the_token_is_renewed_before_it_expires(self) -> None:
        # The venue's clock is the test's: a 60 s token is reused by a reconnect 49 s after it was
        # fetched, and replaced by one 50.5 s after (10 s before it lapses), not presented near its end.
        now = [1000.0]
        source = self.conn._user_source
        assert isinstance(source, BitstampUserStreamDataSource)
        source.token = ExpiringToken(source._fetch_token, clock=lambda: now[0])
        self.venue.route("POST", "/api/v2/websockets_token/",
                         lambda _: self.reply("websockets_token", {"ws_token": "token-b"}))
        await source.token.get()
        fetched = self.token_requests()

        async def reconnect(session: int) -> set[str]:
            await self.venue.drop(self.user_ws_path)
            await self.venue.wait_for_connections(self.user_ws_path, count=session + 1)
            await eventually(lambda: len(self.private_subscriptions(session)) == 2, what="resubscribed")
            return {m["data"]["auth"] for m in self.private_subscriptions(session)}

        now[0] += 49.0
        assert await reconnect(1) == {"token-b"} and self.token_requests() == fetched
        self.venue.route("POST", "/api/v2/websockets_token/",
                         lambda _: self.reply("websockets_token", {"ws_token": "token-c"}))
        now[0] += 1.5
        assert await reconnect(2) == {"token-c"} and self.token_requests() == fetched + 1

    async def test_a_refused_subscription_drops_the_token_and_reconnects_with_a_fresh_one(self) -> None:
        self.venue.route("POST", "/api/v2/websockets_token/",
                         lambda _: self.reply("websockets_token", {"ws_token": "token-fresh"}))
        await self.venue.push(self.user_ws_path, fixtures.payload("subscription_refused"))
        await self.venue.wait_for_connections(self.user_ws_path, count=2)
        await eventually(lambda: len(self.private_subscriptions(1)) == 2, what="resubscribed")
        assert {m["data"]["auth"] for m in self.private_subscriptions(1)} == {"token-fresh"}
        await eventually(lambda: self.conn.ready, what="ready again")

    @pytest.mark.parametrize("stream", ["public", "user"])
    async def test_bts_request_reconnect_reconnects_and_resubscribes(self, stream: str) -> None:
        path = self.public_ws_path if stream == "public" else self.user_ws_path
        first = self.venue.endpoint(path).sessions[0]
        await self.venue.push(path, {"event": "bts:request_reconnect", "channel": "", "data": ""})
        await self.venue.wait_for_connections(path, count=2)
        await eventually(lambda: len(self.venue.endpoint(path).sessions[1]) >= len(first), what="resubscribed")
        assert [m["data"]["channel"] for m in self.venue.endpoint(path).sessions[1]] == \
            [m["data"]["channel"] for m in first]
        await eventually(lambda: self.conn.ready, what="ready again")

    @pytest.mark.parametrize(("order_type", "tif", "flag"), [
        (OrderType.LIMIT_MAKER, TimeInForce.GTC, "moc_order"),
        (OrderType.LIMIT, TimeInForce.IOC, "ioc_order"),
        (OrderType.LIMIT, TimeInForce.FOK, "fok_order"),
        (OrderType.LIMIT, TimeInForce.GTC, None),
    ])
    async def test_order_types_become_the_venues_flags(self, order_type: OrderType, tif: TimeInForce,
                                                       flag: str | None) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "601", None)))
        await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, order_type,
                                    self.order_price, time_in_force=tif)
        sent = self.placements()[-1]
        assert sent.path == "/api/v2/sell/btcusd/"
        flags = {name for name in ("moc_order", "ioc_order", "fok_order") if name in sent.form}
        assert flags == ({flag} if flag else set())
        assert sent.form.get(flag or "", "True") == "True"

    async def test_a_market_order_goes_to_the_market_path_without_a_price(self) -> None:
        self.serve("place_order", lambda req: self.reply("place_order", self._ack_vars(req, "602", None)))
        order = await self.conn.place_order(self.trading_pair, TradeType.SELL, self.order_amount, OrderType.MARKET)
        sent = self.placements()[-1]
        assert sent.path == "/api/v2/sell/market/btcusd/" and "price" not in sent.form
        assert order.state is OrderState.OPEN and order.exchange_order_id == "602"

    async def test_batch_and_amend_are_not_supported_and_name_the_venue(self) -> None:
        client_id = await self.open_order()
        sent = len(self.venue.requests)
        with pytest.raises(NotSupported, match="bitstamp"):
            await self.conn.amend_order(self.trading_pair, client_id, price=Decimal("98"))
        # Without a native batch the core places a batch's orders one by one; the venue hook says why.
        with pytest.raises(NotSupported, match="bitstamp"):
            await self.conn._place_orders_batch([])
        assert len(self.venue.requests) == sent

