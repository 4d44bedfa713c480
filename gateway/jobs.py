"""Generation jobs: accepted into the database, run by a worker, finished exactly once.

A worker claims a job by taking its lease and keeps renewing it while it renders. A gateway
that dies mid-job leaves the lease to run out; the next worker takes the job again and,
because the job's watermark clip ID was fixed at submission and a clip row is unique per job,
the registry still ends up with one clip and one manifest. The clip, its manifest, the job's
success and the "clip.signed" audit event are committed together.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from gateway.clips import ReleasedClip, model_versions, release_clip
from gateway.consent import purge_expired_media
from gateway.decisions import decide_request, decision_event, decision_row, measure_request
from gateway.errors import Conflict, NotFound, PolicyDenied, RateLimited
from gateway.models import open_landmarker, open_speaker
from gateway.services import Services
from gateway.tables import Clip, Decision, Job, JobState, Partner, utc_now
from generator import (
    FaceLandmarker,
    GeneratorError,
    WeightsMismatch,
    load_portrait,
    read_audio,
)
from generator.controls import Controls
from generator.face_model import build_face_model
from policy import Outcome
from watermark import InputDigest, WatermarkError

if TYPE_CHECKING:
    from generator.motion_model.generate import MotionGenerator

log = logging.getLogger(__name__)

#: A job that failed this many times for reasons not its own is given up on.
MAX_ATTEMPTS = 3
#: Report progress (and renew the lease) at most this often, in fractions of the clip.
_PROGRESS_STEP = 0.02


class JobCancelled(Exception):
    """Raised inside the render loop when the partner cancelled the job."""


@dataclass(frozen=True)
class Submission:
    """A generation request whose inputs are already stored and checked."""

    portrait_sha256: str
    portrait_type: str
    audio_sha256: str
    audio_type: str
    consent_id: str
    purpose: str
    voice_synthetic: bool
    seed: int
    size: int
    idempotency_key: str | None
    controls: Controls = Controls()


def pending_jobs(session: Session, partner_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(Job)
        .where(Job.partner_id == partner_id)
        .where(col(Job.state).in_([JobState.HELD, JobState.QUEUED, JobState.RUNNING]))
    ).one()


def submit(services: Services, partner_id: str, request: Submission) -> tuple[Job, bool]:
    """Decide on ``request`` for ``partner_id`` and, unless denied, queue it (or hold it for
    review); returns the job and whether it is new (a repeated idempotency key with the same
    inputs returns the first job).

    Raises:
        PolicyDenied: the policy denied the request (the decision is kept and audited).
        Conflict: the idempotency key was used before for different inputs.
        RateLimited: the partner has ``max_pending_jobs`` held, queued or running already.
    """
    measures = measure_request(
        services,
        services.artifacts.path_of(request.portrait_sha256),
        services.artifacts.path_of(request.audio_sha256),
        request.voice_synthetic,
    )
    with services.db.session() as session:
        # One submission per partner at a time: the idempotency lookup, the pending count
        # and the insert then see each other (a row lock on PostgreSQL, the write lock on
        # SQLite), so racing retries and bursts cannot slip past either check.
        session.execute(
            update(Partner).where(col(Partner.id) == partner_id).values(name=Partner.name)
        )
        if request.idempotency_key:
            earlier = session.exec(
                select(Job)
                .where(Job.partner_id == partner_id)
                .where(Job.idempotency_key == request.idempotency_key)
            ).first()
            if earlier is not None:
                if _inputs(earlier) != _inputs(request):
                    raise Conflict(
                        "this Idempotency-Key was used for a different request; "
                        "use a new key for new inputs"
                    )
                return earlier, False
        if pending_jobs(session, partner_id) >= services.settings.max_pending_jobs:
            raise RateLimited(
                f"{services.settings.max_pending_jobs} generations are already queued or "
                "running for this partner; wait for one to finish",
                retry_after=30,
            )
        now = utc_now()
        partner = session.get(Partner, partner_id)
        assert partner is not None  # the caller's token was checked against it
        decision = decide_request(
            session,
            services,
            partner,
            request.consent_id,
            request.purpose,
            request.voice_synthetic,
            measures,
            now,
        )
        row = decision_row(decision, partner_id, request.consent_id, now)
        session.add(row)
        if decision.outcome is Outcome.DENY:
            services.audit.commit(session, decision_event(row))
            denied = row
        else:
            denied = None
            job = _new_job(partner_id, request, row, now)
            session.add(job)
            kind = "job.held" if job.state is JobState.HELD else "job.queued"
            services.audit.commit(session, decision_event(row), _job_event(job, kind))
    if denied is not None:
        raise PolicyDenied(
            "the policy denied this generation: "
            + "; ".join(reason["message"] for reason in denied.reasons),
            denied.reasons,
            decision_id=denied.id,
            rules_version=denied.rules_version,
        )
    return job, True


def _new_job(partner_id: str, request: Submission, decision: Decision, now: datetime) -> Job:
    """The job for an allowed request (queued) or one sent to review (held)."""
    held = decision.outcome == Outcome.REVIEW.value
    return Job(
        id="job_" + secrets.token_hex(10),
        partner_id=partner_id,
        idempotency_key=request.idempotency_key,
        state=JobState.HELD if held else JobState.QUEUED,
        portrait_sha256=request.portrait_sha256,
        portrait_type=request.portrait_type,
        audio_sha256=request.audio_sha256,
        audio_type=request.audio_type,
        consent_id=request.consent_id,
        purpose=request.purpose,
        voice_synthetic=request.voice_synthetic,
        decision_id=decision.id,
        seed=request.seed,
        size=request.size,
        gaze_yaw=request.controls.gaze[0],
        gaze_pitch=request.controls.gaze[1],
        distance=request.controls.distance,
        emotion=request.controls.emotion,
        emotion_intensity=request.controls.intensity,
        clip_id=f"{secrets.randbits(64):016x}",
        created_at=now,
        updated_at=now,
    )


def _inputs(request: Job | Submission) -> tuple[object, ...]:
    """What an idempotent retry must repeat exactly."""
    return (
        request.portrait_sha256,
        request.audio_sha256,
        request.consent_id,
        request.purpose,
        request.voice_synthetic,
        request.seed,
        request.size,
        controls_of(request),
    )


def controls_of(request: Job | Submission) -> Controls:
    """The motion controls a job or a submission asks for."""
    if isinstance(request, Submission):
        return request.controls
    return Controls(
        (request.gaze_yaw, request.gaze_pitch),
        request.distance,
        request.emotion,
        request.emotion_intensity,
    )


def own_job(session: Session, partner_id: str, job_id: str) -> Job:
    """The job ``job_id`` if it belongs to ``partner_id``.

    Raises:
        NotFound: no such job, or another partner's (the two look the same).
    """
    job = session.get(Job, job_id)
    if job is None or job.partner_id != partner_id:
        raise NotFound(f"no generation {job_id}")
    return job


def cancel(services: Services, partner_id: str, job_id: str) -> Job:
    """Cancel a held or queued job at once, or ask the worker to stop a running one.

    Raises:
        NotFound: not the caller's job. Conflict: the job has finished already.
    """
    with services.db.session() as session:
        job = own_job(session, partner_id, job_id)
        if job.state.finished:
            raise Conflict(f"generation {job_id} has already {job.state.value}")
        job.cancel_requested = True
        if job.state in (JobState.HELD, JobState.QUEUED):
            job.state = JobState.CANCELLED
            job.failure = "cancelled by the partner"
        job.updated_at = utc_now()
        session.add(job)
        services.audit.commit(session, _job_event(job, "job.cancel_requested"))
    return job


#: How often the worker, when idle, deletes consent recordings past their retention.
PURGE_EVERY_S = 3600.0


class Worker:
    """Runs jobs one at a time in a background thread (the embedded default), and between
    them deletes consent recordings past their retention."""

    def __init__(self, services: Services, *, lease_s: float = 30.0, idle_s: float = 0.5):
        self.services = services
        self.lease = timedelta(seconds=lease_s)
        self.idle_s = idle_s
        self._next_purge = 0.0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._landmarker: FaceLandmarker | None = None
        self._speaker: MotionGenerator | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="talkgate-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now rather than at the next idle tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        if self._landmarker is not None:
            self._landmarker.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job = self.claim()
            except Exception:  # the database went away: keep the worker, try again later
                log.exception("the worker could not claim a job")
                job = None
            if job is None:
                self._purge_when_due()
                self._wake.wait(self.idle_s)
                self._wake.clear()
                continue
            self.run(job)

    def _purge_when_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        services = self.services
        try:
            purged = purge_expired_media(
                services.db, services.audit, services.settings.consent_media_dir
            )
        except Exception:  # the database went away: try again at the next purge
            log.exception("the worker could not purge expired consent media")
            return
        if purged:
            log.info("deleted %d consent recordings past their retention", purged)

    def claim(self) -> Job | None:
        """Take the oldest queued job, or a running one whose lease ran out."""
        now = utc_now()
        with self.services.db.session() as session:
            candidates = session.exec(
                select(Job)
                .where(
                    or_(
                        Job.state == JobState.QUEUED,
                        (Job.state == JobState.RUNNING) & (col(Job.lease_until) < now),
                    )
                )
                .order_by(col(Job.created_at))
                .limit(5)
            ).all()
            for job in candidates:
                taken = session.execute(
                    update(Job)
                    .where(col(Job.id) == job.id)
                    .where(col(Job.state) == job.state)
                    .where(col(Job.attempts) == job.attempts)
                    .values(
                        state=JobState.RUNNING,
                        attempts=job.attempts + 1,
                        lease_until=now + self.lease,
                        updated_at=now,
                    )
                )
                if taken.rowcount != 1:
                    session.rollback()
                    continue  # another worker was quicker
                session.refresh(job)
                event = _job_event(job, "job.running")
                self.services.audit.commit(session, {**event, "attempt": job.attempts})
                return job
        return None

    def run(self, job: Job) -> None:
        """Render, mark, sign and store ``job``'s clip, then record how it ended."""
        scratch = self.services.settings.home / "work" / job.id
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            if job.attempts > MAX_ATTEMPTS:
                raise RuntimeError(f"gave up after {MAX_ATTEMPTS} attempts")
            released = self._render(job, scratch / "clip.mp4")
            self._succeed(job, released)
        except JobCancelled as stopped:
            self._finish(job, JobState.CANCELLED, str(stopped))
        except WeightsMismatch:  # the deployment's fault, not the request's
            log.exception("generation %s: the motion model cannot be loaded", job.id)
            self._finish(job, JobState.FAILED, f"internal error; quote {job.id} to the operator")
        except (GeneratorError, WatermarkError) as exc:
            self._finish(job, JobState.FAILED, exc.diagnostics())
        except Exception:
            log.exception("generation %s failed", job.id)
            self._finish(job, JobState.FAILED, f"internal error; quote {job.id} to the operator")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _render(self, job: Job, output: Path) -> ReleasedClip:
        store = self.services.artifacts
        portrait_path = store.path_of(job.portrait_sha256)
        audio_path = store.path_of(job.audio_sha256)
        if self._landmarker is None:
            self._landmarker = open_landmarker(self.services.settings)
        if self._speaker is None:
            self._speaker = open_speaker(self.services.settings)
        portrait = load_portrait(portrait_path)
        model = build_face_model(portrait, self._landmarker, size=job.size)
        audio = read_audio(audio_path)
        motion = self._speaker.motion(audio, controls_of(job), seed=job.seed)
        return release_clip(
            model,
            motion,
            output,
            self.services.watermark_key,
            self.services.credentials,
            audio=audio,
            inputs=(
                InputDigest("portrait", job.portrait_type, job.portrait_sha256),
                InputDigest("speech", job.audio_type, job.audio_sha256),
            ),
            models=model_versions(self._speaker.version),
            consent_id=job.consent_id,
            decision_id=job.decision_id,
            clip_id=int(job.clip_id, 16),
            on_frame=self._progress(job),
        )

    def _progress(self, job: Job) -> Callable[[int, int], None]:
        reported = [0.0]

        def on_frame(done: int, total: int) -> None:
            fraction = done / max(total, 1)
            if fraction - reported[0] < _PROGRESS_STEP and done < total:
                return
            reported[0] = fraction
            with self.services.db.session() as session:
                current = session.get(Job, job.id)
                if current is None or current.cancel_requested:
                    # Why: the partner cancelled, or the consent was revoked.
                    raise JobCancelled(
                        current.failure
                        if current and current.failure
                        else "cancelled by the partner"
                    )
                current.progress = round(fraction * 0.95, 3)
                current.lease_until = utc_now() + self.lease
                current.updated_at = utc_now()
                session.add(current)
                session.commit()

        return on_frame

    def _succeed(self, job: Job, released: ReleasedClip) -> None:
        store = self.services.artifacts
        video_sha256, size = store.put_file(released.info.path)
        manifest_sha256 = store.put_bytes(released.manifest)
        info = released.info
        with self.services.db.session() as session:
            current = session.get(Job, job.id)
            if current is None or current.state is not JobState.RUNNING:
                return  # cancelled (or taken over) while signing: nothing to register
            clip = Clip(
                id=job.clip_id,
                key_id=released.payload.key_id,
                job_id=job.id,
                partner_id=job.partner_id,
                consent_id=job.consent_id,
                video_sha256=video_sha256,
                manifest_sha256=manifest_sha256,
                size_bytes=size,
                frames=info.frames,
                width=info.width,
                height=info.height,
                duration_s=info.video_duration_s,
                audit_index=-1,
                created_at=utc_now(),
            )
            current.state = JobState.SUCCEEDED
            current.progress = 1.0
            current.lease_until = None
            current.updated_at = utc_now()
            session.add(clip)
            session.add(current)
            # Public through the registry: no partner, no job (job.succeeded links them).
            signed = {
                "type": "clip.signed",
                "clip_id": clip.id,
                "watermark_key_id": clip.key_id,
                "video_sha256": video_sha256,
                "manifest_sha256": manifest_sha256,
            }
            self.services.audit.commit(
                session,
                signed,
                _job_event(current, "job.succeeded"),
                before_commit=lambda indices: setattr(clip, "audit_index", indices[0]),
            )

    def _finish(self, job: Job, state: JobState, reason: str) -> None:
        with self.services.db.session() as session:
            current = session.get(Job, job.id)
            if current is None or current.state.finished:
                return
            current.state = state
            current.failure = reason
            current.lease_until = None
            current.updated_at = utc_now()
            session.add(current)
            self.services.audit.commit(session, _job_event(current, f"job.{state.value}"))


def _job_event(job: Job, kind: str) -> dict[str, object]:
    return {
        "type": kind,
        "job_id": job.id,
        "partner_id": job.partner_id,
        "clip_id": job.clip_id,
        "portrait_sha256": job.portrait_sha256,
        "audio_sha256": job.audio_sha256,
    }
