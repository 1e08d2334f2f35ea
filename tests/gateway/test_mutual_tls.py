"""A session over mutual TLS, as Gateway serves outside dev mode: a throwaway CA made here signs the
server's and the client's certificates; the client key is encrypted with the passphrase."""

from __future__ import annotations

import datetime
import ssl
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clobconn.gateway.connector import GatewayConnector
from clobconn.gateway.errors import GatewayStartError
from clobconn.gateway.swaps import SwapState
from clobconn.sandbox.gateway import SOLANA, GatewaySandbox
from tests.gateway.conftest import FAST

PASSPHRASE = "throwaway-gateway-passphrase"


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                 signer: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, Path]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "throwaway test CA")])
    ca = _certificate("throwaway test CA", ca_key, ca_name, ca_key, ca=True)
    files = {"ca": _write(tmp_path / "ca_cert.pem", ca.public_bytes(serialization.Encoding.PEM))}
    for role in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate("localhost" if role == "server" else "gateway-client", key, ca_name, ca_key, ca=False)
        encryption = (serialization.BestAvailableEncryption(PASSPHRASE.encode()) if role == "client"
                      else serialization.NoEncryption())
        files[f"{role}_key"] = _write(tmp_path / f"{role}_key.pem", key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
        files[f"{role}_cert"] = _write(tmp_path / f"{role}_cert.pem", cert.public_bytes(serialization.Encoding.PEM))
    return files


def _server_context(certs: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs["ca"]))
    context.load_cert_chain(str(certs["server_cert"]), str(certs["server_key"]))
    # Gateway's requestCert + rejectUnauthorized.
    context.verify_mode = ssl.CERT_REQUIRED
    return context


async def test_a_swap_over_mutual_tls(certs: dict[str, Path]) -> None:
    gateway = GatewaySandbox(SOLANA)
    url = await gateway.start(ssl_context=_server_context(certs))
    try:
        assert url.startswith("https://localhost:")
        tls = {"ca_cert": certs["ca"], "client_cert": certs["client_cert"], "client_key": certs["client_key"],
               "passphrase": PASSPHRASE}
        conn = GatewayConnector(**{**gateway.connector_config(trading_pairs=["SOL-USDC"]), **FAST, "tls": tls})
        async with conn:
            order = await conn.place_swap("SOL-USDC", "SELL", Decimal(1))
            assert (await conn.wait_final(order.client_order_id, 5)).state is SwapState.FILLED
        # Trusting the CA but showing no client certificate: the server refuses the session.
        trusting = ssl.create_default_context(cafile=str(certs["ca"]))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trusting)) as session:
            with pytest.raises(aiohttp.ClientError):
                async with session.get(url) as response:
                    await response.read()
        # Not trusting the CA: start() fails fast naming Gateway.
        untrusting = GatewayConnector(**{**gateway.connector_config(), **FAST})
        with pytest.raises(GatewayStartError, match="does not answer"):
            await untrusting.start()
        with pytest.raises(ssl.SSLError):
            GatewayConnector(**{**gateway.connector_config(), "tls": {**tls, "passphrase": "wrong"}})
    finally:
        await gateway.stop()
