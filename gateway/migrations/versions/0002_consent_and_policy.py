"""consent and policy: consents, blocked identities, decisions; jobs and clips name consent

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 11:18:22.617447
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # New job states. Since PostgreSQL 12 this runs inside the migration's transaction;
        # the values are only usable once it commits, and nothing here uses them.
        op.execute("ALTER TYPE jobstate ADD VALUE IF NOT EXISTS 'HELD'")
        op.execute("ALTER TYPE jobstate ADD VALUE IF NOT EXISTS 'REFUSED'")
    op.create_table(
        "blockedidentity",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("face_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("photo_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "consent",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("partner_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("clip_limit", sa.Integer(), nullable=False),
        sa.Column("photo_audio_allowed", sa.Boolean(), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column(
            "state", sa.Enum("PENDING", "ACTIVE", "REVOKED", name="consentstate"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "capture_token_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column("capture_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capture_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "revoke_token_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("face_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("voice_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("media_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("media_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("capture_token_sha256"),
        sa.UniqueConstraint("revoke_token_sha256"),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_state"), ["state"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("partner_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("consent_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("rules_version", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "review_outcome", sa.Enum("APPROVED", "REJECTED", name="reviewoutcome"), nullable=True
        ),
        sa.Column("reviewer_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("review_note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["partner.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_decision_partner_id"), ["partner_id"], unique=False)

    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_clip_consent_id"), ["consent_id"], unique=False)
        batch_op.create_foreign_key("fk_clip_consent_id", "consent", ["consent_id"], ["id"])

    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.add_column(
            sa.Column("decision_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(
            sa.Column("voice_synthetic", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_job_consent_id"), ["consent_id"], unique=False)
        batch_op.create_foreign_key("fk_job_decision_id", "decision", ["decision_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint("fk_job_decision_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_job_consent_id"))
        batch_op.drop_column("voice_synthetic")
        batch_op.drop_column("decision_id")
        batch_op.drop_column("purpose")
        batch_op.drop_column("consent_id")

    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.drop_constraint("fk_clip_consent_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_clip_consent_id"))
        batch_op.drop_column("consent_id")

    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_partner_id"))
        batch_op.drop_index(batch_op.f("ix_decision_outcome"))

    op.drop_table("decision")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_state"))
        batch_op.drop_index(batch_op.f("ix_consent_partner_id"))

    op.drop_table("consent")
    op.drop_table("blockedidentity")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE consentstate")
        op.execute("DROP TYPE reviewoutcome")
