"""load_portrait: the image formats people actually upload, and clear errors for the rest."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator import InvalidPortrait, load_portrait
from tests.utils.media import noise_image


def _png_bytes(image: Image.Image, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=save.pop("format", "PNG"), **save)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_rgb_png_round_trips(tmp_path: Path) -> None:
    pixels = noise_image(64)
    path = tmp_path / "portrait.png"
    Image.fromarray(pixels).save(path)
    loaded = load_portrait(path)
    assert loaded.dtype == np.uint8 and loaded.flags.c_contiguous
    np.testing.assert_array_equal(loaded, pixels)


def test_exif_orientation_is_applied() -> None:
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    data = _png_bytes(Image.fromarray(pixels), format="JPEG", exif=exif, quality=95)
    loaded = load_portrait(data)
    assert loaded.shape == (40, 20, 3)
    assert loaded[:20].mean() > 200 and loaded[20:].mean() < 50  # white half is now on top


@pytest.mark.parametrize("mode", ["L", "CMYK", "P", "I;16"])
def test_other_modes_become_rgb(mode: str) -> None:
    image = Image.fromarray(noise_image(32)).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    assert load_portrait(_png_bytes(image, format=fmt)).shape == (32, 32, 3)


def test_transparency_is_composited_over_white() -> None:
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent black
    loaded = load_portrait(_png_bytes(Image.fromarray(rgba, "RGBA")))
    assert (loaded == 255).all()


def test_not_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture")
    with pytest.raises(InvalidPortrait, match="not an image"):
        load_portrait(path)


def test_truncated_file_is_refused() -> None:
    data = _png_bytes(Image.fromarray(noise_image(128)))
    with pytest.raises(InvalidPortrait, match="truncated or corrupt"):
        load_portrait(data[: len(data) // 2])


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidPortrait, match="does not exist"):
        load_portrait(tmp_path / "nope.jpg")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _png_bytes(Image.new("L", (8000, 6000)))
    with pytest.raises(InvalidPortrait, match="48 MP") as caught:
        load_portrait(bomb)
    assert "40 megapixels" in caught.value.diagnostics()
