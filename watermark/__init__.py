"""Invisible per-frame watermark for generated clips (signed C2PA provenance arrives next).

Start at :func:`embed` / :class:`Marker` to mark frames and :func:`detect` to find and read a
mark; :class:`WatermarkKey` holds the secret. Imports nothing else of talkgate's.
"""

from watermark.coding import Payload, PayloadCode
from watermark.errors import FrameError, KeyFileError, PayloadError, WatermarkError
from watermark.keys import WatermarkKey, load_key, load_or_create_key, save_key
from watermark.mark import Detection, Marker, detect, embed

__all__ = [
    "Detection",
    "FrameError",
    "KeyFileError",
    "Marker",
    "Payload",
    "PayloadCode",
    "PayloadError",
    "WatermarkError",
    "WatermarkKey",
    "detect",
    "embed",
    "load_key",
    "load_or_create_key",
    "save_key",
]
