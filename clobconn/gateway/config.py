"""The Gateway connector's configuration: where Gateway is, how to reach it, and what to trade on.

Gateway (hummingbot/gateway) holds the wallet keys itself; the caller names a wallet by its address
only. The one secret here is the passphrase of the client certificate's key, for mutual TLS.
"""

from __future__ import annotations

import ssl
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

# Gateway's default port (its conf/server.yml).
DEFAULT_URL = "http://localhost:15888"


class DexType(StrEnum):
    """How a DEX connector trades: through an aggregator's route, a constant-product pool or a
    concentrated-liquidity pool. It is the second half of Gateway's ``connector`` ("uniswap/clmm")."""

    ROUTER = "router"
    AMM = "amm"
    CLMM = "clmm"


class GatewayTls(BaseModel):
    """Mutual TLS, Gateway's default outside dev mode: the CA that signed Gateway's certificate, and the
    client certificate and key Gateway checks (``certs/ca_cert.pem``, ``client_cert.pem``, ``client_key.pem``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_cert: Path
    client_cert: Path
    client_key: Path
    # Gateway's GATEWAY_PASSPHRASE encrypts the client key; None for an unencrypted key.
    passphrase: SecretStr | None = None

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.ca_cert))
        password = self.passphrase.get_secret_value() if self.passphrase is not None else None
        context.load_cert_chain(str(self.client_cert), str(self.client_key), password=password)
        return context


class GatewayConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    url: str = Field(default=DEFAULT_URL, validation_alias="rest_url")
    # None is dev mode (Gateway started with --dev serves plain HTTP).
    tls: GatewayTls | None = None
    chain: str
    network: str
    # The DEX connector and how it trades ("uniswap", DexType.CLMM); None uses the network's swapProvider.
    dex: str | None = None
    dex_type: DexType = DexType.ROUTER
    # None uses the chain's defaultWallet in Gateway's config.
    wallet_address: str | None = None
    trading_pairs: list[str] = Field(default_factory=list)
    slippage_pct: float | None = None
    request_timeout: float = 30.0
    # A swap that is neither confirmed nor failed this long after its submission has an unknown outcome.
    confirmation_deadline: float = 90.0
    # Polling a pending transaction: the first wait, doubling up to the longest.
    poll_interval: float = 1.0
    max_poll_interval: float = 4.0
    # Gateway refuses more than 100 requests a minute in all.
    max_requests_per_minute: int = 100
    event_queue_size: int = 10_000
    # Gateway after gateway#683 addresses its token and pool registry (/tokens, /pools) by one
    # ``chainNetwork`` parameter (its src/schemas/chain-network-field.ts); 2.13 takes chain and network.
    chain_network_registry: bool = False

    @field_validator("url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _tls_matches_scheme(self) -> GatewayConfig:
        if self.tls is not None and not self.url.startswith("https://"):
            raise ValueError(f"tls is configured but the url {self.url!r} is not https://")
        return self

    @property
    def connector(self) -> str | None:
        """Gateway's ``connector`` parameter: "dex/type"."""
        return f"{self.dex}/{self.dex_type.value}" if self.dex else None

    @property
    def chain_network(self) -> str:
        return f"{self.chain}-{self.network}"

    @property
    def is_evm(self) -> bool:
        return self.chain == "ethereum"

    # The three encodings of the network, one per family of routes: a Gateway version that moves one is
    # an edit here (and a new flag above).

    def network_params(self) -> dict[str, Any]:
        """The network on the routes whose path names the chain (``/chains/{chain}/...``) or the DEX
        (``/connectors/{dex}/...``)."""
        return {"network": self.network}

    def registry_params(self) -> dict[str, Any]:
        """The network on the token and pool registry routes (``/tokens``, ``/pools/...``)."""
        if self.chain_network_registry:
            return {"chainNetwork": self.chain_network}
        return {"chain": self.chain, "network": self.network}

    def trading_params(self) -> dict[str, Any]:
        """The network as the unified ``/trading/...`` routes take it (Gateway 2.13: ``chainNetwork``)."""
        params: dict[str, Any] = {"chainNetwork": self.chain_network}
        if self.connector is not None:
            params["connector"] = self.connector
        return params
