"""A venue's success answer that the connector cannot read (HTML, an empty body, JSON of another shape) is
``MalformedResponse`` naming the request, never a bare KeyError or TypeError; found by the chaos suite
(issue 18), where a 200 ``{"data": null}`` to Binance's account endpoint escaped as ``KeyError: 'balances'``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from clobconn.core.data_types import OrderState, OrderType, TradeType
from clobconn.core.errors import MalformedResponse, OrderOutcomeUnknown
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.registry import get_connector
from clobconn.core.web.rest import read_answer
from clobconn.testing import MockResponse, MockVenue
from clobconn.testing.fixtures import FixtureSet
from tests.exchange.binance.test_conformance import FIXTURES


@pytest.fixture
async def binance(venue: MockVenue) -> AsyncIterator[ExchangeBase]:
    conn = get_connector("binance", api_key="key", api_secret="secret", trading_pairs=["BTC-USDT"],
                         rest_url=venue.http_url, ws_url=venue.ws_url, request_timeout=1.0)
    try:
        yield conn
    finally:
        await conn.rest.close()


@pytest.mark.parametrize("answer", [{"data": None}, [], "ok", b"", "<html>oops</html>"])
async def test_an_unreadable_balances_answer_is_malformed_response_naming_the_request(
        venue: MockVenue, binance: ExchangeBase, answer: object) -> None:
    venue.route("GET", "/api/v3/account", MockResponse(answer))
    with pytest.raises(MalformedResponse) as info:
        await binance._update_balances()
    assert info.value.request["method"] == "GET" and info.value.request["path"] == "/api/v3/account"
    assert "GET /api/v3/account" in str(info.value)


async def test_an_unreadable_placement_answer_leaves_the_order_unknown(venue: MockVenue,
                                                                       binance: ExchangeBase) -> None:
    fixtures = FixtureSet(FIXTURES / "conformance")
    venue.route("GET", "/api/v3/exchangeInfo", MockResponse(fixtures.payload("trading_rules")))
    await binance._update_trading_rules()
    venue.route("POST", "/api/v3/order", MockResponse({"orderId": None, "unexpected": "shape"}))
    with pytest.raises(OrderOutcomeUnknown) as info:
        await binance.place_order("BTC-USDT", TradeType.BUY, Decimal("0.5"), OrderType.LIMIT, Decimal("99"))
    assert info.value.request["path"] == "/api/v3/order"
    order = binance.in_flight_orders[info.value.client_order_id]
    # The venue may have taken it: never failed, never re-sent; polling finds out.
    assert order.outcome_unknown and order.state is not OrderState.FAILED
    assert len(venue.requests_to("POST", "/api/v3/order")) == 1


async def test_a_parse_error_before_any_request_names_no_request() -> None:
    async def broken() -> None:
        raise KeyError("field")

    with pytest.raises(MalformedResponse, match="a request") as info:
        await read_answer(broken())
    assert info.value.request == {}
