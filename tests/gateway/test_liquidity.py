"""Pools and liquidity positions over the sandbox Gateway: each position transaction sent once and
followed to its verdict like a swap."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn.core.errors import InsufficientFunds, InvalidArgument, NotSupported
from clobconn.gateway.liquidity import ActionState
from clobconn.sandbox.gateway import GatewaySandbox
from tests.gateway.conftest import Factory


async def test_pool_info_of_the_pairs_pool(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="amm")
    address = await conn.pool_address("SOL-USDC")
    info = await conn.pool_info(address)
    assert info.address == "RaydiumAmmPoo1SOLUSDC"
    assert info.price == Decimal(150)
    assert info.base_token_amount == Decimal(20_000)
    assert info.fee_pct == Decimal("0.25")


async def test_amm_add_then_remove_liquidity(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    solana_gateway.script_next([0, 0, 1], [0, 1])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="amm")
    pool = await conn.pool_address("SOL-USDC")
    added = await conn.add_liquidity(pool, Decimal(10))
    assert added.state is ActionState.CONFIRMED and added.signature
    assert solana_gateway.balances["USDC"] == Decimal(20_000) - Decimal(1500)
    removed = await conn.remove_liquidity(Decimal(100), pool_address=pool)
    assert removed.state is ActionState.CONFIRMED
    assert abs(solana_gateway.balances["USDC"] - Decimal(20_000)) < Decimal("1e-9")
    assert solana_gateway.count("POST /connectors/raydium/amm/add-liquidity") == 1
    assert solana_gateway.count("POST /chains/solana/poll") == 3


async def test_clmm_open_collect_close(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="clmm")
    pool = await conn.pool_address("SOL-USDC")
    opened = await conn.open_position(pool, Decimal(140), Decimal(160), Decimal(2), Decimal(300))
    assert opened.state is ActionState.CONFIRMED and opened.position_address
    info = await conn.position_info(opened.position_address)
    assert info["lowerPrice"] == 140 and info["baseFeeAmount"] > 0
    sol_before = solana_gateway.balances["SOL"]
    assert (await conn.collect_fees(opened.position_address)).state is ActionState.CONFIRMED
    assert solana_gateway.balances["SOL"] > sol_before - solana_gateway.spec.fee
    assert (await conn.close_position(opened.position_address)).state is ActionState.CONFIRMED
    assert opened.position_address not in solana_gateway.positions


async def test_a_failed_or_unresolved_position_call_is_never_resent(solana_gateway: GatewaySandbox,
                                                                   connect: Factory) -> None:
    solana_gateway.script_next([0, -1], [0])
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="clmm")
    pool = await conn.pool_address("SOL-USDC")
    failed = await conn.open_position(pool, Decimal(140), Decimal(160), Decimal(1))
    assert failed.state is ActionState.FAILED
    pending = await conn.open_position(pool, Decimal(140), Decimal(160), Decimal(1))
    assert pending.state is ActionState.UNKNOWN and "deadline" in pending.reason
    assert solana_gateway.count("POST /connectors/raydium/clmm/open-position") == 2
    assert not solana_gateway.positions


async def test_position_refusals_and_bad_arguments(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="clmm")
    pool = await conn.pool_address("SOL-USDC")
    with pytest.raises(InsufficientFunds):
        await conn.open_position(pool, Decimal(140), Decimal(160), Decimal(10_000))
    router = await connect(solana_gateway, dex="jupiter", dex_type="router")
    sent = sum(solana_gateway.requests.values())
    with pytest.raises(InvalidArgument):
        await conn.open_position(pool, Decimal(160), Decimal(140), Decimal(1))
    with pytest.raises(InvalidArgument):
        await conn.remove_liquidity(Decimal(150), position_address="x")
    with pytest.raises(NotSupported):
        await router.pool_info(pool)
    assert sum(solana_gateway.requests.values()) == sent
