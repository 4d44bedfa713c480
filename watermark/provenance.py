"""Signed C2PA manifests on talkgate's clips and stills, and reading them back.

A manifest says, under the deployment's signing certificate: this media was created by a
trained algorithm (talkgate, its version and its models), from inputs known only by their
SHA-256 (never the portrait or the voice themselves), under consent record C and policy
decision D, carrying watermark payload P (``c2pa.soft-binding``), and not to be used for AI
training or data mining. The hard binding (``c2pa.hash.bmff`` on MP4, ``c2pa.hash.data``
on PNG and JPEG) covers every byte but the manifest, so the watermark goes in first and the
manifest last. Thumbnails are off: a manifest never carries a picture of anyone.

    >>> import io, tempfile
    >>> from PIL import Image
    >>> from watermark.credentials import load_or_create_development_credentials
    >>> folder = Path(tempfile.mkdtemp())
    >>> credentials = load_or_create_development_credentials(folder)
    >>> anchors = (folder / "c2pa-ca.pem").read_text()
    >>> still = io.BytesIO()
    >>> Image.new("RGB", (64, 64), "grey").save(still, "PNG")
    >>> claim = ProvenanceClaim(Payload(0xC0FFEE, 7), title="grey.png")
    >>> signed = io.BytesIO()
    >>> _ = sign(io.BytesIO(still.getvalue()), signed, "image/png", claim, credentials)
    >>> report = read_manifest(signed, "image/png", anchors)
    >>> report.state.value, report.payload == claim.payload, report.signer
    ('Trusted', True, 'talkgate development signer')
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

import c2pa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from watermark.coding import Payload
from watermark.credentials import SigningCredentials
from watermark.errors import PayloadError, ProvenanceError

SOFTWARE = "talkgate"
#: The name our ``c2pa.soft-binding`` assertions give the watermark (and its format version).
SOFT_BINDING_ALG = "com.talkgate.watermark.1"
#: Our own assertion: the clip's watermark payload in words, and the consent and decision.
GENERATION_LABEL = "com.talkgate.generation"
TRAINING_MINING_LABEL = "cawg.training-mining"
TRAINING_MINING_USES = (
    "cawg.ai_generative_training",
    "cawg.ai_inference",
    "cawg.ai_training",
    "cawg.data_mining",
)
TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
#: Where an input's SHA-256 goes in its ingredient (an ingredient has no hash field of its own
#: unless the media is embedded, which a manifest must never do with a face or a voice).
INPUT_DIGEST_KEY = "com.talkgate.sha256"
MEDIA_TYPES = ("video/mp4", "image/png", "image/jpeg")
#: A manifest store on its own, as a registry keeps it: readable, though its hard binding
#: then covers no bytes at hand (c2pa reports the hash mismatch).
MANIFEST_STORE = "application/c2pa"
#: Settings every Builder and Reader runs with: offline, no thumbnails.
_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}

#: Validation codes in words a newsroom reads; anything else shows c2pa's own explanation.
PLAIN_FAILURES = {
    "assertion.bmffHash.mismatch": "the video or sound was changed after it was signed",
    "assertion.dataHash.mismatch": "the picture was changed after it was signed",
    "assertion.hashedURI.mismatch": "a statement in the manifest was changed after signing",
    "assertion.hashedURI.missing": "a statement the manifest signed for is missing",
    "claimSignature.mismatch": "the signature does not match the manifest",
    "signingCredential.untrusted": (
        "it was signed by a certificate that does not chain to an authority this verifier trusts"
    ),
    "signingCredential.expired": "the signing certificate had expired when it signed",
    "signingCredential.revoked": "the signing certificate has been revoked",
    "signingCredential.invalid": "the signing certificate is not valid for signing manifests",
}


class ManifestState(StrEnum):
    """C2PA's validation states: intact and under a trusted signer / intact / failing."""

    TRUSTED = "Trusted"
    VALID = "Valid"
    INVALID = "Invalid"


@dataclass(frozen=True)
class InputDigest:
    """An input (portrait, speech) known to the manifest by title, media type and SHA-256."""

    title: str
    media_type: str
    sha256: str

    @classmethod
    def of_file(cls, path: Path, media_type: str) -> InputDigest:
        """Hash ``path`` in chunks; the manifest keeps only the digest.

        Raises:
            OSError: the file cannot be read.
        """
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        return cls(path.name, media_type, digest)


@dataclass(frozen=True)
class StillSource:
    """Where an exported still comes from: the signed clip's manifest label and the time."""

    clip_manifest: str
    seconds: float


@dataclass(frozen=True)
class ProvenanceClaim:
    """What a manifest states about one clip or still (signed by :func:`sign`)."""

    payload: Payload
    title: str
    inputs: tuple[InputDigest, ...] = ()
    #: Model name → version or weights digest (the generator's cards).
    models: Mapping[str, str] = field(default_factory=dict)
    consent_id: str | None = None
    decision_id: str | None = None
    still_of: StillSource | None = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True)
class Failure:
    """One validation failure: c2pa's code and what it means in words."""

    code: str
    words: str


@dataclass(frozen=True)
class ManifestReport:
    """A file's active manifest as validated under the reader's trust anchors."""

    state: ManifestState
    label: str
    #: The signing certificate's common name, and the organisation of the CA that issued it.
    signer: str | None
    issuer: str | None
    generator: str | None
    created: str | None
    digital_source_type: str | None
    software_agent: str | None
    payload: Payload | None
    inputs: tuple[InputDigest, ...]
    models: Mapping[str, str]
    consent_id: str | None
    decision_id: str | None
    training_mining: Mapping[str, str]
    failures: tuple[Failure, ...]
    #: The active manifest as c2pa reads it, for machines and the registry.
    manifest: Mapping[str, Any] = field(repr=False, compare=False)


def software_version() -> str:
    """talkgate's installed version, as the manifest's software agent reports it."""
    try:
        return version(SOFTWARE)
    except PackageNotFoundError:
        return "unknown"


def manifest_definition(claim: ProvenanceClaim) -> dict[str, Any]:
    """The c2pa Builder definition for ``claim`` (see the module docstring for each part)."""
    agent = {"name": SOFTWARE, "version": software_version()}
    created: dict[str, Any] = {
        "action": "c2pa.created",
        "when": claim.created.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
        "softwareAgent": agent,
        "parameters": {"com.talkgate.models": dict(claim.models)},
    }
    generation: dict[str, Any] = {
        "clip_id": claim.payload.clip_hex,
        "watermark_key_id": claim.payload.key_id,
        "consent": claim.consent_id,
        "decision": claim.decision_id,
    }
    if claim.still_of is not None:
        generation["still_of"] = {
            "clip_manifest": claim.still_of.clip_manifest,
            "seconds": claim.still_of.seconds,
        }
    soft_binding = {
        "alg": SOFT_BINDING_ALG,
        "blocks": [{"scope": {}, "value": base64.b64encode(claim.payload.to_bytes()).decode()}],
    }
    mining = {"entries": {use: {"use": "notAllowed"} for use in TRAINING_MINING_USES}}
    return {
        "claim_generator_info": [agent],
        "title": claim.title,
        "ingredients": [
            {
                "title": item.title,
                "format": item.media_type,
                "relationship": "inputTo",
                "metadata": {INPUT_DIGEST_KEY: item.sha256},
            }
            for item in claim.inputs
        ],
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [created]}},
            {"label": "c2pa.soft-binding", "data": soft_binding},
            {"label": TRAINING_MINING_LABEL, "data": mining},
            {"label": GENERATION_LABEL, "data": generation},
        ],
    }


def sign(
    source: BinaryIO,
    target: BinaryIO,
    media_type: str,
    claim: ProvenanceClaim,
    credentials: SigningCredentials,
) -> bytes:
    """Copy ``source`` to ``target`` with ``claim`` signed into it; returns the manifest store.

    Raises:
        ProvenanceError: the media type is not one talkgate signs, or c2pa refused.
    """
    _check_media_type(media_type)
    settings = {"builder": {"thumbnail": {"enabled": False}}, "verify": _OFFLINE}
    try:
        signer = c2pa.Signer.from_callback(
            _raw_signature(credentials), c2pa.C2paSigningAlg.ES256, credentials.chain_pem
        )
        with (
            c2pa.Context.from_dict(settings) as context,
            c2pa.Builder(manifest_definition(claim), context=context) as builder,
            signer,
        ):
            builder.set_intent(
                c2pa.C2paBuilderIntent.CREATE,
                c2pa.C2paDigitalSourceType.TRAINED_ALGORITHMIC_MEDIA,
            )
            return builder.sign(signer, media_type, source, target)
    except c2pa.C2paError as exc:
        raise ProvenanceError(f"could not sign the {media_type} manifest: {exc}") from exc


def read_manifest(
    stream: BinaryIO, media_type: str, trust_anchors: str | None
) -> ManifestReport | None:
    """Validate the manifest in ``stream``; None if it has none.

    Args:
        trust_anchors: PEM roots whose signers read as Trusted. None trusts nobody: an
            intact manifest then reads as Valid at best (never C2PA's built-in list, so
            "Trusted" always means "under this deployment's anchors").

    Raises:
        ProvenanceError: the media type is not one talkgate reads, or the file is unreadable.
    """
    if media_type != MANIFEST_STORE:
        _check_media_type(media_type)
    settings: dict[str, Any] = {"verify": {**_OFFLINE, "verify_trust": bool(trust_anchors)}}
    if trust_anchors:
        settings["trust"] = {"trust_anchors": trust_anchors}
    try:
        with c2pa.Context.from_dict(settings) as context:
            reader = c2pa.Reader.try_create(media_type, stream, context=context)
            if reader is None:
                return None
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        raise ProvenanceError(f"could not read the manifest: {exc}") from exc
    return _report(store)


def _report(store: Mapping[str, Any]) -> ManifestReport:
    label = store["active_manifest"]
    manifest = store["manifests"][label]
    assertions = {item["label"]: item.get("data", {}) for item in manifest.get("assertions", [])}
    actions = next(
        (data["actions"] for name, data in assertions.items() if name.startswith("c2pa.actions")),
        [],
    )
    created = next((a for a in actions if a.get("action") == "c2pa.created"), {})
    agent = created.get("softwareAgent")
    signature = manifest.get("signature_info", {})
    generation = assertions.get(GENERATION_LABEL, {})
    results = store.get("validation_results", {}).get("activeManifest", {})
    return ManifestReport(
        state=ManifestState(store.get("validation_state", ManifestState.INVALID)),
        label=label,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        generator=_named(manifest.get("claim_generator_info", [None])[0]),
        created=created.get("when"),
        digital_source_type=created.get("digitalSourceType"),
        software_agent=_named(agent) if isinstance(agent, dict) else agent,
        payload=_soft_binding_payload(assertions.get("c2pa.soft-binding")),
        inputs=tuple(
            InputDigest(
                item.get("title", ""),
                item.get("format", ""),
                item.get("metadata", {}).get(INPUT_DIGEST_KEY, ""),
            )
            for item in manifest.get("ingredients", [])
        ),
        models=created.get("parameters", {}).get("com.talkgate.models", {}),
        consent_id=generation.get("consent"),
        decision_id=generation.get("decision"),
        training_mining={
            use: entry.get("use", "")
            for use, entry in assertions.get(TRAINING_MINING_LABEL, {}).get("entries", {}).items()
        },
        failures=tuple(
            Failure(item["code"], PLAIN_FAILURES.get(item["code"], item.get("explanation", "")))
            for item in results.get("failure", [])
        ),
        manifest=manifest,
    )


def _soft_binding_payload(binding: Mapping[str, Any] | None) -> Payload | None:
    if not binding or binding.get("alg") != SOFT_BINDING_ALG:
        return None
    try:
        return Payload.from_bytes(base64.b64decode(binding["blocks"][0]["value"], validate=True))
    except (KeyError, IndexError, TypeError, binascii.Error, PayloadError):
        return None


def _named(info: Mapping[str, Any] | None) -> str | None:
    if not info:
        return None
    return f"{info.get('name', '')} {info.get('version', '')}".strip()


def _raw_signature(credentials: SigningCredentials) -> Callable[[bytes], bytes]:
    """c2pa wants ES256 signatures as raw ``r || s``; KMS and ``cryptography`` give DER."""

    def sign(message: bytes) -> bytes:
        r, s = decode_dss_signature(credentials.sign(message))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return sign


def _check_media_type(media_type: str) -> None:
    if media_type not in MEDIA_TYPES:
        raise ProvenanceError(
            f"talkgate signs and reads {', '.join(MEDIA_TYPES)}, not {media_type}"
        )
