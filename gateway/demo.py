"""`talkgate demo`: the whole story on the embedded defaults.

Face analysis on the demo portrait (NASA's astronaut portrait of Eileen Collins, public
domain, shipped in scikit-image) with a landmark overlay, and a motion sweep animated
locally. Then the gateway: it starts on SQLite and a demo partner authenticates (OAuth2
client credentials). The partner opens a consent request, and the subject gives it the way
a subject does: their photo plus the statement with its one-time code (read by espeak-ng)
go through the capture link, where the transcript, the face and the voice are checked.
Under that consent the partner submits the portrait and a sentence espeak-ng speaks
(declared synthetic), the policy allows it, the job runs in the embedded worker, and the
clip comes back watermarked and signed. A third party then verifies it with no
credentials: the C2PA manifest, the watermark, the registry entry, and the audit log's
inclusion proof under its signed tree head.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from gateway.audit.log import LogReport, verify_log
from gateway.client import GatewayClient
from gateway.clips import ReleasedClip, model_versions, release_clip
from gateway.embedded import embedded_gateway
from gateway.errors import GatewayError
from gateway.models import open_landmarker
from gateway.partners import local_client
from gateway.provenance import signing_credentials
from gateway.settings import Settings
from gateway.spoken_consent import record_spoken_consent
from generator import draw_landmarks, write_wav
from generator.face_model import build_face_model
from generator.motion import sweep
from generator.runtime import keep_freed_memory
from generator.speech import Espeak
from watermark import InputDigest, load_or_create_key


@dataclass(frozen=True)
class DemoResult:
    """What the demo made and where it put it."""

    overlay_path: Path
    clip: ReleasedClip
    #: The talking clip, made through the gateway and downloaded.
    talking_path: Path
    gateway_url: str
    #: The demo subject's consent, as captured (ID, scores, revocation link).
    consent: dict[str, Any]
    job: dict[str, Any]
    #: What a third party got back from the public verify route: verdict and registry entry.
    verification: dict[str, Any]
    #: The signed audit tree head the clip's "clip.signed" entry was proven against.
    tree_head: dict[str, Any]
    #: The whole audit log recomputed and checked after the demo.
    audit: LogReport
    landmark_count: int
    face_size_px: float
    head_yaw_deg: float
    top_blendshapes: tuple[tuple[str, float], ...]


#: The demo subject's name and what the consent covers. A stand-in, read by espeak-ng: the
#: portrait is public domain, and no real person's consent is claimed.
DEMO_SUBJECT = "Demo Subject"
DEMO_PURPOSE = "talkgate demonstrations"

#: What the demo portrait says (synthetic speech: nobody's voice is cloned).
DEMO_SENTENCE = (
    "Hello. I am a portrait, animated by talkgate. "
    "Every clip it makes is watermarked, signed, and made with consent."
)


def demo_portrait() -> np.ndarray:
    """The demo portrait, ``(512, 512, 3)`` uint8 RGB."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def run_demo(
    settings: Settings, on_progress: Callable[[dict[str, Any]], object] = lambda job: None
) -> DemoResult:
    """Analyse the demo portrait, save the landmark overlay, animate a 12-second motion
    sweep, then have the demo partner record the subject's consent and make the portrait say
    :data:`DEMO_SENTENCE` through the embedded gateway, and verify the result as a third
    party; all under the data directory. ``on_progress`` hears the generation job's state
    as it changes.

    Raises:
        AssetError: the face landmarker asset is missing or corrupt.
        GeneratorError: face analysis or rendering failed.
        WatermarkError: the watermark key or the signer is unusable.
        GatewayError: the gateway failed to start, refused the consent or the generation,
            or the clip did not verify.
    """
    key = load_or_create_key(settings.watermark_key_path)
    credentials = signing_credentials(settings)
    portrait = demo_portrait()
    with open_landmarker(settings) as landmarker:
        face = landmarker.analyse(portrait)
        model = build_face_model(portrait, landmarker)
    out_dir = settings.outputs_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    overlay_path = out_dir / "astronaut_landmarks.png"
    Image.fromarray(draw_landmarks(portrait, face)).save(overlay_path)
    portrait_path = out_dir / "astronaut.png"
    Image.fromarray(portrait).save(portrait_path)
    keep_freed_memory()
    clip = release_clip(
        model,
        sweep(seconds_per_axis=0.5).motion,
        out_dir / "astronaut_sweep.mp4",
        key,
        credentials,
        inputs=(InputDigest.of_file(portrait_path, "image/png"),),
        models=model_versions("motion sweep"),
    )
    said = Espeak().speak(DEMO_SENTENCE, voice="en-us+f2", rate=150)
    speech_path = write_wav(out_dir / "speech.wav", said.audio)
    talking_path = out_dir / "astronaut_talking.mp4"
    with embedded_gateway(settings) as served:
        services = served.services
        with services.db.session() as session:
            client_id, secret = local_client(
                session, services.audit, settings.keys_dir / "demo-client.json", "talkgate demo"
            )
        with GatewayClient(served.url, client_id, secret) as partner:
            consent = record_spoken_consent(partner, portrait_path, DEMO_SUBJECT, [DEMO_PURPOSE])
            job = partner.generate(
                portrait_path,
                speech_path,
                consent_id=consent["id"],
                purpose=DEMO_PURPOSE,
                voice="synthetic",
            )
            job = partner.wait(job["id"], on_progress)
            if job["state"] != "succeeded":
                raise GatewayError(f"the demo generation {job['state']}: {job['failure']}")
            partner.download(job["clip_id"], talking_path)
        with GatewayClient(served.url) as third_party:
            verification = third_party.verify(talking_path)
            registry = verification["registry"]
            if verification["verification"]["verdict"] != "trusted" or registry is None:
                raise GatewayError(f"the demo clip did not verify: {verification}")
            head = third_party.check_inclusion(registry["audit_leaf"], registry["audit_index"])
        with services.db.session() as session:
            audit = verify_log(session, services.audit.signer, settings.audit_checkpoint_path)
    top = sorted(
        ((name, score) for name, score in face.blendshapes.items() if name != "_neutral"),
        key=lambda item: item[1],
        reverse=True,
    )[:3]
    return DemoResult(
        overlay_path,
        clip,
        talking_path,
        served.url,
        consent,
        job,
        verification,
        head,
        audit,
        len(face.points),
        face.size,
        face.head_pose.yaw,
        tuple(top),
    )
