"""Contact sheets: labelled grids of frames, for docs and reports people look at."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

_LABEL_HEIGHT = 16
_GAP = 2


def contact_sheet(
    tiles: Sequence[np.ndarray],
    labels: Sequence[str],
    columns: int,
    tile_size: int,
) -> np.ndarray:
    """Arrange ``(H, W, 3)`` uint8 tiles in a grid, each resized square with a label below.

    Returns:
        ``(rows·(tile+label), columns·tile, 3)`` uint8 RGB on white.
    """
    rows = -(-len(tiles) // columns)
    cell_w, cell_h = tile_size + _GAP, tile_size + _LABEL_HEIGHT + _GAP
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        x, y = (index % columns) * cell_w, (index // columns) * cell_h
        picture = Image.fromarray(tile).resize((tile_size, tile_size), Image.Resampling.LANCZOS)
        sheet.paste(picture, (x, y))
        draw.text((x + 3, y + tile_size + 2), label, fill=(20, 20, 20))
    return np.asarray(sheet)


def save_png(image: np.ndarray, path: Path) -> Path:
    """Write an RGB image as an optimised PNG, making its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path, optimize=True)
    return path
