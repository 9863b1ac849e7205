"""Encryption in transit: the gateway serves HTTPS, and verifies upstream certificates."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.gateway import manifest_dict, running_gateway, write_manifest
from tests.support.servers import free_port, serve, wait_until
from tests.support.upstream import ScriptedUpstream

GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_serve_over_tls(tmp_path: Path, scripted: tuple[ScriptedUpstream, str]) -> None:
    """`lockgate serve --tls-cert --tls-key` answers HTTPS that verifies against the cert."""
    _, upstream = scripted
    cert, key = _self_signed(tmp_path)
    manifest = write_manifest(tmp_path, manifest_dict({"v1": upstream}))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lockgate", "--config", str(manifest), "serve", "--port", str(port),
         "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def up() -> bool:
            try:
                trusted = ssl.create_default_context(cafile=str(cert))
                return httpx.get(f"https://127.0.0.1:{port}/healthz", verify=trusted).is_success
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=30)
        try:
            httpx.get(f"https://127.0.0.1:{port}/healthz")
            verified_without_ca = True
        except httpx.HTTPError:
            verified_without_ca = False
        assert not verified_without_ca
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_upstream_certificates_are_verified(tmp_path: Path) -> None:
    """An upstream with an unknown CA is refused (502) unless its CA bundle is configured."""
    cert, key = _self_signed(tmp_path)
    with serve(ScriptedUpstream(), ssl_certfile=str(cert), ssl_keyfile=str(key)) as upstream:
        data = manifest_dict({"v1": upstream})
        (tmp_path / "a").mkdir()
        with running_gateway(tmp_path / "a", data) as gw:
            auth = {"authorization": f"Bearer {gw.key()}"}
            refused = httpx.post(gw.url + "/v1/chat/completions", json=GOOD, headers=auth)
            assert refused.status_code == 502
            assert "ca_bundle" in refused.json()["error"]["message"]
        data["versions"]["v1"]["ca_bundle"] = str(cert)
        (tmp_path / "b").mkdir()
        with running_gateway(tmp_path / "b", data) as gw:
            auth = {"authorization": f"Bearer {gw.key()}"}
            accepted = httpx.post(gw.url + "/v1/chat/completions", json=GOOD, headers=auth)
            assert accepted.status_code == 200, accepted.text
