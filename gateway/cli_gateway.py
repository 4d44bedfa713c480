"""The commands that run or call the gateway: serve, generate, admin, audit verify.

Registered on the ``talkgate`` app by gateway.cli. `talkgate audit verify` exits 0 when the
log checks out and 9 when it does not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gateway.audit.log import AuditLog
from gateway.cli_options import (
    DistanceOption,
    Emotion,
    EmotionOption,
    GazeOption,
    IntensityOption,
    SeedOption,
    controls_from,
)
from gateway.client import GatewayClient
from gateway.db import Database
from gateway.errors import GatewayError
from gateway.settings import Settings, get_settings
from gateway.tables import Role

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

#: `talkgate audit verify`: the log was changed outside talkgate.
AUDIT_TAMPERED_EXIT = 9

admin_app = typer.Typer(help="Partners and keys (operators only).", no_args_is_help=True)
partner_app = typer.Typer(help="Clients of the gateway.", no_args_is_help=True)
admin_app.add_typer(partner_app, name="partner")
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the gateway: the /v1 API, the token endpoint and the embedded worker."""
    import uvicorn

    from gateway.main import create_app

    settings = get_settings()
    host, port = host or settings.host, port if port is not None else settings.port
    errors.print(
        f"talkgate gateway on http://{host}:{port} (API docs at /docs), data in {settings.home}"
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def generate_command(
    portrait: Annotated[Path, typer.Argument(help="The portrait: one face.", exists=True)],
    audio: Annotated[Path, typer.Option(help="The speech to say.", exists=True)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The .mp4 to write.")],
    consent: Annotated[str, typer.Option(help="The subject's recorded consent (its ID, cns_...).")],
    purpose: Annotated[str, typer.Option(help="One of the purposes the consent covers.")],
    synthetic_voice: Annotated[
        bool,
        typer.Option(
            "--synthetic-voice",
            help="The speech is a synthetic voice, not the subject's own (which is otherwise "
            "matched against the consent).",
        ),
    ] = False,
    gaze: GazeOption = "0,0",
    distance: DistanceOption = 1.0,
    emotion: EmotionOption = Emotion.NEUTRAL,
    intensity: IntensityOption = 0.7,
    seed: SeedOption = 0,
    size: Annotated[int, typer.Option(min=256, max=1024, help="Frame side in pixels.")] = 512,
    server: Annotated[
        str | None,
        typer.Option(help="Gateway URL (default TALKGATE_SERVER; none: an embedded one)."),
    ] = None,
) -> None:
    """Make a clip through the gateway, as partners do: under a subject's recorded consent,
    decided by the policy, audited, watermarked, signed and registered."""
    options: dict[str, Any] = {
        "consent_id": consent,
        "purpose": purpose,
        "voice": "synthetic" if synthetic_voice else "consented",
        "seed": seed,
        "size": size,
        "controls": controls_from(gaze, distance, emotion, intensity),
    }
    with partner_client(get_settings(), server) as api:
        job = _generate(api, portrait, audio, output, options)
    console.print(f"clip {job['clip_id']} written to {output}")


def _generate(
    api: GatewayClient, portrait: Path, audio: Path, output: Path, options: dict[str, Any]
) -> dict[str, Any]:
    job = api.generate(portrait, audio, **options)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task("queued", total=1.0)

        def show(state: dict) -> None:
            bar.update(task, completed=state["progress"], description=state["state"])

        job = api.wait(job["id"], on_progress=show)
    if job.get("state") != "succeeded":
        raise GatewayError(f"generation {job.get('id')} {job.get('state')}: {job.get('failure')}")
    api.download(job["clip_id"], output)
    return job


@contextmanager
def partner_client(settings: Settings, server: str | None) -> Iterator[GatewayClient]:
    """A client of the gateway at ``server`` (or ``TALKGATE_SERVER``) with the configured
    credentials; with neither, of an embedded gateway as this machine's partner "local"."""
    server = server or settings.server
    if server is None:
        with _embedded_client(settings, "local") as api:
            yield api
    else:
        secret = settings.client_secret.get_secret_value() if settings.client_secret else None
        with GatewayClient(server, settings.client_id, secret) as api:
            yield api


@contextmanager
def _embedded_client(settings: Settings, name: str) -> Iterator[GatewayClient]:
    """A client of an embedded gateway, as this machine's own partner ``name``."""
    from gateway.embedded import embedded_gateway
    from gateway.partners import local_client

    with embedded_gateway(settings, any_port=True) as served:
        services = served.services
        with services.db.session() as session:
            client_id, secret = local_client(
                session, services.audit, settings.keys_dir / f"{name}-client.json", name
            )
        with GatewayClient(served.url, client_id, secret) as api:
            yield api


@partner_app.command("create")
def partner_create_command(
    name: Annotated[str, typer.Argument(help="Who the client is, e.g. the partner's name.")],
    role: Annotated[Role, typer.Option(help="What the client may do.")] = Role.PARTNER,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Create a client; prints its ID and secret (shown once, stored only hashed)."""
    from gateway.partners import create_partner

    with _offline_services() as (db, audit):
        with db.session() as session:
            partner, secret = create_partner(session, audit, name, role, actor="cli")
    record = {"partner_id": partner.id, "client_id": partner.client_id, "client_secret": secret}
    if as_json:
        console.print_json(json.dumps(record))
        return
    console.print(f"created {role.value} {name!r} ({partner.id})")
    console.print(f"  client ID      {partner.client_id}")
    console.print(f"  client secret  {secret}")
    errors.print("The secret is shown only now; hand it over by a secure channel.")


@partner_app.command("list")
def partner_list_command() -> None:
    """Every client, with its role and whether it is suspended."""
    from gateway.partners import list_partners

    table = Table("ID", "name", "role", "client ID", "state", "created")
    with _offline_services() as (db, _audit):
        with db.session() as session:
            for partner in list_partners(session):
                state = "suspended" if partner.suspended else "active"
                created = f"{partner.created_at:%Y-%m-%d %H:%M}"
                table.add_row(
                    partner.id, partner.name, partner.role.value, partner.client_id, state, created
                )
    console.print(table)


@partner_app.command("suspend")
def partner_suspend_command(
    partner: Annotated[str, typer.Argument(help="Partner ID or client ID.")],
) -> None:
    """Suspend a client: its tokens stop working at once and it gets no new ones."""
    from gateway.partners import suspend_partner

    with _offline_services() as (db, audit):
        with db.session() as session:
            suspended = suspend_partner(session, audit, partner, actor="cli")
    console.print(f"suspended {suspended.name!r} ({suspended.id})")


@admin_app.command("purge-consent-media")
def purge_consent_media_command() -> None:
    """Delete consent recordings past their retention now (the worker also does it hourly);
    the consents and their sealed embeddings stay."""
    from gateway.consent import purge_expired_media

    settings = get_settings()
    with _offline_services() as (db, audit):
        purged = purge_expired_media(db, audit, settings.consent_media_dir)
    console.print(
        f"deleted {purged} consent recording(s) older than {settings.consent_media_days} days"
    )


@admin_app.command("rotate-token-key")
def rotate_token_key_command() -> None:
    """Sign new access tokens with a new key; tokens signed before stay valid until they
    expire. A running gateway picks the key up when restarted."""
    from gateway.auth.keys import TokenKeys

    settings = get_settings()
    kid = TokenKeys.load_or_create(settings.keys_dir / "tokens").rotate()
    with _offline_services() as (db, audit):
        with db.session() as session:
            audit.commit(session, {"type": "admin.token_key_rotated", "actor": "cli", "kid": kid})
    console.print(f"new token signing key {kid}")


@audit_app.command("verify")
def audit_verify_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Recompute the whole audit log from its events and check every signed tree head and
    the witness checkpoint; names the first entry that was edited, removed or moved."""
    from dataclasses import asdict

    from gateway.audit.log import verify_log

    settings = get_settings()
    with _offline_services() as (db, audit):
        with db.session() as session:
            report = verify_log(session, audit.signer, settings.audit_checkpoint_path)
    if as_json:
        console.print_json(json.dumps({**asdict(report), "ok": report.ok}))
    elif report.ok:
        witness = (
            f"; matches the checkpoint at {report.checkpoint_size}"
            if report.checkpoint_size is not None
            else "; no witness checkpoint yet"
        )
        console.print(f"[bold green]OK[/]  {report.tree_size} entries verified{witness}")
    else:
        console.print(f"[bold red]TAMPERED[/]  {report.problem}")
    if not report.ok:
        raise typer.Exit(AUDIT_TAMPERED_EXIT)


@contextmanager
def _offline_services() -> Iterator[tuple[Database, AuditLog]]:
    """The database and audit log without the rest of the gateway (admin commands)."""
    from gateway.services import open_audit_log

    settings = get_settings()
    db = Database.open(settings)
    try:
        yield db, open_audit_log(settings)
    finally:
        db.close()


def register(app: typer.Typer) -> None:
    """Add these commands to the ``talkgate`` app."""
    app.command("serve")(serve_command)
    app.command("generate")(generate_command)
    app.add_typer(admin_app, name="admin")
    app.add_typer(audit_app, name="audit")
