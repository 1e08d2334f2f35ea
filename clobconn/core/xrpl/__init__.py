"""What any venue on the XRP Ledger shares, behind the ``xrpl`` extra (xrpl-py): assets and amounts as the
ledger writes them (``amounts``), offers read from transaction metadata (``metadata``), and transactions
signed locally and submitted one Sequence at a time, final only in a validated ledger (``submission``).
Nothing here is venue code: the DEX connector is ``clobconn/exchange/xrpl``.
"""

from __future__ import annotations

from clobconn.core.errors import MissingExtra

XRPL_EXTRA = "xrpl"


def require_xrpl(who: str) -> None:
    """Raise ``MissingExtra`` naming the extra when xrpl-py is not installed."""
    try:
        import xrpl  # noqa: F401
    except ImportError:
        raise MissingExtra(f"{who} signs XRP Ledger transactions with xrpl-py: pip install "
                           f"'clobconn[{XRPL_EXTRA}]'") from None
