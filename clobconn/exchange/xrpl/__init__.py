"""The XRP Ledger DEX (spot), behind the ``xrpl`` extra (xrpl-py): docs/connectors/xrpl.md."""

from clobconn.core.xrpl import require_xrpl

require_xrpl("xrpl")
