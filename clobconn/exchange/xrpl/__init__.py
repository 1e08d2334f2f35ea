"""The XRP Ledger DEX (spot), behind the ``xrpl`` extra (xrpl-py): docs/connectors/xrpl.md."""

from clobconn.core.errors import MissingExtra

try:
    import xrpl  # noqa: F401
except ImportError:
    raise MissingExtra("xrpl signs offers locally with xrpl-py: pip install 'clobconn[xrpl]'") from None
