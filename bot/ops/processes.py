"""Start, watch and stop the three services (actions, Rasa, bridge)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy.engine import make_url

from bot.ops.training import rasa_bin, rasa_env
from bot.settings import ROOT, Settings


class StartupError(RuntimeError):
    """A service did not come up; the message says which and where its log is."""


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    log_file: Path
    env: dict[str, str]
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("a")
        # Own session: a terminal's Ctrl-C reaches only us, and we stop them in order.
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def healthy(self) -> bool:
        try:
            return requests.get(self.health_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise StartupError(
                    f"{self.name} exited with code {self.process.returncode} while "
                    f"starting; see {self.log_file}"
                )
            if self.healthy():
                return
            time.sleep(0.5)
        raise StartupError(
            f"{self.name} was not ready after {int(timeout)} s; see {self.log_file}"
        )

    def stop(self, timeout: float = 20) -> None:
        if not self.process or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def service_env(settings: Settings) -> dict[str, str]:
    env = rasa_env()
    env.update(
        DATABASE_URL=settings.database_url,
        ACTION_ENDPOINT_URL=f"{settings.action_url}/webhook",
        TRACKER_DB=str(settings.tracker_db),
        TRACKER_URL=settings.tracker_url,
        RASA_URLS=",".join(settings.rasa_urls),
        RASA_ENDPOINTS=str(settings.endpoints_file),
        **settings.secrets.as_env(),
        RASA_HOST=settings.rasa_host,
        ACTION_HOST=settings.action_host,
        VAR_DIR=str(settings.var_dir),
        QUEUE_DB=str(settings.queue_db),
        RASA_URL=settings.rasa_url,
        ACTION_SERVER_URL=settings.action_url,
        BRIDGE_PORT=str(settings.bridge_port),
        RASA_PORT=str(settings.rasa_port),
        ACTION_PORT=str(settings.action_port),
        BIND_HOST=settings.host,
        WEB_RATE_PER_MINUTE=str(settings.web_rate),
        CHAT_RATE_PER_MINUTE=str(settings.chat_rate),
        LOOKUP_VERIFY_DAYS=str(settings.lookup_verify_days),
        RETENTION_DAYS=str(settings.retention_days),
        LOCK_STORE_URL=settings.lock_store_url,
        ACTION_WAIT=str(settings.action_wait),
        **store_env(settings),
    )
    return env


def store_env(settings: Settings) -> dict[str, str]:
    """The variables endpoints.scale.yml reads, from TRACKER_URL and
    LOCK_STORE_URL (Rasa's endpoint file takes host, port... one by one)."""
    if not settings.tracker_url:
        return {}
    tracker = make_url(settings.tracker_url)
    lock = urlsplit(settings.lock_store_url)
    return {
        "TRACKER_HOST": tracker.host or "127.0.0.1",
        "TRACKER_PORT": str(tracker.port or 5432),
        "TRACKER_NAME": tracker.database or "tracker",
        "TRACKER_USER": tracker.username or "",
        "TRACKER_PASSWORD": tracker.password or "",
        "LOCK_HOST": lock.hostname or "127.0.0.1",
        "LOCK_PORT": str(lock.port or 6379),
        "LOCK_DB": lock.path.strip("/") or "1",
        "LOCK_PASSWORD": lock.password or "",
    }


def action_service(settings: Settings) -> Service:
    return Service(
        "action server",
        [sys.executable, "-m", "actions.server", "--port", str(settings.action_port)],
        f"{settings.action_url}/health",
        settings.log_dir / "actions.log",
        service_env(settings),
    )


def rasa_service(settings: Settings, model: Path, number: int = 0) -> Service:
    """Rasa server `number` of `settings.rasa_servers` (its port from its URL)."""
    url = settings.rasa_servers[number]
    port = str(urlsplit(url).port or settings.rasa_port)
    several = len(settings.rasa_servers) > 1
    return Service(
        f"Rasa server {number + 1}" if several else "Rasa server",
        [
            rasa_bin(),
            "run",
            "--enable-api",
            "--model",
            str(model),
            "--endpoints",
            str(settings.endpoints_file),
            "--credentials",
            "credentials.yml",
            "--interface",
            settings.rasa_host,
            "--port",
            port,
            # one argument: a random token may begin with "-", as an option does
            f"--auth-token={settings.secrets.rasa_token}",
        ],
        f"{url}/status?token={settings.secrets.rasa_token}",
        settings.log_dir / (f"rasa-{number + 1}.log" if number else "rasa.log"),
        service_env(settings),
    )


def bridge_service(settings: Settings, port: int | None = None) -> Service:
    """A bridge process; another `port` runs one more beside the first."""
    env = service_env(settings)
    port = port or settings.bridge_port
    env["BRIDGE_PORT"] = str(port)
    second = port != settings.bridge_port
    return Service(
        f"bridge on port {port}" if second else "bridge",
        [sys.executable, "-m", "bot", "serve"],
        f"http://{settings.host}:{port}/health",
        settings.log_dir / (f"bridge-{port}.log" if second else "bridge.log"),
        env,
    )
