"""Running the installed ``talkgate`` console script the way a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The console script sits beside the interpreter running the tests (the project's venv).
TALKGATE = str(Path(sys.executable).parent / "talkgate")


def run_talkgate(
    *args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``talkgate ARGS`` with ``TALKGATE_HOME=home``; never raises on a non-zero exit."""
    env = {**os.environ, **(env or {}), "TALKGATE_HOME": str(home)}
    return subprocess.run(
        [TALKGATE, *args], env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
