"""The gateway's database: SQLite by default, PostgreSQL by URL, schema by Alembic migration.

db = Database.open(settings)      # creates or upgrades the schema
with db.session() as session:
    session.exec(select(Job)).all()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from gateway.errors import DatabaseError
from gateway.settings import Settings


class Database:
    """An engine on the configured database with the schema at the latest migration."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @classmethod
    def open(cls, settings: Settings) -> Database:
        """Connect to ``settings.db_url`` and bring its schema up to date.

        Raises:
            DatabaseError: the database cannot be reached or migrated.
        """
        url = make_url(settings.db_url)
        options: dict[str, Any] = {}
        if url.get_backend_name() == "sqlite":
            settings.home.mkdir(parents=True, exist_ok=True)
            # Requests are served from a thread pool; SQLite is safe across threads with
            # one connection per checkout and a wait instead of "database is locked".
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        elif url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, pool_pre_ping=True, **options)
        if url.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        database.migrate()
        return database

    def migrate(self) -> None:
        """Apply every migration not yet applied (a no-op on an up-to-date database).

        Raises:
            DatabaseError: the database cannot be reached or a migration fails.
        """
        try:
            with self.engine.begin() as connection:
                config = Config()
                config.set_main_option(
                    "script_location", str(resources.files("gateway") / "migrations")
                )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except Exception as exc:  # SQLAlchemy and Alembic raise many kinds; all mean this.
            raise DatabaseError(
                f"cannot open the database at {self.engine.url.render_as_string()}: {exc}"
            ) from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose objects stay readable after commit (they are returned by routes)."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    # WAL lets readers go on while the worker writes; in WAL, synchronous=NORMAL loses no
    # committed row to a crash of the process (only, at worst, the last ones to a power
    # cut) and spares an fsync per commit. Foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
