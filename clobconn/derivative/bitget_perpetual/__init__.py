"""Bitget USDT-M (and USDC-M) perpetual futures connector, API v2."""
