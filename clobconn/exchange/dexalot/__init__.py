"""Dexalot spot: REST and WS signed by the wallet, orders as transactions on the Dexalot L1 (the ``evm`` extra)."""

from clobconn.core.evm import require_evm

# Orders are signed transactions and reads are ABI-encoded contract calls: without eth-account there is nothing
# to trade with, so importing the connector says which extra to install.
require_evm("the Dexalot connector")
