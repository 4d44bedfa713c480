"""C2PA manifests, signed and validated for real by c2pa-python (nothing mocked)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from PIL import Image

from generator import ClipWriter
from tests.utils.media import noise_image
from watermark import (
    InputDigest,
    ManifestState,
    Payload,
    ProvenanceClaim,
    ProvenanceError,
    SigningCredentials,
    load_or_create_development_credentials,
    read_manifest,
    sign,
)
from watermark.credentials import CA_FILE, CHAIN_FILE, KEY_FILE
from watermark.provenance import TRAINED_ALGORITHMIC_MEDIA

CLAIM = ProvenanceClaim(
    Payload(0x0123456789ABCDEF, 42),
    title="clip.mp4",
    inputs=(InputDigest("portrait.png", "image/png", "ab" * 32),),
    models={"motion": "rule baseline"},
    consent_id="consent_7f3a",
    decision_id="decision_91c2",
)


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> tuple[SigningCredentials, str]:
    folder = tmp_path_factory.mktemp("c2pa")
    return load_or_create_development_credentials(folder), (folder / CA_FILE).read_text()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    with ClipWriter(path, fps=25) as writer:
        for index in range(25):
            writer.write(noise_image(256, seed=index))
    return path.read_bytes()


def _signed(media: bytes, media_type: str, signer, claim: ProvenanceClaim = CLAIM) -> bytes:
    target = io.BytesIO()
    sign(io.BytesIO(media), target, media_type, claim, signer[0])
    return target.getvalue()


def _still(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(noise_image(256)).save(buffer, kind)
    return buffer.getvalue()


def test_a_signed_clip_is_trusted_with_every_statement_readable(signer, clip: bytes) -> None:
    report = read_manifest(io.BytesIO(_signed(clip, "video/mp4", signer)), "video/mp4", signer[1])
    assert report is not None and report.state is ManifestState.TRUSTED, report
    assert report.failures == ()
    actions = next(
        a for a in report.manifest["assertions"] if a["label"].startswith("c2pa.actions")
    )
    assert actions["data"]["actions"][0]["action"] == "c2pa.created"
    assert report.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert report.software_agent.startswith("talkgate ") and report.models == CLAIM.models
    assert report.payload == CLAIM.payload
    assert report.inputs == CLAIM.inputs
    assert (report.consent_id, report.decision_id) == ("consent_7f3a", "decision_91c2")
    assert set(report.training_mining.values()) == {"notAllowed"}
    assert report.signer == "talkgate development signer"
    labels = {assertion["label"] for assertion in report.manifest["assertions"]}
    assert any(label.startswith("c2pa.hash.bmff") for label in labels), labels
    assert "thumbnail" not in report.manifest


@pytest.mark.parametrize(("kind", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_stills_are_signed_without_a_thumbnail(signer, kind: str, media_type: str) -> None:
    still = _still(kind)
    signed = _signed(still, media_type, signer)
    report = read_manifest(io.BytesIO(signed), media_type, signer[1])
    assert report is not None and report.state is ManifestState.TRUSTED
    assert report.payload == CLAIM.payload
    assert len(signed) - len(still) < 32_000  # certificates and claims, no picture


def test_one_flipped_byte_in_the_video_reads_as_altered_in_plain_words(signer, clip) -> None:
    signed = bytearray(_signed(clip, "video/mp4", signer))
    signed[signed.index(b"mdat") + 2000] ^= 0x01
    report = read_manifest(io.BytesIO(bytes(signed)), "video/mp4", signer[1])
    assert report is not None and report.state is ManifestState.INVALID
    assert [f.code for f in report.failures] == ["assertion.bmffHash.mismatch"]
    assert report.failures[0].words == "the video or sound was changed after it was signed"


def test_a_signer_under_another_ca_is_not_trusted(signer, clip, tmp_path: Path) -> None:
    other = load_or_create_development_credentials(tmp_path)
    signed = _signed(clip, "video/mp4", (other, None))
    report = read_manifest(io.BytesIO(signed), "video/mp4", signer[1])
    assert report is not None and report.state is ManifestState.VALID
    assert [f.code for f in report.failures] == ["signingCredential.untrusted"]
    assert "does not chain to an authority this verifier trusts" in report.failures[0].words
    untrusting = read_manifest(io.BytesIO(signed), "video/mp4", None)
    assert untrusting is not None and untrusting.state is ManifestState.VALID


def test_a_kms_style_callback_signs_like_a_key_file(signer, tmp_path: Path) -> None:
    load_or_create_development_credentials(tmp_path)
    key = load_pem_private_key((tmp_path / KEY_FILE).read_bytes(), password=None)
    calls: list[int] = []

    def kms(message: bytes) -> bytes:
        calls.append(len(message))
        return key.sign(message, ec.ECDSA(hashes.SHA256()))

    credentials = SigningCredentials.from_callback((tmp_path / CHAIN_FILE).read_text(), kms)
    signed = _signed(_still("PNG"), "image/png", (credentials, None))
    report = read_manifest(io.BytesIO(signed), "image/png", (tmp_path / CA_FILE).read_text())
    assert report is not None and report.state is ManifestState.TRUSTED and len(calls) == 1


def test_no_manifest_reads_as_none_and_other_kinds_are_refused(signer, clip) -> None:
    assert read_manifest(io.BytesIO(clip), "video/mp4", signer[1]) is None
    with pytest.raises(ProvenanceError, match="not image/gif"):
        sign(io.BytesIO(b"GIF89a"), io.BytesIO(), "image/gif", CLAIM, signer[0])
    with pytest.raises(ProvenanceError, match="could not read the manifest"):
        read_manifest(io.BytesIO(b"not a video at all"), "video/mp4", signer[1])
