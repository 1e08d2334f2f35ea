"""``clobconn book``: follow one pair's order book live through a public connector."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.text import Text

from clobconn.cli.live import LiveOutput, follow
from clobconn.cli.venues import VenueTarget, connector_urls, public_connector
from clobconn.cli.views import book_lines, book_table, number
from clobconn.core.errors import BadSymbol
from clobconn.core.exchange_base import ExchangeBase
from clobconn.core.perpetual_base import PerpetualDerivativeBase


def book_status(conn: ExchangeBase, pair: str) -> str:
    book = conn.get_order_book(pair)
    state = "synced" if book.is_synced else "resyncing"
    last = number(conn.last_trade_price(pair))
    status = f"{conn.name} {pair}  {state}  update id {book.last_update_id}  last trade {last}"
    funding = conn.funding_info.get(pair) if isinstance(conn, PerpetualDerivativeBase) else None
    if funding is not None:
        status += f"  mark {number(funding.mark_price)}  funding rate {number(funding.rate)}"
    return status


async def run_book(console: Console, target: VenueTarget, pair: str, depth: int, duration: float | None,
                   interval: float, plain: bool = False, ready_timeout: float = 30.0) -> None:
    console.print(f"connecting {target.connector_id} to {target.describe()} for {pair} ...",
                  markup=False, highlight=False, soft_wrap=True)
    async with connector_urls(target) as urls:
        conn = public_connector(target.connector_id, urls, [pair])
        try:
            try:
                # start() loads the venue's markets and refuses a pair that is not among them.
                await conn.start()
            except BadSymbol as exc:
                sandbox = " --sandbox" if target.sandbox else ""
                raise BadSymbol(f"{pair} is not a market on {target.describe()} "
                                f"(`clobconn markets {target.connector_id}{sandbox}` lists them)") from exc
            await conn.wait_ready(ready_timeout)

            tick = conn.trading_rules[pair].min_price_increment

            def render() -> RenderableType:
                return Group(Text(book_status(conn, pair)), book_table(conn.get_order_book(pair), depth, tick))

            def snapshot() -> list[str]:
                return [book_status(conn, pair), *book_lines(conn.get_order_book(pair), depth, tick)]

            with LiveOutput(console, render, plain) as output:
                await follow(output, duration, interval, snapshot)
        finally:
            await conn.stop()
