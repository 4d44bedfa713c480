"""Gateway fixtures: the same tests on SQLite and on a real PostgreSQL database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest

from gateway.settings import Settings
from tests.utils.gateway import LiveGateway, live_gateway, png


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


@pytest.fixture(scope="session")
def portrait(astronaut: np.ndarray) -> bytes:
    """The astronaut as a PNG: one frontal face."""
    return png(astronaut)


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """About a second of real speech, as a 16-bit WAV."""
    from generator import write_wav
    from generator.speech import Espeak

    said = Espeak().speak("Hello there.", voice="en-us", rate=170)
    return write_wav(tmp_path_factory.mktemp("speech") / "hello.wav", said.audio).read_bytes()
