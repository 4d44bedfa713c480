"""Gateway fixtures: the same tests on SQLite and on a real PostgreSQL database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

from gateway.settings import Settings
from tests.utils.gateway import LiveGateway, live_gateway


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gateway_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Settings on a fresh database: SQLite in the data directory, or a new PostgreSQL
    database in the session's throwaway cluster."""
    if request.param == "sqlite":
        return settings
    server: str = request.getfixturevalue("postgres_url")
    name = "talkgate_" + secrets.token_hex(6)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return settings.model_copy(update={"database_url": server.rsplit("/", 1)[0] + "/" + name})


@pytest.fixture
def gateway(gateway_settings: Settings) -> Iterator[LiveGateway]:
    """A running gateway (uvicorn on loopback) on a fresh database."""
    with live_gateway(gateway_settings) as live:
        yield live
