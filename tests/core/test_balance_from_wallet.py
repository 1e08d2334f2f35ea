"""Balance.from_wallet: a stream push that gives only the wallet (total) amount of an asset."""

from __future__ import annotations

from decimal import Decimal

from clobconn.core.data_types import Balance


def test_what_the_last_poll_saw_locked_stays_locked() -> None:
    known = Balance("USDT", Decimal("100"), Decimal("70"))
    pushed = Balance.from_wallet("USDT", Decimal("120"), known)
    assert (pushed.total, pushed.available, pushed.locked) == (Decimal("120"), Decimal("90"), Decimal("30"))


def test_an_asset_never_polled_is_all_available() -> None:
    pushed = Balance.from_wallet("BTC", Decimal("0.5"), None)
    assert (pushed.total, pushed.available) == (Decimal("0.5"), Decimal("0.5"))
