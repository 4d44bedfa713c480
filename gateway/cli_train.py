"""`talkgate train motion`: build the speech corpus and train the motion model from scratch;
`talkgate train judge`: judge a trained model again after the sampler changed.

The corpus (speech features plus authored targets) is cached beside the data, so a second run
with the same recipe goes straight to training. The result is a model card and its weights,
by default the ones talkgate ships (``generator/cards/motion_dit.json``), with the held-out
figures in the card.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from gateway.cli_gateway import console
from gateway.settings import get_settings
from generator.motion_model.config import (
    DEFAULT_CARD,
    MOTION_MODELS,
    TRAINING_PASSAGES,
    TrainingRecipe,
)

train_app = typer.Typer(help="Train talkgate's models from data made on this machine.")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@train_app.command("motion")
def motion_command(
    passages: Annotated[
        int, typer.Option(min=10, help="Synthetic passages (each up to 28 s) to speak.")
    ] = TRAINING_PASSAGES,
    steps: Annotated[int, typer.Option(min=1, help="Training steps.")] = TrainingRecipe.steps,
    batch: Annotated[int, typer.Option(min=1, help="Windows per step.")] = TrainingRecipe.batch,
    model: Annotated[
        str, typer.Option(help=f"Model size: {', '.join(MOTION_MODELS)}.")
    ] = TrainingRecipe.model,
    seed: Annotated[int, typer.Option(help="Fixes the corpus and the training run.")] = 0,
    card: Annotated[Path, typer.Option(help="Model card to write (weights beside it).")] = (
        DEFAULT_CARD
    ),
    corpus_path: Annotated[
        Path | None,
        typer.Option("--corpus", help="Corpus cache (default $TALKGATE_HOME/cache/…)."),
    ] = None,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild", help="Speak the corpus again even if cached (after changing the recipe)."
        ),
    ] = False,
) -> None:
    """Speak the corpus, train MotionDiT on it, judge it on held-out voices, write the card."""
    if model not in MOTION_MODELS:
        raise typer.BadParameter(f"choose one of {', '.join(MOTION_MODELS)}", param_hint="--model")
    from gateway.bench.motion import held_out_figures
    from gateway.models import speech_encoder_dir
    from gateway.motion_data import training_passages
    from generator.motion_model.card import ENCODER_FILE, file_sha256, save_model
    from generator.motion_model.dataset import MotionCorpus, build_corpus
    from generator.motion_model.generate import sampling_card
    from generator.motion_model.train import train
    from generator.speech.features import SpeechEncoder

    settings = get_settings()
    corpus_path = corpus_path or settings.home / "cache" / f"motion-corpus-{passages}-{seed}.npz"
    started = time.perf_counter()
    encoder = SpeechEncoder(speech_encoder_dir(settings))
    with _progress() as progress:
        cached = MotionCorpus.load(corpus_path) if corpus_path.is_file() and not rebuild else None
        if cached is not None and cached.feature_size == encoder.feature_size:
            corpus = cached
            console.print(f"corpus: {corpus_path} ({corpus.frames} frames, cached)")
        else:
            task = progress.add_task("speaking the corpus", total=None, note="")
            corpus = build_corpus(
                training_passages(settings, count=passages, seed=seed),
                lambda passage: encoder.features(passage.heard),
                seed=seed,
                on_passage=lambda done: progress.update(task, completed=done),
            )
            corpus_path.parent.mkdir(parents=True, exist_ok=True)
            corpus.save(corpus_path)
        corpus_s = time.perf_counter() - started
        recipe = TrainingRecipe(model=model, steps=steps, batch=batch, seed=seed)
        task = progress.add_task("training", total=steps, note="")
        trained = train(
            corpus,
            recipe,
            on_step=lambda step, loss: progress.update(
                task, completed=step, note=f"loss {loss:.3f}"
            ),
        )
    training_s = time.perf_counter() - started - corpus_s
    figures = held_out_figures(trained, settings)
    synthetic = sum(1 for s in corpus.speakers if s != "asterisk-en")
    save_model(
        trained,
        card,
        {
            "name": "MotionDiT",
            "model": model,
            "trained": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": shlex.join(["talkgate", *sys.argv[1:]]),
            "recipe": vars(recipe),
            "seconds": {"corpus": round(corpus_s), "training": round(training_s)},
            "data": {
                "frames": corpus.frames,
                "passages": {"synthetic": synthetic, "recorded": len(corpus.speakers) - synthetic},
                "recipe": "gateway/motion_data.py (training_passages); targets: "
                "generator/speech/targets.py",
            },
            "speech_encoder": {
                "asset": "whisper_tiny_en",
                "sha256": file_sha256(speech_encoder_dir(settings) / ENCODER_FILE),
            },
            "held_out": figures,
            "sampling": sampling_card(trained),
        },
    )
    console.print(f"model card: {card}")
    console.print(json.dumps(figures, indent=2))


@train_app.command("judge")
def judge_command(
    card: Annotated[Path, typer.Option(help="Model card to judge again.")] = DEFAULT_CARD,
) -> None:
    """Judge a trained model on the held-out voices again and rewrite its card's figures and
    sampling description (the weights are untouched): what a change to how ``generate``
    samples, without retraining, calls for."""
    from gateway.bench.motion import held_out_figures
    from gateway.models import speech_encoder_dir
    from generator.motion_model.card import load_card, write_card
    from generator.motion_model.generate import sampling_card

    settings = get_settings()
    loaded = load_card(card, encoder_dir=speech_encoder_dir(settings))
    with console.status("judging on the held-out voices"):
        figures = held_out_figures(loaded.model, settings)
    write_card(
        card,
        {
            **loaded.card,
            "held_out": figures,
            "sampling": sampling_card(loaded.model),
            "judged": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )
    console.print(f"model card: {card}")
    console.print(json.dumps(figures, indent=2))
