"""A refused private-stream login stops the stream only when the venue refused the credentials."""

from __future__ import annotations

import pytest

from clobconn.core.errors import AuthenticationError, InvalidTimestamp, RateLimitExceeded, VenueErrorTable
from clobconn.core.login import login_refusal

TABLE: VenueErrorTable = {"60005": AuthenticationError, "60006": InvalidTimestamp, "50011": RateLimitExceeded}


def test_a_credential_code_stops_the_stream_and_names_the_refusal() -> None:
    error = login_refusal("venue", TABLE, "60005", "Invalid apiKey")
    assert isinstance(error, AuthenticationError)
    assert (error.venue_code, error.venue_message) == ("60005", "Invalid apiKey")
    assert "venue: private stream login refused" in str(error)


@pytest.mark.parametrize(("code", "status"), [
    ("60006", 200),  # a timestamp refusal: the next login carries a fresh one
    ("50011", 429),  # rate limited
    ("63999", 200),  # a code the table does not know
    (None, 503),  # the login service is down
])
def test_anything_else_reconnects(code: str | None, status: int) -> None:
    error = login_refusal("venue", TABLE, code, "try again later", status)
    assert isinstance(error, ConnectionError) and not isinstance(error, AuthenticationError)


def test_an_http_401_without_a_known_code_is_a_credential_refusal() -> None:
    assert isinstance(login_refusal("venue", TABLE, None, "Unauthorized", 401), AuthenticationError)
