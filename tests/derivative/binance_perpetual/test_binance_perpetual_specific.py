"""Binance USDⓈ-M specifics: the futures signing vector, pu-chained books, parsers and the error table.

Payloads are the documented examples in tests/fixtures/binance_perpetual (each names its doc URL).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from bidict import bidict
from pydantic import SecretStr

from clobconn.core.data_types import (
    Balance,
    FundingInfo,
    FundingPayment,
    InFlightOrder,
    OrderState,
    OrderType,
    OrderUpdate,
    Position,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
    TradeUpdate,
)
from clobconn.core.errors import (
    BadSymbol,
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    OrderRuleViolation,
    error_class_for,
)
from clobconn.core.order_book.messages import BookMessage, PublicTrade
from clobconn.core.order_book.sync import BookSynchronizer, SequenceRule, SyncResult
from clobconn.core.venue import Feature
from clobconn.core.web.auth import RestRequest
from clobconn.core.web.ws import StreamAction
from clobconn.derivative.binance_perpetual.constants import ERRORS, SPEC
from clobconn.derivative.binance_perpetual.derivative import BinancePerpetualDerivative
from clobconn.derivative.binance_perpetual.order_book_data_source import BinancePerpetualOrderBookDataSource
from clobconn.derivative.binance_perpetual.user_stream_data_source import BinancePerpetualUserStreamDataSource
from clobconn.exchange.binance.auth import BinanceAuth, sign
from clobconn.exchange.binance.exchange import trade_update
from clobconn.exchange.binance.order_book_data_source import DEPTH_FRAMES, DepthUpdate, parse_snapshot
from clobconn.testing.fixtures import FixtureSet
from clobconn.testing.mock_venue import MockResponse, MockVenue, RecordedRequest

payload = FixtureSet(Path(__file__).parents[2] / "fixtures" / "binance_perpetual").payload


# https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info (SIGNED example, HMAC)
DOC_API_KEY = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
DOC_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
DOC_PAYLOAD = ("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
               "&recvWindow=5000&timestamp=1591702613943")
DOC_SIGNATURE = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"


@pytest.fixture
def perp() -> BinancePerpetualDerivative:
    connector = BinancePerpetualDerivative(api_key="key", api_secret="s3cr3t", trading_pairs=["BTC-USDT"])
    connector.symbols = bidict(SYMBOLS)
    return connector


SYMBOLS = {"BTC-USDT": "BTCUSDT", "BLZ-USDT": "BLZUSDT", "ADA-USDT": "ADAUSDT", "COMP-USDT": "COMPUSDT"}


@pytest.fixture
async def served() -> AsyncIterator[tuple[MockVenue, BinancePerpetualDerivative]]:
    """A connector whose REST calls go to a loopback venue: real aiohttp, real signing."""
    async with MockVenue() as venue:
        conn = BinancePerpetualDerivative(api_key="key", api_secret="s3cr3t", trading_pairs=["BTC-USDT"],
                                          rest_url=venue.http_url, ws_url=venue.ws_url)
        conn.symbols = bidict(SYMBOLS)
        try:
            yield venue, conn
        finally:
            await conn.rest.close()


def sent(venue: MockVenue, method: str, path: str) -> list[dict[str, str]]:
    """The parameters of each request to ``method path``, without the signing ones."""
    signing = {"recvWindow", "timestamp", "signature"}
    return [{k: v for k, v in r.query.items() if k not in signing} for r in venue.requests_to(method, path)]


def new_order(client_order_id: str = "ccB1", **kwargs: Any) -> InFlightOrder:
    fields: dict[str, Any] = {"client_order_id": client_order_id, "trading_pair": "BTC-USDT",
                              "order_type": OrderType.LIMIT, "trade_type": TradeType.BUY, "amount": Decimal("0.002"),
                              "price": Decimal("30000.1"), "creation_timestamp": 1.0,
                              "position_action": PositionAction.OPEN}
    return InFlightOrder(**(fields | kwargs))


# == (a) signing ==================================================================================

def test_raw_signature_reproduces_the_documented_futures_example() -> None:
    assert sign(DOC_SECRET, DOC_PAYLOAD) == DOC_SIGNATURE


def test_rest_authenticate_reproduces_the_documented_futures_signature() -> None:
    auth = BinanceAuth(SecretStr(DOC_API_KEY), SecretStr(DOC_SECRET), lambda: 1591702613943, recv_window_ms=5000)
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "1", "price": "9000",
              "timeInForce": "GTC"}
    signed = auth.rest_authenticate(RestRequest("POST", "https://fapi.binance.com/fapi/v1/order", "/fapi/v1/order",
                                                params=params))
    assert signed.url == f"https://fapi.binance.com/fapi/v1/order?{DOC_PAYLOAD}&signature={DOC_SIGNATURE}"
    assert signed.headers["X-MBX-APIKEY"] == DOC_API_KEY


# == (b) order book: pu chains each diff to the one before ==========================================

SNAPSHOT_ID = 1027024


def diff(first: int, last: int, prev: int) -> Any:
    event = copy.deepcopy(payload("depth_diff_event"))
    event["U"], event["u"], event["pu"] = first, last, prev
    return event


def synced(perp: BinancePerpetualDerivative) -> tuple[BookSynchronizer, BinancePerpetualOrderBookDataSource]:
    source = BinancePerpetualOrderBookDataSource(perp)
    assert source.sequence_rule is SequenceRule.PREV_CHAIN
    # The doc's snapshot and diff prices are unrelated examples (they cross): sequencing is under test.
    sync = BookSynchronizer("BTC-USDT", source.sequence_rule, resync_on_crossed=False)
    assert sync.on_snapshot(parse_snapshot("BTC-USDT", payload("depth_snapshot"))) is SyncResult.APPLIED
    return sync, source


def apply(sync: BookSynchronizer, source: BinancePerpetualOrderBookDataSource, event: Any) -> SyncResult:
    (message,) = source.parse("public", event)
    assert isinstance(message, BookMessage)
    return sync.on_diff(message)


def test_the_first_diff_straddling_last_update_id_is_applied_then_pu_chains(perp: BinancePerpetualDerivative) -> None:
    sync, source = synced(perp)
    assert apply(sync, source, diff(SNAPSHOT_ID - 5, SNAPSHOT_ID + 3, SNAPSHOT_ID - 9)) is SyncResult.APPLIED
    assert sync.book.last_update_id == SNAPSHOT_ID + 3
    # Futures ids are not contiguous: only pu == previous u matters.
    assert apply(sync, source, diff(SNAPSHOT_ID + 40, SNAPSHOT_ID + 50, SNAPSHOT_ID + 3)) is SyncResult.APPLIED
    assert sync.book.last_update_id == SNAPSHOT_ID + 50


def test_an_older_diff_is_dropped(perp: BinancePerpetualDerivative) -> None:
    sync, source = synced(perp)
    assert apply(sync, source, diff(SNAPSHOT_ID - 20, SNAPSHOT_ID - 10, SNAPSHOT_ID - 25)) is SyncResult.STALE
    assert sync.is_synced and sync.book.last_update_id == SNAPSHOT_ID


def test_a_pu_mismatch_is_a_gap(perp: BinancePerpetualDerivative) -> None:
    sync, source = synced(perp)
    assert apply(sync, source, diff(SNAPSHOT_ID - 5, SNAPSHOT_ID + 3, SNAPSHOT_ID - 9)) is SyncResult.APPLIED
    assert apply(sync, source, diff(SNAPSHOT_ID + 40, SNAPSHOT_ID + 50, SNAPSHOT_ID + 4)) is SyncResult.GAP
    assert not sync.is_synced


def test_typed_depth_frames_chain_by_pu_as_dicts_do(perp: BinancePerpetualDerivative) -> None:
    sync, source = synced(perp)
    first = DEPTH_FRAMES(orjson.dumps(diff(SNAPSHOT_ID - 5, SNAPSHOT_ID + 3, SNAPSHOT_ID - 9)).decode())
    assert isinstance(first, DepthUpdate) and first.pu == SNAPSHOT_ID - 9
    assert apply(sync, source, first) is SyncResult.APPLIED
    broken = DEPTH_FRAMES(orjson.dumps(diff(SNAPSHOT_ID + 40, SNAPSHOT_ID + 50, SNAPSHOT_ID + 4)).decode())
    assert apply(sync, source, broken) is SyncResult.GAP
    assert not sync.is_synced


def test_market_socket_brings_trades_and_funding(perp: BinancePerpetualDerivative) -> None:
    source = BinancePerpetualOrderBookDataSource(perp)
    (trade,) = source.parse("market", payload("agg_trade_event"))
    assert trade == PublicTrade("BTC-USDT", "5933014", Decimal("0.001"), Decimal("100"), TradeType.SELL, 123456.785)
    (funding,) = source.parse("market", {"stream": "btcusdt@markPrice@1s", "data": payload("mark_price_event")})
    assert funding == FundingInfo("BTC-USDT", Decimal("11784.62659091"), Decimal("11794.15000000"), 1562306400.0,
                                  Decimal("0.00038167"))
    assert list(source.parse("market", payload("subscribe_response"))) == []
    assert source.subscribe_payloads("public", ["BTC-USDT"]) == [
        {"method": "SUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 1}]
    assert source.subscribe_payloads("market", ["BTC-USDT"])[0]["params"] == ["btcusdt@aggTrade",
                                                                              "btcusdt@markPrice@1s"]


async def test_each_kind_of_stream_has_its_routed_path() -> None:
    conn = BinancePerpetualDerivative(ws_url="ws://127.0.0.1:9", trading=False)
    source = BinancePerpetualOrderBookDataSource(conn)
    assert source.stream_names == ("public", "market") and source.book_stream == "public"
    assert (await source.connect_spec("public")).url == "ws://127.0.0.1:9/public/ws"
    assert (await source.connect_spec("market")).url == "ws://127.0.0.1:9/market/ws"


# == (c) parsers ==================================================================================

async def test_orders_go_to_the_websocket_api_on_its_own_host() -> None:
    # websocket-api-general-info: the WS API is wss://ws-fapi.binance.com/ws-fapi/v1, not fstream's host.
    for domain, host in (("mainnet", "wss://ws-fapi.binance.com"), ("testnet", "wss://testnet.binancefuture.com")):
        conn = BinancePerpetualDerivative(api_key="key", api_secret="s3cr3t", domain=domain)
        assert conn.trading_socket is not None
        assert (await conn.trading_socket._connect_spec()).url == f"{host}/ws-fapi/v1"
        assert conn.private_ws_url != conn.trading_ws_url
    # An overridden stream URL (a mock, a proxy) carries the trading API too.
    conn = BinancePerpetualDerivative(api_key="key", api_secret="s3cr3t", ws_url="ws://127.0.0.1:9")
    assert conn.trading_socket is not None
    assert (await conn.trading_socket._connect_spec()).url == "ws://127.0.0.1:9/ws-fapi/v1"


async def test_trading_rules_keep_only_trading_perpetuals(served: Any) -> None:
    venue, perp = served
    info = payload("exchange_info")
    quarterly = copy.deepcopy(info["symbols"][0]) | {"symbol": "BLZUSDT_260925", "contractType": "CURRENT_QUARTER"}
    info["symbols"].append(quarterly)
    venue.route("GET", "/fapi/v1/exchangeInfo", info)
    rules = dict(await perp._fetch_trading_rules())
    assert set(rules) == {"BLZUSDT"}
    rule = rules["BLZUSDT"]
    assert rule.trading_pair == "BLZ-USDT"
    assert (rule.min_price_increment, rule.min_base_amount_increment) == (Decimal("0.0001"), Decimal("1"))
    assert (rule.min_order_size, rule.max_order_size) == (Decimal("1"), Decimal("10000000"))
    assert rule.max_market_order_size == Decimal("590119")
    assert rule.min_notional == Decimal("5.0")
    # GTX in timeInForce makes post-only orders possible.
    assert rule.supported_order_types == frozenset({OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET})


def test_order_trade_update_is_an_order_update_and_on_trade_a_fill(perp: BinancePerpetualDerivative) -> None:
    source = BinancePerpetualUserStreamDataSource(perp)
    (update,) = source.parse(payload("order_trade_update"))
    assert update == OrderUpdate("BTC-USDT", 1568879465.65, OrderState.OPEN, "TEST", "8886774",
                                 executed_amount=Decimal("0"))
    event = copy.deepcopy(payload("order_trade_update"))
    event["o"] |= {"x": "TRADE", "X": "PARTIALLY_FILLED", "l": "0.001", "z": "0.001", "L": "7103.04", "t": 42,
                   "n": "0.00284", "m": True}
    update, fill = source.parse(event)
    assert isinstance(fill, TradeUpdate)
    assert update.new_state is OrderState.PARTIALLY_FILLED
    assert (fill.trade_id, fill.fill_price, fill.fill_base_amount, fill.fill_quote_amount) == (
        "42", Decimal("7103.04"), Decimal("0.001"), Decimal("7.10304"))
    assert fill.fee.amount_in("USDT") == Decimal("0.00284") and fill.is_maker is True


def test_account_update_gives_balances_and_positions(perp: BinancePerpetualDerivative) -> None:
    perp.balances["USDT"] = Balance("USDT", Decimal("1000"), Decimal("900"))
    perp._leverage["BTC-USDT"] = Decimal("20")
    items = list(BinancePerpetualUserStreamDataSource(perp).parse(payload("account_update")))
    balances = [i for i in items if isinstance(i, Balance)]
    positions = [i for i in items if isinstance(i, Position)]
    # The 100 locked as margin at the last poll stays locked.
    assert balances == [Balance("USDT", Decimal("122624.12345678"), Decimal("122524.12345678")),
                        Balance("BUSD", Decimal("1.00000000"), Decimal("1.00000000"))]
    assert [(p.position_side, p.amount, p.entry_price, p.unrealized_pnl, p.leverage) for p in positions] == [
        (PositionSide.BOTH, Decimal("0"), Decimal("0.00000"), Decimal("0"), Decimal("20")),
        (PositionSide.LONG, Decimal("20"), Decimal("6563.66500"), Decimal("2850.21200"), Decimal("20")),
        (PositionSide.SHORT, Decimal("-10"), Decimal("6563.86000"), Decimal("-1423.15600"), Decimal("20"))]


def test_listen_key_expiry_asks_for_a_reconnect(perp: BinancePerpetualDerivative) -> None:
    assert list(BinancePerpetualUserStreamDataSource(perp).parse(payload("listen_key_expired"))) == [
        StreamAction.RECONNECT]


async def test_every_connection_gets_a_listen_key_and_it_is_kept_alive() -> None:
    async with MockVenue() as venue:
        venue.route("POST", "/fapi/v1/listenKey", {"listenKey": "first"}, {"listenKey": "second"})
        venue.route("PUT", "/fapi/v1/listenKey", payload("listen_key_keepalive"))
        perp = BinancePerpetualDerivative(api_key="key", api_secret="s3cr3t", rest_url=venue.http_url,
                                          ws_url=venue.ws_url)
        source = BinancePerpetualUserStreamDataSource(perp)
        try:
            first, second = await source.connect_spec(), await source.connect_spec()
            await source.keepalive()
        finally:
            await perp.rest.close()
        assert first.url == f"{venue.ws_url}/private/ws?listenKey=first"
        assert second.url.endswith("listenKey=second")
        assert source.keepalive_interval is not None and source.keepalive_interval < 60 * 60
        (put,) = venue.requests_to("PUT", "/fapi/v1/listenKey")
        for request in [*venue.requests_to("POST", "/fapi/v1/listenKey"), put]:
            # Key-only endpoints: the API key header, and nothing signed.
            assert request.headers["X-MBX-APIKEY"] == "key"
            assert "signature" not in request.query


async def test_positions_from_position_risk_v3(served: Any) -> None:
    venue, perp = served
    venue.route("GET", "/fapi/v3/positionRisk", payload("position_risk_hedge"))
    perp._leverage["ADA-USDT"] = Decimal("5")
    long, short = await perp._fetch_positions()
    assert long == Position("ADA-USDT", PositionSide.LONG, Decimal("30"), Decimal("0.385"), Decimal("0.76427700"),
                            Decimal("5"), mark_price=Decimal("0.41047590"), liquidation_price=Decimal("0"))
    assert (short.trading_pair, short.position_side, short.amount, short.leverage) == (
        "COMP-USDT", PositionSide.SHORT, Decimal("-1.000"), Decimal("0"))


async def test_balances_funding_leverage_and_position_mode(served: Any) -> None:
    venue, perp = served
    venue.route("GET", "/fapi/v3/account", payload("account"))
    venue.route("GET", "/fapi/v1/premiumIndex", payload("premium_index"))
    venue.route("GET", "/fapi/v1/income", payload("income_funding_fee"))
    venue.route("POST", "/fapi/v1/leverage", payload("leverage_response"))
    venue.route("GET", "/fapi/v1/positionSide/dual", payload("position_mode_response"))
    venue.route("POST", "/fapi/v1/positionSide/dual", payload("position_mode_change_response"))
    assert (await perp._fetch_balances())[0] == Balance("USDT", Decimal("23.72469206"), Decimal("23.72469206"))
    assert await perp._fetch_funding_info("BTC-USDT") == FundingInfo(
        "BTC-USDT", Decimal("11781.80495970"), Decimal("11793.63104562"), 1597392000.0, Decimal("0.00038246"))
    assert await perp._fetch_funding_payments(1570000000.0) == [
        FundingPayment("BTC-USDT", 1570636800.0, Decimal("-0.01000000"), "USDT", "9689322393")]
    assert await perp._set_leverage("BTC-USDT", Decimal("21")) == Decimal("21")
    assert await perp._fetch_position_mode() is PositionMode.HEDGE
    await perp._set_position_mode(PositionMode.HEDGE)
    assert sent(venue, "GET", "/fapi/v1/premiumIndex") == [{"symbol": "BTCUSDT"}]
    assert sent(venue, "GET", "/fapi/v1/income") == [
        {"incomeType": "FUNDING_FEE", "startTime": "1570000000000", "limit": "1000"}]
    assert sent(venue, "POST", "/fapi/v1/leverage") == [{"symbol": "BTCUSDT", "leverage": "21"}]
    assert sent(venue, "POST", "/fapi/v1/positionSide/dual") == [{"dualSidePosition": "true"}]
    # Every call but the public mark price is signed.
    assert {r.path for r in venue.requests if "signature" not in r.query} == {"/fapi/v1/premiumIndex"}


async def test_switching_to_the_mode_already_set_is_not_an_error(served: Any) -> None:
    venue, perp = served
    venue.route("POST", "/fapi/v1/positionSide/dual",
                MockResponse({"code": -4059, "msg": "No need to change position side."}, status=400))
    await perp._set_position_mode(PositionMode.ONEWAY)
    assert len(venue.requests_to("POST", "/fapi/v1/positionSide/dual")) == 1


def test_order_parameters_in_one_way_and_hedge_mode(perp: BinancePerpetualDerivative) -> None:
    closing = new_order(trade_type=TradeType.SELL, reduce_only=True, position_action=PositionAction.CLOSE)
    assert perp._order_params(closing) == {
        "symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "quantity": "0.002", "newClientOrderId": "ccB1",
        "positionSide": "BOTH", "newOrderRespType": "RESULT", "price": "30000.1", "timeInForce": "GTC",
        "reduceOnly": "true"}
    maker = perp._order_params(new_order(order_type=OrderType.LIMIT_MAKER))
    assert (maker["type"], maker["timeInForce"]) == ("LIMIT", "GTX")
    market = perp._order_params(new_order(order_type=OrderType.MARKET, price=None))
    assert market["type"] == "MARKET" and "price" not in market and "timeInForce" not in market
    perp.position_mode = PositionMode.HEDGE
    hedged = perp._order_params(closing)
    assert hedged["positionSide"] == "LONG" and "reduceOnly" not in hedged


async def test_batches_hold_at_most_five_orders_and_refusals_are_typed(served: Any) -> None:
    venue, perp = served

    def answer(request: RecordedRequest) -> MockResponse:
        orders = json.loads(request.query["batchOrders"])
        return MockResponse([payload("error_reduce_only_rejected") if o["newClientOrderId"] == "c1" else
                             payload("order_response") | {"clientOrderId": o["newClientOrderId"], "orderId": 7}
                             for o in orders])

    venue.route("POST", "/fapi/v1/batchOrders", answer)
    results = await perp._place_orders_batch([new_order(f"c{i}") for i in range(7)])
    assert [len(json.loads(q["batchOrders"])) for q in sent(venue, "POST", "/fapi/v1/batchOrders")] == [5, 2]
    assert isinstance(results[1], OrderRejected) and results[1].venue_code == -2022
    placed = results[0]
    assert isinstance(placed, tuple)
    assert (placed[0].client_order_id, placed[0].new_state, placed[1]) == ("c0", OrderState.OPEN, [])
    assert len(results) == 7


async def test_cancel_all_asks_how_each_tracked_order_ended(served: Any) -> None:
    venue, perp = served
    perp.orders.start_tracking(new_order("mine", exchange_order_id="283194212", state=OrderState.OPEN))
    venue.route("DELETE", "/fapi/v1/allOpenOrders", payload("cancel_all"))
    venue.route("GET", "/fapi/v1/order", payload("cancel_order") | {"clientOrderId": "mine"})
    # The answer names no order: the core asks the tracked one how it ended.
    (result,) = await perp.cancel_all(timeout=5)
    assert (result.client_order_id, result.success) == ("mine", True)
    assert perp.orders.finished["mine"].state is OrderState.CANCELED
    assert sent(venue, "DELETE", "/fapi/v1/allOpenOrders") == [{"symbol": "BTCUSDT"}]
    assert sent(venue, "GET", "/fapi/v1/order") == [{"symbol": "BTCUSDT", "orderId": "283194212"}]


def test_user_trades_rows_are_fills() -> None:
    (row,) = payload("user_trades")
    fill = trade_update("BTC-USDT", row, "ccB1")
    assert (fill.trade_id, fill.fill_price, fill.fill_quote_amount, fill.is_maker) == (
        "698759", Decimal("7819.01"), Decimal("15.63802"), False)
    assert fill.fee.amount_in("USDT") == Decimal("0.07819010")


# == (d) errors ===================================================================================

@pytest.mark.parametrize(("code", "message", "expected"), [
    (-2022, "ReduceOnly Order is rejected.", OrderRejected),
    (-4116, "ClientOrderId is duplicated.", DuplicateClientOrderId),
    (-2019, "Margin is insufficient.", InsufficientFunds),
    (-5022, "Due to the order could not be executed as maker, the Post Only order will be rejected.", OrderRejected),
    (-4164, "Order's notional must be no smaller than 5.0 (unless you choose reduce only)", InvalidOrder),
    (-2011, "Unknown order sent.", OrderNotFound),
    (-2013, "Order does not exist.", OrderNotFound),
])
def test_futures_error_codes_map_to_typed_errors(code: int, message: str, expected: type) -> None:
    assert error_class_for(ERRORS, code, message, 400) is expected


def test_documented_invalid_symbol_body_is_bad_symbol(perp: BinancePerpetualDerivative) -> None:
    extracted = perp._extract_error(400, payload("error_invalid_symbol"))
    assert extracted == (-1121, "Invalid symbol.")
    assert error_class_for(ERRORS, *extracted, 400) is BadSymbol


def test_spec() -> None:
    assert SPEC.is_perpetual and SPEC.connector_id == "binance_perpetual"
    assert {Feature.BATCH_ORDERS, Feature.CANCEL_ALL, Feature.REDUCE_ONLY, Feature.HEDGE_MODE} == SPEC.features
    assert SPEC.urls(None).rest == "https://fapi.binance.com"


def test_reduce_only_orders_may_go_below_the_minimum_notional(perp: BinancePerpetualDerivative) -> None:
    # -4164 on USDⓈ-M: the minimum notional applies "unless you choose reduce only".
    info = {**payload("exchange_info")["symbols"][0], "symbol": "BTCUSDT", "baseAsset": "BTC"}
    rule = perp._symbol_rule(info)
    assert rule is not None and rule.min_notional_exempts_reduce_only
    perp.trading_rules = {"BTC-USDT": rule}
    amount = max(rule.min_order_size, rule.min_base_amount_increment)
    price = rule.quantize_price(rule.min_notional / amount / 2)
    with pytest.raises(OrderRuleViolation) as refused:
        perp._prepare_order(TradeType.BUY, "BTC-USDT", amount, OrderType.LIMIT, price)
    assert refused.value.rule == "min_notional"
    order = perp._prepare_order(TradeType.SELL, "BTC-USDT", amount, OrderType.LIMIT, price,
                                position_action=PositionAction.CLOSE)
    assert order.reduce_only and order.amount * order.price < rule.min_notional
