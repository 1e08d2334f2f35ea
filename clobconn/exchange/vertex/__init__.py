"""Vertex spot: EIP-712 signed executes on the Vertex gateway (needs the ``evm`` extra). The venue shut down in 2025."""

from clobconn.core.evm import require_evm

# Every execute is signed with eth-account: importing the connector without it says which extra to install.
require_evm("the Vertex connector")
