"""``clobconn publish`` (a market-data publisher onto Redis Streams) and ``clobconn book --from-redis``
(a book rebuilt from the stream, drawn as ``clobconn book`` draws a connector's). Both need the
``redis`` extra; the bus is imported only when one of them runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from pydantic import SecretStr
from rich.console import Console, Group, RenderableType
from rich.text import Text

from clobconn.cli.live import LiveOutput, follow
from clobconn.cli.venues import VenueTarget, connector_urls, public_connector
from clobconn.cli.views import book_lines, book_table
from clobconn.core.errors import BadSymbol


async def run_publish(console: Console, target: VenueTarget, pairs: Sequence[str], redis_url: str,
                      duration: float | None, interval: float = 5.0, ready_timeout: float = 30.0) -> None:
    from clobconn.bus import BusConfig, BusPublisher

    config = BusConfig(url=SecretStr(redis_url))
    async with connector_urls(target) as urls:
        conn = public_connector(target.connector_id, urls, pairs)
        try:
            try:
                await conn.start()
            except BadSymbol as exc:
                raise BadSymbol(f"{exc} (`clobconn markets {target.connector_id}` lists the markets)") from exc
            await conn.wait_ready(ready_timeout)
            publisher = BusPublisher(conn, config)
            publisher.start()
            output = LiveOutput(console, lambda: Text(""), plain=True)
            output.line(f"publishing {conn.name} {', '.join(pairs)} from {target.describe()} to {config.server}"
                        f" (epoch {publisher.epoch})")

            def figures() -> list[str]:
                return [f"published {publisher.published} entries in {publisher.round_trips} round trips, "
                        f"{publisher.buffered} buffered, {sum(publisher.dropped.values())} dropped, "
                        f"{publisher.redis_failures} Redis failures"]
            try:
                await follow(output, duration, interval, figures)
            finally:
                await publisher.stop()
                for text in figures():
                    output.line(text)
        finally:
            await conn.stop()


async def run_book_from_redis(console: Console, redis_url: str, connector: str, pair: str, depth: int,
                              duration: float | None, interval: float, plain: bool = False) -> None:
    from clobconn.bus import BookReader, BusConfig

    config = BusConfig(url=SecretStr(redis_url))
    reader = BookReader(connector, pair, config, block=0.25)

    def status() -> str:
        book = reader.book
        state = "synced" if book.is_synced else "waiting for a whole book"
        return (f"{connector} {pair} from {config.server}  {state}  update id {book.last_update_id}  "
                f"gaps {reader.gaps}")

    def render() -> RenderableType:
        return Group(Text(status()), book_table(reader.book, depth, None))

    async def read() -> None:
        async for _book in reader.updates():
            pass

    console.print(f"reading {connector} {pair} from {config.server} ...", markup=False, highlight=False)
    task = asyncio.get_running_loop().create_task(read())
    try:
        with LiveOutput(console, render, plain) as output:
            await follow(output, duration, interval, lambda: [status(), *book_lines(reader.book, depth, None)])
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await reader.close()
