"""Soft regions between two landmark polylines: the mouth opening, an eye opening.

The two polylines share their end points (the corners). Pixels get coordinates along the
corner-to-corner axis (``u``, 0 at the first corner, 1 at the second) and across it (``v``,
pixels, positive downwards), and each polyline becomes a height ``v(u)``: a region is then a
pair of comparisons, anti-aliased over one pixel, for a whole batch at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class CurveFrame:
    """Pixel coordinates in a corner-to-corner frame, per batch item.

    Attributes:
        u: ``(B, h, w)`` position along the corner axis, 0 → 1 between the corners.
        v: ``(B, h, w)`` signed distance from the axis in pixels, positive downwards.
        origin: ``(B, 2)`` the first corner.
        axis: ``(B, 2)`` unit vector from the first corner to the second.
        length: ``(B,)`` distance between the corners, in pixels.
    """

    u: torch.Tensor
    v: torch.Tensor
    origin: torch.Tensor
    axis: torch.Tensor
    length: torch.Tensor

    @classmethod
    def between(cls, first: torch.Tensor, second: torch.Tensor, xy: torch.Tensor) -> CurveFrame:
        """The frame from corners ``(B, 2)`` for pixel centres ``xy`` ``(h, w, 2)``."""
        delta = second - first
        length = delta.norm(dim=1).clamp_min(1e-3)
        axis = delta / length[:, None]
        normal = torch.stack([-axis[:, 1], axis[:, 0]], dim=1)
        rel = xy[None] - first[:, None, None, :]
        u = (rel * axis[:, None, None, :]).sum(-1) / length[:, None, None]
        v = (rel * normal[:, None, None, :]).sum(-1)
        return cls(u=u, v=v, origin=first, axis=axis, length=length)

    def height(self, polyline: torch.Tensor) -> torch.Tensor:
        """A polyline ``(B, n, 2)`` as its height ``v`` at every pixel's ``u``, ``(B, h, w)``.

        Beyond the polyline's ends the end heights continue flat.
        """
        return self.height_at(polyline, self.u)

    def height_at(self, polyline: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """A polyline ``(B, n, 2)`` as its height ``v`` at positions ``u`` ``(B, ...)`` along
        the axis, shaped like ``u``."""
        rel = polyline - self.origin[:, None, :]
        pu = (rel * self.axis[:, None, :]).sum(-1) / self.length[:, None]
        pv = (rel * self.normal[:, None, :]).sum(-1)
        pu, order = pu.sort(dim=1)
        pv = pv.gather(1, order)
        batch, count = pu.shape
        along = u.reshape(batch, -1).clamp(pu[:, :1], pu[:, -1:])
        right = torch.searchsorted(pu.contiguous(), along.contiguous()).clamp(1, count - 1)
        left = right - 1
        u0, u1 = pu.gather(1, left), pu.gather(1, right)
        v0, v1 = pv.gather(1, left), pv.gather(1, right)
        t = ((along - u0) / (u1 - u0).clamp_min(1e-6)).clamp(0, 1)
        return (v0 + t * (v1 - v0)).reshape(u.shape)

    @property
    def normal(self) -> torch.Tensor:
        """``(B, 2)`` the unit vector across the axis, towards positive ``v``."""
        return torch.stack([-self.axis[:, 1], self.axis[:, 0]], dim=1)

    def point(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Pixel positions ``(B, ..., 2)`` of frame coordinates ``u``, ``v`` ``(B, ...)``."""
        shape = (len(u),) + (1,) * (u.dim() - 1) + (2,)
        along = (u * self.length.view(shape[:-1]))[..., None] * self.axis.view(shape)
        return self.origin.view(shape) + along + v[..., None] * self.normal.view(shape)


def soft_between(frame: CurveFrame, top: torch.Tensor, bottom: torch.Tensor) -> torch.Tensor:
    """``(B, h, w)`` in ``[0, 1]``: pixels below ``top`` and above ``bottom`` (heights), between
    the corners, anti-aliased over one pixel."""
    inside_u = ((frame.u > 0) & (frame.u < 1)).to(top.dtype)
    return (frame.v - top + 0.5).clamp(0, 1) * (bottom - frame.v + 0.5).clamp(0, 1) * inside_u
