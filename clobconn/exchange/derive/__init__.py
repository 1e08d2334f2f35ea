"""Derive spot (formerly Lyra), the v3 API: https://docs.derive.xyz."""

from clobconn.core.evm import require_evm

require_evm("derive")
