"""motion controls: a generation's main gaze, head distance and emotion; no text

The motion model hears the speech itself, so a job no longer keeps a transcript for aligning.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    sa.Column("gaze_yaw", sa.Float(), nullable=False, server_default="0"),
    sa.Column("gaze_pitch", sa.Float(), nullable=False, server_default="0"),
    sa.Column("distance", sa.Float(), nullable=False, server_default="1"),
    sa.Column(
        "emotion",
        sqlmodel.sql.sqltypes.AutoString(length=20),
        nullable=False,
        server_default="neutral",
    ),
    sa.Column("emotion_intensity", sa.Float(), nullable=False, server_default="0"),
)


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        for column in _COLUMNS:
            batch.add_column(column)
        batch.drop_column("text")


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(
            sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=True)
        )
        for column in reversed(_COLUMNS):
            batch.drop_column(column.name)
