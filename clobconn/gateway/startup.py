"""``start()``'s checks: that Gateway answers and knows this network, DEX connector and wallet, and the
facts a swap needs (token decimals, the native coin and a fee estimate). Each failure names its cause."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from clobconn.core.errors import ClobconnError, NetworkError
from clobconn.gateway.client import GatewayClient
from clobconn.gateway.config import GatewayConfig
from clobconn.gateway.errors import GatewayStartError
from clobconn.gateway.models import MalformedAnswer, Token


@dataclass(frozen=True, slots=True)
class GatewayFacts:
    wallet_address: str
    tokens: dict[str, Token]
    native_coin: str
    estimated_fee: Decimal


def _is_placeholder(address: str) -> bool:
    # Gateway's shipped chain configs hold a placeholder until a wallet is added.
    return not address or "<" in address or "placeholder" in address.lower()


def _connector_entry(connectors: list[Mapping[str, object]], name: str) -> Mapping[str, object] | None:
    return next((c for c in connectors if c.get("name") == name), None)


async def check_gateway(client: GatewayClient, config: GatewayConfig) -> GatewayFacts:
    try:
        await client.health()
    except NetworkError as exc:
        raise GatewayStartError(f"Gateway does not answer at {config.url}: {exc}") from exc
    try:
        return await _check(client, config)
    except GatewayStartError:
        raise
    except (ClobconnError, MalformedAnswer) as exc:
        raise GatewayStartError(f"Gateway at {config.url} answered but its configuration could not be read: "
                                f"{exc}") from exc


async def _check(client: GatewayClient, config: GatewayConfig) -> GatewayFacts:
    chains = await client.chains()
    if config.chain not in chains:
        raise GatewayStartError(f"Gateway has no chain {config.chain!r}; it has {', '.join(sorted(chains))}")
    if config.network not in chains[config.chain]:
        raise GatewayStartError(f"Gateway's {config.chain} has no network {config.network!r}; it has "
                                f"{', '.join(chains[config.chain])}")
    if config.dex is not None:
        entry = _connector_entry(await client.connectors(), config.dex)
        if entry is None:
            raise GatewayStartError(f"Gateway has no DEX connector {config.dex!r}")
        types = entry.get("trading_types")
        if isinstance(types, list) and config.dex_type.value not in types:
            raise GatewayStartError(f"{config.dex} trades {', '.join(map(str, types))} on Gateway, not "
                                    f"{config.dex_type.value}")
        networks = entry.get("networks")
        if entry.get("chain") not in (None, config.chain) or (
                isinstance(networks, list) and config.network not in networks):
            raise GatewayStartError(f"{config.dex} is not on {config.chain_network} in Gateway")
    wallet = config.wallet_address
    if wallet is None:
        wallet = str((await client.namespace(config.chain)).get("defaultWallet") or "")
        if _is_placeholder(wallet):
            raise GatewayStartError(f"no wallet_address given and Gateway's {config.chain} defaultWallet is "
                                    f"not set ({wallet!r}); add a wallet to Gateway or name one")
    known = {str(address) for entry in await client.wallets() if entry.get("chain") == config.chain
             for address in entry.get("walletAddresses", []) or []}
    if wallet not in known:
        raise GatewayStartError(f"Gateway holds no {config.chain} wallet {wallet}")
    tokens = await client.tokens()
    missing = sorted({s for pair in config.trading_pairs for s in pair.split("-")} - set(tokens))
    if missing:
        raise GatewayStartError(f"Gateway's token list for {config.chain_network} lacks {', '.join(missing)}")
    fee, fee_asset = await client.estimate_gas()
    return GatewayFacts(wallet, tokens, fee_asset, fee)
