"""The Gateway config: one place encodes the network; the TLS passphrase never shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from clobconn.gateway.config import GatewayConfig, GatewayTls


def test_network_encoding_lives_in_one_place() -> None:
    config = GatewayConfig(chain="ethereum", network="base", dex="uniswap", dex_type="clmm")
    assert config.network_params() == {"network": "base"}
    assert config.registry_params() == {"chain": "ethereum", "network": "base"}
    later = GatewayConfig(chain="ethereum", network="base", chain_network_registry=True)
    assert later.registry_params() == {"chainNetwork": "ethereum-base"}
    assert config.trading_params() == {"chainNetwork": "ethereum-base", "connector": "uniswap/clmm"}
    assert GatewayConfig(chain="solana", network="mainnet-beta").trading_params() == {
        "chainNetwork": "solana-mainnet-beta"}


def test_the_tls_passphrase_is_secret_everywhere() -> None:
    tls = GatewayTls(ca_cert=Path("ca.pem"), client_cert=Path("c.pem"), client_key=Path("k.pem"),
                     passphrase="hunter2-gateway")
    config = GatewayConfig(url="https://localhost:15888", tls=tls, chain="solana", network="mainnet-beta")
    for text in (repr(config), str(config), repr(tls), config.model_dump_json()):
        assert "hunter2-gateway" not in text


def test_tls_needs_an_https_url() -> None:
    tls = GatewayTls(ca_cert=Path("ca.pem"), client_cert=Path("c.pem"), client_key=Path("k.pem"))
    with pytest.raises(ValidationError, match="not https"):
        GatewayConfig(url="http://localhost:15888", tls=tls, chain="solana", network="mainnet-beta")
