"""Measure a consent recording: what is said, how many faces, whether the lips follow the
voice, whether it is talkgate's own output, and the face and voice embeddings to keep.

The video is decoded once and read at up to :data:`MOUTH_FPS` frames a second for the mouth
(MediaPipe) and :data:`FACE_FPS` for counting and embedding faces (YuNet, SFace); the
soundtrack is transcribed and embedded. Nothing of the media is kept here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from gateway.analysis.models import Analysers
from gateway.analysis.sync import envelope, mouth_opening, sync_score
from gateway.errors import AnalysisError
from gateway.marking import detect_file
from generator import AudioTrack, GeneratorError, load_portrait, read_audio
from policy import CaptureEvidence, CaptureMode
from watermark import WatermarkError, WatermarkKey

#: Mouth readings per second: enough to follow syllables (4–6 a second).
MOUTH_FPS = 15.0
#: Face counts and embeddings per second.
FACE_FPS = 2.0
#: Frames are analysed at most this large (longer side, pixels).
ANALYSIS_SIDE = 640
#: Face embeddings averaged into the stored one.
EMBEDDINGS_KEPT = 8


@dataclass(frozen=True)
class RecordingMeasures:
    """The evidence the policy judges, and the embeddings stored if it is accepted."""

    evidence: CaptureEvidence
    face: np.ndarray | None
    voice: np.ndarray | None


def _small(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    scale = ANALYSIS_SIDE / max(height, width)
    if scale >= 1:
        return frame
    size = (round(width * scale), round(height * scale))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BILINEAR))


def _mean_embedding(embeddings: list[np.ndarray]) -> np.ndarray | None:
    if not embeddings:
        return None
    mean = np.mean(embeddings, axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


class RecordingAnalyser:
    """Turns a consent recording into :class:`RecordingMeasures`."""

    def __init__(self, models: Analysers, watermark_keys: list[WatermarkKey]) -> None:
        self.models = models
        self.keys = watermark_keys

    def video(self, path: Path, max_seconds: float) -> RecordingMeasures:
        """Measure a video with its soundtrack.

        Raises:
            AnalysisError: not a video with sound, or longer than ``max_seconds``.
        """
        audio = self._audio(path, max_seconds)
        openings, counts, embeddings, fps = self._frames(path, max_seconds)
        level = envelope(audio, fps, len(openings))
        voice = self._voice(audio)
        evidence = CaptureEvidence(
            mode=CaptureMode.VIDEO,
            transcript=self._transcript(audio),
            faces_per_frame=tuple(counts),
            sync=sync_score(np.array(openings, float), level),
            voiced=voice is not None,
            watermarked=self._watermarked(path, still=False),
        )
        return RecordingMeasures(evidence, _mean_embedding(embeddings), voice)

    def photo_and_audio(
        self, photo: Path, audio_path: Path, max_seconds: float
    ) -> RecordingMeasures:
        """Measure a photo and a separate audio recording.

        Raises:
            AnalysisError: the photo or the audio cannot be read, or the audio is too long.
        """
        audio = self._audio(audio_path, max_seconds)
        try:
            image = load_portrait(photo)
        except GeneratorError as exc:
            raise AnalysisError(f"the photo cannot be read: {exc}") from exc
        with self.models.faces.borrow() as faces:
            found = faces.faces(image)
            face = faces.embed_face(image, found[0]) if len(found) == 1 else None
        voice = self._voice(audio)
        evidence = CaptureEvidence(
            mode=CaptureMode.PHOTO_AUDIO,
            transcript=self._transcript(audio),
            faces_per_frame=(len(found),),
            sync=None,
            voiced=voice is not None,
            watermarked=self._watermarked(photo, still=True),
        )
        return RecordingMeasures(evidence, face, voice)

    def _audio(self, path: Path, max_seconds: float) -> AudioTrack:
        try:
            audio = read_audio(path)
        except GeneratorError as exc:
            raise AnalysisError(f"the recording's sound cannot be read: {exc}") from exc
        if audio.duration_s > max_seconds:
            raise AnalysisError(
                f"the recording lasts {audio.duration_s:.0f} s; at most {max_seconds:.0f} s"
            )
        return audio

    def _frames(
        self, path: Path, max_seconds: float
    ) -> tuple[list[float], list[int], list[np.ndarray], float]:
        """Mouth openings at the mouth rate, face counts and embeddings at the face rate."""
        openings: list[float] = []
        counts: list[int] = []
        embeddings: list[np.ndarray] = []
        try:
            with av.open(str(path)) as container:
                if not container.streams.video:
                    raise AnalysisError("the recording has no video: send a video with sound")
                stream = container.streams.video[0]
                native = float(stream.average_rate or stream.guessed_rate or 25)
                mouth_step = max(1, round(native / MOUTH_FPS))
                face_step = max(1, round(native / FACE_FPS))
                for index, frame in enumerate(container.decode(video=0)):
                    if index / native > max_seconds:
                        break
                    if index % mouth_step:
                        continue
                    image = _small(frame.to_ndarray(format="rgb24"))
                    openings.append(self._opening(image))
                    if index % face_step == 0:
                        counts.append(self._count_and_embed(image, embeddings))
        except av.error.FFmpegError as exc:
            raise AnalysisError(f"the recording cannot be decoded: {exc}") from exc
        if not openings:
            raise AnalysisError("the recording holds no video frames")
        return openings, counts, embeddings, native / mouth_step

    def _opening(self, image: np.ndarray) -> float:
        with self.models.landmarks.borrow() as landmarker:
            faces = landmarker.detect(image)
        return mouth_opening(faces[0]) if faces else float("nan")

    def _count_and_embed(self, image: np.ndarray, embeddings: list[np.ndarray]) -> int:
        with self.models.faces.borrow() as faces:
            found = faces.faces(image)
            if len(found) == 1 and len(embeddings) < EMBEDDINGS_KEPT:
                embeddings.append(faces.embed_face(image, found[0]))
        return len(found)

    def _voice(self, audio: AudioTrack) -> np.ndarray | None:
        with self.models.voices.borrow() as voices:
            try:
                return voices.embed(audio)
            except AnalysisError:
                return None  # too little speech: the judgement says so

    def _transcript(self, audio: AudioTrack) -> str:
        with self.models.transcriber.borrow() as transcriber:
            return transcriber.transcribe(audio)

    def _watermarked(self, path: Path, *, still: bool) -> bool:
        try:
            return detect_file(path, self.keys, still=still).present
        except (GeneratorError, WatermarkError):
            return False  # too small to carry a mark
