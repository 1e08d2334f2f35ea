"""A connector's background work: periodic loops that can be woken early, and one-off tasks.

Every task a connector starts is owned here, so ``stop()`` cancels all of them in one place and no
connector holds a task of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from clobconn.core.timers import timer

logger = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]


class ConnectorTasks:
    def __init__(self, owner: str, fatal: tuple[type[Exception], ...] = (),
                 on_fatal: Callable[[str, Exception], None] | None = None) -> None:
        self._owner = owner
        # Failures a retry cannot mend (a refused key): the loop stops and reports instead of retrying.
        self._fatal = fatal
        self._on_fatal = on_fatal
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._spawned: set[asyncio.Task[Any]] = set()
        # Per-loop wake-ups: a loop sleeps its interval unless something asks for an immediate run.
        self._wake: dict[str, asyncio.Event] = {}

    def run_periodic(self, name: str, work: Work, interval: Callable[[], float], initial_delay: bool = False) -> None:
        """Run ``work`` now (or after one interval) and then every ``interval()`` seconds, until stopped."""
        wake = self._wake.setdefault(name, asyncio.Event())
        self.run(name, self._periodic(name, work, interval, wake, initial_delay))

    def run(self, name: str, coro: Coroutine[Any, Any, None]) -> None:
        """A long-lived task (a stream) that lives until stopped."""
        self._loops[name] = asyncio.create_task(coro, name=f"{self._owner}:{name}")

    def task(self, name: str) -> asyncio.Task[None] | None:
        """The loop or stream started under ``name``, if any."""
        return self._loops.get(name)

    @property
    def spawned(self) -> frozenset[asyncio.Task[Any]]:
        """The one-off tasks still running."""
        return frozenset(self._spawned)

    def wake(self, *names: str) -> None:
        """Run the named loops now instead of at their interval."""
        for name in names:
            event = self._wake.get(name)
            if event is not None:
                event.set()

    def cancel(self, names: Collection[str]) -> None:
        """Stop the named loops (never the one calling)."""
        current = asyncio.current_task()
        for name in names:
            task = self._loops.get(name)
            if task is not None and task is not current:
                task.cancel()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str,
              quiet: type[BaseException] | None = None) -> asyncio.Task[Any]:
        """A one-off task; its failure is logged (at INFO when it is of the ``quiet`` kind)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._spawned.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._spawned.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None and not (quiet is not None and isinstance(exc, quiet)):
                logger.error("%s failed", name, exc_info=exc)
            elif exc is not None:
                logger.info("%s: %s", name, exc)
        task.add_done_callback(done)
        return task

    async def stop(self) -> None:
        tasks = [*self._loops.values(), *self._spawned]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loops.clear()
        self._spawned.clear()
        self._wake.clear()

    async def _periodic(self, name: str, work: Work, interval: Callable[[], float], wake: asyncio.Event,
                        initial_delay: bool) -> None:
        if initial_delay:
            await self._sleep_or_wake(wake, timer(interval()))
        while True:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except self._fatal as exc:
                if self._on_fatal is not None:
                    self._on_fatal(name, exc)
                return
            except Exception as exc:
                logger.warning("%s: %s poll failed: %s", self._owner, name, exc)
            await self._sleep_or_wake(wake, timer(interval()))

    @staticmethod
    async def _sleep_or_wake(wake: asyncio.Event, seconds: float) -> None:
        # asyncio.timeout, unlike wait_for on 3.11, never swallows a cancellation that races the wake-up.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await wake.wait()
        wake.clear()
