"""Signing credentials: the development signer meets C2PA's profile; unfit ones are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from watermark import CredentialError, SigningCredentials, load_or_create_development_credentials
from watermark.credentials import (
    CA_FILE,
    CHAIN_FILE,
    DOCUMENT_SIGNING,
    KEY_FILE,
    check_signing_chain,
)


def test_development_credentials_meet_the_c2pa_signer_profile(tmp_path: Path) -> None:
    credentials = load_or_create_development_credentials(tmp_path)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    leaf = credentials.certificate
    ca = x509.load_pem_x509_certificate((tmp_path / CA_FILE).read_bytes())
    assert leaf.issuer == ca.subject != leaf.subject  # not self-signed
    leaf.verify_directly_issued_by(ca)
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= usages
    assert leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)


def test_they_are_made_once_and_a_deleted_signer_is_reissued_by_the_same_ca(
    tmp_path: Path,
) -> None:
    first = load_or_create_development_credentials(tmp_path)
    assert load_or_create_development_credentials(tmp_path).chain_pem == first.chain_pem
    (tmp_path / CHAIN_FILE).unlink()
    (tmp_path / KEY_FILE).unlink()
    second = load_or_create_development_credentials(tmp_path)
    assert second.certificate.serial_number != first.certificate.serial_number
    assert second.certificate.issuer == first.certificate.issuer


def test_a_key_that_others_can_read_or_that_belongs_elsewhere_is_refused(tmp_path: Path) -> None:
    load_or_create_development_credentials(tmp_path / "a")
    load_or_create_development_credentials(tmp_path / "b")
    with pytest.raises(CredentialError, match="is not the key of the signing certificate"):
        SigningCredentials.from_files(tmp_path / "a" / CHAIN_FILE, tmp_path / "b" / KEY_FILE)
    (tmp_path / "a" / KEY_FILE).chmod(0o644)
    with pytest.raises(CredentialError, match="chmod 600"):
        SigningCredentials.from_files(tmp_path / "a" / CHAIN_FILE, tmp_path / "a" / KEY_FILE)


def _self_signed_bare_certificate() -> list[x509.Certificate]:
    """A signer with every C2PA requirement missing: self-signed, no O=, no extensions."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "signer")])
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return [leaf]


def test_an_unfit_certificate_is_refused_with_each_reason_in_words() -> None:
    with pytest.raises(CredentialError) as refused:
        check_signing_chain(_self_signed_bare_certificate())
    message = str(refused.value)
    for reason in (
        "self-signed",
        "no organisation (O=)",
        "digitalSignature",
        "neither documentSigning nor emailProtection",
        "no subject key identifier",
        "no authority key identifier",
        "no issuing CA certificate",
    ):
        assert reason in message


def test_a_chain_out_of_order_is_refused(tmp_path: Path) -> None:
    credentials = load_or_create_development_credentials(tmp_path)
    leaf, ca = x509.load_pem_x509_certificates(credentials.chain_pem.encode())
    backwards = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in (ca, leaf))
    with pytest.raises(CredentialError, match="is not issued by the next certificate"):
        SigningCredentials.from_callback(backwards, lambda message: b"")
