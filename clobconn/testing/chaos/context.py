"""What one connector's chaos run shares across its fault families: the seed, the run's length, and what
was captured (every log record at DEBUG, exception texts, the signatures sent) for the secrets scan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import traceback
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from clobconn.testing.chaos.report import FamilyResult


@dataclass
class ChaosContext:
    connector_id: str
    seed: int
    quick: bool
    # Log records at ERROR with a traceback (a task that died) and exceptions no task retrieved.
    crashes: int = 0
    crash_texts: list[str] = field(default_factory=list)
    log_texts: list[str] = field(default_factory=list)
    exception_texts: list[str] = field(default_factory=list)
    reprs: list[str] = field(default_factory=list)
    # Signatures the connector sent (header, query or body values named like one): none may be logged.
    signatures: set[str] = field(default_factory=set)
    # What the connector's suite calls secret beyond the kit's key, secret and passphrase (a wallet's private
    # key, a mnemonic, a PEM key): scanned for as they are.
    secret_values: set[str] = field(default_factory=set)

    def rng_for(self, family: str) -> random.Random:
        """A generator seeded by (seed, connector, family): any family's run replays alone."""
        return random.Random(f"{self.seed}:{self.connector_id}:{family}")

    def note_exception(self, exc: BaseException) -> None:
        self.exception_texts.extend([str(exc), repr(exc)])
        request = getattr(exc, "request", None)
        if request is not None:
            self.exception_texts.append(repr(request))


class CapturingHandler(logging.Handler):
    """Keeps every record's full text (traceback included) and counts the ones that mean a crash."""

    def __init__(self, ctx: ChaosContext) -> None:
        super().__init__(logging.DEBUG)
        self.ctx = ctx
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a record that cannot format is itself worth a look, never a crash here
            text = f"{record.levelname} {record.name} {record.msg!r} {record.args!r}"
        self.ctx.log_texts.append(text)
        if record.levelno >= logging.ERROR and _is_crash(record):
            self.ctx.crashes += 1
            self.ctx.crash_texts.append(text)


def _is_crash(record: logging.LogRecord) -> bool:
    # The core logs "<task> failed" with its traceback when a supervised task dies, and "stream <name>
    # stopped: ..." when a stream gives up; a skipped frame's traceback ("could not be handled; skipped")
    # is the stream living on, and a venue's error frame logged at ERROR is no crash either.
    message = record.getMessage()
    return (record.exc_info is not None and "skipped" not in message) or " stopped: " in message


def loop_exception_counter(ctx: ChaosContext) -> Any:
    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        ctx.crashes += 1
        exception = context.get("exception")
        where = "".join(traceback.format_exception(exception)[-4:]) if exception is not None else ""
        ctx.crash_texts.append(f"LOOP {context.get('message')} {context.get('future')!r} {where}")
        ctx.log_texts.append(f"LOOP {context.get('message')} {context.get('exception')!r}")
    return handler


@contextlib.contextmanager
def capturing(ctx: ChaosContext) -> Iterator[None]:
    """Every log record at DEBUG and every exception no task retrieved, into ``ctx``, while inside."""
    handler = CapturingHandler(ctx)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(loop_exception_counter(ctx))
    try:
        yield
    finally:
        loop.set_exception_handler(previous_handler)
        root.removeHandler(handler)
        root.setLevel(previous_level)


async def guarded(result: FamilyResult, ctx: ChaosContext, work: Awaitable[None], timeout: float) -> None:
    """Run one family's ``work``: a skip, a timeout (``work`` carries it) or any exception becomes the
    family's result rather than the run's end; the family is timed."""
    started = time.monotonic()
    try:
        await work
    except pytest.skip.Exception as skip:
        result.skipped = str(skip.msg)
    except TimeoutError:
        result.error = f"did not finish within {timeout:.0f}s"
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        ctx.log_texts.append(traceback.format_exc())
    result.seconds = time.monotonic() - started
