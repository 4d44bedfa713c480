"""A consent recorded end to end with a synthetic voice: a photo of the subject plus
espeak-ng reading the statement, sent through the public capture link.

The demo, the benchmarks and the tests use it to obtain a consent the way a subject gives
one, with no camera or microphone at hand. The generations made under it must then declare their
voice synthetic: the consent holds an espeak voice, not a person's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from gateway.client import ApiError, GatewayClient

#: Reading rates (words per minute), fastest first. Whisper tiny.en now and then mishears
#: a digit of the code in espeak's fast speech; a subject refused for that records again,
#: slower, and so does this.
RATES = (150, 130, 110)


def record_spoken_consent(
    partner: GatewayClient,
    photo: Path,
    subject_name: str,
    purposes: list[str],
    **terms: Any,
) -> dict[str, Any]:
    """Open a consent (photo plus audio allowed) and capture it; returns the consent as
    opened, with the capture's answer (``consent_id``, ``revoke_url``, ``scores``) merged in.

    Raises:
        ApiError: the gateway refused to open the consent, or refused every recording.
    """
    opened = partner.open_consent(subject_name, purposes, **{"photo_audio_allowed": True, **terms})
    captured = capture_spoken(partner, opened["capture_url"], opened["statement"], photo)
    return {**opened, **captured}


def capture_spoken(
    partner: GatewayClient, capture_url: str, statement: str, photo: Path
) -> dict[str, Any]:
    """Send ``photo`` and espeak-ng reading ``statement`` to ``capture_url``, reading slower
    after each refusal; returns the accepted capture.

    Raises:
        ApiError: every reading was refused (the last refusal), or the link is unusable.
    """
    from generator import write_wav
    from generator.speech import Espeak

    refused: ApiError | None = None
    with tempfile.TemporaryDirectory(prefix="talkgate-consent-") as work:
        for rate in RATES:
            said = Espeak().speak(statement, voice="en-us", rate=rate)
            audio = write_wav(Path(work) / f"statement-{rate}.wav", said.audio)
            try:
                return partner.capture_consent(capture_url, photo=photo, audio=audio)
            except ApiError as exc:
                if exc.status != 422:
                    raise
                refused = exc
    assert refused is not None
    raise refused
