"""Asymmetric API keys: a PEM private key (Ed25519 or RSA) that signs requests instead of an HMAC secret.

Venues that accept such keys (Binance, for one) take the signature base64-encoded: Ed25519 signs
the payload itself, RSA signs it with PKCS#1 v1.5 over SHA-256. Both are deterministic, so the same
payload always gives the same signature. ``cryptography`` is an optional dependency (the
``coinbase`` extra, which every asymmetric-key venue shares): it is imported only when such a key
is configured.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from clobconn.core.errors import InvalidCredentials, MissingExtra

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

PEM_PRIVATE_KEY_MARKER = "-----BEGIN"
CRYPTOGRAPHY_EXTRA = "coinbase"


class PayloadSigner(Protocol):
    """Signs a payload string and returns the signature text the venue expects."""

    @property
    def key_type(self) -> str: ...

    def sign(self, payload: str) -> str: ...


def is_pem_private_key(secret: SecretStr) -> bool:
    """Whether the configured secret is PEM key material rather than an HMAC secret."""
    return secret.get_secret_value().lstrip().startswith(PEM_PRIVATE_KEY_MARKER)


class Ed25519Signer:
    key_type = "Ed25519"

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Ed25519Signer()"

    def sign(self, payload: str) -> str:
        return base64.b64encode(self._key.sign(payload.encode())).decode()


class RsaSigner:
    key_type = "RSA"

    def __init__(self, key: RSAPrivateKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "RsaSigner()"

    def sign(self, payload: str) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        return base64.b64encode(self._key.sign(payload.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def load_pem_signer(secret: SecretStr) -> Ed25519Signer | RsaSigner:
    """The signer for an unencrypted PKCS#8 PEM private key; its type is read from the key itself.

    Raises ``MissingExtra`` when ``cryptography`` is not installed and ``InvalidCredentials`` when
    the key cannot be read or is of another type. Neither message carries any of the key material.
    """
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:
        raise MissingExtra(
            "an Ed25519 or RSA private key needs the 'cryptography' package: "
            f"pip install 'clobconn[{CRYPTOGRAPHY_EXTRA}]'"
        ) from None
    try:
        key = load_pem_private_key(secret.get_secret_value().strip().encode(), password=None)
    except (ValueError, TypeError) as exc:
        # The library's message never quotes the key, but the cause is dropped all the same: an
        # exception's chain is logged whole.
        raise InvalidCredentials(
            f"the api_secret looks like a PEM private key but cannot be loaded ({type(exc).__name__}); "
            "an unencrypted PKCS#8 Ed25519 or RSA key is expected"
        ) from None
    if isinstance(key, Ed25519PrivateKey):
        return Ed25519Signer(key)
    if isinstance(key, RSAPrivateKey):
        return RsaSigner(key)
    raise InvalidCredentials(f"the private key's type ({type(key).__name__}) is not supported: "
                             "use an Ed25519 or RSA key")
