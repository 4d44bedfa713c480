"""The gateway started by another program: in a background thread (`talkgate demo`,
`talkgate generate` without a server, the tests), or as a `talkgate serve` child process
(the load benchmark, and tests that kill it)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from gateway.errors import GatewayError
from gateway.main import create_app
from gateway.services import Services
from gateway.settings import Settings


@dataclass(frozen=True)
class EmbeddedGateway:
    url: str
    app: FastAPI

    @property
    def services(self) -> Services:
        return self.app.state.services


def free_port(host: str = "127.0.0.1", wanted: int = 0) -> int:
    """``wanted`` if it is free, else any free port (0 means any)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, wanted))
        except OSError:
            probe.bind((host, 0))
        return probe.getsockname()[1]


@contextmanager
def embedded_gateway(settings: Settings, *, any_port: bool = False) -> Iterator[EmbeddedGateway]:
    """Serve the gateway for ``settings`` on ``settings.host`` until the block ends, on
    ``settings.port`` when free (or any free port with ``any_port``).

    Raises:
        GatewayError: it did not start (its services could not be built, see the log).
    """
    port = free_port(settings.host, 0 if any_port else settings.port)
    url = f"http://{settings.host}:{port}"
    settings = settings.model_copy(update={"public_url": url, "port": port})
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="talkgate-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise GatewayError(f"the embedded gateway did not start on {url}")
        time.sleep(0.05)
    try:
        yield EmbeddedGateway(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@contextmanager
def gateway_process(
    settings: Settings, port: int | None = None, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`talkgate serve` for ``settings`` in a child process until the block ends; yields
    its URL and the process (which the caller may kill). ``env`` adds TALKGATE_* settings.

    Raises:
        GatewayError: it did not answer within 90 s.
    """
    import httpx

    port = port or free_port(settings.host)
    url = f"http://{settings.host}:{port}"
    child_env = {
        **os.environ,
        "TALKGATE_HOME": str(settings.home),
        "TALKGATE_PUBLIC_URL": url,
        **({"TALKGATE_DATABASE_URL": settings.database_url} if settings.database_url else {}),
        **(env or {}),
    }
    talkgate = str(Path(sys.executable).parent / "talkgate")
    process = subprocess.Popen(
        [talkgate, "serve", "--host", settings.host, "--port", str(port)],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{url}/.well-known/jwks.json", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise GatewayError(f"talkgate serve did not start on {url}") from None
                time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
