"""The verdict joins manifest and watermark: each combination, and the words it uses."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from watermark import Detection, ManifestReport, ManifestState, Payload, Verdict, judge
from watermark.provenance import Failure

PAYLOAD = Payload(0xABCDEF, 3)
MANIFEST = ManifestReport(
    state=ManifestState.TRUSTED,
    label="urn:c2pa:1",
    signer="signer",
    issuer="CA",
    generator="talkgate 0.1.0",
    created="2026-11-21T10:00:00+00:00",
    digital_source_type="trainedAlgorithmicMedia",
    software_agent="talkgate 0.1.0",
    payload=PAYLOAD,
    inputs=(),
    models={},
    consent_id=None,
    decision_id=None,
    training_mining={},
    failures=(),
    manifest={},
)


def _mark(payload: Payload | None, present: bool = True) -> Detection:
    return Detection(
        present=present,
        score=9.0 if present else 1.0,
        threshold=7.2,
        false_positive_bound=1e-6,
        key_id=payload.key_id if payload else None,
        payload=payload,
        corrected_bits=0 if payload else None,
        raw_bit_agreement=1.0,
        chip_px=4.0,
        frames=25,
        soft_bits=np.zeros(204),
    )


@pytest.mark.parametrize(
    ("manifest", "mark", "verdict"),
    [
        (MANIFEST, _mark(PAYLOAD), Verdict.TRUSTED),
        (MANIFEST, _mark(None, present=False), Verdict.TRUSTED),  # too faint, bytes as signed
        (MANIFEST, _mark(None), Verdict.TRUSTED),  # present, payload too damaged to read
        (MANIFEST, _mark(Payload(1, 3)), Verdict.MISMATCH),
        (replace(MANIFEST, payload=None), _mark(PAYLOAD), Verdict.MISMATCH),
        (None, _mark(PAYLOAD), Verdict.IDENTIFIED),
        (None, _mark(None), Verdict.IDENTIFIED),
        (None, _mark(None, present=False), Verdict.UNKNOWN),
        (replace(MANIFEST, state=ManifestState.VALID), _mark(PAYLOAD), Verdict.UNTRUSTED),
        (replace(MANIFEST, state=ManifestState.INVALID), _mark(PAYLOAD), Verdict.ALTERED),
    ],
)
def test_each_combination_has_its_verdict(manifest, mark, verdict: Verdict) -> None:
    assert judge(manifest, mark, keys_tried=[3]).verdict is verdict


def test_an_unheld_key_means_the_mark_was_not_checked_not_missing() -> None:
    verification = judge(MANIFEST, _mark(None, present=False), keys_tried=[9])
    assert verification.verdict is Verdict.TRUSTED
    assert "watermark key 3, which this verifier does not hold" in verification.watermark_note


def test_failures_and_the_missing_manifest_are_said_in_words() -> None:
    altered = replace(
        MANIFEST,
        state=ManifestState.INVALID,
        failures=(Failure("assertion.bmffHash.mismatch", "the video was changed"),),
    )
    assert "the video was changed" in judge(altered, None, []).summary
    assert "stripped" in judge(None, _mark(PAYLOAD), [3]).summary
    assert "does not show the file is authentic" in judge(None, None, []).summary
