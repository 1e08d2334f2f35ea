"""A book message's values, checked and turned into floats before any of them touches a book.

A venue's frame can carry anything: ``"NaN"``, ``"-1"``, ``"1e400"`` (which ``float`` reads as
infinity), ``null``, ``true`` (which ``float`` reads as 1). A NaN key can never be found again in a
dict, so one NaN price would break every read of the book. Parsing a message's levels whole, before
the book is touched, also makes a snapshot atomic: a bad level refuses the message, never half of it.

Two comparisons per level reject NaN, both infinities and the wrong signs: every comparison with
NaN is false, so ``0.0 < price < inf`` holds only for a finite positive price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

# A level as a venue sends it: [price, size, ...] with strings or numbers; extra fields are ignored.
RawLevel = Sequence[Any]
# A checked level: (price > 0, size >= 0), both finite.
Level = tuple[float, float]

_INF = float("inf")
_LEVEL_LISTS = frozenset((list, tuple))


class InvalidBookMessage(ValueError):
    """A book message with a value no book may hold; the message is refused whole."""


def parse_levels(levels: Iterable[RawLevel], side: str) -> list[Level]:
    """``[price, size, ...]`` levels as checked float pairs; raises InvalidBookMessage naming the first bad one.

    ``float`` itself refuses None, lists and dicts (TypeError) and text that is no number
    (ValueError); of what it accepts only a bool is wrong, and only a string level (``"100"``,
    whose characters would index as price and size) gets past the indexing. Those are the two
    identity checks; the comparisons do the rest. It runs for every level of every message.
    """
    if type(levels) not in _LEVEL_LISTS:
        raise InvalidBookMessage(f"{side}: levels must be a list, not {type(levels).__name__}")
    parsed: list[Level] = []
    append = parsed.append
    inf, to_float = _INF, float  # locals: this loop runs for every level of every message
    try:
        for level in levels:
            if level.__class__ is str:
                raise InvalidBookMessage(f"{side} level {level!r}: not a [price, size] list")
            price = level[0]
            size = level[1]
            if price.__class__ is bool or size.__class__ is bool:
                raise InvalidBookMessage(f"{side} level {level!r}: a boolean is not a number")
            price_f = to_float(price)
            size_f = to_float(size)
            if not (0.0 < price_f < inf and 0.0 <= size_f < inf):
                raise InvalidBookMessage(
                    f"{side} level {level!r}: needs a finite price > 0 and a finite size >= 0"
                )
            append((price_f, size_f))
    except (TypeError, ValueError, LookupError, ArithmeticError) as exc:
        if isinstance(exc, InvalidBookMessage):
            raise
        raise InvalidBookMessage(f"{side} level unreadable: {type(exc).__name__}: {exc}") from None
    return parsed
