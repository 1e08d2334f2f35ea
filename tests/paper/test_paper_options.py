"""The paper options, as keywords or as one ``paper`` section; bad ones refused by name."""

from __future__ import annotations

from decimal import Decimal

import pytest

import clobconn
from clobconn.core.errors import InvalidArgument
from clobconn.paper import PaperTrading


def test_a_paper_section_says_the_same_as_the_keywords() -> None:
    conn = clobconn.get_connector("binance", paper={"balances": {"USDT": "5"}, "fees": {"taker": "0.002"},
                                                    "queue": True, "depth": 5})
    assert isinstance(conn, PaperTrading)
    assert conn.paper_balances == {"USDT": Decimal(5)}
    assert conn.paper_fees == {"maker": Decimal("0.001"), "taker": Decimal("0.002")}
    assert conn.paper_queue and conn.paper_depth == 5


def test_perpetual_fees_default_to_the_perpetual_base_tier() -> None:
    conn = clobconn.get_connector("okx", paper=True)
    assert isinstance(conn, PaperTrading)
    assert conn.paper_fees == {"maker": Decimal("0.001"), "taker": Decimal("0.001")}
    perp = clobconn.get_connector("bybit_perpetual", paper=True)
    assert isinstance(perp, PaperTrading)
    assert perp.paper_fees == {"maker": Decimal("0.0002"), "taker": Decimal("0.0005")}


@pytest.mark.parametrize(("options", "field"), [
    ({"paper_balances": {"USDT": "-1"}}, "paper_balances"),
    ({"paper_balances": {"USDT": "NaN"}}, "paper_balances"),
    ({"paper_fees": {"maker": "-0.0001"}}, "paper_fees"),
    ({"paper_fees": {"makr": "0.001"}}, "paper_fees"),
    ({"paper_fees": {"taker": "a lot"}}, "paper_fees"),
    ({"paper_balances": {"BTC": "one"}}, "paper_balances"),
])
def test_bad_paper_options_are_refused_by_name(options: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        clobconn.get_connector("binance", paper=True, **options)
    assert caught.value.field == field


def test_paper_mode_reads_no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOBCONN_BINANCE_API_KEY", "real-key")
    monkeypatch.setenv("CLOBCONN_BINANCE_API_SECRET", "real-secret")
    conn = clobconn.get_connector("binance", paper=True)
    assert conn.config.api_key is None and conn.auth is None


async def test_a_funding_time_is_paid_once_even_while_the_venue_still_announces_it() -> None:
    import time

    from clobconn.core.data_types import FundingInfo, TradingRule
    from clobconn.paper.book_feed import BOOK, USER
    from clobconn.paper.connector import PerpetualPaperTrading
    from clobconn.sandbox.engine import OrderKind, Side

    conn = clobconn.get_connector("binance_perpetual", paper=True, paper_balances={"USDT": 1000})
    assert isinstance(conn, PerpetualPaperTrading)
    conn.trading_rules = {"BTC-USDT": TradingRule("BTC-USDT")}
    conn._build_engine()
    engine = conn.engine
    assert engine is not None
    engine.place(BOOK, "BTC-USDT", Side.SELL, OrderKind.LIMIT, Decimal(1), Decimal(100))
    engine.place(USER, "BTC-USDT", Side.BUY, OrderKind.MARKET, Decimal(1))
    just_passed = time.time() - 1
    info = FundingInfo("BTC-USDT", Decimal(100), Decimal(100), just_passed, Decimal("0.001"))
    conn._on_funding_info(info)
    await conn._settle_due_funding()
    conn._on_funding_info(info)  # the venue has not rolled its funding time over yet
    await conn._settle_due_funding()
    assert [p.amount for p in conn.funding_payments] == [Decimal("-0.1")]
    conn._on_funding_info(FundingInfo("BTC-USDT", Decimal(100), Decimal(100), 0, Decimal("0.001")))  # none given
    await conn._settle_due_funding()
    assert len(conn.funding_payments) == 1
    await conn.stop()
