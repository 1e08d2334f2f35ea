"""The entries' fields. Every entry is ``{kind, epoch, seq, body}``:

- ``epoch`` names one run of the publisher; ``seq`` counts that run's entries on the stream one by
  one, so that a consumer sees an entry it missed (trimmed away, dropped while Redis was down) or a
  publisher that restarted, whatever the venue's own ids are;
- ``body`` is JSON. A book entry holds the pair, the book's update id before and after, and the
  levels ([price, size] as the venue sent them in a diff; the whole book in a snapshot); an event
  entry holds the typed event, every Decimal as its string, read back into the same dataclass.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson

from clobconn.core import events as core_events
from clobconn.core.order_book.messages import PublicTrade

# The kinds of entry a book stream holds, besides events' type names on the account streams.
SNAPSHOT, DIFF, LOST, TRADE = "snapshot", "diff", "lost", "trade"

EVENT_CLASSES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in typing.get_args(core_events.Event)
} | {PublicTrade.__name__: PublicTrade}


def entry(kind: str, epoch: str, seq: int, body: Any) -> dict[bytes, bytes]:
    return {b"kind": kind.encode(), b"epoch": epoch.encode(), b"seq": str(seq).encode(),
            b"body": orjson.dumps(body, default=_plain)}


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    stream_id: str
    kind: str
    epoch: str
    seq: int
    body: Any


def read_entry(stream_id: bytes | str, fields: dict[bytes, bytes]) -> Entry:
    """An entry as XREAD gives it; a malformed one raises ValueError (the reader logs and skips it)."""
    try:
        return Entry(stream_id.decode() if isinstance(stream_id, bytes) else stream_id,
                     fields[b"kind"].decode(), fields[b"epoch"].decode(), int(fields[b"seq"]),
                     orjson.loads(fields[b"body"]))
    except (KeyError, ValueError, orjson.JSONDecodeError) as exc:
        raise ValueError(f"malformed bus entry {stream_id!r}: {exc}") from exc


def event_body(event: Any) -> dict[str, Any]:
    return {"class": type(event).__name__, "fields": _plain_dataclass(event)}


def event_from_body(body: Any) -> Any:
    """The typed event (or public trade) an event entry's body holds."""
    cls = EVENT_CLASSES.get(body.get("class", "")) if isinstance(body, dict) else None
    if cls is None:
        raise ValueError(f"not an event entry: {str(body)[:80]}")
    return _build(cls, body["fields"])


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain_dataclass(value)
    raise TypeError(f"cannot put {type(value).__name__} on the bus")


def _plain_dataclass(value: Any) -> dict[str, Any]:
    # Fields the constructor computes (init=False) are computed again on the way back.
    return {f.name: _plain_value(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}


def _plain_value(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple | list):
        return [_plain_value(item) for item in value]
    return _plain(value)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _build(cls: type[Any], fields: dict[str, Any]) -> Any:
    hints = _hints(cls)
    return cls(**{name: _convert(hints[name], value) for name, value in fields.items() if name in hints})


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if hint is Decimal:
        return Decimal(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if hint is float:
        return float(value)
    return value
