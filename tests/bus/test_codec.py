"""Every event a connector publishes travels the bus and comes back the same typed event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.bus import codec
from clobconn.core.data_types import Balance, OrderType, TradeType
from clobconn.core.events import (
    BalanceUpdatedEvent,
    OrderCancelledEvent,
    OrderCompletedEvent,
    OrderCreatedEvent,
    OrderFailedEvent,
)
from clobconn.core.order_book.messages import PublicTrade

EVENTS = [
    OrderCreatedEvent("c1", "42", "BTC-USDT", TradeType.BUY, OrderType.LIMIT, Decimal("0.00000001"),
                      Decimal("65000.1234567890123"), 1.5),
    OrderCreatedEvent("c2", None, "BTC-USDT", TradeType.SELL, OrderType.MARKET, Decimal("1"), None, 2.0),
    OrderCompletedEvent("c1", "42", "BTC-USDT", TradeType.BUY, Decimal("1E-8"), Decimal("0.00065"), 3.0),
    OrderCancelledEvent("c2", None, "BTC-USDT", 4.0),
    OrderFailedEvent("c3", "ETH-USDT", "refused: min notional", 5.0),
    BalanceUpdatedEvent(Balance("USDT", Decimal("100.5"), Decimal("90")), 6.0),
    PublicTrade("BTC-USDT", "t-1", Decimal("65000"), Decimal("0.5"), TradeType.SELL, 7.0),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_an_event_comes_back_equal_with_its_decimals_exact(event: object) -> None:
    fields = codec.entry("x", "epoch", 1, codec.event_body(event))
    back = codec.event_from_body(codec.read_entry(b"1-0", fields).body)
    assert back == event and type(back) is type(event)


@pytest.mark.parametrize("fields", [
    {},
    {b"kind": b"diff"},
    {b"kind": b"diff", b"epoch": b"e", b"seq": b"x", b"body": b"{}"},
    {b"kind": b"diff", b"epoch": b"e", b"seq": b"1", b"body": b"{not json"},
])
def test_a_malformed_entry_is_refused_with_its_id(fields: dict[bytes, bytes]) -> None:
    with pytest.raises(ValueError, match="7-0"):
        codec.read_entry(b"7-0", fields)


def test_a_body_that_is_not_an_event_is_refused() -> None:
    with pytest.raises(ValueError):
        codec.event_from_body({"class": "os.system", "fields": {}})
