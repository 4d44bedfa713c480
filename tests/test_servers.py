"""The throwaway PostgreSQL and Redis servers are real: connect, write, read back."""

from __future__ import annotations

import psycopg
import pytest
import redis


@pytest.mark.postgres
def test_postgres_round_trip(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE probe (id serial PRIMARY KEY, note text NOT NULL)")
        conn.execute("INSERT INTO probe (note) VALUES (%s), (%s)", ("first", "second"))
        rows = conn.execute("SELECT note FROM probe ORDER BY id").fetchall()
        version = conn.execute("SHOW server_version").fetchone()
    assert rows == [("first",), ("second",)]
    assert version is not None and int(version[0].split(".")[0]) >= 13


@pytest.mark.redis
def test_redis_round_trip(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set("talkgate:probe", "hello", ex=60)
    client.rpush("talkgate:queue", "a", "b")
    assert client.get("talkgate:probe") == b"hello"
    assert client.lrange("talkgate:queue", 0, -1) == [b"a", b"b"]
    assert client.info("server")["redis_version"]
