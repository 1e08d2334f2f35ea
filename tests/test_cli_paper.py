"""``clobconn paper``: the demo's script paper-traded on a venue's live book: over the mock venue serving
Binance's documented payloads (the live path), on the embedded sandbox, and falling back to the sandbox
when the venue cannot be reached (what happens with no internet)."""

from __future__ import annotations

from click.testing import CliRunner, Result

from clobconn.cli import cli
from tests.test_cli import ThreadedVenue, mock_venue, serve_spot_public  # noqa: F401  (the fixture)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_paper_on_the_venues_live_book(mock_venue: ThreadedVenue) -> None:  # noqa: F811
    venue = mock_venue.venue
    serve_spot_public(venue, 1)  # the book: bids 100.00 x 1.5, 99.50 x 2; asks 100.50 x 0.75, 101.00 x 3
    result = invoke("paper", "binance", "BTC-USDT", "--rest-url", venue.http_url, "--ws-url", venue.ws_url,
                    "--duration", "2", "--balance", "USDT=1000")
    assert result.exit_code == 0, result.output
    assert "clobconn paper: the binance connector trading BTC-USDT on" in result.output
    # The crossing buy (0.5, the smallest round amount over ten times the 5 USDT minimum) takes the best ask.
    assert "order filled     crossing" in result.output and "BUY 0.5 BTC-USDT @ 100.5 as taker" in result.output
    assert "USDT   1000 -> 949.75  (-50.25)" in result.output
    assert "balances moved by exactly the fills and their fees" in result.output
    assert not [r for r in venue.requests if r.path in ("/api/v3/order", "/api/v3/account")]


def test_paper_on_the_sandbox() -> None:
    result = invoke("paper", "binance", "BTC-USDT", "--sandbox", "--duration", "2")
    assert result.exit_code == 0, result.output
    assert "order cancelled  resting" in result.output
    assert "balances moved by exactly the fills and their fees" in result.output


def test_paper_on_a_perpetual_opens_a_position_paid_in_fees_only() -> None:
    result = invoke("paper", "binance_perpetual", "BTC-USDT", "--sandbox", "--duration", "2")
    assert result.exit_code == 0, result.output
    assert "the position is the fills, and the wallet moved by exactly their fees" in result.output


def test_paper_without_the_venue_runs_on_the_sandbox() -> None:
    result = invoke("paper", "okx", "BTC-USDT", "--rest-url", "http://127.0.0.1:1", "--ws-url", "ws://127.0.0.1:1",
                    "--duration", "2")
    assert result.exit_code == 0, result.output
    assert "cannot be reached" in result.output
    assert "paper-trading the embedded sandbox's book with the binance connector instead" in result.output
    assert "balances moved by exactly the fills and their fees" in result.output


def test_paper_refuses_a_malformed_balance() -> None:
    result = invoke("paper", "binance", "BTC-USDT", "--sandbox", "--balance", "USDT")
    assert result.exit_code == 2 and "ASSET=AMOUNT" in result.output
