"""Settings from the environment (and `.env` when present), validated once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message says which and why."""


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(
            f"{name} must be a port number from 1 to 65535, got {raw!r}"
        )
    return int(raw)


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def _path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    path = Path(raw) if raw else default
    return path if path.is_absolute() else ROOT / path


@dataclass(frozen=True)
class Settings:
    """Everything the processes need; see `.env.example` for each variable."""

    var_dir: Path
    database_url: str
    tracker_db: Path
    queue_db: Path
    model_dir: Path
    host: str
    bridge_port: int
    rasa_port: int
    action_port: int
    rasa_url: str
    action_url: str
    workers: int
    rasa_timeout: float
    log_level: str
    env_file_found: bool

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings; variables already in the environment win over `.env`."""
    env_file = env_file or ROOT / ".env"
    found = env_file.is_file()
    if found:
        load_dotenv(env_file, override=False)
    var_dir = _path("VAR_DIR", ROOT / "var")
    host = os.environ.get("BIND_HOST", "127.0.0.1").strip() or "127.0.0.1"
    rasa_port = _port("RASA_PORT", 5005)
    action_port = _port("ACTION_PORT", 5055)
    database_url = os.environ.get("DATABASE_URL", "").strip()
    if not database_url:
        database_url = f"sqlite:///{var_dir / 'club.db'}"
    elif "://" not in database_url:
        raise SettingsError(
            "DATABASE_URL must be an SQLAlchemy URL such as sqlite:///var/club.db "
            f"or postgresql://user:pw@host/db, got {database_url!r}"
        )
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}"
        )
    try:
        timeout = float(os.environ.get("RASA_TIMEOUT", "") or 30)
    except ValueError:
        raise SettingsError("RASA_TIMEOUT must be a number of seconds") from None
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        tracker_db=_path("TRACKER_DB", var_dir / "tracker.db"),
        queue_db=_path("QUEUE_DB", var_dir / "queue.db"),
        model_dir=_path("MODEL_DIR", ROOT / "models"),
        host=host,
        bridge_port=_port("BRIDGE_PORT", 8000),
        rasa_port=rasa_port,
        action_port=action_port,
        rasa_url=os.environ.get("RASA_URL", "").strip() or f"http://{host}:{rasa_port}",
        action_url=os.environ.get("ACTION_SERVER_URL", "").strip()
        or f"http://{host}:{action_port}",
        workers=_positive_int("BRIDGE_WORKERS", 2),
        rasa_timeout=timeout,
        log_level=level,
        env_file_found=found,
    )
