"""Provenance for files: sign what talkgate made, verify any file a third party holds.

The watermark package signs and reads streams. This module finds the deployment's signer
and trust anchors in the settings, tells a file's type from its first bytes, refuses empty
and truncated files in plain words, writes signed files atomically, and searches a file's
frames for the watermark so :func:`verify_file` can give one verdict.
"""

from __future__ import annotations

import importlib
import io
import mimetypes
import os
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from gateway.errors import InvalidRequest, UnsupportedFile
from gateway.marking import JPEG_QUALITY, detect_file
from gateway.settings import Settings
from generator import MediaError, probe, read_frames
from watermark import (
    CredentialError,
    FrameError,
    ManifestReport,
    ManifestState,
    ProvenanceClaim,
    ProvenanceError,
    SigningCredentials,
    StillSource,
    Verification,
    WatermarkKey,
    judge,
    load_or_create_development_credentials,
    load_trust_anchors,
    read_manifest,
    sign,
)
from watermark.credentials import CA_FILE, SignCallback

MP4, PNG, JPEG = "video/mp4", "image/png", "image/jpeg"
_STILL_TYPES = {".png": PNG, ".jpg": JPEG, ".jpeg": JPEG}


def media_type_of(path: Path) -> str:
    """The media type of a PNG, JPEG or MP4 file, from its first bytes (never its name).

    Raises:
        UnsupportedFile: the file is missing, empty, of another kind, or an MP4 cut short.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError as exc:
        raise UnsupportedFile(f"cannot read {path}: {exc.strerror}") from exc
    if size == 0:
        raise UnsupportedFile(f"{path} is empty (0 bytes)")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_still(path)
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        _check_still(path)
        return JPEG
    if head[4:8] == b"ftyp":
        _check_mp4_boxes(path, size)
        return MP4
    raise UnsupportedFile(f"{path} is not a PNG, JPEG or MP4 file (talkgate makes only those)")


def media_type_by_name(name: str) -> str:
    """A best-effort media type for an input's manifest entry, from its file name."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def signing_credentials(settings: Settings) -> SigningCredentials:
    """The configured production signer, or the development one (made on first run).

    Raises:
        CredentialError: the configuration is incomplete, or its files are unfit.
    """
    chain, key, callback = settings.c2pa_chain, settings.c2pa_key, settings.c2pa_sign_callback
    if callback is not None:
        if chain is None:
            raise CredentialError("TALKGATE_C2PA_SIGN_CALLBACK needs TALKGATE_C2PA_CHAIN too")
        try:
            chain_pem = chain.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise CredentialError(f"cannot read the signing chain {chain}: {exc}") from exc
        return SigningCredentials.from_callback(chain_pem, _import_callback(callback))
    if chain is not None and key is not None:
        return SigningCredentials.from_files(chain, key)
    if chain is not None or key is not None:
        raise CredentialError(
            "set both TALKGATE_C2PA_CHAIN and TALKGATE_C2PA_KEY (or the chain and "
            "TALKGATE_C2PA_SIGN_CALLBACK)"
        )
    return load_or_create_development_credentials(settings.keys_dir)


def trust_anchors(settings: Settings) -> str | None:
    """The PEM roots this deployment trusts: the configured bundle, else the development CA
    if one was made here; None (nothing trusted) when neither exists.

    Raises:
        CredentialError: the configured bundle is unreadable or holds no certificate.
    """
    if settings.c2pa_trust_anchors is not None:
        return load_trust_anchors([settings.c2pa_trust_anchors])
    development_ca = settings.keys_dir / CA_FILE
    return load_trust_anchors([development_ca]) if development_ca.exists() else None


def sign_file(
    source: Path, target: Path, claim: ProvenanceClaim, credentials: SigningCredentials
) -> bytes:
    """Write ``source`` signed with ``claim`` to ``target``; returns the manifest store.

    ``target`` appears whole or not at all (written beside it, then renamed).

    Raises:
        UnsupportedFile: ``source`` is not a PNG, JPEG or MP4.
        MediaError: ``target`` cannot be written.
        ProvenanceError: c2pa refused to sign.
    """
    media_type = media_type_of(source)
    with source.open("rb") as reader, _atomic(target) as writer:
        return sign(reader, writer, media_type, claim, credentials)


def verify_file(path: Path, anchors: str | None, keys: list[WatermarkKey]) -> Verification:
    """Validate ``path``'s manifest under ``anchors``, look for the mark under ``keys`` (none:
    not looked for), and judge the two together.

    Raises:
        UnsupportedFile: the file is missing, empty, truncated or not a PNG, JPEG or MP4.
        MediaError: its frames cannot be decoded.
        ProvenanceError: the manifest cannot be read at all.
    """
    media_type = media_type_of(path)
    with path.open("rb") as handle:
        manifest = read_manifest(handle, media_type, anchors)
    if not keys:
        return judge(manifest, None, [])
    try:
        detection = detect_file(path, keys, still=media_type != MP4)
    except FrameError as exc:
        return judge(manifest, None, [key.key_id for key in keys], str(exc))
    return judge(manifest, detection, [key.key_id for key in keys])


def export_still(
    clip: Path,
    seconds: float,
    target: Path,
    credentials: SigningCredentials,
    anchors: str | None,
) -> ManifestReport:
    """Save the frame at ``seconds`` of a signed clip as a signed PNG or JPEG; returns the
    clip's manifest, whose statements the still's own manifest repeats.

    Raises:
        ProvenanceError: the clip is not one this deployment signed, intact.
        UnsupportedFile: the clip is not a whole MP4, or ``target`` is not PNG or JPEG.
        InvalidRequest: the clip is shorter than ``seconds``.
    """
    media_type = _STILL_TYPES.get(target.suffix.lower())
    if media_type is None:
        raise UnsupportedFile(f"a still is written as .png or .jpg, not {target.name}")
    if media_type_of(clip) != MP4:
        raise UnsupportedFile(f"{clip} is not an MP4 clip")
    with clip.open("rb") as handle:
        report = read_manifest(handle, MP4, anchors)
    if report is None or report.state is not ManifestState.TRUSTED or report.payload is None:
        state = "has no manifest" if report is None else f"reads as {report.state.value}"
        raise ProvenanceError(
            f"{clip} {state}; stills are exported only from clips this deployment signed, unchanged"
        )
    frame = _frame_at(clip, seconds)
    still = io.BytesIO()
    Image.fromarray(frame).save(still, "PNG" if media_type == PNG else "JPEG", quality=JPEG_QUALITY)
    claim = ProvenanceClaim(
        payload=report.payload,
        title=target.name,
        inputs=report.inputs,
        models=report.models,
        consent_id=report.consent_id,
        decision_id=report.decision_id,
        still_of=StillSource(report.label, seconds),
    )
    still.seek(0)
    with _atomic(target) as writer:
        sign(still, writer, media_type, claim, credentials)
    return report


def _frame_at(clip: Path, seconds: float) -> np.ndarray:
    info = probe(clip)
    index = round(seconds * float(info.fps))
    if not 0 <= index < info.frames:
        raise InvalidRequest(
            f"{clip} lasts {info.video_duration_s:.2f} s; there is no frame at {seconds:g} s"
        )
    *_, frame = read_frames(clip, index + 1)
    return frame


def _check_still(path: Path) -> None:
    """Decode a still once: Pillow refuses a PNG or JPEG cut short, or with broken data."""
    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UnsupportedFile(f"{path} is truncated or corrupt: {exc}") from exc


def _check_mp4_boxes(path: Path, size: int) -> None:
    """Walk the top-level ISO BMFF boxes: a cut-short MP4 has one running past the end
    (decoders quietly play what is there, so the cut would otherwise go unnoticed)."""
    offset = 0
    with path.open("rb") as handle:
        while offset < size:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                raise UnsupportedFile(f"{path} is truncated: it ends inside an MP4 box header")
            box_size, box_type = struct.unpack(">I4s", header[:8])
            if box_size == 1 and len(header) == 16:
                box_size = struct.unpack(">Q", header[8:16])[0]
            elif box_size == 0:
                box_size = size - offset
            if box_size < 8 or offset + box_size > size:
                raise UnsupportedFile(
                    f"{path} is truncated or corrupt: its {box_type.decode('latin-1')!r} box "
                    f"runs {offset + box_size - size} bytes past the end of the file"
                )
            offset += box_size


def _import_callback(reference: str) -> SignCallback:
    module_name, _, attribute = reference.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise CredentialError(
            f"TALKGATE_C2PA_SIGN_CALLBACK={reference!r} names no importable function "
            f"(expected module:function): {exc}"
        ) from exc
    if not callable(function):
        raise CredentialError(f"TALKGATE_C2PA_SIGN_CALLBACK={reference!r} is not callable")
    return function


@contextmanager
def _atomic(target: Path) -> Iterator[io.BufferedWriter]:
    """A file beside ``target`` that replaces it only if the block finishes."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise MediaError(f"cannot write {target}: {exc.strerror}") from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; a signed clip is for sharing
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def verification_document(path: Path, verification: Verification) -> dict[str, Any]:
    """A verification as JSON-ready data, the same for `talkgate verify --json` and the API."""
    manifest, mark = verification.manifest, verification.watermark
    return {
        "file": str(path),
        "verdict": verification.verdict.value,
        "summary": verification.summary,
        "manifest": None if manifest is None else manifest_document(manifest),
        "watermark": {
            "checked": mark is not None and verification.watermark_note is None,
            "note": verification.watermark_note,
            "present": None if mark is None else mark.present,
            "clip_id": mark.payload.clip_hex if mark and mark.payload else None,
            "key_id": None if mark is None else mark.key_id,
            "score": None if mark is None else round(mark.score, 2),
            "threshold": None if mark is None else round(mark.threshold, 2),
            "false_positive_bound": None if mark is None else mark.false_positive_bound,
        },
    }


def manifest_document(manifest: ManifestReport) -> dict[str, Any]:
    """A manifest report as JSON-ready data (the CLI's --json and the API share it)."""
    return {
        "state": manifest.state.value,
        "label": manifest.label,
        "signer": manifest.signer,
        "issuer": manifest.issuer,
        "created": manifest.created,
        "generator": manifest.generator,
        "software_agent": manifest.software_agent,
        "digital_source_type": manifest.digital_source_type,
        "models": dict(manifest.models),
        "clip_id": manifest.payload.clip_hex if manifest.payload else None,
        "watermark_key_id": manifest.payload.key_id if manifest.payload else None,
        "inputs": [
            {"title": item.title, "media_type": item.media_type, "sha256": item.sha256}
            for item in manifest.inputs
        ],
        "consent_id": manifest.consent_id,
        "decision_id": manifest.decision_id,
        "training_mining": dict(manifest.training_mining),
        "failures": [{"code": item.code, "words": item.words} for item in manifest.failures],
    }
