"""Throwaway PostgreSQL and Redis servers from the Debian binaries, on free loopback ports.

The suite needs no pre-running service: each server lives in a temporary directory for the
session and is stopped and deleted afterwards. PostgreSQL refuses to run as root, so when
the tests run as root its processes run as the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import redis


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not come up."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bindir() -> Path:
    """The newest installed PostgreSQL server's bin directory."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    found = candidates[-1] if candidates else shutil.which("initdb")
    if not found:
        raise ServerUnavailable("no PostgreSQL server: install the Debian package `postgresql`")
    return Path(found).parent


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Run a fresh PostgreSQL cluster; yields its ``postgresql://`` URL."""
    bindir = postgres_bindir()
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    root = Path(tempfile.mkdtemp(prefix="talkgate-pg-"))
    if as_root:
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
    port = free_port()
    try:
        subprocess.run(
            [bindir / "initdb", "-D", root / "data", "-U", "talkgate", "--auth=trust",
             "--encoding=UTF8", "--no-sync"],
            user=user, check=True, capture_output=True,
        )  # fmt: skip
        url = f"postgresql://talkgate@127.0.0.1:{port}/postgres"
        with _running(
            [bindir / "postgres", "-D", root / "data", "-p", str(port), "-h", "127.0.0.1",
             "-k", str(root), "-c", "fsync=off", "-c", "full_page_writes=off"],
            ready=lambda: psycopg.connect(url, connect_timeout=2).close(),
            log=root / "server.log",
            user=user,
        ):  # fmt: skip
            yield url
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Run a fresh, non-persistent redis-server; yields its ``redis://`` URL."""
    binary = shutil.which("redis-server")
    if not binary:
        raise ServerUnavailable("no redis-server: install the Debian package `redis-server`")
    root = Path(tempfile.mkdtemp(prefix="talkgate-redis-"))
    port = free_port()
    try:
        url = f"redis://127.0.0.1:{port}/0"
        with _running(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root),
             "--save", "", "--appendonly", "no"],
            ready=lambda: redis.Redis.from_url(url).ping(),
            log=root / "server.log",
        ):  # fmt: skip
            yield url
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _running(
    command: Sequence[str | Path],
    *,
    ready: Callable[[], object],
    log: Path,
    user: str | None = None,
) -> Iterator[None]:
    """Run a server process until the block ends, once ``ready`` stops raising."""
    with log.open("wb") as log_stream:
        server = subprocess.Popen(command, user=user, stdout=log_stream, stderr=subprocess.STDOUT)
    try:
        _wait_until(ready, server, log)
        yield
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until(
    ready: Callable[[], object], server: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    """Poll ``ready`` until it stops raising; fail with the server's log if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready()
            return
        except Exception as exc:  # noqa: BLE001 - any connection error means "not yet"
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise ServerUnavailable(
                    f"server did not start ({exc}); its log:\n{log.read_text(errors='replace')}"
                ) from exc
            time.sleep(0.1)
