"""ClientOrderIdRule.numeric_ids: ids for venues whose client order id is a number (AlphaPoint's NDAX).

The venue echoes the number back, so an id must survive int() and str() unchanged: digits only, no
leading zero, below 2**63.
"""

from __future__ import annotations

from clobconn.core.data_types import TradeType
from clobconn.core.venue import ClientOrderIdRule


def test_generated_numeric_ids_are_digits_that_survive_the_round_trip_through_a_number() -> None:
    rule = ClientOrderIdRule.numeric_ids()
    # Thousands in a burst: many share a millisecond, and none may share an id.
    ids = [rule.generate(side) for side in (TradeType.BUY, TradeType.SELL) for _ in range(5000)]
    for client_id in ids:
        assert client_id.isdigit() and str(int(client_id)) == client_id and int(client_id) < 2**63
        assert rule.is_valid(client_id)
    assert len(set(ids)) == len(ids)
    # The side is the first digit, never 0: buys start with 1, sells with 2.
    assert {i[0] for i in ids[:5000]} == {"1"} and {i[0] for i in ids[5000:]} == {"2"}


def test_numeric_rule_refuses_what_a_number_would_change_or_not_hold() -> None:
    rule = ClientOrderIdRule.numeric_ids()
    assert not rule.is_valid("0123")  # would come back as 123
    assert not rule.is_valid("12a4")
    assert not rule.is_valid(str(2**63))  # 19 digits, but above a signed 64-bit integer
    assert rule.is_valid(str(2**63 - 1)) and rule.is_valid("7")


def test_the_default_rule_is_unchanged() -> None:
    rule = ClientOrderIdRule()
    client_id = rule.generate(TradeType.BUY)
    assert client_id.startswith("ccB") and rule.is_valid("0abc")


def test_ids_below_a_smaller_limit_fit_it_without_the_time() -> None:
    # dYdX's client ids are uint32: ten digits at most, too few for the time; a side digit and a counter.
    rule = ClientOrderIdRule.numeric_ids(2**32)
    ids = [rule.generate(side) for side in (TradeType.BUY, TradeType.SELL) for _ in range(3000)]
    assert all(rule.is_valid(i) and int(i) < 2**32 and str(int(i)) == i for i in ids)
    assert len(set(ids)) == len(ids) and {i[0] for i in ids[:3000]} == {"1"} and {i[0] for i in ids[3000:]} == {"2"}
    assert not rule.is_valid(str(2**32)) and rule.is_valid(str(2**32 - 1))
