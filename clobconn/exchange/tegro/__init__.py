"""Tegro spot on Base: orders are EIP-712 typed data the venue builds and the wallet signs (needs the ``evm`` extra)."""

from clobconn.core.evm import require_evm

# Signing needs eth-account: importing the connector without it says which extra to install.
require_evm("the Tegro connector")
