"""Connector configuration. Credentials are SecretStr: they print as '**********' everywhere."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr


class ConnectorConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Wallet venues name these otherwise, and take those names too: the account's address
    # (``wallet_address=``; Derive's wallet, Vertex's sender) as the key, and its signing secret
    # (``private_key=``, dYdX's ``mnemonic=``, XRPL's ``seed=``) as the secret. Where the venue derives
    # the address from the secret, only the secret is needed (``VenueSpec.key_name`` is None).
    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_key", "wallet_address"))
    api_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("api_secret", "private_key", "mnemonic", "seed"))
    # The third credential some venues issue with a key (OKX, KuCoin, Bitget; Bitmart calls it the memo,
    # and ``memo=`` is accepted for it; NDAX needs the key's user id, ``user_id=``); ignored by the others.
    passphrase: SecretStr | None = Field(default=None,
                                         validation_alias=AliasChoices("passphrase", "memo", "user_id"))
    trading_pairs: list[str] = Field(default_factory=list)
    # None picks the venue's default domain (mainnet).
    domain: str | None = None
    # Override the venue's URLs, for mocks, the sandbox and proxies.
    rest_url: str | None = None
    ws_url: str | None = None
    # The private stream's URL where the venue serves it apart; defaults to ws_url when that is set.
    private_ws_url: str | None = None
    # The WebSocket trading API's URL where the venue serves it apart; defaults to private_ws_url, then ws_url.
    trading_ws_url: str | None = None
    # Seconds. Polling runs fast while the user stream is down and slow while it is up.
    fast_poll_interval: float = 5.0
    slow_poll_interval: float = 60.0
    trading_rules_interval: float = 1800.0
    request_timeout: float = 10.0
    # A new order whose ack has not come after this long is checked by client order id.
    placement_reconcile_after: float = 5.0
    event_queue_size: int = 10_000
    # Prices and amounts off the venue's tick and lot step are rounded down (the default, as the
    # peers do); strict, such an order is refused with OrderRuleViolation instead.
    strict_quantize: bool = False
    # Whether start() also opens the private stream and polling (needs credentials).
    trading: bool = True
    # Where the venue has a WebSocket trading API (``ExchangeBase.ws_order_route``), orders are placed and
    # cancelled on its socket while it is connected, over REST otherwise; "rest" keeps them on REST alone.
    order_entry: Literal["websocket", "rest"] = "websocket"

    @property
    def has_credentials(self) -> bool:
        """Key and secret are set (the connector's own ``has_credentials`` knows what its venue needs)."""
        return self.api_key is not None and self.api_secret is not None
