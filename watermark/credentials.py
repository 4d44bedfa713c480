"""C2PA signing credentials: an ES256 certificate chain and a way to sign with its key.

A C2PA signing certificate must not be self-signed, must allow digitalSignature, must name
documentSigning or emailProtection as extended key usage, must carry subject and authority
key identifiers, and its subject must name an organisation (O=). :func:`issue_development_chain`
makes such a chain under a local CA for development; production configures its own chain plus
a key file (:meth:`SigningCredentials.from_files`) or a KMS/HSM callback
(:meth:`SigningCredentials.from_callback`). Readers trust a clip only under the configured
anchors (:func:`load_trust_anchors`).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> credentials = load_or_create_development_credentials(folder)
    >>> credentials.signer_name
    'talkgate development signer (talkgate development)'
    >>> sorted(path.name for path in folder.iterdir())
    ['c2pa-ca-key.pem', 'c2pa-ca.pem', 'c2pa-chain.pem', 'c2pa-key.pem']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from watermark.errors import CredentialError
from watermark.private_files import read_private, write_private

#: Extended key usage for document signing (RFC 9336), which C2PA accepts for claim signers.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
C2PA_SIGNER_USAGES = frozenset({DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION})

CA_FILE, CA_KEY_FILE = "c2pa-ca.pem", "c2pa-ca-key.pem"
CHAIN_FILE, KEY_FILE = "c2pa-chain.pem", "c2pa-key.pem"
DEVELOPMENT_ORGANISATION = "talkgate development"
CA_LIFETIME = dt.timedelta(days=3650)
SIGNER_LIFETIME = dt.timedelta(days=730)
#: Backdating absorbs clock skew between the machine that signs and the one that reads.
BACKDATE = dt.timedelta(minutes=5)

_Extension = TypeVar("_Extension", bound=x509.ExtensionType)

#: Signs a message with the chain's key: ECDSA P-256 over SHA-256, DER-encoded, as
#: ``cryptography``, PKCS#11 and cloud KMS APIs return it.
SignCallback = Callable[[bytes], bytes]


@dataclass(frozen=True, repr=False)
class SigningCredentials:
    """A C2PA signer: the PEM chain (signing certificate first) and its signing callback."""

    chain_pem: str
    sign: SignCallback

    def __repr__(self) -> str:
        return f"SigningCredentials(signer={self.signer_name!r})"

    @classmethod
    def from_callback(cls, chain_pem: str, sign: SignCallback) -> SigningCredentials:
        """Credentials whose key stays in a KMS or HSM: ``sign`` is called once per manifest.

        Raises:
            CredentialError: the chain does not meet C2PA's signing-certificate profile.
        """
        check_signing_chain(_parse_chain(chain_pem, "the signing chain"))
        return cls(chain_pem, sign)

    @classmethod
    def from_files(cls, chain_path: Path, key_path: Path) -> SigningCredentials:
        """Credentials from a PEM chain and a PEM EC private key (a 0600 file).

        Raises:
            CredentialError: a file is missing, too open or malformed, the chain does not
                meet C2PA's profile, or the key does not belong to the signing certificate.
        """
        try:
            chain_pem = chain_path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialError(f"cannot read the signing chain {chain_path}: {exc}") from exc
        chain = _parse_chain(chain_pem, str(chain_path))
        check_signing_chain(chain)
        key = _load_private_key(key_path)
        if key.public_key().public_numbers() != chain[0].public_key().public_numbers():
            raise CredentialError(
                f"{key_path} is not the key of the signing certificate in {chain_path}"
            )
        return cls(chain_pem, _der_signer(key))

    @property
    def certificate(self) -> x509.Certificate:
        """The signing (end-entity) certificate."""
        return _parse_chain(self.chain_pem, "the signing chain")[0]

    @property
    def signer_name(self) -> str:
        """``common name (organisation)`` of the signing certificate, as readers show it."""
        return describe_subject(self.certificate.subject)


def describe_subject(subject: x509.Name) -> str:
    """``CN (O)`` of a certificate subject, the way a person would name the signer."""
    common = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    organisation = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    name = str(common[0].value) if common else subject.rfc4514_string()
    return f"{name} ({organisation[0].value})" if organisation else name


def check_signing_chain(chain: Sequence[x509.Certificate]) -> None:
    """Refuse a chain C2PA validators would reject, with the reason in plain words.

    Raises:
        CredentialError: naming the first requirement the signing certificate misses.
    """
    leaf = chain[0]
    problems: list[str] = []
    if not isinstance(leaf.public_key(), ec.EllipticCurvePublicKey) or not isinstance(
        leaf.public_key().curve, ec.SECP256R1
    ):
        problems.append("its key is not EC P-256 (ES256)")
    if leaf.issuer == leaf.subject:
        problems.append("it is self-signed (C2PA needs a certificate issued by a CA)")
    if not leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME):
        problems.append("its subject names no organisation (O=)")
    usage = _extension(leaf, x509.KeyUsage)
    if usage is None or not usage.digital_signature:
        problems.append("its key usage does not allow digitalSignature")
    usages = _extension(leaf, x509.ExtendedKeyUsage)
    if usages is None or not C2PA_SIGNER_USAGES & set(usages):
        problems.append("its extended key usage names neither documentSigning nor emailProtection")
    if _extension(leaf, x509.SubjectKeyIdentifier) is None:
        problems.append("it has no subject key identifier")
    if _extension(leaf, x509.AuthorityKeyIdentifier) is None:
        problems.append("it has no authority key identifier")
    if len(chain) < 2:
        problems.append("the chain holds no issuing CA certificate after it")
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        problems.append(
            f"it is valid only from {leaf.not_valid_before_utc:%Y-%m-%d} "
            f"to {leaf.not_valid_after_utc:%Y-%m-%d}"
        )
    if problems:
        raise CredentialError(
            f"the signing certificate {describe_subject(leaf.subject)!r} cannot sign C2PA "
            f"manifests: {'; '.join(problems)}"
        )


def load_trust_anchors(paths: Sequence[Path]) -> str:
    """The PEM bundle of every certificate in ``paths``: the roots readers trust.

    Raises:
        CredentialError: a file is missing or holds no certificate.
    """
    bundle = []
    for path in paths:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialError(f"cannot read the trust anchors {path}: {exc}") from exc
        for certificate in _parse_chain(text, str(path)):
            bundle.append(certificate.public_bytes(serialization.Encoding.PEM).decode())
    return "".join(bundle)


def load_or_create_development_credentials(folder: Path) -> SigningCredentials:
    """The development signer under ``folder``: made on first run, with its CA.

    The CA certificate (``c2pa-ca.pem``) is the trust anchor readers of this deployment
    use. Every file is 0600. Deleting the chain and key issues a fresh signing certificate
    from the same CA; deleting the CA too starts a new, unrelated one.

    Raises:
        CredentialError: a file exists but is unreadable, too open or malformed.
    """
    ca_path, ca_key_path = folder / CA_FILE, folder / CA_KEY_FILE
    chain_path, key_path = folder / CHAIN_FILE, folder / KEY_FILE
    if not ca_path.exists():
        _write_ca(ca_path, ca_key_path)
    if not chain_path.exists():
        ca = _parse_chain(read_private(ca_path, CredentialError).decode(), str(ca_path))[0]
        issue_signer(ca, _load_private_key(ca_key_path), chain_path, key_path)
    return SigningCredentials.from_files(chain_path, key_path)


def issue_signer(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    chain_path: Path,
    key_path: Path,
    organisation: str = DEVELOPMENT_ORGANISATION,
) -> None:
    """Issue a C2PA signing certificate under ``ca``; write the chain and a fresh key (0600).

    Raises:
        CredentialError: either file exists already or cannot be created.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _certificate(
        _name("talkgate development signer", organisation),
        ca.subject,
        key.public_key(),
        SIGNER_LIFETIME,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (_key_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage(sorted(C2PA_SIGNER_USAGES, key=str)), False),
            (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), False),
        ],
        ca_key,
        not_after=ca.not_valid_after_utc,
    )
    write_private(key_path, _private_pem(key), CredentialError)
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (certificate, ca))
    write_private(chain_path, chain, CredentialError)


def _write_ca(ca_path: Path, ca_key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("talkgate development CA", DEVELOPMENT_ORGANISATION)
    certificate = _certificate(
        name,
        name,
        key.public_key(),
        CA_LIFETIME,
        [
            (x509.BasicConstraints(ca=True, path_length=0), True),
            (_key_usage(key_cert_sign=True, crl_sign=True), True),
        ],
        key,
    )
    write_private(ca_key_path, _private_pem(key), CredentialError)
    write_private(ca_path, certificate.public_bytes(serialization.Encoding.PEM), CredentialError)


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    lifetime: dt.timedelta,
    extensions: list[tuple[x509.ExtensionType, bool]],
    issuer_key: ec.EllipticCurvePrivateKey,
    not_after: dt.datetime | None = None,
) -> x509.Certificate:
    """A certificate valid from a little before now for ``lifetime`` (never past
    ``not_after``), with a subject key identifier and ``(extension, critical)`` pairs."""
    now = dt.datetime.now(dt.UTC)
    end = now + lifetime if not_after is None else min(now + lifetime, not_after)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer_key, hashes.SHA256())


def _der_signer(key: ec.EllipticCurvePrivateKey) -> SignCallback:
    def sign(message: bytes) -> bytes:
        return key.sign(message, ec.ECDSA(hashes.SHA256()))

    return sign


def _load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    data = read_private(path, CredentialError)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CredentialError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise CredentialError(f"{path} is not an EC P-256 key (C2PA's ES256)")
    return key


def _parse_chain(pem: str, source: str) -> list[x509.Certificate]:
    try:
        chain = x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise CredentialError(f"{source} holds no PEM certificate: {exc}") from exc
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise CredentialError(
                f"in {source}, {describe_subject(child.subject)!r} is not issued by the "
                f"next certificate, {describe_subject(parent.subject)!r}"
            ) from exc
    return chain


def _extension(certificate: x509.Certificate, kind: type[_Extension]) -> _Extension | None:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
