"""One verdict from the two provenance signals: the signed manifest and the watermark.

The manifest is exact but easily stripped; the watermark survives re-encoding but only names
the clip. :func:`judge` joins them into a verdict a layperson can read, and says when the two
disagree (a manifest lifted onto another clip, say).

    >>> verification = judge(None, None, keys_tried=())
    >>> verification.verdict.value
    'unknown'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from watermark.mark import Detection
from watermark.provenance import ManifestReport, ManifestState


class Verdict(StrEnum):
    """What a file's provenance says, from best to worst news for the file's claims."""

    #: Signed by this deployment's trusted signer, unchanged, watermark agreeing.
    TRUSTED = "trusted"
    #: No manifest, but talkgate's watermark is in the frames: a talkgate clip, stripped.
    IDENTIFIED = "identified"
    #: Neither a manifest nor (under the keys tried) a watermark.
    UNKNOWN = "unknown"
    #: An intact manifest, signed under an authority this verifier does not trust.
    UNTRUSTED = "untrusted"
    #: A manifest whose signature or hashes fail: changed after signing.
    ALTERED = "altered"
    #: A valid manifest and a watermark that name different clips.
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class Verification:
    """The verdict, a sentence saying it in plain words, and what each signal found."""

    verdict: Verdict
    summary: str
    manifest: ManifestReport | None
    watermark: Detection | None
    #: Why the watermark said nothing, when it was not (or could not be) checked.
    watermark_note: str | None


def judge(
    manifest: ManifestReport | None,
    watermark: Detection | None,
    keys_tried: Sequence[int],
    unchecked_reason: str = "no watermark key was available to look for the mark",
) -> Verification:
    """The verdict for a file whose manifest read as ``manifest`` (None: none) and whose
    frames gave ``watermark`` (None: not searched, because of ``unchecked_reason``) under
    the key IDs ``keys_tried``."""
    note = _watermark_note(manifest, watermark, keys_tried, unchecked_reason)
    checked = watermark if note is None else None
    mark = _mark_words(checked)
    if manifest is None:
        if checked is not None and checked.present:
            return Verification(
                Verdict.IDENTIFIED,
                f"No C2PA manifest: it was stripped, as re-encoding and most upload platforms "
                f"do. {mark}",
                None,
                watermark,
                note,
            )
        return Verification(
            Verdict.UNKNOWN,
            "No C2PA manifest and no talkgate watermark. This does not show the file is "
            "authentic: only that talkgate's marks are not in it." + (f" ({note})" if note else ""),
            None,
            watermark,
            note,
        )
    failures = "; ".join(failure.words for failure in manifest.failures)
    if manifest.state is ManifestState.INVALID:
        return Verification(
            Verdict.ALTERED,
            f"The C2PA manifest does not match the file: {failures}. {mark}",
            manifest,
            watermark,
            note,
        )
    if manifest.state is ManifestState.VALID:
        return Verification(
            Verdict.UNTRUSTED,
            f"The file is unchanged since it was signed, but "
            f"{failures or 'its signer is not trusted'} (signer: {manifest.signer}, "
            f"issued by {manifest.issuer}). {mark}",
            manifest,
            watermark,
            note,
        )
    if checked is not None and _disagree(manifest, checked):
        return Verification(
            Verdict.MISMATCH,
            f"The C2PA manifest is valid and names clip {_clip(manifest)}, but the frames "
            f"disagree: {mark}",
            manifest,
            watermark,
            note,
        )
    if checked is None:
        mark = f"Watermark not checked: {note}."
    elif not checked.present:
        mark += " The manifest vouches alone: the mark is too faint to find in these frames."
    return Verification(
        Verdict.TRUSTED,
        f"Made by talkgate ({manifest.software_agent}) on {manifest.created}, signed by "
        f"{manifest.signer} ({manifest.issuer}), unchanged since. {mark}",
        manifest,
        watermark,
        note,
    )


def _watermark_note(
    manifest: ManifestReport | None,
    watermark: Detection | None,
    keys_tried: Sequence[int],
    unchecked_reason: str,
) -> str | None:
    if watermark is None:
        return unchecked_reason
    if manifest is not None and manifest.payload is not None:
        if manifest.payload.key_id not in keys_tried:
            return (
                f"the manifest says the clip was marked under watermark key "
                f"{manifest.payload.key_id}, which this verifier does not hold"
            )
    return None


def _disagree(manifest: ManifestReport, watermark: Detection) -> bool:
    """A mark the manifest does not name, or two clip IDs. A named mark not found is no
    disagreement: a valid manifest proves the bytes are as signed, so the mark is there,
    only too faint in these frames (a very short or flat clip) to find."""
    if not watermark.present:
        return False
    if manifest.payload is None:
        return True
    return watermark.payload is not None and watermark.payload != manifest.payload


def _clip(manifest: ManifestReport) -> str:
    return manifest.payload.clip_hex if manifest.payload else "none"


def _mark_words(watermark: Detection | None) -> str:
    if watermark is None:
        return "The watermark was not checked."
    if not watermark.present:
        return "No talkgate watermark was found in the frames."
    if watermark.payload is None:
        return "A talkgate watermark is in the frames, but too damaged to read its clip ID."
    return (
        f"The talkgate watermark in the frames names clip {watermark.payload.clip_hex} "
        f"(watermark key {watermark.payload.key_id})."
    )
