"""Reading portraits from files or bytes into RGB arrays, the way people expect photos to look.

EXIF orientation is applied, greyscale/CMYK/palette images become RGB, and transparent
pixels are composited over white, so a phone photo or a PNG drawing just works.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from generator.errors import InvalidPortrait

#: Portraits above this many pixels are refused before decoding (decompression bombs).
MAX_PORTRAIT_PIXELS = 40_000_000


def load_portrait(source: str | Path | bytes) -> np.ndarray:
    """Decode a portrait image.

    Args:
        source: a path to an image file, or its bytes.

    Returns:
        The image as a contiguous ``(H, W, 3)`` uint8 RGB array.

    Raises:
        InvalidPortrait: the data is not an image, is truncated or corrupt, or is larger
            than ``MAX_PORTRAIT_PIXELS``.
    """
    name = "the uploaded image" if isinstance(source, bytes) else str(source)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            # We enforce our own, lower pixel limit below; PIL's warning is noise here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                if width * height > MAX_PORTRAIT_PIXELS:
                    raise InvalidPortrait(
                        f"{name} is {width}x{height} ({width * height / 1e6:.0f} MP); "
                        f"the limit is {MAX_PORTRAIT_PIXELS / 1e6:.0f} MP"
                    )
                image.load()
                return _to_rgb(ImageOps.exif_transpose(image))
    except FileNotFoundError as exc:
        raise InvalidPortrait(f"{name} does not exist") from exc
    except UnidentifiedImageError as exc:
        raise InvalidPortrait(f"{name} is not an image format we can read") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidPortrait(f"{name} is truncated or corrupt ({exc})") from exc


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Flatten any PIL mode to RGB; transparency is composited over white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
