"""What only Gate.io spot has: its signing examples, its book sequencing, its order objects and quirks."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

from clobconn.core.data_types import (
    InFlightOrder,
    OrderState,
    OrderType,
    TimeInForce,
    TradeFee,
    TradeType,
    TradeUpdate,
)
from clobconn.core.errors import (
    AuthenticationError,
    BadRequest,
    BadSymbol,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidTimestamp,
    OrderNotFound,
    OrderRejected,
    PermissionDenied,
    RequestTimeout,
    error_class_for,
)
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.core.web.auth import RestRequest
from clobconn.exchange.gate_io import ws_orders
from clobconn.exchange.gate_io.auth import EMPTY_BODY_HASH, GateIoAuth, rest_preimage, sign
from clobconn.exchange.gate_io.constants import ERRORS, SPEC
from clobconn.exchange.gate_io.exchange import GateIoExchange
from clobconn.exchange.gate_io.order_book_data_source import GateIoOrderBookDataSource
from clobconn.exchange.gate_io.parsers import parse_order
from clobconn.exchange.gate_io.user_stream_data_source import GateIoUserStreamDataSource

# https://www.gate.com/docs/developers/apiv4/en/#api-signature-string-generation: key "key",
# secret "secret", Timestamp 1541993715, and the signatures the docs print for them.
DOC_TIME = 1541993715
DOC_GET_SIGN = ("55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6"
                "fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a")
DOC_POST_BODY = b'{"contract":"BTC_USD","type":"limit","size":100,"price":6800,"time_in_force":"gtc"}'
DOC_POST_SIGN = ("eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541f"
                 "c4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0")


def doc_auth() -> GateIoAuth:
    return GateIoAuth(SecretStr("key"), SecretStr("secret"), lambda: DOC_TIME + 0.9)


def test_documented_get_signature() -> None:
    request = RestRequest("GET", "https://api.gateio.ws/api/v4/futures/orders", "/api/v4/futures/orders",
                          params={"contract": "BTC_USD", "status": "finished", "limit": 50})
    signed = doc_auth().rest_authenticate(request)
    assert signed.headers["SIGN"] == DOC_GET_SIGN
    assert (signed.headers["KEY"], signed.headers["Timestamp"]) == ("key", str(DOC_TIME))


def test_documented_post_signature_covers_the_body_bytes() -> None:
    # The connector hands the body over as a dict; it is encoded once, to the documented bytes.
    request = RestRequest("POST", "https://api.gateio.ws/api/v4/futures/orders", "/api/v4/futures/orders",
                          data=orjson.loads(DOC_POST_BODY))
    signed = doc_auth().rest_authenticate(request)
    assert signed.headers["SIGN"] == DOC_POST_SIGN
    assert signed.data == DOC_POST_BODY.decode() and signed.headers["Content-Type"] == "application/json"


def test_preimage_of_a_bodyless_request_hashes_the_empty_string() -> None:
    assert EMPTY_BODY_HASH == ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                               "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    assert rest_preimage("GET", "/api/v4/spot/accounts", "", b"", "1") == (
        f"GET\n/api/v4/spot/accounts\n\n{EMPTY_BODY_HASH}\n1")


def test_ws_subscription_signature_from_a_handwritten_preimage() -> None:
    frame = doc_auth().ws_request("spot.orders", "subscribe", ["BTC_USDT"])
    # The docs' rule, written out: channel=<channel>&event=<event>&time=<time>, HMAC-SHA512 hex.
    expected = hmac.new(b"secret", b"channel=spot.orders&event=subscribe&time=1541993715", hashlib.sha512).hexdigest()
    assert frame == {"time": DOC_TIME, "channel": "spot.orders", "event": "subscribe", "payload": ["BTC_USDT"],
                     "auth": {"method": "api_key", "KEY": "key", "SIGN": expected}}
    assert sign("secret", "channel=spot.orders&event=subscribe&time=1541993715") == expected


def test_ws_api_login_signature_from_a_handwritten_preimage() -> None:
    frame = doc_auth().ws_api_login("spot.login", "login-1")
    # ws docs, "Login": HMAC-SHA512 hex of "api\n<channel>\n<req_param, none for a login>\n<time>".
    expected = hmac.new(b"secret", b"api\nspot.login\n\n1541993715", hashlib.sha512).hexdigest()
    assert frame == {"time": DOC_TIME, "channel": "spot.login", "event": "api",
                     "payload": {"api_key": "key", "signature": expected, "timestamp": "1541993715",
                                 "req_id": "login-1"}}


class ScriptedConnection:
    """A socket stand-in: records what is sent and hands out ``frames`` in turn."""

    def __init__(self, frames: list[Any]) -> None:
        self.sent: list[Any] = []
        self._frames = frames

    async def send(self, payload: Any) -> None:
        self.sent.append(payload)

    async def receive(self) -> Any:
        frame = self._frames.pop(0)
        return frame(self.sent[-1]) if callable(frame) else frame


def login_answer(status: str, data: Any) -> Any:
    return lambda sent: {"request_id": sent["payload"]["req_id"], "data": data,
                         "header": {"status": status, "channel": sent["channel"], "event": "api"}}


async def test_ws_api_login_waits_for_its_own_answer_and_a_refused_key_is_an_authentication_error(
        conn: GateIoExchange) -> None:
    pong = {"time": 1, "channel": "spot.pong", "event": "", "result": None}
    accepted = ScriptedConnection([pong, login_answer("200", {"result": {"api_key": "k", "uid": "110284739"}})])
    await ws_orders.login(conn, accepted)  # type: ignore[arg-type]
    assert [frame["channel"] for frame in accepted.sent] == ["spot.login"]
    refused = ScriptedConnection([login_answer("401", {"errs": {"label": "INVALID_KEY",
                                                                 "message": "Invalid key provided"}})])
    with pytest.raises(AuthenticationError) as info:
        await ws_orders.login(conn, refused)  # type: ignore[arg-type]
    assert info.value.venue_code == "INVALID_KEY"


def test_ws_api_answers_ack_result_and_refusal() -> None:
    # ws docs, "order_place": an ack, then the result, both with the request's id; errors in data.errs.
    ack = {"request_id": "7", "ack": True, "header": {"status": "200"}, "data": {"result": {"req_id": "7"}}}
    result = {"request_id": "7", "header": {"status": "200"}, "data": {"result": {"id": "1"}}}
    refused = {"request_id": "7", "header": {"status": "400"},
               "data": {"errs": {"label": "BALANCE_NOT_ENOUGH", "message": "Not enough balance"}}}
    assert ws_orders.is_ack(ack) and not ws_orders.is_ack(result) and ws_orders.answer_id(result) == "7"
    assert ws_orders.refusal(result) is None
    assert ws_orders.refusal(refused) == (400, "BALANCE_NOT_ENOUGH", "Not enough balance")


def test_auth_repr_names_no_secret() -> None:
    assert "secret" not in repr(doc_auth()) and "key" not in repr(doc_auth())


# == the connector offline ========================================================================

@pytest.fixture
def conn() -> GateIoExchange:
    connector = GateIoExchange(api_key="k", api_secret="s", trading_pairs=["BTC-USDT"])
    rule = GateIoExchange.parse_pair({"id": "BTC_USDT", "base": "BTC", "quote": "USDT", "min_base_amount": "0.0001",
                                      "min_quote_amount": "3", "amount_precision": 4, "precision": 2})
    connector.trading_rules = {"BTC-USDT": rule}
    connector.symbols["BTC-USDT"] = "BTC_USDT"
    return connector


def tracked(conn: GateIoExchange, **overrides: Any) -> InFlightOrder:
    values: dict[str, Any] = {"client_order_id": "t-ccB1", "trading_pair": "BTC-USDT", "order_type": OrderType.LIMIT,
                              "trade_type": TradeType.BUY, "amount": Decimal("1"), "price": Decimal("100"),
                              "creation_timestamp": 0.0}
    values.update(overrides)
    order = InFlightOrder(**values)
    conn.orders.start_tracking(order)
    return order


def calls_to(conn: GateIoExchange, answers: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """Replace the REST client's request with canned answers by path; record each call."""
    calls: list[tuple[str, str, Any, Any]] = []

    async def request(method: str, path: str, *, params: Any = None, data: Any = None, **_: Any) -> Any:
        calls.append((method, path, params, data))
        answer = answers[path]
        return answer(data) if callable(answer) else answer

    conn.rest.request = request  # type: ignore[method-assign]
    return calls


def book(pair: str, first: int, last: int, bids: list[list[str]], full: bool = False) -> dict[str, Any]:
    """spot.order_book_update as documented (changed levels, U..u)."""
    result: dict[str, Any] = {"t": 1606294781123, "s": pair, "U": first, "u": last, "b": bids, "a": []}
    if full:
        result["full"] = True
    return {"time": 1606294781, "channel": "spot.order_book_update", "event": "update", "result": result}


def test_book_bridges_the_snapshot_id_then_detects_a_gap(conn: GateIoExchange) -> None:
    source = GateIoOrderBookDataSource(conn)
    sync = BookSynchronizer("BTC-USDT", source.sequence_rule)
    (stale,) = source.parse("public", book("BTC_USDT", 990, 1000, [["90", "1"]]))
    (bridge,) = source.parse("public", book("BTC_USDT", 995, 1003, [["99", "2"]]))
    (next_diff,) = source.parse("public", book("BTC_USDT", 1004, 1006, [["99.5", "1"]]))
    (gap,) = source.parse("public", book("BTC_USDT", 1010, 1012, [["99.7", "1"]]))
    for diff in (stale, bridge, next_diff):  # buffered while the REST snapshot is fetched
        assert sync.on_diff(diff) is SyncResult.BUFFERED
    snapshot = type(stale)(BookMessageType.SNAPSHOT, "BTC-USDT", [["98", "1"]], [["101", "1"]], 1000)
    # The docs' rule: drop u < id + 1, start at the first with U <= id + 1 <= u.
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED
    assert sync.book.last_update_id == 1006 and sync.book.best_bid == Decimal("99.5")
    assert Decimal("90") not in [level.price for level in sync.book.bids()]
    assert sync.on_diff(gap) is SyncResult.GAP and not sync.is_synced


def test_full_update_is_a_snapshot_on_the_stream(conn: GateIoExchange) -> None:
    source = GateIoOrderBookDataSource(conn)
    (message,) = source.parse("public", book("BTC_USDT", 48776301, 48776306, [["19137.74", "0.0001"]], full=True))
    assert message.type is BookMessageType.SNAPSHOT and message.last_id == 48776306
    assert list(source.parse("public", {"channel": "spot.order_book_update", "event": "subscribe",
                                        "result": {"status": "success"}})) == []


def test_subscribe_frames_one_book_per_pair_and_one_trades_frame(conn: GateIoExchange) -> None:
    frames = GateIoOrderBookDataSource(conn).subscribe_payloads("public", ["BTC-USDT"])
    assert [(f["channel"], f["event"], f["payload"]) for f in frames] == [
        ("spot.order_book_update", "subscribe", ["BTC_USDT", "100ms"]), ("spot.trades", "subscribe", ["BTC_USDT"])]


@pytest.mark.parametrize(("label", "expected"), [
    ("INVALID_SIGNATURE", AuthenticationError), ("INVALID_KEY", AuthenticationError),
    ("REQUEST_EXPIRED", InvalidTimestamp), ("IP_FORBIDDEN", PermissionDenied),
    ("ORDER_NOT_FOUND", OrderNotFound), ("ORDER_CLOSED", OrderNotFound),
    ("BALANCE_NOT_ENOUGH", InsufficientFunds), ("INVALID_PARAM_VALUE", BadRequest),
    ("POC_FILL_IMMEDIATELY", OrderRejected), ("FOK_NOT_FILL", OrderRejected),
    ("INVALID_CURRENCY_PAIR", BadSymbol), ("ORDER_EXISTS", DuplicateClientOrderId),
    ("SERVER_TIMEOUT", RequestTimeout),
])
def test_error_labels_map_to_typed_errors(conn: GateIoExchange, label: str, expected: type) -> None:
    extracted = conn._extract_error(400, {"label": label, "message": "documented refusal"})
    assert extracted == (label, "documented refusal")
    assert error_class_for(ERRORS, label, "", 400) is expected


def test_documented_order_objects(conn: GateIoExchange) -> None:
    # https://www.gate.com/docs/developers/apiv4/en/spot#create-an-order (200 example, abridged)
    closed = {"id": "1852454420", "text": "t-abc123", "status": "closed", "currency_pair": "BTC_USDT", "left": "0",
              "filled_amount": "0.001", "update_time_ms": 1710488334074, "finish_as": "filled"}
    update = parse_order("BTC-USDT", closed)
    assert (update.new_state, update.executed_amount, update.update_timestamp) == (
        OrderState.FILLED, Decimal("0.001"), 1710488334.074)
    poc = closed | {"status": "cancelled", "left": "0.001", "filled_amount": "0", "finish_as": "poc"}
    assert parse_order("BTC-USDT", poc).new_state is OrderState.FAILED
    partly = closed | {"status": "cancelled", "left": "0.0004", "finish_as": "cancelled"}
    assert parse_order("BTC-USDT", partly).new_state is OrderState.CANCELED


def test_order_bodies_per_type(conn: GateIoExchange) -> None:
    maker = conn._order_body(tracked(conn, order_type=OrderType.LIMIT_MAKER))
    assert maker == {"text": "t-ccB1", "side": "buy", "currency_pair": "BTC_USDT", "account": "spot",
                     "type": "limit", "price": "100", "amount": "1", "time_in_force": "poc"}
    fok = conn._order_body(tracked(conn, time_in_force=TimeInForce.FOK, trade_type=TradeType.SELL))
    assert (fok["time_in_force"], fok["side"]) == ("fok", "sell")
    sell = conn._order_body(tracked(conn, order_type=OrderType.MARKET, trade_type=TradeType.SELL, price=None))
    assert (sell["type"], sell["time_in_force"], sell["amount"]) == ("market", "ioc", "1")


def test_market_buy_in_base_is_sized_in_quote_at_the_best_ask(conn: GateIoExchange) -> None:
    sync = conn.order_book_tracker._new_sync("BTC-USDT")
    conn.order_book_tracker.syncs["BTC-USDT"] = sync
    sync.book.apply_snapshot([["100.00", "1"]], [["100.57", "2"]], 1)
    sync.book.is_synced = True
    body = conn._order_body(tracked(conn, order_type=OrderType.MARKET, price=None, amount=Decimal("0.3333")))
    assert body["amount"] == "33.51"  # 0.3333 x 100.57 = 33.519981, down to the price precision


async def test_batch_refusals_become_typed_errors(conn: GateIoExchange) -> None:
    first, second = tracked(conn), tracked(conn, client_order_id="t-ccB2")
    answer = [{"order_id": "12332324", "text": "t-ccB1", "succeeded": True, "id": "12332324", "status": "open",
               "currency_pair": "BTC_USDT", "left": "1", "filled_amount": "0", "update_time_ms": 1},
              {"text": "t-ccB2", "succeeded": False, "label": "BALANCE_NOT_ENOUGH", "message": "Not enough balance"}]
    calls = calls_to(conn, {"/api/v4/spot/batch_orders": answer})
    results = await conn._place_orders_batch([first, second])
    assert [body["text"] for body in calls[0][3]] == ["t-ccB1", "t-ccB2"]
    ack = results[0]
    assert not isinstance(ack, Exception) and ack[0].new_state is OrderState.OPEN
    assert isinstance(results[1], InsufficientFunds) and results[1].venue_code == "BALANCE_NOT_ENOUGH"


async def test_amend_changes_the_same_order_and_its_fills_stay_its_own(conn: GateIoExchange) -> None:
    order = tracked(conn, exchange_order_id="777", state=OrderState.OPEN)
    calls = calls_to(conn, {"/api/v4/spot/orders/777": lambda body: {
        "id": "777", "text": "t-ccB1", "status": "open", "currency_pair": "BTC_USDT", "left": body["amount"],
        "filled_amount": "0", "update_time_ms": 5}})
    amended = await conn.amend_order("BTC-USDT", "t-ccB1", price=Decimal("101"))
    assert calls == [("PATCH", "/api/v4/spot/orders/777", {"currency_pair": "BTC_USDT"},
                      {"price": "101.00", "amount": "1"})]
    assert amended is order and (order.state, order.price, order.amount) == (OrderState.OPEN, Decimal("101.00"),
                                                                            Decimal("1"))
    # The venue keeps calling the order "t-ccB1", and so do we.
    fill = {"channel": "spot.usertrades", "event": "update", "result": [{
        "id": 5736713, "order_id": "777", "currency_pair": "BTC_USDT", "create_time": 1605176741,
        "create_time_ms": "1605176741123.456", "side": "buy", "amount": "1", "role": "maker", "price": "101",
        "fee": "0.002", "fee_currency": "BTC", "point_fee": "0", "gt_fee": "0", "text": "t-ccB1"}]}
    items = list(GateIoUserStreamDataSource(conn).parse(fill))
    assert {item.client_order_id for item in items} == {"t-ccB1"}  # type: ignore[union-attr]


async def test_amending_a_partly_filled_order_sends_the_new_total(conn: GateIoExchange) -> None:
    # Gate's amount is the order's whole size; the core's amount is what is left to fill afterwards.
    order = tracked(conn, exchange_order_id="778", state=OrderState.PARTIALLY_FILLED)
    order.apply_trade_update(TradeUpdate("1", "BTC-USDT", Decimal("100"), Decimal("0.5"), Decimal("50"),
                                         TradeFee(), 1.0))
    calls = calls_to(conn, {"/api/v4/spot/orders/778": lambda body: {
        "id": "778", "text": "t-ccB1", "status": "open", "currency_pair": "BTC_USDT", "left": "0.2",
        "filled_amount": "0.5", "update_time_ms": 6}})
    await conn.amend_order("BTC-USDT", "t-ccB1", amount=Decimal("0.2"))
    assert calls[0][3] == {"price": "100.00", "amount": "0.7000"}
    assert order.amount == Decimal("0.7000") and order.executed_amount_base == Decimal("0.5")


def test_client_order_ids_follow_the_text_rule() -> None:
    client_id = SPEC.client_order_id.generate(TradeType.BUY)
    assert client_id.startswith("t-") and len(client_id) <= 30 and SPEC.client_order_id.is_valid(client_id)
