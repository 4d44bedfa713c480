"""Training MotionDiT on a :class:`MotionCorpus`, from scratch, on the CPU.

Each step draws windows (with their prefix) from random passages, gives each a random set of
controls, noises the window at a random time and regresses the clean window. The loss weighs
the mouth's modes three times (lip sync is what viewers judge first) and adds a velocity term
(VASA-1's), so the predicted motion moves like the targets and not only sits near them. Every
condition is dropped now and then (audio, gaze, distance, emotion 10%, prefix 20%), which
is what classifier-free guidance and the first window of a clip need. The weights kept are an
exponential moving average.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from generator.motion import EXPRESSION_MODES, MOUTH_MODES
from generator.motion_model.config import CONDITIONS, MOTION_MODELS, TrainingRecipe
from generator.motion_model.dataset import MotionCorpus, controlled, random_controls
from generator.motion_model.diffusion import add_noise
from generator.motion_model.model import MotionDiT

#: How often each condition is dropped in training.
DROP = {"audio": 0.1, "prefix": 0.2, "gaze": 0.1, "distance": 0.1, "emotion": 0.1}


class WindowSampler:
    """Random (prefix + window) slices of the corpus, as batched tensors."""

    def __init__(self, corpus: MotionCorpus, prefix: int, window: int) -> None:
        self.features = torch.from_numpy(np.concatenate(corpus.features))
        self.targets = torch.from_numpy(np.concatenate(corpus.targets))
        self.span = prefix + window
        starts, offset = [], 0
        for targets in corpus.targets:
            if len(targets) >= self.span:
                starts.append(np.arange(offset, offset + len(targets) - self.span + 1))
            offset += len(targets)
        if not starts:
            raise ValueError(f"no passage is {self.span} frames long")
        self.starts = torch.from_numpy(np.concatenate(starts))

    def batch(self, size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, P+W, A)`` features and ``(B, P+W, 24)`` control-free targets."""
        pick = self.starts[torch.randint(len(self.starts), (size,), generator=generator)]
        index = pick[:, None] + torch.arange(self.span)[None]
        return self.features[index].float(), self.targets[index]


def fit_normalisation(model: MotionDiT, sampler: WindowSampler, generator: torch.Generator) -> None:
    """Set the model's motion and audio mean/std from a large random batch."""
    audio, base = sampler.batch(4096, generator)
    motion = controlled(base, random_controls(len(base), generator))
    model.motion_mean.copy_(motion.mean((0, 1)))
    model.motion_std.copy_(motion.std((0, 1)).clamp(min=0.02))
    model.audio_mean.copy_(audio.mean((0, 1)))
    model.audio_std.copy_(audio.std((0, 1)).clamp(min=1e-3))


def train(
    corpus: MotionCorpus,
    recipe: TrainingRecipe,
    *,
    on_step: Callable[[int, float], object] = lambda step, loss: None,
) -> MotionDiT:
    """Train a model from scratch and return its moving-average weights (in eval mode).

    ``on_step(step, loss)`` is called after every step, for progress.
    """
    torch.manual_seed(recipe.seed)
    generator = torch.Generator().manual_seed(recipe.seed)
    model = MotionDiT(replace(MOTION_MODELS[recipe.model], audio_size=corpus.feature_size))
    config = model.config
    sampler = WindowSampler(corpus, config.prefix, config.window)
    fit_normalisation(model, sampler, generator)
    average = copy.deepcopy(model).requires_grad_(False)
    optimiser = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min(1.0, (step + 1) / recipe.warmup)
        * 0.5 * (1 + np.cos(np.pi * min(step, recipe.steps) / recipe.steps)),
    )  # fmt: skip
    weights = torch.ones(config.motion_size)
    weights[[EXPRESSION_MODES.index(m) for m in MOUTH_MODES]] = 3.0
    p = config.prefix
    model.train()
    for step in range(recipe.steps):
        audio, base = sampler.batch(recipe.batch, generator)
        controls = random_controls(recipe.batch, generator)
        motion = (controlled(base, controls) - model.motion_mean) / model.motion_std
        audio = (audio - model.audio_mean) / model.audio_std
        prefix, clean = motion[:, :p], motion[:, p:]
        keep = torch.stack(
            [torch.rand(recipe.batch, generator=generator) >= DROP[c] for c in CONDITIONS], 1
        )
        t = torch.rand(recipe.batch, generator=generator)
        noise = torch.randn(clean.shape, generator=generator)
        predicted = model(add_noise(clean, t, noise), t, audio, prefix, controls, keep)
        error = ((predicted - clean) ** 2 * weights).mean()
        velocity = ((predicted.diff(dim=1) - clean.diff(dim=1)) ** 2 * weights).mean()
        loss = error + velocity
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        with torch.no_grad():
            for kept, live in zip(average.parameters(), model.parameters(), strict=True):
                kept.lerp_(live, 1 - recipe.ema)
            for kept, live in zip(average.buffers(), model.buffers(), strict=True):
                kept.copy_(live)
        on_step(step + 1, loss.item())
    return average.eval()
