"""The click commands: parse options, then hand over to the module that does the work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Coroutine
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.measure import Measurement

from clobconn.cli.book import run_book
from clobconn.cli.bus import run_book_from_redis, run_publish
from clobconn.cli.check import run_check
from clobconn.cli.demo import run_demo
from clobconn.cli.demo_gateway import run_gateway_demo
from clobconn.cli.paper import run_paper
from clobconn.cli.serve import serve
from clobconn.cli.venues import VenueTarget, fetch_markets
from clobconn.cli.views import connector_rows, connectors_table, markets_table
from clobconn.core.registry import CONNECTORS, connector_class

T = TypeVar("T")
INTERRUPTED = 130
# Ids starting with "_" are teaching connectors for fictional venues (the _template).
PUBLIC_CONNECTORS = sorted(c for c in CONNECTORS if not c.startswith("_"))


def make_console() -> Console:
    console = Console()
    # Off a terminal rich assumes 80 columns; logs and READMEs read better a little wider.
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 120
    return console


def run(work: Coroutine[Any, Any, T], interrupted_ok: bool = False) -> T | None:
    """Run a command's coroutine; Ctrl-C or SIGTERM cancels it, so its cleanup always runs.

    Any failure becomes a one-line message on stderr and exit status 1 (with -vv, the traceback is
    logged too). An interruption exits 0 where it is the normal way to end (live views), else 130.
    """
    terminated = False

    async def guarded() -> T:
        nonlocal terminated
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_sigterm() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        try:
            return await work
        finally:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signal.SIGTERM)

    try:
        return asyncio.run(guarded())
    except KeyboardInterrupt:
        pass
    except asyncio.CancelledError:
        if not terminated:
            raise
    except Exception as exc:
        logging.getLogger("clobconn.cli").debug("command failed", exc_info=True)
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc
    if not interrupted_ok:
        click.echo("interrupted", err=True)
        raise click.exceptions.Exit(INTERRUPTED)
    return None


connector_argument = click.argument("connector", metavar="CONNECTOR", type=click.Choice(PUBLIC_CONNECTORS))


def venue_options(function: Any) -> Any:
    """--sandbox, --seed, --domain and the hidden URL overrides, shared by markets and book."""
    for option in reversed([
        click.option("--sandbox", is_flag=True, help="Run against an embedded offline sandbox, not the venue."),
        click.option("--seed", type=int, default=7, show_default=True, help="The sandbox's random seed."),
        click.option("--domain", help="The venue domain (e.g. testnet); default: the venue's mainnet."),
        # For tests and proxies: any server speaking the venue's protocol.
        click.option("--rest-url", hidden=True),
        click.option("--ws-url", hidden=True),
    ]):
        function = option(function)
    return function


def target_of(connector: str, sandbox: bool, seed: int, domain: str | None, rest_url: str | None,
              ws_url: str | None) -> VenueTarget:
    if sandbox and (domain or rest_url or ws_url):
        raise click.UsageError("--sandbox picks the URLs itself; drop --domain/--rest-url/--ws-url")
    return VenueTarget(connector, sandbox=sandbox, seed=seed, domain=domain, rest_url=rest_url, ws_url=ws_url)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log more to stderr (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """clobconn: async connectors for CLOB exchanges, and an offline sandbox venue to try them on."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
def connectors() -> None:
    """List the registered connectors and what each supports."""
    console, table = make_console(), connectors_table(connector_rows())
    if not console.is_terminal:
        # Piped, nothing limits the width: the table is printed whole rather than with its cells cut short.
        console.width = max(console.width, Measurement.get(console, console.options.update_width(1000), table).maximum)
    console.print(table)


@cli.command()
@connector_argument
@venue_options
def markets(connector: str, sandbox: bool, seed: int, domain: str | None, rest_url: str | None,
            ws_url: str | None) -> None:
    """Show CONNECTOR's markets and trading rules.

    Only public data is read, so no credentials are needed.
    """
    target = target_of(connector, sandbox, seed, domain, rest_url, ws_url)
    rules = run(fetch_markets(target)) or []
    perpetual = connector_class(connector).spec.is_perpetual
    make_console().print(markets_table(connector, rules, perpetual))


@cli.command()
@connector_argument
@click.argument("pair")
@venue_options
@click.option("--depth", type=click.IntRange(1, 100), default=10, show_default=True, help="Levels per side.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Seconds to run; default: until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=1.0, show_default=True,
              help="Seconds between snapshots in plain (non-terminal) output.")
@click.option("--plain", is_flag=True, help="Print snapshots as lines even on a terminal.")
@click.option("--from-redis", "from_redis", metavar="URL",
              help="Rebuild the book from the Redis stream a `clobconn publish` writes, instead of the venue.")
def book(connector: str, pair: str, sandbox: bool, seed: int, domain: str | None, rest_url: str | None,
         ws_url: str | None, depth: int, duration: float | None, interval: float, plain: bool,
         from_redis: str | None) -> None:
    """Follow PAIR's order book live on CONNECTOR.

    PAIR is BASE-QUOTE, for example BTC-USDT. On a terminal the top levels are redrawn in place;
    otherwise a snapshot is printed every --interval seconds.
    """
    if from_redis:
        if sandbox or domain or rest_url or ws_url:
            raise click.UsageError("--from-redis reads the stream, not a venue: drop --sandbox/--domain")
        run(run_book_from_redis(make_console(), from_redis, connector, pair.upper(), depth, duration, interval,
                                plain), interrupted_ok=True)
        return
    target = target_of(connector, sandbox, seed, domain, rest_url, ws_url)
    run(run_book(make_console(), target, pair.upper(), depth, duration, interval, plain), interrupted_ok=True)


@cli.command()
@connector_argument
@click.argument("pairs", nargs=-1, required=True)
@click.option("--redis", "redis_url", metavar="URL", required=True,
              help="The Redis server (redis://[:password@]host:port/db, or rediss:// for TLS).")
@venue_options
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Seconds to run; default: until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Seconds between the lines of figures.")
def publish(connector: str, pairs: tuple[str, ...], redis_url: str, sandbox: bool, seed: int, domain: str | None,
            rest_url: str | None, ws_url: str | None, duration: float | None, interval: float) -> None:
    """Publish PAIRS' books and trades on CONNECTOR to Redis Streams.

    Consumers on any machine rebuild the books from the streams (`clobconn book --from-redis URL
    CONNECTOR PAIR`, or clobconn.bus.BookReader); see docs/scale-out.md.
    """
    target = target_of(connector, sandbox, seed, domain, rest_url, ws_url)
    run(run_publish(make_console(), target, [p.upper() for p in pairs], redis_url, duration, interval),
        interrupted_ok=True)


@cli.command()
@connector_argument
@venue_options
def check(connector: str, sandbox: bool, seed: int, domain: str | None, rest_url: str | None,
          ws_url: str | None) -> None:
    """Check CONNECTOR's keys: one signed read-only call, the balances, the key's permissions.

    The keys are read from the CLOBCONN_<ID>_<FIELD> environment variables, then from
    ~/.config/clobconn/credentials.toml (or $CLOBCONN_CREDENTIALS_FILE); --sandbox uses the sandbox's
    own key. Exits 1 with the typed error when they are missing or refused.
    """
    run(run_check(make_console(), target_of(connector, sandbox, seed, domain, rest_url, ws_url)))


@cli.command()
@click.option("--duration", type=click.FloatRange(min=1), default=15.0, show_default=True,
              help="Seconds the demo runs in total.")
@click.option("--pair", default="BTC-USDT", show_default=True, help="The sandbox pair to trade.")
@click.option("--seed", type=int, default=7, show_default=True, help="The sandbox's random seed.")
@click.option("--plain", is_flag=True, help="Line-by-line output even on a terminal.")
@click.option("--gateway", is_flag=True, help="Swap on the sandbox Gateway (the AMM connector) instead.")
def demo(duration: float, pair: str, seed: int, plain: bool, gateway: bool) -> None:
    """Trade on the offline sandbox with the binance connector.

    Starts the sandbox, shows the live book, places a resting order, a crossing order that fills
    and a cancel, prints every event and the final balances, then stops everything. With --gateway:
    a quote, a swap, its confirmation and the balance change through the sandbox Gateway.
    """
    if gateway:
        run(run_gateway_demo(make_console()))
        return
    run(run_demo(make_console(), pair.upper(), duration, seed, plain))


def parse_balances(given: tuple[str, ...]) -> dict[str, Decimal]:
    balances: dict[str, Decimal] = {}
    for item in given:
        asset, _, amount = item.partition("=")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal("NaN")
        if not asset or not value.is_finite() or value < 0:
            raise click.BadParameter(f"{item!r}: expected ASSET=AMOUNT, such as USDT=10000", param_hint="--balance")
        balances[asset.strip().upper()] = value
    return balances


@cli.command()
@connector_argument
@click.argument("pair")
@venue_options
@click.option("--duration", type=click.FloatRange(min=1), default=15.0, show_default=True,
              help="Seconds the run lasts in total.")
@click.option("--balance", "balances", multiple=True, metavar="ASSET=AMOUNT",
              help="A starting paper balance (repeat); default: 100000 of the pair's quote asset.")
@click.option("--plain", is_flag=True, help="Line-by-line output even on a terminal.")
def paper(connector: str, pair: str, sandbox: bool, seed: int, domain: str | None, rest_url: str | None,
          ws_url: str | None, duration: float, balances: tuple[str, ...], plain: bool) -> None:
    """Paper-trade the demo's script on CONNECTOR's live PAIR book.

    A buy that rests under the market, a buy that crosses the spread and fills on the levels the venue
    shows, the cancel of the first, and a check that the paper balances moved by exactly the fills and
    fees. No keys needed. Without internet (or with --sandbox) it runs on the embedded sandbox's book.
    """
    target = target_of(connector, sandbox, seed, domain, rest_url, ws_url)
    run(run_paper(make_console(), target, pair.upper(), duration, plain, parse_balances(balances)))


@cli.group()
def sandbox() -> None:
    """The offline sandbox venue.

    A matching engine with synthetic liquidity behind the Binance spot and USD-M futures
    protocols, on loopback.
    """


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8790, show_default=True, help="0 picks a free port.")
@click.option("--seed", type=int, default=7, show_default=True, help="The random seed of the synthetic liquidity.")
@click.option("--pairs", multiple=True, metavar="PAIR[,PAIR...]",
              help="Pairs to list on spot and perpetual markets (repeat or comma-separate); default: the sandbox's.")
def serve_command(host: str, port: int, seed: int, pairs: tuple[str, ...]) -> None:
    """Run the sandbox until Ctrl-C or SIGTERM, and print how to connect to it."""
    listed = [p.strip().upper() for group in pairs for p in group.split(",") if p.strip()]
    run(serve(make_console(), host, port, seed, listed), interrupted_ok=True)
