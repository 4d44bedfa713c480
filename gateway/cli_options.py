"""Command-line options shared by `talkgate animate` and `talkgate generate`: the motion
controls, parsed into :class:`generator.controls.Controls`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from generator import GeneratorError
from generator.controls import Controls, Emotion

GazeOption = Annotated[
    str,
    typer.Option(
        metavar="YAW,PITCH", help="Main gaze in degrees, ±20 and ±12 (+yaw: image right, +up)."
    ),
]
DistanceOption = Annotated[
    float, typer.Option(min=0.85, max=1.2, help="Head distance as a scale (1 = as framed).")
]
EmotionOption = Annotated[Emotion, typer.Option(help="Emotion the face shows.")]
IntensityOption = Annotated[
    float, typer.Option(min=0.0, max=1.0, help="How strongly the emotion shows.")
]
SeedOption = Annotated[
    int, typer.Option(min=0, help="Fixes the motion: same inputs and seed, same clip.")
]


def controls_from(gaze: str, distance: float, emotion: StrEnum, intensity: float) -> Controls:
    """The controls the options ask for.

    Raises:
        typer.BadParameter: the gaze is not two numbers, or out of range.
    """
    try:
        yaw, pitch = (float(part) for part in gaze.split(","))
    except ValueError:
        raise typer.BadParameter(
            "give the gaze as YAW,PITCH in degrees, e.g. 10,-5", param_hint="--gaze"
        ) from None
    try:
        return Controls((yaw, pitch), distance, emotion.value, intensity)
    except GeneratorError as exc:
        raise typer.BadParameter(str(exc), param_hint="--gaze") from None
