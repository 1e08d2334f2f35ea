"""The clobconn command, end to end through click.

markets and book run the real connectors over loopback: against the MockVenue serving Binance's
documented payloads (the path a user takes without --sandbox, with the venue URLs pointed at the
mock), and against the embedded sandbox. demo and sandbox serve run the real Sandbox; if it cannot
be imported these tests fail with the import error, they are never skipped.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from clobconn.cli import cli
from clobconn.cli.book import run_book
from clobconn.cli.demo import DemoReport, demo_amount, expected_changes, run_demo
from clobconn.cli.venues import VenueTarget
from clobconn.cli.views import connector_rows, event_line, number
from clobconn.core.data_types import (
    FundingPayment,
    OrderType,
    Position,
    PositionSide,
    TradeFee,
    TradeType,
    TradeUpdate,
    TradingRule,
)
from clobconn.core.errors import NotSupported
from clobconn.core.events import (
    BookSyncedEvent,
    BookSyncLostEvent,
    ConnectorDownEvent,
    ConnectorReadyEvent,
    FundingPaymentEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFilledEvent,
    PositionUpdatedEvent,
)
from clobconn.core.registry import AMM_CONNECTORS, CONNECTORS, WITHOUT_PUBLIC_API, connector_class
from clobconn.testing import FixtureSet, MockVenue

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures"
SPOT = FixtureSet(FIXTURES / "binance" / "conformance")
PERP = FixtureSet(FIXTURES / "binance_perpetual")
REPO = Path(__file__).parents[1]


class ThreadedVenue:
    """A MockVenue on its own event loop in a thread, so a click command can run asyncio.run beside it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.venue = MockVenue()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def __enter__(self) -> ThreadedVenue:
        self.thread.start()
        self.run(self.venue.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.venue.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def mock_venue() -> Iterator[ThreadedVenue]:
    with ThreadedVenue() as threaded:
        yield threaded


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def table_rows(output: str) -> dict[str, list[str]]:
    """A rich table's body rows, keyed by their first cell (continuation lines are skipped)."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│┃").split("│")]
        if line.lstrip().startswith("│") and cells[0]:
            rows[cells[0]] = cells
    return rows


def serve_spot_public(venue: MockVenue, snapshot_id: int) -> None:
    venue.route("GET", "/api/v3/time", SPOT.payload("server_time", {"timestamp_ms": int(time.time() * 1000)}))
    venue.route("GET", "/api/v3/exchangeInfo", SPOT.payload("trading_rules"))
    venue.route("GET", "/api/v3/depth", SPOT.payload("snapshot", {
        "update_id": snapshot_id,
        "bids": [["100.00", "1.5"], ["99.50", "2"]],
        "asks": [["100.50", "0.75"], ["101.00", "3"]],
    }))
    venue.on_ws_message("/ws", lambda m: [{"result": None, "id": m["id"]}] if isinstance(m, dict) else [])


# == connectors ==================================================================================

def test_connectors_lists_public_connectors_with_their_facts() -> None:
    rows = {row.connector_id: row for row in connector_rows()}
    # Every registered connector but the _template teaching one, whichever venues have landed.
    public = {name for name in CONNECTORS if not name.startswith("_")} | set(WITHOUT_PUBLIC_API) | set(AMM_CONNECTORS)
    assert set(rows) == public and {"binance", "binance_perpetual"} <= public
    spot, perp = rows["binance"], rows["binance_perpetual"]
    assert (spot.market, perp.market) == ("spot", "perpetual")
    assert spot.domains == ("mainnet", "testnet")
    assert "amend_order" in spot.features and "reduce_only" not in spot.features
    assert {"reduce_only", "hedge_mode", "batch_orders"} <= set(perp.features)
    assert spot.order_types == ("LIMIT", "LIMIT_MAKER", "MARKET")
    assert spot.time_in_force == ("FOK", "GTC", "IOC")
    assert spot.credentials == ("api key", "api secret")  # Binance keys have no passphrase
    assert rows["okx"].credentials == ("api key", "api secret", "passphrase")
    assert spot.status == "live"

    result = invoke("connectors")
    assert result.exit_code == 0
    table = table_rows(result.output)
    assert set(table) == public
    assert table["binance_perpetual"][1:4] == ["perpetual", "live", "mainnet"]
    assert "_template" not in result.output


def test_a_market_whose_venue_has_no_public_api_is_listed_as_such_and_never_built(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(WITHOUT_PUBLIC_API, "nowhere_perpetual", "docs/connectors/nowhere_perpetual.md")
    row = {row.connector_id: row for row in connector_rows()}["nowhere_perpetual"]
    assert (row.market, row.status, row.credentials) == ("-", "no public API", ())
    assert table_rows(invoke("connectors").output)["nowhere_perpetual"][1:3] == ["-", "no public API"]
    with pytest.raises(NotSupported, match=r"nowhere_perpetual\.md"):
        connector_class("nowhere_perpetual")


def test_a_connector_whose_extra_is_missing_is_listed_with_the_extra_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [module for module in sys.modules if module.startswith("clobconn.exchange.mexc")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "google.protobuf", None)  # as if the protobuf extra were not installed
    rows = {row.connector_id: row for row in connector_rows()}
    assert "clobconn[protobuf]" in rows["mexc"].features[0]
    assert rows["binance"].market == "spot"


def test_unknown_command_and_connector_are_refused() -> None:
    assert invoke("nope").exit_code == 2
    result = invoke("markets", "nosuchvenue")
    assert result.exit_code == 2 and "nosuchvenue" in result.output


# == markets =====================================================================================

def test_markets_reads_the_venue_rules_without_credentials(mock_venue: ThreadedVenue) -> None:
    serve_spot_public(mock_venue.venue, 1)
    result = invoke("markets", "binance", "--rest-url", mock_venue.venue.http_url, "--ws-url", mock_venue.venue.ws_url)
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    # pair, tick, step, min size, max size, min notional, as the fixture's filters say.
    assert rows["BTC-USDT"] == ["BTC-USDT", "0.01", "0.00001", "0.00001", "9000", "5"]
    assert "LUNA-USDT" not in rows  # status BREAK: not tradable
    assert "contract size" not in result.output
    requests = mock_venue.venue.requests
    assert [r.path for r in requests] == ["/api/v3/exchangeInfo"]
    assert not any("X-MBX-APIKEY" in r.headers for r in requests)
    assert mock_venue.venue.connections("/ws") == 0  # rules only: no market-data socket opened


def test_markets_of_a_perpetual_show_contract_size(mock_venue: ThreadedVenue) -> None:
    mock_venue.venue.route("GET", "/fapi/v1/exchangeInfo", PERP.payload("exchange_info"))
    result = invoke("markets", "binance_perpetual", "--rest-url", mock_venue.venue.http_url)
    assert result.exit_code == 0, result.output
    assert table_rows(result.output)["BLZ-USDT"] == ["BLZ-USDT", "0.0001", "1", "1", "10000000", "5", "1"]
    assert "contract size" in result.output


def test_markets_reports_an_unreachable_venue_clearly() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(cli, ["markets", "binance", "--rest-url", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert "ExchangeNotAvailable: cannot connect for GET /api/v3/exchangeInfo" in result.output


def test_sandbox_flag_excludes_url_overrides() -> None:
    result = invoke("markets", "binance", "--sandbox", "--rest-url", "http://127.0.0.1:1")
    assert result.exit_code == 2 and "--sandbox" in result.output


# == book ========================================================================================

def test_book_follows_the_live_book_in_plain_output(mock_venue: ThreadedVenue) -> None:
    venue = mock_venue.venue
    serve_spot_public(venue, 500)

    async def push_a_diff_once_synced() -> None:
        await venue.wait_for_requests("GET", "/api/v3/depth", timeout=10)
        await asyncio.sleep(0.5)
        await venue.push("/ws", SPOT.payload("diff", {
            "timestamp_ms": int(time.time() * 1000), "symbol": "BTCUSDT", "first_id": 501, "last_id": 502,
            "bids": [["99.75", "4"]], "asks": [["100.50", "0"], ["102.00", "6"]],
        }))

    pushed = mock_venue.spawn(push_a_diff_once_synced())
    result = invoke("book", "binance", "btc-usdt", "--rest-url", venue.http_url, "--ws-url", venue.ws_url,
                    "--depth", "3", "--duration", "2", "--interval", "0.4")
    pushed.result(5)
    assert result.exit_code == 0, result.output
    snapshots = result.output.split("binance BTC-USDT  synced")
    assert len(snapshots) >= 3  # periodic plain snapshots, not one
    first, last = snapshots[1], snapshots[-1]
    # Prices at the rule's tick (0.01), sizes as the venue sent them.
    assert re.search(r"1\.5\s+100\.00\s+100\.50\s+0\.75", first)
    # The diff landed: a new bid level, the best ask gone, a new ask level.
    assert re.search(r"1\.5\s+100\.00\s+101\.00\s+3", last)
    assert re.search(r"4\s+99\.75\s+102\.00\s+6", last)
    assert "update id 502" in last
    subscribe = venue.endpoint("/ws").received[0]
    assert subscribe["method"] == "SUBSCRIBE" and "btcusdt@depth@100ms" in subscribe["params"]


async def test_book_on_a_terminal_redraws_a_rich_table() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    async with MockVenue() as venue:
        serve_spot_public(venue, 7)
        target = VenueTarget("binance", rest_url=venue.http_url, ws_url=venue.ws_url)
        await run_book(console, target, "BTC-USDT", depth=2, duration=0.6, interval=1.0)
    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    assert "bid size" in drawn and "┏" in drawn  # a rich table
    assert re.search(r"100\.00.*100\.50", drawn) and "update id 7" in drawn
    assert "\x1b[" in drawn  # drawn in place with terminal control codes, not printed as log lines
    assert not re.search(r"^\s*\d+\.\d\ds  ", drawn, re.MULTILINE)


def test_book_refuses_an_unknown_pair_with_a_clear_message(mock_venue: ThreadedVenue) -> None:
    serve_spot_public(mock_venue.venue, 1)
    result = CliRunner().invoke(cli, ["book", "binance", "NOPE-USDT", "--rest-url", mock_venue.venue.http_url,
                                      "--ws-url", mock_venue.venue.ws_url, "--duration", "1"])
    assert result.exit_code == 1
    assert "BadSymbol" in result.output and "NOPE-USDT" in result.output


# == markets and book on the embedded sandbox ====================================================

def test_markets_on_the_sandbox_lists_its_pairs() -> None:
    result = invoke("markets", "binance_perpetual", "--sandbox")
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert set(rows) == {"BTC-USDT", "ETH-USDT"}  # the sandbox's default pairs
    assert rows["BTC-USDT"][-1] == "1"  # contract size: sized in base


@pytest.mark.parametrize("connector", ["binance", "binance_perpetual"])
def test_book_on_the_sandbox_refuses_a_pair_it_does_not_list(connector: str) -> None:
    # The embedded sandbox used to open a market for whatever pair was asked for.
    result = CliRunner().invoke(cli, ["book", connector, "NOPE-USDT", "--sandbox", "--duration", "1"])
    assert result.exit_code == 1, result.output
    assert "BadSymbol: NOPE-USDT is not a market on the embedded sandbox" in result.output
    assert f"clobconn markets {connector} --sandbox" in result.output
    assert "synced" not in result.output and "bid size" not in result.output


def test_book_on_the_sandbox_moves_with_its_synthetic_liquidity() -> None:
    result = invoke("book", "binance", "ETH-USDT", "--sandbox", "--depth", "2", "--duration", "2",
                    "--interval", "0.5", "--seed", "3")
    assert result.exit_code == 0, result.output
    ids = [int(i) for i in re.findall(r"binance ETH-USDT  synced  update id (\d+)", result.output)]
    assert len(ids) >= 3 and ids[-1] > ids[0]  # the book kept updating over the stream
    assert re.search(r"\d\.\d+\s+\d+\.\d{2}\s+\d+\.\d{2}\s+\d", result.output)  # bid size, bid, ask, ask size


# == demo and events =============================================================================

def test_demo_amount_clears_the_minimums_with_a_round_number() -> None:
    rule = TradingRule("BTC-USDT", min_order_size=Decimal("0.00001"), min_base_amount_increment=Decimal("0.00001"),
                       min_notional=Decimal("5"))
    assert demo_amount(rule, Decimal("30000")) == Decimal("0.002")  # 10 x 5 / 30000 = 0.00167 -> 0.002
    coarse = TradingRule("X-Y", min_order_size=Decimal("1"), min_base_amount_increment=Decimal("1"))
    assert demo_amount(coarse, Decimal("0.5")) == Decimal("1")


def test_expected_changes_follow_fills_and_fees() -> None:
    report = DemoReport("BTC-USDT")
    trade = TradeUpdate("1", "BTC-USDT", Decimal("100"), Decimal("2"), Decimal("200"),
                        TradeFee.flat("BTC", Decimal("0.002")), 0.0, "c1")
    report.events.append(OrderFilledEvent("c1", "9", "BTC-USDT", TradeType.BUY, OrderType.LIMIT, trade, 0.0))
    assert expected_changes(report, "BTC", "USDT") == {"BTC": Decimal("1.998"), "USDT": Decimal("-200")}
    line = event_line(report.events[0], {"c1": "crossing"})
    assert line == "order filled     crossing (c1): BUY 2 BTC-USDT @ 100, fee 0.002 BTC"
    created = OrderCreatedEvent("c1", "9", "BTC-USDT", TradeType.BUY, OrderType.LIMIT, Decimal("2"),
                                Decimal("100.10"), 0.0)
    assert event_line(created).endswith("BUY LIMIT 2 BTC-USDT @ 100.1, exchange id 9")
    assert number(Decimal("1E+2")) == "100" and number(None) == "-"
    position = Position("BTC-USDT", PositionSide.BOTH, Decimal("-0.5"), Decimal("60000.0"), Decimal("12.5"),
                        Decimal(10))
    assert event_line(PositionUpdatedEvent(position, 0.0)) == (
        "position         BTC-USDT BOTH: -0.5 @ 60000, unrealized pnl 12.5, leverage 10")
    payment = FundingPayment("BTC-USDT", 0.0, Decimal("-1.25"), "USDT", "7", Decimal("0.0001"))
    assert event_line(FundingPaymentEvent(payment, 0.0)) == "funding payment  BTC-USDT: -1.25 USDT at rate 0.0001"
    assert event_line(BookSyncLostEvent("BTC-USDT", "gap", 0.0)) == (
        "book sync lost   BTC-USDT: gap; its prices are stale until it resyncs")
    assert event_line(BookSyncedEvent("BTC-USDT", 0.0)) == "book synced      BTC-USDT"
    assert event_line(ConnectorDownEvent("user stream", 0.0, ("user stream",))) == "connector down   user stream"
    assert event_line(ConnectorReadyEvent(0.0)) == "connector ready"


DEMO_SEQUENCE = [
    r"book synced +BTC-USDT",
    r"connector ready\n",
    r"order created +resting \(\w+\): BUY LIMIT",
    r"order created +crossing \(\w+\): BUY LIMIT",
    r"order filled +crossing \(\w+\): BUY",
    r"order completed +crossing",
    r"order cancelled +resting",
    r"balances moved by exactly the fills and their fees",
    r"stopped the connector and the sandbox",
]


def test_demo_trades_on_the_sandbox_and_prints_every_event() -> None:
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["demo", "--duration", "4", "--seed", "11"])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    assert time.monotonic() - started < 20
    output = result.output
    position = 0
    for pattern in DEMO_SEQUENCE:  # the real sequence, in order
        match = re.compile(pattern).search(output, position)
        assert match, f"missing {pattern!r} after position {position} in:\n{output}"
        position = match.end()
    # The resting order locks its quote, the fill moves both assets, the cancel unlocks the rest.
    assert re.search(r"balance +USDT: total 100000, available [\d.]+, locked [\d.]+\n", output)
    assert re.search(r"balance +BTC: total 10\.\d+, available 10\.\d+\n", output)
    assert re.search(r"order cancelled[^\n]+\n(.+\n)*?.+balance +USDT: total ([\d.]+), available \2\n", output)
    assert re.search(r"book +BTC-USDT +bid \S+ x \S+ +ask", output)  # the plain top-of-book view
    changes = dict(re.findall(r"^\s*[\d.]+s\s+(BTC|USDT)\s+\S+ -> \S+\s+\((\S+)\)$", output, re.MULTILINE))
    assert Decimal(changes["BTC"]) > 0 and Decimal(changes["USDT"]) < 0  # bought BTC with USDT


def test_demo_failure_exits_non_zero_with_the_reason_and_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    # 5 BTC at about 60000 needs far more than the sandbox account's 100000 USDT: the venue refuses.
    monkeypatch.setattr("clobconn.cli.demo.demo_amount", lambda rule, price: Decimal(5))
    result = CliRunner().invoke(cli, ["demo", "--duration", "2"])
    assert result.exit_code == 1
    assert "DemoFailed: acknowledgement of the resting order did not happen" in result.output
    assert "insufficient balance" in result.output.lower()
    assert re.search(r"order failed +resting", result.output)
    assert "stopped the connector and the sandbox" in result.output


async def test_demo_report_accounts_for_every_fill() -> None:
    console = Console(file=io.StringIO(), width=200)
    report = await run_demo(console, pair="ETH-USDT", duration=3, seed=5)
    resting, crossing = report.events_of("resting"), report.events_of("crossing")
    assert [type(e).__name__ for e in resting] == ["OrderCreatedEvent", "OrderCancelledEvent"]
    created, completed = crossing[0], crossing[-1]
    assert isinstance(created, OrderCreatedEvent) and isinstance(completed, OrderCompletedEvent)
    fills = [e for e in crossing if isinstance(e, OrderFilledEvent)]
    assert fills and sum(f.trade.fill_base_amount for f in fills) == created.amount == completed.executed_base
    expected = expected_changes(report, "ETH", "USDT")
    for asset, change in expected.items():
        assert report.final_balances[asset].total - report.start_total(asset) == change
        assert report.final_balances[asset].locked == 0  # the cancel released the resting order's funds


# == sandbox serve ===============================================================================

def test_sandbox_serve_runs_until_sigterm_and_prints_how_to_connect() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "clobconn.cli", "sandbox", "serve", "--port", "0", "--seed", "3",
         "--pairs", "BTC-USDT,ETH-USDT"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any("press Ctrl-C" in line for line in lines) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        printed = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", printed)
        assert url, printed + (process.stderr.read() if process.poll() is not None and process.stderr else "")
        assert "api key:            sandbox-key" in printed
        # The printed Python is ready to paste: run it and the connectors point at this sandbox.
        code = printed[printed.index("import clobconn"):printed.index("press Ctrl-C")]
        built: dict[str, Any] = {}
        exec(code, built)
        assert (built["spot"].name, built["perp"].name) == ("binance", "binance_perpetual")
        assert built["spot"].rest_url == built["perp"].rest_url == url.group(1)
        assert built["spot"].config.trading_pairs == ["BTC-USDT"] and built["spot"].has_credentials
        with urllib.request.urlopen(f"{url.group(1)}/api/v3/time", timeout=5) as response:
            assert "serverTime" in json.loads(response.read())
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "sandbox stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
