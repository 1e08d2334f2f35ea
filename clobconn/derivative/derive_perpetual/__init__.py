"""Derive perpetuals (ETH-PERP, BTC-PERP...), the v3 API: https://docs.derive.xyz."""

from clobconn.core.evm import require_evm

require_evm("derive_perpetual")
