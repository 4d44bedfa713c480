"""`talkgate consent`: partners open, list and revoke consents; subjects record theirs.

Like `talkgate generate`, each command calls the gateway at ``--server`` (or
``TALKGATE_SERVER``) with the partner's credentials, or an embedded gateway on this
machine's data directory as its own partner "local" when there is none. `record` is the
subject's side: it needs no credentials, only the capture link.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gateway.cli_gateway import console, errors, partner_client
from gateway.client import ApiError
from gateway.settings import get_settings

consent_app = typer.Typer(
    help="Consents: open one for a subject, record it, list and revoke them.",
    no_args_is_help=True,
)

Server = Annotated[
    str | None,
    typer.Option(help="Gateway URL (default TALKGATE_SERVER; none: an embedded one)."),
]


@consent_app.command("open")
def open_command(
    subject: Annotated[str, typer.Option(help="The subject's name, as they will say it.")],
    purpose: Annotated[list[str], typer.Option(help="What the clips are for; repeat for several.")],
    days: Annotated[int, typer.Option(min=1, max=365, help="How long it lasts.")] = 90,
    clip_limit: Annotated[int, typer.Option(min=1, help="Clips it allows at most.")] = 20,
    photo_audio: Annotated[
        bool,
        typer.Option(help="Also accept a photo plus an audio recording, not only a video."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    server: Server = None,
) -> None:
    """Open a consent request; prints the statement the subject must say (with its one-time
    code) and the capture link to give them (shown only now)."""
    with partner_client(get_settings(), server) as api:
        opened = api.open_consent(
            subject,
            purpose,
            valid_days=days,
            clip_limit=clip_limit,
            photo_audio_allowed=photo_audio,
        )
    if as_json:
        console.print_json(json.dumps(opened))
        return
    console.print(f"consent {opened['id']} for {opened['subject_name']}: {opened['state']}")
    console.print(f"  statement     {opened['statement']}")
    console.print(f"  capture link  {opened['capture_url']}")
    console.print(f"  link expires  {opened['capture_expires_at']}")
    errors.print(
        "Give the subject the link and the statement; they record it with "
        "`talkgate consent record LINK --recording VIDEO` (or the API)."
    )


@consent_app.command("record")
def record_command(
    link: Annotated[str, typer.Argument(help="The capture link the partner gave you.")],
    recording: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A video with sound of you saying it."),
    ] = None,
    photo: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="A photo of you.")
    ] = None,
    audio: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="You saying it.")
    ] = None,
    server: Server = None,
) -> None:
    """Record your consent: a video with sound, or a photo plus audio where allowed. Prints
    your own revocation link, or every reason the recording was refused."""
    video = recording is not None and photo is None and audio is None
    photo_and_audio = recording is None and photo is not None and audio is not None
    if not (video or photo_and_audio):
        raise typer.BadParameter("give either --recording, or --photo and --audio")
    with partner_client(get_settings(), server) as api:
        try:
            accepted = api.capture_consent(link, recording=recording, photo=photo, audio=audio)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors.print(f"not accepted: {exc}")
            raise typer.Exit(1) from None
    console.print(f"consent {accepted['consent_id']}: {accepted['state']}")
    console.print(f"  revoke it any time: POST {accepted['revoke_url']} (keep this link)")


@consent_app.command("list")
def list_command(server: Server = None) -> None:
    """The partner's consents, newest first."""
    with partner_client(get_settings(), server) as api:
        consents = api.list_consents()
    table = Table("subject", "purposes", "state", "clip limit", "expires")
    table.add_column("ID", no_wrap=True)
    for consent in consents:
        table.add_row(
            consent["subject_name"],
            ", ".join(consent["purposes"]),
            consent["state"],
            str(consent["clip_limit"]),
            consent["expires_at"][:10],
            consent["id"],
        )
    console.print(table)


@consent_app.command("revoke")
def revoke_command(
    consent_id: Annotated[str, typer.Argument(help="The consent's ID (cns_...).")],
    server: Server = None,
) -> None:
    """Revoke a consent: its held and queued generations are cancelled at once, a running
    one stops, and its clips verify as "consent revoked"."""
    with partner_client(get_settings(), server) as api:
        revoked = api.revoke_consent(consent_id)
    console.print(f"consent {revoked['id']}: {revoked['state']}")
