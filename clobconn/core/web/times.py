"""Times as venues write them."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def iso_seconds(text: Any) -> float:
    """An ISO 8601 / RFC 3339 UTC time ("2023-04-04T19:09:24.869Z", "2019-09-01T18:34:27.045000Z") in epoch
    seconds."""
    return datetime.fromisoformat(str(text)).timestamp()
