"""The gateway served from inside another command (`talkgate demo`, `talkgate generate`
without a server, the tests): uvicorn on a loopback port in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


def _port(host: str, wanted: int) -> int:
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
    port = _port(settings.host, 0 if any_port else settings.port)
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
