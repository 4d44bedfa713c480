"""The analysis models a gateway holds, each loaded on first use and used by one thread at a
time (MediaPipe's graph and the ONNX nets are not safe to share between request threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from gateway.analysis.transcribe import Transcriber
from gateway.analysis.voice import VoiceEmbedder
from gateway.assets import asset_path
from gateway.models import open_embedder, open_landmarker
from gateway.settings import Settings
from generator import FaceLandmarker
from generator.identity import FaceEmbedder

T = TypeVar("T")


class Lazy(Generic[T]):
    """A model made by ``load`` the first time it is borrowed, then lent to one user at once."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._model: T | None = None
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[T]:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            yield self._model

    def close(self) -> None:
        """Release the model if it was loaded and has resources to release."""
        with self._lock:
            close = getattr(self._model, "close", None)
            if close is not None:
                close()
            self._model = None


class Analysers:
    """Speech recognition, voice and face embeddings, and face landmarks for the policy."""

    def __init__(self, settings: Settings) -> None:
        self.transcriber: Lazy[Transcriber] = Lazy(
            lambda: Transcriber(asset_path(settings.assets_dir, "whisper_tiny_en").parent)
        )
        self.voices: Lazy[VoiceEmbedder] = Lazy(VoiceEmbedder)
        self.faces: Lazy[FaceEmbedder] = Lazy(lambda: open_embedder(settings))
        # Consent recordings show one large face: MediaPipe alone finds it.
        self.landmarks: Lazy[FaceLandmarker] = Lazy(
            lambda: open_landmarker(settings, find_small_faces=False)
        )

    def close(self) -> None:
        """Release every loaded model. MediaPipe's graph must be closed while its threads
        still run: left to the garbage collector at exit, closing it can hang."""
        for model in (self.transcriber, self.voices, self.faces, self.landmarks):
            model.close()
