"""The scale profile on free loopback ports, for the fault suite and the
scaling benchmark: PostgreSQL and Redis in a throwaway folder, the action
server, `rasa_servers` Rasa servers and `bridges` bridge processes."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.club.database import forget_engines
from bot.ops.processes import (
    Service,
    action_service,
    bridge_service,
    free_port,
    rasa_service,
)
from bot.ops.scale import Stores, scale_environment
from bot.ops.stack import prepare
from bot.ops.training import train
from bot.settings import ROOT, Settings, load_settings

START_TIMEOUT = 300  # seconds a Rasa server may take to load the model


@dataclass
class LocalScale:
    settings: Settings
    stores: Stores
    services: dict[str, Service]  # "action server", "Rasa server N", "bridge N"

    @property
    def bridge_urls(self) -> list[str]:
        return [
            s.health_url.removesuffix("/health")
            for name, s in self.services.items()
            if name.startswith("bridge")
        ]


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set, then put back as they were."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def local_scale(
    var_dir: Path, env: dict[str, str], rasa_servers: int = 2, bridges: int = 2
) -> Iterator[LocalScale]:
    """Start everything (the model trained once per data fingerprint); stop
    everything, the stores too, afterwards."""
    # PostgreSQL runs as the postgres user: not under a private tmp folder.
    folder = Path(tempfile.mkdtemp(prefix="vungcao-scale.", dir="/tmp"))
    folder.chmod(0o755)
    stores = Stores(folder, free_port(), free_port())
    started: list[Service] = []
    try:
        club_url, redis_url = stores.start()
        with environment({"VAR_DIR": str(var_dir), **env}):
            scale = scale_environment(
                load_settings(var_dir / "no.env"), club_url, redis_url
            )
            urls = [f"http://127.0.0.1:{free_port()}" for _ in range(rasa_servers)]
            scale["RASA_URLS"] = ",".join(urls)
            with environment(scale):
                settings = load_settings(var_dir / "no.env")
                prepare(settings, own_database=True)
                model = train(ROOT / "models", var_dir / "log" / "train.log")
                services = {"action server": action_service(settings)}
                for n in range(rasa_servers):
                    services[f"Rasa server {n + 1}"] = rasa_service(settings, model, n)
                for n in range(bridges):
                    services[f"bridge {n + 1}"] = bridge_service(settings, free_port())
        for service in services.values():
            service.start()
            started.append(service)
            service.wait_healthy(START_TIMEOUT)
        yield LocalScale(settings, stores, services)
    finally:
        for service in reversed(started):
            service.stop()
        forget_engines()
        stores.stop()
        shutil.rmtree(folder, ignore_errors=True)
