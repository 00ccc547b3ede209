"""The scale profile on one machine (`make run PROFILE=scale`).

PostgreSQL holds the club database (with the bridge's inbox and outbox) and
Rasa's tracker store; Redis holds the bridge's queue and Rasa's lock store;
two Rasa servers and two bridge processes share them. The servers' data lives
under var/scale/ and survives a restart. On several machines the same
variables (README "Scale-out") point each process at the shared servers.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.settings import ROOT, Settings, SettingsError, _port, load_settings

SCRIPTS = ROOT / "scripts"
RASA_SERVERS = 2
BRIDGES = 2


class StoreError(RuntimeError):
    """PostgreSQL or Redis did not start; the message says where to look."""


@dataclass(frozen=True)
class Stores:
    """PostgreSQL and Redis of the scale profile, in `directory`."""

    directory: Path
    pg_port: int
    redis_port: int

    @property
    def pg_dir(self) -> Path:
        return self.directory / "postgresql"

    @property
    def redis_dir(self) -> Path:
        return self.directory / "redis"

    def start(self) -> tuple[str, str]:
        """(club database URL, Redis URL), installing the servers if missing."""
        pg = self._script("pg-server.sh", "start", self.pg_dir, self.pg_port)
        redis = self._script(
            "redis-server.sh", "start", self.redis_dir, self.redis_port
        )
        return pg, redis.rsplit("/", 1)[0]

    def stop(self) -> None:
        self._script("redis-server.sh", "stop", self.redis_dir)
        self._script("pg-server.sh", "stop", self.pg_dir)

    def kill_postgres(self) -> None:
        self._script("pg-server.sh", "kill", self.pg_dir)

    def kill_redis(self) -> None:
        self._script("redis-server.sh", "kill", self.redis_dir)

    def start_postgres(self) -> None:
        self._script("pg-server.sh", "start", self.pg_dir, self.pg_port)

    def start_redis(self) -> None:
        self._script("redis-server.sh", "start", self.redis_dir, self.redis_port)

    def _script(self, name: str, *args: object) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "servers.log"
        with log.open("a") as stderr:
            done = subprocess.run(
                [str(SCRIPTS / name), *map(str, args)],
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                check=False,
            )
        if done.returncode != 0:
            last = log.read_text(errors="replace").strip().splitlines()[-1:]
            raise StoreError(
                f"scripts/{name} {args[0]} failed: {' '.join(last)} (see {log})"
            )
        return done.stdout.strip()


def stores_for(settings: Settings) -> Stores:
    directory = os.environ.get("SCALE_DIR", "").strip()
    return Stores(
        Path(directory) if directory else settings.var_dir / "scale",
        _port("SCALE_POSTGRES_PORT", 5433),
        _port("SCALE_REDIS_PORT", 6380),
    )


def scale_environment(settings: Settings, club_url: str, redis_url: str) -> dict:
    """The variables that turn one machine's settings into the scale profile."""
    host = settings.rasa_host
    rasa_urls = [f"http://{host}:{settings.rasa_port + n}" for n in range(RASA_SERVERS)]
    return {
        "DATABASE_URL": club_url,
        "TRACKER_URL": club_url.rsplit("/", 1)[0] + "/tracker",
        "LOCK_STORE_URL": f"{redis_url}/1",
        "QUEUE_URL": f"{redis_url}/0",
        "RASA_URLS": ",".join(rasa_urls),
    }


def scale_settings(settings: Settings, stores: Stores) -> Settings:
    """Start the stores and read the settings again with them."""
    if os.environ.get("DATABASE_URL") or os.environ.get("QUEUE_URL"):
        raise SettingsError(
            "PROFILE=scale starts its own PostgreSQL and Redis: unset DATABASE_URL "
            "and QUEUE_URL (on several machines, set the variables of README "
            "'Scale-out' and run each process yourself)"
        )
    club_url, redis_url = stores.start()
    os.environ.update(scale_environment(settings, club_url, redis_url))
    return load_settings()


def bridge_ports(settings: Settings) -> list[int]:
    return [settings.bridge_port + n for n in range(BRIDGES)]
