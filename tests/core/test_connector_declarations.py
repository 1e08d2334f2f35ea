"""A connector that leaves out how it signs, or how its position mode is known, is refused when it is
built, not at the first signed call or the first position-mode poll."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clobconn.core.data_types import PositionMode
from clobconn.derivative.hashkey_perpetual.constants import SPEC as HASHKEY_PERP_SPEC
from clobconn.derivative.hashkey_perpetual.derivative import HashkeyPerpetualDerivative
from clobconn.exchange.hashkey.exchange import HashkeyExchange


def test_a_connector_that_says_nothing_of_signing_is_refused_at_construction() -> None:
    class Unsigned(HashkeyExchange):
        query_auth_class = None

    with pytest.raises(TypeError, match="query_auth_class"):
        Unsigned()  # no credentials: it would never have reached _create_auth


def test_a_perpetual_with_no_fixed_mode_must_read_its_mode() -> None:
    class Unread(HashkeyPerpetualDerivative):
        spec = replace(HASHKEY_PERP_SPEC, fixed_position_mode=None)

    with pytest.raises(TypeError, match="_fetch_position_mode"):
        Unread()
    perp = HashkeyPerpetualDerivative()
    assert perp.position_mode is PositionMode.HEDGE
