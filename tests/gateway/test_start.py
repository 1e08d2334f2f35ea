"""``start()`` checks Gateway and the configuration against it, and fails fast naming the cause."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clobconn import get_connector
from clobconn.cli.views import connector_rows
from clobconn.core.errors import BadSymbol, InvalidOrderArgument
from clobconn.gateway.connector import GatewayConnector
from clobconn.gateway.errors import GatewayStartError
from clobconn.sandbox.gateway import GatewaySandbox
from tests.gateway.conftest import FAST, Factory


async def test_start_loads_tokens_gas_and_balances(solana_gateway: GatewaySandbox, connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    assert conn.tokens["USDC"].decimals == 6
    assert conn.native_coin == "SOL"
    assert conn.estimated_fee == Decimal("0.000005")
    assert conn.get_balance("USDC") == Decimal(20_000)
    assert conn.ready


@pytest.mark.parametrize("chain_network_registry", [False, True])
async def test_start_with_either_registry_encoding(solana_gateway: GatewaySandbox, connect: Factory,
                                                   chain_network_registry: bool) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"], dex_type="clmm",
                         chain_network_registry=chain_network_registry)
    assert await conn.pool_address("SOL-USDC") == "RaydiumC1mmPoo1SOLUSDC"
    assert "SOL" in conn.tokens


async def test_start_fails_fast_when_gateway_does_not_answer() -> None:
    conn = GatewayConnector(url="http://127.0.0.1:9", chain="solana", network="mainnet-beta", **FAST)
    with pytest.raises(GatewayStartError, match="does not answer"):
        await conn.start()


@pytest.mark.parametrize(("overrides", "cause"), [
    ({"network": "devnet"}, "no network 'devnet'"),
    ({"chain": "cosmos"}, "no chain 'cosmos'"),
    ({"dex": "orca"}, "no DEX connector 'orca'"),
    ({"dex": "jupiter", "dex_type": "clmm"}, "not clmm"),
    ({"wallet_address": "SomeoneE1se"}, "no solana wallet SomeoneE1se"),
    ({"trading_pairs": ["SOL-BONK"]}, "lacks BONK"),
])
async def test_start_names_what_gateway_lacks(solana_gateway: GatewaySandbox, connect: Factory,
                                              overrides: dict[str, object], cause: str) -> None:
    conn = await connect(solana_gateway, start=False, **overrides)
    with pytest.raises(GatewayStartError, match=cause):
        await conn.start()


async def test_start_uses_the_default_wallet_and_refuses_a_placeholder(solana_gateway: GatewaySandbox,
                                                                       connect: Factory) -> None:
    conn = await connect(solana_gateway, wallet_address=None)
    assert conn.config.wallet_address == solana_gateway.wallet
    solana_gateway.wallet = "<your-wallet-address>"
    placeholder = await connect(solana_gateway, start=False, wallet_address=None)
    with pytest.raises(GatewayStartError, match="defaultWallet is not set"):
        await placeholder.start()


async def test_bad_swap_arguments_are_refused_before_anything_is_sent(solana_gateway: GatewaySandbox,
                                                                      connect: Factory) -> None:
    conn = await connect(solana_gateway, trading_pairs=["SOL-USDC"])
    sent = sum(solana_gateway.requests.values())
    with pytest.raises(BadSymbol):
        await conn.place_swap("SOL-BONK", "BUY", Decimal(1))
    with pytest.raises(InvalidOrderArgument):
        await conn.place_swap("SOL-USDC", "BUY", Decimal("-1"))
    with pytest.raises(InvalidOrderArgument):
        # Below SOL's 9 decimals: nothing left to swap.
        await conn.place_swap("SOL-USDC", "SELL", Decimal("1e-10"))
    with pytest.raises(InvalidOrderArgument):
        await conn.place_swap("SOL-USDC", "HOLD", Decimal(1))
    with pytest.raises(InvalidOrderArgument):
        await conn.quote("SOL-USDC", "BUY", Decimal("NaN"))
    assert sum(solana_gateway.requests.values()) == sent


def test_get_connector_returns_the_gateway_connector_and_the_cli_lists_the_amm_type() -> None:
    conn = get_connector("gateway", chain="solana", network="mainnet-beta")
    assert isinstance(conn, GatewayConnector)
    rows = {row.connector_id: row for row in connector_rows()}
    assert rows["gateway"].market == "amm"
    assert rows["gateway"].domains == ("router", "amm", "clmm")
