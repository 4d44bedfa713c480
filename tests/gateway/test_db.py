"""The database: the migrations build exactly the tables the code declares, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import gateway.tables  # noqa: F401  (the tables the code declares)
from gateway.db import Database
from gateway.settings import Settings


def test_the_migrations_build_the_declared_schema(gateway_settings: Settings) -> None:
    db = Database.open(gateway_settings)
    try:
        with db.engine.connect() as connection:
            differences = compare_metadata(
                MigrationContext.configure(connection), SQLModel.metadata
            )
        assert differences == []
        db.migrate()  # a second run is a no-op
    finally:
        db.close()
