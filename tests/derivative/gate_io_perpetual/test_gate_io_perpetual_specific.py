"""What only Gate.io USDT perpetuals have: contract sizes on the wire, ``{p, s}`` book levels, signed
sizes, dual-mode endpoints and funding from the account book."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from clobconn.core.data_types import (
    InFlightOrder,
    OrderState,
    OrderType,
    PositionAction,
    PositionMode,
    PositionSide,
    TradeType,
)
from clobconn.core.order_book.messages import BookMessageType
from clobconn.core.order_book.sync import BookSynchronizer, SyncResult
from clobconn.derivative.gate_io_perpetual.derivative import GateIoPerpetualDerivative, parse_contract
from clobconn.derivative.gate_io_perpetual.order_book_data_source import GateIoPerpetualOrderBookDataSource
from clobconn.derivative.gate_io_perpetual.parsers import (
    parse_futures_order,
    parse_futures_trade,
    parse_position,
)

# https://www.gate.com/docs/developers/apiv4/en/futures#list-all-futures-contracts (200 example, abridged)
DOC_CONTRACT = {"name": "BTC_USDT", "type": "direct", "quanto_multiplier": "0.0001", "order_price_round": "0.1",
                "order_size_min": 1, "order_size_max": 1000000, "mark_price": "37985.6", "index_price": "37954.92",
                "funding_rate": "0.002053", "funding_next_apply": 1610035200, "status": "trading"}


@pytest.fixture
def conn() -> GateIoPerpetualDerivative:
    connector = GateIoPerpetualDerivative(api_key="k", api_secret="s", trading_pairs=["BTC-USDT"])
    connector.trading_rules = {"BTC-USDT": parse_contract(DOC_CONTRACT)}
    connector.symbols["BTC-USDT"] = "BTC_USDT"
    return connector


def tracked(conn: GateIoPerpetualDerivative, **overrides: Any) -> InFlightOrder:
    values: dict[str, Any] = {"client_order_id": "t-ccS1", "trading_pair": "BTC-USDT", "order_type": OrderType.LIMIT,
                              "trade_type": TradeType.SELL, "amount": Decimal("0.0123"), "price": Decimal("37000.1"),
                              "creation_timestamp": 0.0}
    values.update(overrides)
    order = InFlightOrder(**values)
    conn.orders.start_tracking(order)
    return order


def calls_to(conn: GateIoPerpetualDerivative, answers: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    calls: list[tuple[str, str, Any, Any]] = []

    async def request(method: str, path: str, *, params: Any = None, data: Any = None, **_: Any) -> Any:
        calls.append((method, path, params, data))
        return answers[path]

    conn.rest.request = request  # type: ignore[method-assign]
    return calls


def test_contract_size_conversion_both_ways() -> None:
    rule = parse_contract(DOC_CONTRACT)
    assert (rule.contract_size, rule.min_order_size, rule.max_order_size) == (
        Decimal("0.0001"), Decimal("0.0001"), Decimal("100"))
    assert (rule.min_base_amount_increment, rule.min_price_increment) == (Decimal("0.0001"), Decimal("0.1"))
    assert rule.to_contracts(Decimal("0.0123")) == 123
    assert rule.from_contracts(Decimal(-9440)) == Decimal("-0.944")
    with pytest.raises(ValueError, match="whole number"):
        rule.to_contracts(Decimal("0.00005"))


def test_orders_go_out_in_signed_contracts(conn: GateIoPerpetualDerivative) -> None:
    body = conn._order_body(tracked(conn))
    assert body == {"contract": "BTC_USDT", "text": "t-ccS1", "size": -123, "reduce_only": False,
                    "price": "37000.1", "tif": "gtc"}
    close = conn._order_body(tracked(conn, trade_type=TradeType.BUY, order_type=OrderType.MARKET, price=None,
                                     reduce_only=True, position_action=PositionAction.CLOSE))
    assert (close["size"], close["price"], close["tif"], close["reduce_only"]) == (123, "0", "ioc", True)
    maker = conn._order_body(tracked(conn, order_type=OrderType.LIMIT_MAKER))
    assert maker["tif"] == "poc"


def test_orders_fills_and_positions_come_back_in_base(conn: GateIoPerpetualDerivative) -> None:
    rule = conn.trading_rules["BTC-USDT"]
    # https://www.gate.com/docs/developers/apiv4/en/futures#create-a-futures-order (200 example)
    order = {"id": 15675394, "contract": "BTC_USDT", "size": -6024, "left": -24, "status": "open", "text": "t-ccS1",
             "create_time": 1546569968, "finish_as": "_update"}
    update = parse_futures_order(rule, order)
    assert (update.new_state, update.executed_amount) == (OrderState.PARTIALLY_FILLED, Decimal("0.6"))
    done = parse_futures_order(rule, order | {"left": 0, "status": "finished", "finish_as": "filled"})
    assert (done.new_state, done.executed_amount) == (OrderState.FILLED, Decimal("0.6024"))
    cancelled = parse_futures_order(rule, order | {"status": "finished", "finish_as": "cancelled"})
    assert cancelled.new_state is OrderState.CANCELED
    # https://www.gate.com/docs/developers/futures/ws/en/#user-trades-notification (floats as the WS sends them)
    fill = parse_futures_trade(rule, {"id": "3335259", "create_time": 1628736848, "create_time_ms": 1628736848321,
                                      "contract": "BTC_USDT", "order_id": "4872460", "size": -25, "price": "40000.4",
                                      "role": "maker", "text": "t-ccS1", "fee": 0.0009290592, "point_fee": 0}, "USDT")
    assert (fill.fill_base_amount, fill.fill_quote_amount, fill.is_maker) == (
        Decimal("0.0025"), Decimal("100.0010"), True)
    assert fill.fee.amount_in("USDT") == Decimal("0.0009290592") and fill.fill_timestamp == 1628736848.321
    long = parse_position(rule, {"contract": "BTC_USDT", "size": "300", "entry_price": 40000.36666661111,
                                 "leverage": 0, "mode": "dual_long"})
    assert (long.position_side, long.amount, long.entry_price) == (
        PositionSide.LONG, Decimal("0.03"), Decimal("40000.36666661111"))


def test_book_levels_in_contracts_become_base(conn: GateIoPerpetualDerivative) -> None:
    source = GateIoPerpetualOrderBookDataSource(conn)
    # https://www.gate.com/docs/developers/futures/ws/en/#order-book-update-notification
    message = {"time": 1615366381, "channel": "futures.order_book_update", "event": "update", "result": {
        "t": 1615366381417, "s": "BTC_USDT", "U": 2517661101, "u": 2517661113,
        "b": [{"p": "54672.1", "s": 0}, {"p": "54664.5", "s": 58794}], "a": [{"p": "54743.6", "s": 0},
                                                                            {"p": "54742", "s": 95}], "l": "100"}}
    (diff,) = source.parse("public", message)
    assert diff.type is BookMessageType.DIFF and (diff.first_id, diff.last_id) == (2517661101, 2517661113)
    assert diff.bids == [["54672.1", "0.0000"], ["54664.5", "5.8794"]] and diff.asks[1] == ["54742", "0.0095"]
    sync = BookSynchronizer("BTC-USDT", source.sequence_rule)
    sync.on_diff(diff)
    snapshot = type(diff)(BookMessageType.SNAPSHOT, "BTC-USDT", [["54600", "1"]], [["54800", "1"]], 2517661105)
    assert sync.on_snapshot(snapshot) is SyncResult.APPLIED  # U <= id + 1 <= u bridges it
    assert sync.book.best_bid == Decimal("54664.5") and sync.book.best_ask == Decimal("54742")
    later = type(diff)(BookMessageType.DIFF, "BTC-USDT", [], [], 2517661120, first_id=2517661115)
    assert sync.on_diff(later) is SyncResult.GAP


def test_public_frames_and_trades(conn: GateIoPerpetualDerivative) -> None:
    source = GateIoPerpetualOrderBookDataSource(conn)
    frames = source.subscribe_payloads("public", ["BTC-USDT"])
    assert [(f["channel"], f["payload"]) for f in frames] == [
        ("futures.order_book_update", ["BTC_USDT", "100ms", "100"]), ("futures.trades", ["BTC_USDT"]),
        ("futures.tickers", ["BTC_USDT"])]
    assert source.unsubscribe_payloads("public", ["BTC-USDT"])[0]["payload"] == ["BTC_USDT", "100ms"]
    (trade,) = source.parse("public", {"channel": "futures.trades", "event": "update", "result": [
        {"size": -108, "id": 27753479, "create_time": 1545136464, "create_time_ms": 1545136464123,
         "price": "96.4", "contract": "BTC_USDT"}]})
    assert (trade.side, trade.amount, trade.timestamp) == (TradeType.SELL, Decimal("0.0108"), 1545136464.123)


async def test_leverage_and_position_mode_endpoints(conn: GateIoPerpetualDerivative) -> None:
    calls = calls_to(conn, {"/api/v4/futures/usdt/positions/BTC_USDT/leverage": {"leverage": "5"},
                            "/api/v4/futures/usdt/dual_comp/positions/BTC_USDT/leverage": [
                                {"leverage": "7", "mode": "dual_long"}, {"leverage": "7", "mode": "dual_short"}],
                            "/api/v4/futures/usdt/dual_mode": {"in_dual_mode": True}})
    assert await conn.set_leverage("BTC-USDT", 5) == Decimal("5")
    await conn.set_position_mode(PositionMode.HEDGE)
    assert await conn.set_leverage("BTC-USDT", 7) == Decimal("7")
    assert [(method, path, params) for method, path, params, _ in calls] == [
        ("POST", "/api/v4/futures/usdt/positions/BTC_USDT/leverage", {"leverage": "5"}),
        ("POST", "/api/v4/futures/usdt/dual_mode", {"dual_mode": "true"}),
        ("POST", "/api/v4/futures/usdt/dual_comp/positions/BTC_USDT/leverage", {"leverage": "7"})]


async def test_funding_payments_from_the_account_book(conn: GateIoPerpetualDerivative) -> None:
    # https://www.gate.com/docs/developers/apiv4/en/futures#query-futures-account-book (a pre-2023-10-30 row
    # names the contract in "text" only)
    rows = [{"time": 1682294400.123456, "change": "-0.000010745", "balance": "4.59316525194", "type": "fund",
             "text": "BTC_USDT:4191243", "id": "2"},
            {"time": 1682265600.5, "change": "0.02", "balance": "4.5", "type": "fund", "contract": "BTC_USDT",
             "text": "", "id": "1"}]
    calls = calls_to(conn, {"/api/v4/futures/usdt/account_book": rows})
    payments = await conn._fetch_funding_payments(1682200000.7)
    assert calls[0][2] == {"type": "fund", "from": 1682200000, "limit": 1000}
    assert [(p.payment_id, p.amount, p.asset) for p in payments] == [
        ("1", Decimal("0.02"), "USDT"), ("2", Decimal("-0.000010745"), "USDT")]
