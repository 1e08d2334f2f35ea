"""``clobconn demo --gateway``: the Gateway connector swapping on the embedded sandbox Gateway, offline.

The script: start the sandbox Gateway (Solana, a Raydium constant-product SOL-USDC pool), start the
connector (its start() checks run for real), print a quote, sell with a slippage bound, print every
order event as it arrives (created with the signature, then filled and completed once the simulated
chain confirms), and check that the wallet moved by exactly the fill and its fee in the native coin.
"""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from clobconn.cli.demo import DemoFailed
from clobconn.cli.views import event_line, number
from clobconn.core.events import EventType, OrderFilledEvent
from clobconn.core.registry import get_connector
from clobconn.gateway.models import Quote
from clobconn.gateway.swaps import SwapState
from clobconn.sandbox.gateway import SOLANA, GatewaySandbox

PAIR = "SOL-USDC"
AMOUNT = Decimal("2")
SLIPPAGE_PCT = 1.0
CONFIRM_TIMEOUT = 10.0


def quote_table(quote: Quote) -> Table:
    table = Table(title=f"quote: SELL {number(AMOUNT)} {PAIR}", title_justify="left")
    for column in ("price", "amount in", "amount out", "min out", "impact %", "pool"):
        table.add_column(column)
    table.add_row(*(number(getattr(quote, name)) for name in (
        "price", "amount_in", "amount_out", "min_amount_out", "price_impact_pct")), str(quote.pool_address))
    return table


async def run_gateway_demo(console: Console) -> None:
    async with GatewaySandbox(SOLANA) as gateway:
        conn = get_connector("gateway", **gateway.connector_config(trading_pairs=[PAIR], poll_interval=0.2))
        fills: list[OrderFilledEvent] = []
        for kind in (EventType.ORDER_CREATED, EventType.ORDER_FILLED, EventType.ORDER_COMPLETED,
                     EventType.ORDER_FAILED, EventType.ORDER_LOST):
            conn.add_listener(kind, lambda event: console.print(event_line(event)))
        conn.add_listener(EventType.ORDER_FILLED, fills.append)
        async with conn:
            console.print(f"sandbox Gateway at {gateway.url}: {conn.config.chain_network}, "
                          f"{conn.config.connector}, wallet {conn.config.wallet_address}")
            before = {asset: conn.get_balance(asset) for asset in ("SOL", "USDC")}
            console.print(quote_table(await conn.quote(PAIR, "SELL", AMOUNT, slippage_pct=SLIPPAGE_PCT)))
            order = await conn.place_swap(PAIR, "SELL", AMOUNT, slippage_pct=SLIPPAGE_PCT)
            console.print(f"swap submitted once: signature {order.signature} (pending until the chain confirms)")
            done = await conn.wait_final(order.client_order_id, CONFIRM_TIMEOUT)
            if done.state is not SwapState.FILLED or not fills:
                raise DemoFailed(f"the swap ended {done.state.value}: {done.reason}")
            await conn.update_balances()
            after = {asset: conn.get_balance(asset) for asset in before}
            fill = fills[0].trade
            expected = {"SOL": -fill.fill_base_amount - fill.fee.amount_in("SOL"), "USDC": fill.fill_quote_amount}
            table = Table(title="balances", title_justify="left")
            for column in ("asset", "before", "after", "change", "expected"):
                table.add_column(column)
            for asset, start in before.items():
                table.add_row(asset, number(start), number(after[asset]), number(after[asset] - start),
                              number(expected[asset]))
            console.print(table)
            # Gateway's numbers are JS doubles: agreement to 1e-9 is exact for these sizes.
            if any(abs(after[a] - before[a] - expected[a]) > Decimal("1e-9") for a in before):
                raise DemoFailed("the balances did not move by the fill and its fee")
            console.print("balances moved by exactly the fill and its fee")
