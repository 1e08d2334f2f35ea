"""Malformed frames on every stream: each must be logged and skipped, the stream must live on, and the
book must still follow the venue afterwards (resynced where a frame could have changed it).

The frames are the connector's own fixture frames (diff, trade, user order, fill, balance), rendered as
the conformance suite renders them, then broken by a seeded generator: truncated, a value of the wrong
type, a field missing, a huge or non-finite number, an unknown event, binary garbage, compressed garbage.
"""

from __future__ import annotations

import asyncio
import gzip
import math
import random
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson

from clobconn.core.order_book.sync import ResyncMode
from clobconn.testing.chaos.context import ChaosContext
from clobconn.testing.chaos.report import FamilyResult
from clobconn.testing.helpers import eventually
from clobconn.testing.suite_base import ConformanceSuiteBase

FAMILY = "frames"
PUBLIC_ROLES = ("diff", "trade", "snapshot", "mark_price", "funding_info")
USER_ROLES = ("user_order", "user_fill", "user_balance", "user_position")

WRONG_TYPES: tuple[Any, ...] = (None, True, [], {}, "", "abc", 1.5, -1, [[1, 2, 3]], {"x": None})
PLACEHOLDER = "chaos-huge-number"
HUGE_NUMBERS: tuple[Any, ...] = ("1e400", 10**40, "NaN", "Infinity", "-Infinity", "-1", "1e-400", 1.7e308,
                                 "99999999999999999999999999999999999999.99", -(10**30), "0x10", "1,000.5")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, (*path, key))] or [path]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _leaves(item, (*path, index))] or [path]
    return [path]


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every non-empty dict or list in ``value``."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict | list) and value:
        found.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found.extend(_containers(item, (*path, key)))
    return found


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = _at(value, path[:-1])
    parent[path[-1]] = new
    return value


def _copy(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


class FrameBreaker:
    """Breaks a sample frame in one of seven ways, chosen by the seeded ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kinds: list[Callable[[Any], Any]] = [self.truncated, self.wrong_type, self.missing_field,
                                                  self.huge_number, self.unknown_event, self.binary_garbage,
                                                  self.compressed_garbage]

    def __call__(self, sample: Any) -> Any:
        return self.rng.choice(self.kinds)(sample)

    def truncated(self, sample: Any) -> Any:
        if isinstance(sample, bytes):
            return sample[: self.rng.randrange(max(len(sample), 1))]
        text = _text(sample)
        return text[: self.rng.randrange(1, max(len(text), 2))]

    def wrong_type(self, sample: Any) -> Any:
        if isinstance(sample, bytes | str):
            return self.rng.choice(WRONG_TYPES)
        frame = _copy(sample)
        return _replace(frame, self.rng.choice(_leaves(frame)), self.rng.choice(WRONG_TYPES))

    def missing_field(self, sample: Any) -> Any:
        if isinstance(sample, bytes | str):
            return self.truncated(sample)
        frame = _copy(sample)
        containers = _containers(frame)
        if not containers:
            return {}
        container = _at(frame, self.rng.choice(containers))
        if isinstance(container, dict):
            del container[self.rng.choice(list(container))]
        else:
            del container[self.rng.randrange(len(container))]
        return frame

    def huge_number(self, sample: Any) -> Any:
        huge = self.rng.choice(HUGE_NUMBERS)
        if isinstance(sample, bytes | str):
            # As text: orjson cannot encode an int past 64 bits.
            return f'{{"data": {huge if isinstance(huge, int | float) else orjson.dumps(huge).decode()}}}'
        frame = _copy(sample)
        # orjson refuses ints past 64 bits and non-finite floats: splice the literal into the text instead,
        # bare (a number, or a token no JSON parser takes) or quoted (a venue's string number).
        if isinstance(huge, int | float) or self.rng.random() < 0.5:
            literal = str(huge)
        else:
            literal = orjson.dumps(huge).decode()
        text = orjson.dumps(_replace(frame, self.rng.choice(_leaves(frame)), PLACEHOLDER)).decode()
        return text.replace(f'"{PLACEHOLDER}"', literal)

    def unknown_event(self, sample: Any) -> Any:
        frame = _copy(sample) if isinstance(sample, dict) else {}
        for key, value in list(frame.items()):
            if isinstance(value, str):
                frame[key] = f"chaos_unknown_{self.rng.randrange(10**6)}"
        frame[f"chaos_{self.rng.randrange(10**6)}"] = self.rng.choice(WRONG_TYPES)
        return frame

    def binary_garbage(self, _: Any) -> Any:
        return self.rng.randbytes(self.rng.randrange(1, 512))

    def compressed_garbage(self, sample: Any) -> Any:
        inner = self.rng.choice([self.rng.randbytes(self.rng.randrange(1, 256)),
                                 self.truncated(sample if not isinstance(sample, bytes) else b"").encode()
                                 if not isinstance(sample, bytes) else sample[:7]])
        packed = gzip.compress(inner) if self.rng.random() < 0.5 else zlib.compress(inner)
        # A compressed stream cut short, or one with a byte flipped, as well as a sound one of garbage.
        cut = self.rng.random()
        if cut < 0.33:
            return packed[: self.rng.randrange(1, len(packed))]
        if cut < 0.66:
            flipped = bytearray(packed)
            flipped[self.rng.randrange(len(flipped))] ^= 0xFF
            return bytes(flipped)
        return packed


def samples(suite: ConformanceSuiteBase) -> list[tuple[str, Any]]:
    """(path, rendered frame) for each stream fixture the connector has."""
    found: list[tuple[str, Any]] = []
    for roles, default_path in ((PUBLIC_ROLES, suite.public_ws_path), (USER_ROLES, suite.user_ws_path)):
        for role in roles:
            if not suite.fixtures.has(role):
                continue
            try:
                frame = suite.fixtures.payload(role, suite.vars())
            except (KeyError, ValueError):
                continue  # a fixture with a placeholder only its own scenario fills in
            found.append((suite.role_ws_paths.get(role, default_path), frame))
    if not found:
        found.append((suite.public_ws_path, {"event": "chaos"}))
    return found


def book_is_sound(suite: ConformanceSuiteBase) -> bool:
    """No non-finite price or size, no size at or below zero, in any book the connector holds."""
    for sync in suite.conn.order_book_tracker.syncs.values():
        for is_bid in (True, False):
            for level in sync.book.bids() if is_bid else sync.book.asks():
                price, size = Decimal(level[0]), Decimal(level[1])
                if not (price.is_finite() and size.is_finite() and size > 0 and math.isfinite(float(price))):
                    return False
    return True


async def book_follows_the_venue(suite: ConformanceSuiteBase, timeout: float) -> bool:
    """The book syncs (again) and the venue's next valid diff lands in it."""
    book = suite.conn.get_order_book(suite.trading_pair)
    for _ in range(3):
        try:
            await eventually(lambda: book.is_synced, timeout=timeout, what="book synced")
            last = book.last_update_id
            await suite.push_diff([("100.40", "1")], [], last + 1, last + 1, last)
            await eventually(lambda: (Decimal("100.40"), Decimal(1)) in [(lv[0], lv[1]) for lv in book.bids()],
                             timeout=1.0, what="the probe diff applied")
            return True
        except AssertionError:
            continue  # the probe itself may have met a resync a broken frame started: try again
    return False


async def run(suite: ConformanceSuiteBase, ctx: ChaosContext, result: FamilyResult) -> None:
    count = 300 if ctx.quick else 10_000
    frames = samples(suite)
    paths = sorted({path for path, _ in frames})
    connections = {path: suite.venue.connections(path) for path in paths}
    breaker = FrameBreaker(ctx.rng_for(FAMILY))
    crashes_before = ctx.crashes
    sent = 0
    for index in range(count):
        path, sample = frames[index % len(frames)]
        sent += await suite.venue.push(path, breaker(sample))
        if index % 200 == 199:
            await _drain(suite)
    await _drain(suite)
    reconnected = {path: suite.venue.connections(path) - connections[path] for path in paths}
    # A venue whose book resyncs only by connecting again (Cube) reconnects its book socket by design
    # when a broken frame could have changed the book: that is the resync, not a stream killed.
    resynced_by_reconnect = 0
    if suite.conn.order_book_tracker._source.resync_mode is ResyncMode.RECONNECT:
        resynced_by_reconnect = reconnected.pop(suite.public_ws_path, 0)
    killed = sum(reconnected.values())
    result.add("frames", sent)
    result.add("crashes", ctx.crashes - crashes_before, must_be_zero=True)
    if ctx.crashes > crashes_before:
        result.error = "first crash: " + ctx.crash_texts[crashes_before][-600:]
    result.add("streams killed", killed, must_be_zero=True)
    if resynced_by_reconnect:
        result.add("book resyncs by reconnect", resynced_by_reconnect)
    result.add("bad book values", 0 if book_is_sound(suite) else 1, must_be_zero=True)
    follows = await book_follows_the_venue(suite, timeout=10.0)
    result.add("book lost", 0 if follows else 1, must_be_zero=True)
    user_live = suite.conn.status_dict.get("user_stream_connected", True)
    result.add("user stream down", 0 if user_live else 1, must_be_zero=True)


async def _drain(suite: ConformanceSuiteBase) -> None:
    """Let the connector read what was pushed before more is sent (loopback needs only a pause)."""
    await asyncio.sleep(0.05)
