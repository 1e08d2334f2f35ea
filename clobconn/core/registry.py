"""The explicit map from connector id to connector class.

Entries are import paths, so that importing clobconn does not import every venue (and the heavy
optional dependencies some of them need); nothing is discovered by naming convention.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal, overload

from clobconn.core.credentials import with_external_credentials
from clobconn.core.errors import NotSupported
from clobconn.core.exchange_base import ExchangeBase

if TYPE_CHECKING:
    from clobconn.gateway.connector import GatewayConnector

CONNECTORS: dict[str, str] = {
    "_template": "clobconn.exchange._template.exchange:TemplateExchange",
    "ascendex": "clobconn.exchange.ascendex.exchange:AscendexExchange",
    "binance": "clobconn.exchange.binance.exchange:BinanceExchange",
    "binance_perpetual": "clobconn.derivative.binance_perpetual.derivative:BinancePerpetualDerivative",
    "bing_x": "clobconn.exchange.bing_x.exchange:BingXExchange",
    "bitget_perpetual": "clobconn.derivative.bitget_perpetual.derivative:BitgetPerpetualDerivative",
    "bitmart": "clobconn.exchange.bitmart.exchange:BitmartExchange",
    "bitrue": "clobconn.exchange.bitrue.exchange:BitrueExchange",
    "bitstamp": "clobconn.exchange.bitstamp.exchange:BitstampExchange",
    "btc_markets": "clobconn.exchange.btc_markets.exchange:BtcMarketsExchange",
    "bybit": "clobconn.exchange.bybit.exchange:BybitExchange",
    "bybit_perpetual": "clobconn.derivative.bybit_perpetual.derivative:BybitPerpetualDerivative",
    "coinbase_advanced_trade": "clobconn.exchange.coinbase_advanced_trade.exchange:CoinbaseExchange",
    "cube": "clobconn.exchange.cube.exchange:CubeExchange",
    "derive": "clobconn.exchange.derive.exchange:DeriveExchange",
    "derive_perpetual": "clobconn.derivative.derive_perpetual.derivative:DerivePerpetualDerivative",
    "dexalot": "clobconn.exchange.dexalot.exchange:DexalotExchange",
    "dydx_v4_perpetual": "clobconn.derivative.dydx_v4_perpetual.derivative:DydxV4PerpetualDerivative",
    "gate_io": "clobconn.exchange.gate_io.exchange:GateIoExchange",
    "gate_io_perpetual": "clobconn.derivative.gate_io_perpetual.derivative:GateIoPerpetualDerivative",
    "hashkey": "clobconn.exchange.hashkey.exchange:HashkeyExchange",
    "hashkey_perpetual": "clobconn.derivative.hashkey_perpetual.derivative:HashkeyPerpetualDerivative",
    "htx": "clobconn.exchange.htx.exchange:HtxExchange",
    "kraken": "clobconn.exchange.kraken.exchange:KrakenExchange",
    "kucoin": "clobconn.exchange.kucoin.exchange:KucoinExchange",
    "kucoin_perpetual": "clobconn.derivative.kucoin_perpetual.derivative:KucoinPerpetualDerivative",
    "mexc": "clobconn.exchange.mexc.exchange:MexcExchange",
    "ndax": "clobconn.exchange.ndax.exchange:NdaxExchange",
    "okx": "clobconn.exchange.okx.exchange:OkxExchange",
    "tegro": "clobconn.exchange.tegro.exchange:TegroExchange",
    "vertex": "clobconn.exchange.vertex.exchange:VertexExchange",
    "xrpl": "clobconn.exchange.xrpl.exchange:XrplExchange",
}

# Markets on the roadmap whose venue publishes no public API to build against: listed by
# ``clobconn connectors``, never built. Each one's docs page says what was looked for, and where.
WITHOUT_PUBLIC_API: dict[str, str] = {
    "dexalot_perpetual": "docs/connectors/dexalot_perpetual.md",
    "tegro_perpetual": "docs/connectors/tegro_perpetual.md",
}


# Connectors of the AMM type: swaps and liquidity on DEXes through a middleware, with no order book, so
# not ExchangeBase subclasses; they emit the same order events.
AMM_CONNECTORS: dict[str, str] = {
    "gateway": "clobconn.gateway.connector:GatewayConnector",
}


def amm_connector_class(connector_id: str) -> type[GatewayConnector]:
    module_name, class_name = AMM_CONNECTORS[connector_id].split(":")
    cls: type[GatewayConnector] = getattr(importlib.import_module(module_name), class_name)
    return cls


def connector_class(connector_id: str) -> type[ExchangeBase]:
    if connector_id in WITHOUT_PUBLIC_API:
        raise NotSupported(f"{connector_id}: the venue publishes no public API for this market "
                           f"(what was looked for, and where: {WITHOUT_PUBLIC_API[connector_id]})")
    try:
        target = CONNECTORS[connector_id]
    except KeyError:
        # Ids starting with "_" are teaching connectors for fictional venues (the _template): not offered.
        known = ", ".join(sorted(c for c in [*CONNECTORS, *AMM_CONNECTORS] if not c.startswith("_")))
        raise ValueError(f"unknown connector {connector_id!r}; known: {known}") from None
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, ExchangeBase)):
        raise TypeError(f"{target} is not a connector class")
    return cls


@overload
def get_connector(connector_id: Literal["gateway"], **config: Any) -> GatewayConnector: ...


@overload
def get_connector(connector_id: str, **config: Any) -> ExchangeBase: ...


def get_connector(connector_id: str, **config: Any) -> ExchangeBase | GatewayConnector:
    """Build a connector: ``get_connector("binance", api_key=..., api_secret=..., trading_pairs=[...])``;
    ``get_connector("gateway", url=..., chain=..., network=..., dex=..., ...)`` for the AMM type.

    ``paper=True`` (with ``paper_balances={...}``) returns the connector's paper twin: the venue's live
    market data, orders filled by the sandbox engine against it (``clobconn/paper``).
    Credentials not given in code are read from ``CLOBCONN_<ID>_<FIELD>`` environment variables, then
    from ``~/.config/clobconn/credentials.toml`` (``clobconn/core/credentials.py``).
    """
    if connector_id in AMM_CONNECTORS:
        return amm_connector_class(connector_id)(**config)
    cls = connector_class(connector_id)
    paper = config.pop("paper", False)
    if paper:
        # Imported here: paper trading builds on the sandbox engine, which nothing else needs.
        from clobconn.paper import paper_connector

        if isinstance(paper, dict):  # a `paper` section: {"balances": ..., "fees": ..., "depth": ..., "queue": ...}
            config = {**{f"paper_{key}": value for key, value in paper.items()}, **config}
        return paper_connector(cls, **config)
    return cls(**with_external_credentials(connector_id, config))
