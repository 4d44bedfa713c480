"""MotionDiT: a diffusion transformer that denoises a window of motion vectors.

The shape VASA-1 describes (Xu et al., "VASA-1: Lifelike Audio-Driven Talking Faces Generated
in Real Time", 2024, §3.2): a transformer over a window of per-frame motion vectors, with the
previous window's last motion frames and their audio as a prefix (so windows chain into any
length and into a stream), conditioned on per-frame audio features and on the controls (main
gaze, head distance, emotion). Blocks are DiT's adaLN-Zero blocks (Peebles & Xie, "Scalable
Diffusion Models with Transformers", 2023), modulated by the diffusion time and the controls.

The network only maps (noisy window, time, conditions) → the clean window; the noise schedule
and the sampler live in :mod:`generator.motion_model.diffusion`. Every condition can be
dropped for classifier-free guidance: dropped ones are replaced by learned null embeddings.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from generator.motion_model.config import MotionDiTConfig


def timestep_embedding(t: torch.Tensor, size: int) -> torch.Tensor:
    """Sinusoidal embedding ``(B, size)`` of diffusion times ``t`` in ``[0, 1]``."""
    half = size // 2
    frequencies = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = 1000 * t[:, None].float() * frequencies[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


def _modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale[:, None]) + shift[:, None]


class Block(nn.Module):
    """Self-attention and MLP, each with adaLN-Zero modulation from the condition vector."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"), nn.Linear(4 * width, width)
        )
        self.modulation = nn.Sequential(nn.SiLU(), nn.Linear(width, 6 * width))

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        """``x`` (B, N, D), ``condition`` (B, D) → (B, N, D)."""
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(condition).chunk(6, dim=1)
        h = _modulate(self.norm1(x), shift1, scale1)
        x = x + gate1[:, None] * self.attention(h, h, h, need_weights=False)[0]
        return x + gate2[:, None] * self.mlp(_modulate(self.norm2(x), shift2, scale2))


class MotionDiT(nn.Module):
    """Predicts the clean motion window from a noisy one (all in normalised units)."""

    def __init__(self, config: MotionDiTConfig) -> None:
        super().__init__()
        self.config = config
        width, length = config.width, config.prefix + config.window
        self.motion_in = nn.Linear(config.motion_size, width)
        self.audio_in = nn.Linear(config.audio_size, width)
        self.position = nn.Parameter(torch.zeros(1, length, width))
        self.segment = nn.Parameter(torch.zeros(2, width))  # prefix, window
        self.null_audio = nn.Parameter(torch.zeros(width))
        self.null_prefix = nn.Parameter(torch.zeros(width))
        self.time_in = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.gaze_in = nn.Linear(2, width)
        self.distance_in = nn.Linear(1, width)
        self.emotion_in = nn.Linear(config.control_size - 3, width)
        self.null_controls = nn.Parameter(torch.zeros(3, width))  # gaze, distance, emotion
        self.blocks = nn.ModuleList(Block(width, config.heads) for _ in range(config.depth))
        self.norm_out = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.modulation_out = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))
        self.out = nn.Linear(width, config.motion_size)
        # Normalisation of motion and audio, fitted on the training corpus (saved with it).
        self.register_buffer("motion_mean", torch.zeros(config.motion_size))
        self.register_buffer("motion_std", torch.ones(config.motion_size))
        self.register_buffer("audio_mean", torch.zeros(config.audio_size))
        self.register_buffer("audio_std", torch.ones(config.audio_size))
        self._initialise()

    def _initialise(self) -> None:
        """Xavier linears, small positions, and zero adaLN gates and output (DiT)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        nn.init.normal_(self.position, std=0.02)
        nn.init.normal_(self.segment, std=0.02)
        for block in self.blocks:
            nn.init.zeros_(block.modulation[-1].weight)
            nn.init.zeros_(block.modulation[-1].bias)
        for layer in (self.modulation_out[-1], self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(
        self,
        noisy: torch.Tensor,
        t: torch.Tensor,
        audio: torch.Tensor,
        prefix: torch.Tensor,
        controls: torch.Tensor,
        keep: torch.Tensor,
    ) -> torch.Tensor:
        """Denoise one window.

        Args:
            noisy: (B, W, M) the noisy window, normalised.
            t: (B,) diffusion time in [0, 1].
            audio: (B, P + W, A) normalised audio features for the prefix and the window.
            prefix: (B, P, M) the previous window's last motion frames, normalised.
            controls: (B, C) the control vector (``Controls.vector()``).
            keep: (B, 5) bool, which of :data:`CONDITIONS` are given (False = dropped).

        Returns:
            (B, W, M) the predicted clean window, normalised.
        """
        p = self.config.prefix
        keep = keep.to(noisy.dtype)[:, :, None, None]  # (B, 5, 1, 1)
        motion = self.motion_in(torch.cat([prefix, noisy], dim=1))  # (B, P+W, D)
        prefix_kept = keep[:, 1] * motion[:, :p] + (1 - keep[:, 1]) * self.null_prefix
        motion = torch.cat([prefix_kept, motion[:, p:]], dim=1)
        sound = keep[:, 0] * self.audio_in(audio) + (1 - keep[:, 0]) * self.null_audio
        segment = torch.cat(
            [self.segment[:1].expand(p, -1), self.segment[1:].expand(noisy.shape[1], -1)]
        )
        x = motion + sound + self.position[:, : motion.shape[1]] + segment  # (B, P+W, D)
        given = [
            self.gaze_in(controls[:, :2]),
            self.distance_in(controls[:, 2:3]),
            self.emotion_in(controls[:, 3:]),
        ]
        condition = self.time_in(timestep_embedding(t, self.config.width))  # (B, D)
        for index, embedded in enumerate(given):
            kept = keep[:, 2 + index, 0]  # (B, 1)
            condition = condition + kept * embedded + (1 - kept) * self.null_controls[index]
        for block in self.blocks:
            x = block(x, condition)
        shift, scale = self.modulation_out(condition).chunk(2, dim=1)
        return self.out(_modulate(self.norm_out(x[:, p:]), shift, scale))  # (B, W, M)
