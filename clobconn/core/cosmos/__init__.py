"""What a Cosmos SDK chain's venues share, behind the ``dydx`` extra (v4-proto, eth-account, bech32): a key
derived from a BIP-39 mnemonic and the transactions it signs in SIGN_MODE_DIRECT (``signing``), and the
account number and sequence a node keeps for it (``accounts``). Nothing here is venue code.
"""

from __future__ import annotations

from clobconn.core.errors import MissingExtra


def require_cosmos(who: str, extra: str) -> None:
    """Raise ``MissingExtra`` naming ``extra`` when the protobuf definitions or the key libraries are missing."""
    try:
        import bech32  # noqa: F401
        import eth_account  # noqa: F401
        import v4_proto  # noqa: F401
    except ImportError:
        raise MissingExtra(f"{who} signs Cosmos transactions and needs its extra: pip install 'clobconn[{extra}]'"
                           ) from None
