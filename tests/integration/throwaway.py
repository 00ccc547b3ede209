"""Throwaway PostgreSQL / Redis servers for integration tests (see scripts/)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bot.ops.processes import free_port

SCRIPTS = Path(__file__).parents[2] / "scripts"


def throwaway_server(script: str, env_url: str, prefix: str) -> Iterator[str]:
    """Yield the URL in `env_url` when set, else start `scripts/<script>` on a
    free loopback port (it installs the Debian package when missing) and stop it
    afterwards."""
    if url := os.environ.get(env_url):
        yield url
        return
    folder = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    path = str(SCRIPTS / script)
    started = subprocess.run(
        [path, "start", folder, str(free_port())],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([path, "stop", folder], capture_output=True, timeout=120)
