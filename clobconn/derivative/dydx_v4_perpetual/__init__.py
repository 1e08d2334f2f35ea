"""dYdX v4 perpetuals: market data and the account from the indexer, orders as Cosmos transactions."""

from clobconn.core.cosmos import require_cosmos

require_cosmos("dydx_v4_perpetual", "dydx")
