"""Provenance for generated media: an invisible per-frame watermark and signed C2PA manifests.

Start at :func:`embed` / :class:`Marker` to mark frames and :func:`detect` to find and read a
mark (:class:`WatermarkKey` holds the secret); :func:`sign` and :func:`read_manifest` for
manifests (:class:`SigningCredentials` holds the signer); :func:`judge` joins the two into a
verdict. Imports nothing else of talkgate's.
"""

from watermark.coding import Payload, PayloadCode
from watermark.credentials import (
    SigningCredentials,
    load_or_create_development_credentials,
    load_trust_anchors,
)
from watermark.errors import (
    CredentialError,
    FrameError,
    KeyFileError,
    PayloadError,
    ProvenanceError,
    WatermarkError,
)
from watermark.keys import WatermarkKey, load_key, load_or_create_key, save_key
from watermark.mark import Detection, Marker, detect, embed
from watermark.provenance import (
    InputDigest,
    ManifestReport,
    ManifestState,
    ProvenanceClaim,
    StillSource,
    read_manifest,
    sign,
)
from watermark.verdict import Verdict, Verification, judge

__all__ = [
    "CredentialError",
    "Detection",
    "FrameError",
    "InputDigest",
    "KeyFileError",
    "ManifestReport",
    "ManifestState",
    "Marker",
    "Payload",
    "PayloadCode",
    "PayloadError",
    "ProvenanceClaim",
    "ProvenanceError",
    "SigningCredentials",
    "StillSource",
    "Verdict",
    "Verification",
    "WatermarkError",
    "WatermarkKey",
    "detect",
    "embed",
    "judge",
    "load_key",
    "load_or_create_development_credentials",
    "load_or_create_key",
    "load_trust_anchors",
    "read_manifest",
    "save_key",
    "sign",
]
