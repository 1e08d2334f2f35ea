"""Asymmetric API keys: a PEM private key (Ed25519 or RSA) that signs requests instead of an HMAC secret.

Venues that accept such keys (Binance, for one) take the signature base64-encoded: Ed25519 signs
the payload itself, RSA signs it with PKCS#1 v1.5 over SHA-256. Both are deterministic, so the same
payload always gives the same signature. ``cryptography`` is an optional dependency (the
``coinbase`` extra, which every asymmetric-key venue shares): it is imported only when such a key
is configured.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Protocol

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


# What a 32-byte Ed25519 seed, or the 64 bytes of seed and public key some venues hand out (Coinbase's
# CDP Ed25519 keys), is as base64: 44 or 88 characters.
_RAW_ED25519_LENGTHS = (32, 64)


def key_text(secret: SecretStr) -> str:
    """The key as pasted: surrounding quotes and blanks dropped, and a PEM block kept on one line with
    literal ``\\n`` escapes (as keys are put in environment variables and JSON files) unfolded."""
    text = secret.get_secret_value().strip().strip("'\"").strip()
    return text.replace("\\r\\n", "\n").replace("\\n", "\n")


def load_private_key(secret: SecretStr, expected: str) -> Any:
    """A private key from a PEM block (PKCS#8 or the SEC1 ``EC PRIVATE KEY`` form), multi-line or on one
    line with ``\\n`` escapes, or from the base64 of a raw Ed25519 key (its 32-byte seed, or seed and
    public key: 64 bytes). Returns the ``cryptography`` key object; the caller checks its type.

    ``expected`` names the formats the venue takes; a key that does not load raises ``InvalidCredentials``
    saying so, and nothing of the key is in the message (nor in a chained exception).
    """
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:
        raise MissingExtra(
            f"a private key needs the 'cryptography' package: pip install 'clobconn[{CRYPTOGRAPHY_EXTRA}]'"
        ) from None
    text = key_text(secret)
    problem = "it is not a PEM block"
    if text.startswith(PEM_PRIVATE_KEY_MARKER):
        try:
            return load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            problem = f"the PEM block does not load ({type(exc).__name__})"
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raw = b""
        if len(raw) in _RAW_ED25519_LENGTHS:
            key = Ed25519PrivateKey.from_private_bytes(raw[:32])
            if len(raw) == 32 or _public_bytes(key) == raw[32:]:
                return key
            problem = "its last 32 bytes are not the public key of its first 32"
        else:
            problem = "it is neither a PEM block nor the base64 of a 32- or 64-byte Ed25519 key"
    raise InvalidCredentials(f"the api_secret cannot be read as a private key: {problem}; expected {expected}")


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
