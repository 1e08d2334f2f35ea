"""JWT bearer tokens signed with an asymmetric key (Coinbase's CDP keys): behind the ``coinbase`` extra.

A venue that authenticates each request with a short-lived JWT gives the claims and header fields;
this module loads the key (``private_keys.load_private_key``), picks the algorithm the key's type
implies (ES256 for a P-256 EC key, EdDSA for Ed25519) and signs. PyJWT and ``cryptography`` are
imported only here, and a connector that needs them checks for them at import (``require_jwt``).
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials, MissingExtra
from clobconn.core.web.private_keys import CRYPTOGRAPHY_EXTRA, load_private_key


def require_jwt(who: str) -> None:
    """Raise ``MissingExtra`` naming the extra when PyJWT or ``cryptography`` is not installed."""
    try:
        import cryptography.hazmat.primitives.serialization  # noqa: F401
        import jwt  # noqa: F401
    except ImportError:
        raise MissingExtra(
            f"{who} signs JWTs and needs the 'PyJWT' and 'cryptography' packages: "
            f"pip install 'clobconn[{CRYPTOGRAPHY_EXTRA}]'"
        ) from None


class JwtSigner:
    """Signs JWTs with one private key; the algorithm follows from the key's type."""

    def __init__(self, secret: SecretStr, expected: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = load_private_key(secret, expected)
        if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            self.algorithm = "ES256"
        elif isinstance(key, Ed25519PrivateKey):
            self.algorithm = "EdDSA"
        else:
            raise InvalidCredentials(f"the api_secret is a {type(key).__name__}, which signs no JWT the venue "
                                     f"takes; expected {expected}")
        self._key = key

    def __repr__(self) -> str:
        return f"JwtSigner(algorithm={self.algorithm})"

    def sign(self, claims: dict[str, Any], headers: dict[str, Any]) -> str:
        import jwt

        return jwt.encode(claims, self._key, algorithm=self.algorithm, headers=headers)
