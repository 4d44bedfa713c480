"""The renderer: a prepared portrait plus motion vectors → frames, batched in torch.

Per batch of frames:

1. Vertex motion: expression (one matrix product with the basis), gaze (the irises, and the
   lids riding with them), then the head's
   rotation (yaw times :data:`YAW_GAIN`), scale and translation about a pivot behind the
   face, using landmark depth.
2. A forward displacement field on a half-resolution grid: the expression field interpolated
   from the mesh (one sparse product), plus the rigid head motion weighted by each pixel's
   rigid weight.
3. Backward warp by Newton inversion of the forward field (two ``grid_sample`` steps),
   upsampled, then one ``grid_sample`` of the portrait.
4. Compositing what a warp cannot make: the mouth interior (cavity, teeth, tongue) where the
   lips part, lips sealed where they press shut over the portrait's own open mouth, eyes
   sealed where the lids shut, the irises (and, half as far, their catchlights) moved for
   gaze within the eye openings, lash shadow on closing lids.

At zero motion every field is exactly zero and the eyes composite back to the portrait's own
pixels, so the portrait comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from generator import anatomy
from generator.face import rotation_matrices
from generator.face_model import FaceModel
from generator.motion import EXPRESSION_MODES, MotionSequence
from generator.pose_fit import MEDIAPIPE_TO_IMAGE
from generator.render.curves import CurveFrame, soft_between
from generator.render.eyeball import CATCHLIGHT_TRAVEL
from generator.render.mouth import drawn_interior, own_interior
from generator.render.rig import Rig, build_rig

#: Newton steps inverting the forward field; 2 reach 0.13 px at worst over the sweep
#: extremes (each costs one half-resolution ``grid_sample``).
INVERSION_STEPS = 2
#: The mesh turns this much further than the head yaw asked, so the frame reads as the yaw
#: asked. A warp cannot show what a turn uncovers or hides, and the face's outline moves with
#: a depth field smoother than the mesh, so the landmarker read a turned frame at 0.55-0.65
#: of the mesh's yaw on every portrait tried (pitch and roll read within 2°). With 1.4 the
#: demo and seven development portraits read ±5-20° turns within 1.6° but one (2.4°), and
#: the errors straddle zero (docs/renderer.md).
YAW_GAIN = 1.4
#: Lips closing over the portrait's own opening start to seal when their gap is this share
#: of the portrait's (below it, what showed between them is squeezed to a sliver).
SEAL_FROM = 0.5
#: How dark the line where sealed lips meet is, at its middle.
SEAM_SHADOW = 0.45
_JAW = EXPRESSION_MODES.index("jaw_open")
_BLINK = (EXPRESSION_MODES.index("blink_right"), EXPRESSION_MODES.index("blink_left"))
_EYES = (
    (anatomy.RIGHT_EYE_UPPER, anatomy.RIGHT_EYE_LOWER),
    (anatomy.LEFT_EYE_UPPER, anatomy.LEFT_EYE_LOWER),
)
_IRIS_POINTS = list(range(anatomy.MESH_POINTS, anatomy.MESH_POINTS + 10))


@dataclass(frozen=True)
class _VertexMotion:
    """Where the mesh goes in a batch of frames (all tensors on the renderer's device)."""

    expression: torch.Tensor  # (B, V, 3) expression displacement, source pixels
    linear: torch.Tensor  # (B, 3, 3) rotation × scale, image axes
    shift: torch.Tensor  # (B, 3) translation, pixels
    gaze: torch.Tensor  # (B, 3) iris displacement, source pixels
    coefficients: torch.Tensor  # (B, K)


class Renderer:
    """Animates one portrait. Build once per portrait; render any number of frames.

    Example::

        renderer = Renderer(model, device="cpu")
        for frame in renderer.frames(MotionSequence.load("motion.npz")):
            ...  # (size, size, 3) uint8 RGB
    """

    def __init__(self, model: FaceModel, *, device: str = "cpu", batch_size: int = 16) -> None:
        """Prepare ``model`` for rendering on ``device`` (``"cpu"``, ``"cuda"``, ...)."""
        self.model = model
        self.rig: Rig = build_rig(model)
        self.device = torch.device(device)
        self.batch_size = batch_size
        rig, dev = self.rig, self.device

        def tensor(array: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype, device=dev)

        # Colour values are kept as 255·value (+0.5 on the base, so uint8 truncation rounds).
        self._base = tensor(rig.base * 255.0 + 0.5).permute(2, 0, 1)[None]

        def rgba(layer: np.ndarray, premultiplied: bool = False) -> torch.Tensor:
            """A ``(size, size, 4)`` layer as 255·RGB plus the base's rounding offset (times
            coverage where RGB is premultiplied by it, as it is then), and coverage,
            ``(1, 4, S, S)``."""
            scaled = layer * np.array([255.0, 255.0, 255.0, 1.0], np.float32)
            scaled[..., :3] += 0.5 * layer[..., 3:] if premultiplied else 0.5
            return tensor(scaled).permute(2, 0, 1)[None]

        self._irises = rgba(rig.irises, premultiplied=True)
        self._catchlights = rgba(rig.catchlights, premultiplied=True)
        self._spill = tensor(rig.spill * 255.0).permute(2, 0, 1)[None]
        self._vertices = tensor(rig.vertices)
        self._basis = tensor(rig.basis).reshape(len(EXPRESSION_MODES), -1)
        self._lid_basis = tensor(rig.lid_basis)
        self._pivot = tensor(rig.pivot)
        self._rest = tensor(rig.rest)
        self._rest_centred = self._rest - self._pivot[:, None]
        self._rigid_weight = tensor(rig.rigid_weight)
        self._roi = tensor(rig.roi, torch.long)
        # Interpolating vertex displacements onto the pixels is a sparse (pixels × vertices)
        # matrix with three entries a row; one sparse product serves the whole batch.
        rows = np.repeat(np.arange(len(rig.roi)), 3)
        self._interpolation = torch.sparse_coo_tensor(
            tensor(np.stack([rows, rig.roi_corners.reshape(-1)]), torch.long),
            tensor(rig.roi_weights.reshape(-1)),
            (len(rig.roi), len(rig.vertices)),
            check_invariants=True,
        ).coalesce()
        self._roi_rigid = self._rigid_weight[self._roi]
        size = rig.size
        self._pixels = torch.stack(
            torch.meshgrid(
                torch.arange(size, device=dev, dtype=torch.float32),
                torch.arange(size, device=dev, dtype=torch.float32),
                indexing="xy",
            ),
            dim=-1,
        )  # (size, size, 2) pixel centres (x, y)
        self._colours = {
            name: tensor(getattr(rig.colours, name) * 255.0 + 0.5)[None, :, None, None]
            for name in ("teeth", "cavity", "tongue")
        }
        # The portrait with its own mouth opening filled in from the lips (``_seal_lips``).
        self._closed = None if rig.closed_mouth is None else rgba(rig.closed_mouth)
        # The portrait with its eye openings filled in from the lids (``_composite_eyes``).
        self._closed_eyes = rgba(rig.closed_eyes)
        neutral = self._mesh(self._vertex_motion(MotionSequence.neutral(1).values))
        # Each eye's own opening (at least a pixel: a portrait may have its eyes shut).
        self._eye_gaps = [max(1.0, float(self._eye(neutral, *ids)[3][0])) for ids in _EYES]

    # -- geometry ---------------------------------------------------------------------------

    def _vertex_motion(self, values: np.ndarray) -> _VertexMotion:
        motion = MotionSequence(values).clamped()
        k = len(EXPRESSION_MODES)
        gaze_yaw, gaze_pitch = np.radians(motion[:, k]), np.radians(motion[:, k + 1])
        rotation = (
            MEDIAPIPE_TO_IMAGE
            @ rotation_matrices(YAW_GAIN * motion[:, k + 2], motion[:, k + 3], motion[:, k + 4])
            @ MEDIAPIPE_TO_IMAGE
        )
        linear = rotation * motion[:, k + 7, None, None]
        shift = np.zeros((len(motion), 3))
        shift[:, :2] = motion[:, k + 5 : k + 7] * self.rig.size
        gaze_face = np.stack(
            [np.sin(gaze_yaw), -np.sin(gaze_pitch), np.zeros_like(gaze_yaw)], axis=1
        )
        gaze = self.rig.eyeball_radius * gaze_face @ self.rig.frame.rotation.T
        coefficients = torch.as_tensor(motion[:, :k], device=self.device)
        expression = (coefficients @ self._basis).reshape(len(motion), -1, 3)
        travel = self.rig.eyeball_radius / self.rig.frame.unit * gaze_face[:, :2]
        expression += torch.einsum("bk,kvc->bvc", self._tensor(travel), self._lid_basis)
        return _VertexMotion(
            expression, self._tensor(linear), self._tensor(shift), self._tensor(gaze), coefficients
        )

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(array, dtype=torch.float32, device=self.device)

    def _place(self, motion: _VertexMotion, points: torch.Tensor) -> torch.Tensor:
        """Source-space points ``(B, N, 3)`` → frame pixels after the head's rigid motion."""
        return (
            (points - self._pivot) @ motion.linear.transpose(1, 2)
            + self._pivot
            + motion.shift[:, None]
        )

    def _mesh(self, motion: _VertexMotion) -> torch.Tensor:
        """Every vertex's place in each frame ``(B, V, 3)``, irises moved by gaze."""
        moved = self._vertices + motion.expression
        moved[:, _IRIS_POINTS] += motion.gaze[:, None]
        return self._place(motion, moved)

    def landmarks(self, values: np.ndarray) -> np.ndarray:
        """Where each of the 478 landmarks lands for motion vectors ``(B, 24)`` → ``(B, 478, 3)``.

        These are the landmarks of the mesh as drawn (turned :data:`YAW_GAIN` times the yaw
        asked); the closed-loop bench compares them with what the landmarker finds on the
        rendered frames.
        """
        with torch.inference_mode():
            mesh = self._mesh(self._vertex_motion(values))
        return mesh[:, : len(self.model.face.points)].cpu().numpy()

    # -- fields -----------------------------------------------------------------------------

    def _backward_map(self, motion: _VertexMotion) -> torch.Tensor:
        """Where every frame pixel comes from, as a ``grid_sample`` grid ``(B, S, S, 2)``."""
        batch, grid, size = len(motion.linear), self.rig.grid, self.rig.size
        eye = torch.eye(3, device=self.device)
        rigid = (motion.linear - eye)[:, :2] @ self._rest_centred + motion.shift[:, :2, None]
        field = rigid * self._rigid_weight
        vertices = motion.expression.permute(1, 0, 2).reshape(len(self._vertices), -1)
        expression = (self._interpolation @ vertices).reshape(-1, batch, 3).transpose(0, 1)
        turned = expression @ motion.linear.transpose(1, 2)
        w = self._roi_rigid[None, :, None]
        field[:, :, self._roi] += (w * turned[..., :2] + (1 - w) * expression[..., :2]).transpose(
            1, 2
        )
        field = field.reshape(batch, 2, grid, grid)

        rest = self._rest[:2].reshape(1, 2, grid, grid)
        # Normalising commutes with bilinear upsampling, so it is done on the small grid.
        source = _normalise(_invert(field, rest), size, 1.0)
        return _upsample_twice(source, size).permute(0, 2, 3, 1)

    # -- frames -----------------------------------------------------------------------------

    def render(self, values: np.ndarray) -> torch.Tensor:
        """Render motion vectors ``(B, 24)`` → ``(B, size, size, 3)`` uint8 RGB (on device)."""
        with torch.inference_mode():
            motion = self._vertex_motion(values)
            mesh = self._mesh(motion)
            grid = self._backward_map(motion)
            frames = F.grid_sample(
                self._base.expand(len(grid), -1, -1, -1),
                grid,
                align_corners=False,
                padding_mode="border",
            )
            self._composite_eyes(frames, motion, mesh, grid)
            self._composite_mouth(frames, motion, mesh)
            self._seal_lips(frames, motion, mesh, grid)
            # Textures hold 255·value + 0.5, so truncating to uint8 rounds. Frames leave as
            # contiguous (N, H, W, 3): OpenCV and PyAV copy strided arrays on every call.
            return frames.clamp_(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()

    def batches(self, motion: MotionSequence) -> Iterator[np.ndarray]:
        """Render a whole sequence, yielding ``(≤ batch_size, size, size, 3)`` uint8 batches."""
        for start in range(0, len(motion), self.batch_size):
            yield self.render(motion.values[start : start + self.batch_size]).cpu().numpy()

    def frames(self, motion: MotionSequence) -> Iterator[np.ndarray]:
        """Render a whole sequence in batches, yielding ``(size, size, 3)`` uint8 frames."""
        for batch in self.batches(motion):
            yield from batch

    # -- compositing ------------------------------------------------------------------------

    def _box(self, points: torch.Tensor, margin: float) -> tuple[int, int, int, int]:
        """Integer box ``(x0, y0, x1, y1)`` around points ``(B, N, 2+)``, clipped to the frame."""
        low = points[..., :2].amin(dim=(0, 1)) - margin
        high = points[..., :2].amax(dim=(0, 1)) + margin
        size = self.rig.size
        x0, y0 = (int(max(0, min(size - 1, v))) for v in low.tolist())
        x1, y1 = (int(max(x0 + 1, min(size, v + 1))) for v in high.tolist())
        return x0, y0, x1, y1

    def _eye(
        self, mesh: torch.Tensor, upper_ids: tuple[int, ...], lower_ids: tuple[int, ...]
    ) -> tuple[
        tuple[int, int, int, int], CurveFrame, tuple[torch.Tensor, torch.Tensor], torch.Tensor
    ]:
        """One eye in each frame: the box around its lids, eye coordinates for the pixels in
        it, the lids' heights there, and the widest gap between the lids ``(B,)`` in pixels."""
        upper, lower = mesh[:, list(upper_ids), :2], mesh[:, list(lower_ids), :2]
        box = x0, y0, x1, y1 = self._box(torch.cat([upper, lower], 1), 4.0)
        eye = CurveFrame.between(upper[:, 0], upper[:, -1], self._pixels[y0:y1, x0:x1])
        top, bottom = eye.height(upper), eye.height(lower)
        return box, eye, (top, bottom), (bottom - top).amax(dim=(1, 2))

    def _composite_eyes(
        self,
        frames: torch.Tensor,
        motion: _VertexMotion,
        mesh: torch.Tensor,
        grid: torch.Tensor,
    ) -> None:
        """Irises moved by gaze, and their catchlights half as far, clipped to each eye's
        opening; lids closing past :data:`SEAL_FROM` of the portrait's own opening seal it;
        lash shadow on closing lids.

        A warp squeezes the opening between closing lids into a sliver, and its inverse is
        not exact where the field folds, so shut eyes showed a jagged strip of sclera (the
        landmarker read a full blink as eyeBlink 0.36). Sealing samples the portrait with
        the opening filled in from the lids there, as :meth:`_seal_lips` does for the lips.
        """
        size = self.rig.size
        scale = _head_scale(motion)
        for (upper_ids, lower_ids), blink_mode, source_gap in zip(
            _EYES, _BLINK, self._eye_gaps, strict=True
        ):
            (x0, y0, x1, y1), eye, (top, bottom), gap = self._eye(mesh, upper_ids, lower_ids)
            opening = soft_between(eye, top, bottom)
            closing = _closing(gap, source_gap * scale)
            region = frames[:, :, y0:y1, x0:x1]
            box = grid[:, y0:y1, x0:x1]
            shown = opening[:, None]
            travel = motion.gaze[:, None, None, :2] * (2.0 / size)
            irises, catchlights = (
                _sample(layer, box - share * travel)
                for layer, share in ((self._irises, 1.0), (self._catchlights, CATCHLIGHT_TRAVEL))
            )
            # The iris's spill onto the lids, where the moved iris is still behind them.
            region.add_((1 - shown) * irises[:, 3:] * _sample(self._spill, box))
            if bool((closing > 0).any()):
                # Only outside the moved lids: what still shows between them stays the eye.
                weight = closing[:, None, None, None] * (1 - shown)
                _seal(region, self._closed_eyes, box, weight)
            for moved in (irises, catchlights):
                region.mul_(1 - shown * moved[:, 3:]).add_(shown * moved[:, :3])
            blink = motion.coefficients[:, blink_mode, None, None]
            lash = (
                0.55
                * blink
                * torch.exp(-(((eye.v - top) / 1.3) ** 2))
                * ((eye.u > 0) & (eye.u < 1))
            )
            region *= 1.0 - lash[:, None]

    def _mouth_frame(
        self, mesh: torch.Tensor, margin: float
    ) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int, int, int], CurveFrame]:
        """The moved inner lips ``(B, n, 2)`` each, the box around them (``margin`` pixels
        wider), and mouth coordinates for the pixels in that box."""
        inner_upper = mesh[:, list(anatomy.LIP_INNER_UPPER), :2]
        inner_lower = mesh[:, list(anatomy.LIP_INNER_LOWER), :2]
        x0, y0, x1, y1 = self._box(torch.cat([inner_upper, inner_lower], 1), margin)
        mouth = CurveFrame.between(
            inner_upper[:, 0], inner_upper[:, -1], self._pixels[y0:y1, x0:x1]
        )
        return inner_upper, inner_lower, (x0, y0, x1, y1), mouth

    def _composite_mouth(
        self, frames: torch.Tensor, motion: _VertexMotion, mesh: torch.Tensor
    ) -> None:
        """The inside of the mouth where the lips part beyond the portrait's own opening."""
        rig = self.rig
        gap, scale = _lip_gap(motion, mesh)
        width = rig.mouth_width * scale
        strength = ((gap - rig.source_gap * scale - 0.5) / (0.04 * width)).clamp(0, 1)
        if not bool((strength > 0).any()):
            return
        inner_upper, inner_lower, (x0, y0, x1, y1), mouth = self._mouth_frame(mesh, 3.0)
        opening = soft_between(mouth, mouth.height(inner_upper), mouth.height(inner_lower))

        # Upper teeth stay with the skull; lower teeth ride the jaw only (not the lip modes).
        still = self._vertices[list(anatomy.LIP_INNER_UPPER)].expand(len(gap), -1, -1)
        jaw = (
            self._vertices[list(anatomy.LIP_INNER_LOWER)]
            + motion.coefficients[:, _JAW, None, None]
            * (self._basis[_JAW].reshape(-1, 3)[list(anatomy.LIP_INNER_LOWER)])
        )
        upper_line = mouth.height(self._place(motion, still)[..., :2])
        lower_line = mouth.height(self._place(motion, jaw)[..., :2])
        colour = drawn_interior(
            mouth, upper_line, lower_line, width, self._colours, teeth=not rig.mouth_open
        )
        if rig.mouth_open:
            own, cover = own_interior(
                mouth,
                upper_line,
                lower_line,
                scale,
                self._base,
                self._vertices[list(anatomy.LIP_INNER_UPPER), :2],
                self._vertices[list(anatomy.LIP_INNER_LOWER), :2],
                rig.teeth_split,
            )
            colour = colour + cover * (own - colour)
        alpha = (opening * strength[:, None, None])[:, None]
        region = frames[:, :, y0:y1, x0:x1]
        region += alpha * (colour - region)

    def _seal_lips(
        self, frames: torch.Tensor, motion: _VertexMotion, mesh: torch.Tensor, grid: torch.Tensor
    ) -> None:
        """Lips closing over the portrait's own opening: a warp can only squeeze what showed
        between them (a smile's teeth) into a sliver, so as the gap closes past
        :data:`SEAL_FROM` of the portrait's own, the warp samples the portrait with that
        opening filled in from the lips instead."""
        if self._closed is None:
            return
        gap, scale = _lip_gap(motion, mesh)
        closing = _closing(gap, self.rig.source_gap * scale)
        if not bool((closing > 0).any()):
            return
        inner_upper, inner_lower, (x0, y0, x1, y1), mouth = self._mouth_frame(mesh, 4.0)
        region = frames[:, :, y0:y1, x0:x1]
        _seal(region, self._closed, grid[:, y0:y1, x0:x1], closing[:, None, None, None])
        # Where the lips meet, a thin shadow.
        seam = (mouth.height(inner_upper) + mouth.height(inner_lower)) / 2
        along = ((mouth.u > 0) & (mouth.u < 1)).to(seam.dtype)
        shadow = SEAM_SHADOW * closing[:, None, None] * along * torch.exp(-((mouth.v - seam) ** 2))
        region *= 1.0 - shadow[:, None]


def _closing(gap: torch.Tensor, own_gap: torch.Tensor | float) -> torch.Tensor:
    """How far an opening ``(B,)`` has closed past :data:`SEAL_FROM` of the portrait's own
    (at the frame's scale): 0 until then, 1 when shut."""
    return (1 - gap / (SEAL_FROM * own_gap)).clamp(0, 1)


def _seal(
    region: torch.Tensor, filled: torch.Tensor, grid: torch.Tensor, weight: torch.Tensor
) -> None:
    """Blend into ``region`` (in place) the portrait with an opening filled in (``filled``,
    RGBA), sampled through the warp's ``grid`` there, by ``weight`` times its coverage."""
    closed = F.grid_sample(
        filled.expand(len(grid), -1, -1, -1), grid, align_corners=False, padding_mode="border"
    )
    region += weight * closed[:, 3:] * (closed[:, :3] - region)


def _sample(layer: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """A layer ``(1, C, S, S)`` sampled at ``grid`` ``(B, h, w, 2)``, zero beyond its edges."""
    return F.grid_sample(
        layer.expand(len(grid), -1, -1, -1), grid, align_corners=False, padding_mode="zeros"
    )


def _lip_gap(motion: _VertexMotion, mesh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The inner lips' gap at the middle, in pixels, and each frame's head scale, ``(B,)``
    each: openings compare with the portrait's own gap times the scale."""
    gap = (mesh[:, 14, :2] - mesh[:, 13, :2]).norm(dim=1)
    return gap, _head_scale(motion)


def _head_scale(motion: _VertexMotion) -> torch.Tensor:
    """Each frame's head scale ``(B,)`` (the cube root of the rotation × scale's determinant)."""
    return torch.linalg.det(motion.linear).abs() ** (1 / 3)


def _invert(field: torch.Tensor, rest: torch.Tensor) -> torch.Tensor:
    """Solve ``p + field(p) = x`` for every grid pixel ``x`` by Newton's method.

    ``field`` ``(B, 2, g, g)`` is a forward displacement on the half grid whose pixel centres
    are ``rest`` ``(1, 2, g, g)``. Each step samples the field and its Jacobian at the current
    guess; where the warp folds over (a cheek turning behind the nose) the Jacobian's
    determinant is floored, which picks the nearer layer instead of diverging.
    """
    grid = field.shape[-1]
    dx = torch.zeros_like(field)
    dy = torch.zeros_like(field)
    dx[..., 1:-1] = (field[..., 2:] - field[..., :-2]) / 4.0  # half-grid step is 2 pixels
    dy[..., 1:-1, :] = (field[..., 2:, :] - field[..., :-2, :]) / 4.0
    stack = torch.cat([field, dx, dy], dim=1)  # Fx, Fy, dFx/dx, dFy/dx, dFx/dy, dFy/dy
    source = rest - field
    jacobian = None
    for _ in range(INVERSION_STEPS):
        # The first step samples the Jacobian too; later steps reuse it (chord method).
        at = F.grid_sample(
            stack if jacobian is None else field,
            _normalise(source, grid, 2.0).permute(0, 2, 3, 1),
            align_corners=False,
            padding_mode="border",
        )
        if jacobian is None:
            a, c, b, d = 1 + at[:, 2], at[:, 3], at[:, 4], 1 + at[:, 5]
            det = (a * d - b * c).clamp_min(0.2)
            jacobian = (a / det, b / det, c / det, d / det)
        a, b, c, d = jacobian
        residual = source + at[:, :2] - rest
        step_x = d * residual[:, 0] - b * residual[:, 1]
        step_y = a * residual[:, 1] - c * residual[:, 0]
        source = source - torch.stack([step_x, step_y], dim=1).clamp(-16.0, 16.0)
    return source


def _upsample_twice(field: torch.Tensor, size: int) -> torch.Tensor:
    """A ``(B, C, h, h)`` field sampled at the centres of 2×2 pixel blocks, bilinearly at
    every pixel of a ``size``-pixel frame, ``(B, C, size, size)``. The outermost pixels lie
    past the outermost samples: the field's trend is carried on there, where
    ``F.interpolate`` holds it flat and so sampled the frame's outer rows and columns half a
    pixel inwards (up to 23 grey levels off in a still frame)."""
    grown = F.interpolate(field, scale_factor=2.0, mode="bilinear", align_corners=False)
    if size > grown.shape[-1]:  # an odd size: one more row and column
        grown = F.pad(grown, (0, 1, 0, 1))
    grown[..., :, 0] = 2 * grown[..., :, 1] - grown[..., :, 2]
    grown[..., 0, :] = 2 * grown[..., 1, :] - grown[..., 2, :]
    for last in range(2 * field.shape[-1] - 1, size):  # past the last sample's centre
        grown[..., :, last] = 2 * grown[..., :, last - 1] - grown[..., :, last - 2]
        grown[..., last, :] = 2 * grown[..., last - 1, :] - grown[..., last - 2, :]
    return grown


def _normalise(points: torch.Tensor, side: int, step: float) -> torch.Tensor:
    """Frame-pixel positions ``(B, 2, h, w)`` → ``grid_sample`` coordinates (same shape) in
    an image of ``side`` pixels whose pixel ``i`` is centred at ``step * i + (step - 1) / 2``."""
    index = (points - (step - 1) / 2) / step
    return (2 * index + 1) / side - 1
