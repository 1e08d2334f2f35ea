"""What every EVM venue shares, behind the ``evm`` extra (eth-account): keys and signatures
(``signing``), the node's JSON-RPC (``rpc``), one nonce sequence per wallet (``nonces``), signed
transactions (``transactions``) and their receipts (``receipts``). Nothing here is venue code.
"""

from __future__ import annotations

from clobconn.core.errors import MissingExtra

EVM_EXTRA = "evm"


def require_evm(who: str) -> None:
    """Raise ``MissingExtra`` naming the extra when eth-account is not installed.

    A connector of an EVM venue calls this first thing in its package, so that importing it without
    the extra fails with a sentence to act on rather than a bare ``ImportError``.
    """
    try:
        import eth_abi  # noqa: F401
        import eth_account  # noqa: F401
    except ImportError:
        raise MissingExtra(
            f"{who} signs with a wallet and needs eth-account: pip install 'clobconn[{EVM_EXTRA}]'") from None
