"""The learned half of the generator: speech → motion with a diffusion transformer.

- :mod:`~generator.motion_model.config`: the network's shapes and the training recipe;
- :mod:`~generator.motion_model.model`: MotionDiT, the network (no schedule inside);
- :mod:`~generator.motion_model.diffusion`: noising, few-step guided sampling, sliding windows;
- :mod:`~generator.motion_model.dataset` and :mod:`~generator.motion_model.train`: the corpus
  of speech features and authored targets, and training from scratch;
- :mod:`~generator.motion_model.card`: the committed weights and their model card;
- :mod:`~generator.motion_model.generate`: :class:`MotionGenerator`, speech → motion;
- :mod:`~generator.motion_model.metrics`: lip-sync and liveliness measures.

The package stays light to import (no torch) so the command line can read the recipe's
defaults; the modules that need torch are imported by name.
"""

from generator.motion_model.config import MOTION_MODELS, MotionDiTConfig, TrainingRecipe

__all__ = ["MOTION_MODELS", "MotionDiTConfig", "TrainingRecipe"]
