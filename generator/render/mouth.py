"""The inside of the mouth, where the lips part further than in the portrait.

Two ways to fill it, both in mouth coordinates (``CurveFrame``: along the corner-to-corner
axis and across it): drawn (cavity, tongue, and teeth whose upper row stays with the skull
and lower row rides the jaw, coloured from the portrait), or the portrait's own open mouth
re-used the same way when its lips were apart.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

from generator.render.curves import CurveFrame


def drawn_interior(
    mouth: CurveFrame,
    upper_line: torch.Tensor,
    lower_line: torch.Tensor,
    width: torch.Tensor,
    colours: Mapping[str, torch.Tensor],
    *,
    teeth: bool,
) -> torch.Tensor:
    """A drawn mouth interior: cavity and tongue, and (for portraits whose own teeth do
    not show) lower teeth on the jaw's line and upper teeth on the skull's."""
    across = 2 * mouth.u - 1
    profile = (1 - across**2).clamp_min(0).sqrt()
    w = width[:, None, None]
    v = mouth.v

    def band(low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
        return ((v - low + 0.5).clamp(0, 1) * (high - v + 0.5).clamp(0, 1))[:, None]

    colour = colours["cavity"] * (1 - 0.4 * profile)[:, None]
    tongue_shape = (across / 0.75) ** 2 + ((v - lower_line + 0.12 * w) / (0.08 * w)) ** 2
    tongue = (1 - tongue_shape).clamp(0, 1).sqrt()[:, None]
    colour = colour + tongue * (colours["tongue"] * (0.7 + 0.3 * profile[:, None]) - colour)
    if not teeth:
        return colour
    phase = across * 3.5
    gaps = 1 - 0.1 * torch.exp(-(((phase - phase.round()) / 0.06) ** 2))
    shade = colours["teeth"] * (gaps * (0.55 + 0.45 * profile))[:, None]
    lower_teeth = band(lower_line - 0.09 * w * profile, lower_line + 2)
    colour = colour + lower_teeth * (shade - colour)
    upper_teeth = band(upper_line - 2, upper_line + 0.13 * w * profile)
    return colour + upper_teeth * (shade - colour)


def own_interior(
    mouth: CurveFrame,
    upper_line: torch.Tensor,
    lower_line: torch.Tensor,
    scale: torch.Tensor,
    texture: torch.Tensor,
    upper: torch.Tensor,
    lower: torch.Tensor,
    split: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The portrait's own open mouth, re-used: what showed below its upper lip (upper
    teeth) down to ``split`` of the way to the lower lip stays with the skull, the rest
    (lower teeth) rides the jaw. Returns the colours and their coverage; the opening
    between is left to the drawn cavity.

    Args:
        mouth: the frames' mouth coordinates (corner to corner of the moved inner lips).
        upper_line: ``(B, h, w)`` height of the upper teeth's edge (the still upper lip).
        lower_line: ``(B, h, w)`` height of the lower teeth's edge (the lower lip on the jaw).
        scale: ``(B,)`` head scale of each frame.
        texture: ``(1, 3, S, S)`` the portrait.
        upper: ``(n, 2)`` the portrait's inner upper lip, corner to corner.
        lower: ``(n, 2)`` its inner lower lip.
        split: where the upper part ends, as a share of the opening's height (the line
            between the rows of teeth, :func:`generator.render.rig.teeth_split`).
    """
    batch = len(upper_line)
    first = upper[:1].expand(batch, -1)
    delta = upper[-1:] - upper[:1]
    length = delta.norm(dim=1).expand(batch)
    axis = (delta / delta.norm(dim=1, keepdim=True)).expand(batch, -1)
    source = CurveFrame(u=mouth.u, v=mouth.v, origin=first, axis=axis, length=length)
    top = source.height(upper.expand(batch, -1, -1))
    bottom = source.height(lower.expand(batch, -1, -1))
    shrink = 1 / scale[:, None, None]
    below_upper = (mouth.v - upper_line) * shrink
    above_lower = (lower_line - mouth.v) * shrink
    upper_part = (bottom - top) * split
    lower_part = (bottom - top) * (1 - split)
    from_upper = below_upper * lower_part < above_lower * upper_part
    v = torch.where(from_upper, top + below_upper, bottom - above_lower)
    cover = torch.maximum(upper_part - below_upper, lower_part - above_lower).add(0.5).clamp(0, 1)
    normal = torch.stack([-axis[:, 1], axis[:, 0]], dim=1)
    along = (mouth.u * length[:, None, None])[..., None]
    at = (
        first[:, None, None, :]
        + along * axis[:, None, None, :]
        + v[..., None] * normal[:, None, None, :]
    )  # (B, h, w, 2) portrait pixels
    grid = (2 * at + 1) / texture.shape[-1] - 1
    own = F.grid_sample(
        texture.expand(batch, -1, -1, -1), grid, align_corners=False, padding_mode="border"
    )
    return own, cover[:, None]
