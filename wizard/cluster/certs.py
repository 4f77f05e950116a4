"""The cluster's own certificate authority and the leaf certificates it signs (EC P-256, ``cryptography``).

One CA per cluster, made on the master the first time it serves a cluster. Every connection of the cluster is
TLS with certificates of this CA on both sides: a worker without one, with another CA's, or in plain TCP is
refused by the scheduler. Any certificate this CA signed is accepted in any role (Dask does not tell roles
apart), so leaves are short-lived and the join file that carries one is written 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_DAYS = 3650
LEAF_DAYS = 90


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, both PEM text."""

    cert: str
    key: str

    def __repr__(self) -> str:   # the key never reaches a log through a repr
        return "KeyPair(cert=..., key=<hidden>)"


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Migration Wizard cluster"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def new_ca(cluster_id: str) -> KeyPair:
    """A fresh certificate authority for one cluster."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(f"migration-wizard CA {cluster_id}")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key))


def issue(ca: KeyPair, common: str, addresses: list[str] = (), days: int = LEAF_DAYS) -> KeyPair:  # type: ignore[assignment]
    """A leaf certificate signed by ``ca`` for ``common`` (master, worker-...), valid for ``addresses``."""
    ca_cert = x509.load_pem_x509_certificate(ca.cert.encode())
    ca_key = serialization.load_pem_private_key(ca.key.encode(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(common)]
    for a in addresses:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(a)))
        except ValueError:
            sans.append(x509.DNSName(a))
    cert = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH,
                                                  x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key))
