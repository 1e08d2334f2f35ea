"""Quotes, and the wire edge cases of GATEWAY.md §4 that are not a swap's life: an expired quote id, a
non-JSON body, balances asked by address answered by symbol, floats read back as the decimals sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.errors import ExchangeNotAvailable
from clobconn.core.events import EventType
from clobconn.gateway.errors import NoPoolOrRoute, QuoteExpired
from clobconn.gateway.models import to_decimal
from clobconn.gateway.swaps import SwapState
from clobconn.sandbox.gateway import GatewaySandbox
from tests.gateway.conftest import Factory

QUOTE = "GET /trading/swap/quote"


async def test_quote_gives_price_amounts_bound_impact_and_pool(solana_gateway: GatewaySandbox,
                                                               connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    sell = await conn.quote("SOL-USDC", "SELL", Decimal(10), slippage_pct=1)
    assert sell.amount_in == Decimal(10)
    assert sell.price == pytest.approx(sell.amount_out / 10)
    assert sell.min_amount_out == pytest.approx(sell.amount_out * Decimal("0.99"))
    assert sell.pool_address == "RaydiumAmmPoo1SOLUSDC"
    assert 0 < sell.price_impact_pct < 1
    buy = await conn.quote("SOL-USDC", "BUY", Decimal(10), slippage_pct=1)
    assert buy.amount_out == Decimal(10)
    assert buy.max_amount_in == pytest.approx(buy.amount_in * Decimal("1.01"))
    # Buying costs more per SOL than selling brings.
    assert buy.price > sell.price


async def test_quote_on_a_concentrated_pool(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="clmm")
    quote = await conn.quote("SOL-USDC", "SELL", Decimal(10))
    assert quote.pool_address == "RaydiumC1mmPoo1SOLUSDC"
    # Deeper liquidity than the constant-product pool: less impact for the same size.
    amm_conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    assert quote.price_impact_pct < (await amm_conn.quote("SOL-USDC", "SELL", Decimal(10))).price_impact_pct


async def test_no_pool_is_a_typed_error(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["RAY-USDC"])
    with pytest.raises(NoPoolOrRoute):
        await conn.quote("RAY-USDC", "BUY", Decimal(1))


async def test_an_executable_quote_is_executed_once_and_an_expired_one_is_not_requoted(
        solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    quote = await conn.quote("SOL-USDC", "SELL", Decimal(1), executable=True)
    assert quote.quote_id
    order = await conn.place_swap("SOL-USDC", "SELL", Decimal(1), quote=quote)
    assert (await conn.wait_final(order.client_order_id, 5)).state is SwapState.FILLED
    failed: list[object] = []
    conn.add_listener(EventType.ORDER_FAILED, failed.append)
    stale = await conn.quote("SOL-USDC", "SELL", Decimal(1), executable=True)
    solana_gateway.quotes.clear()
    with pytest.raises(QuoteExpired):
        await conn.place_swap("SOL-USDC", "SELL", Decimal(1), quote=stale)
    assert len(failed) == 1
    assert solana_gateway.count("POST /connectors/raydium/router/execute-quote") == 2
    assert solana_gateway.count("GET /connectors/raydium/router/quote-swap") == 2


async def test_a_non_json_error_body_is_a_typed_error_keeping_its_text(solana_gateway: GatewaySandbox,
                                                                       connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    solana_gateway.force_error(QUOTE, 502, "<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(ExchangeNotAvailable, match="502 Bad Gateway"):
        await conn.quote("SOL-USDC", "SELL", Decimal(1))


async def test_balances_asked_by_address_come_back_by_symbol(solana_gateway: GatewaySandbox,
                                                             connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    balances = await conn.client.balances([solana_gateway.addresses["USDC"]])
    assert balances == {"USDC": Decimal(20_000)}


@pytest.mark.parametrize("sent", ["0.1", "1234.5678", "0.000005", "3e-9", "150.000001"])
def test_gateway_floats_read_back_as_the_decimals_written(sent: str) -> None:
    # Gateway writes a JS number; JSON carries its shortest form, and so does Python's float repr.
    assert to_decimal(float(sent), "x") == Decimal(sent)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, "abc", None, True])
def test_non_finite_or_negative_amounts_never_enter(bad: object) -> None:
    with pytest.raises(ValueError):
        to_decimal(bad, "x")
