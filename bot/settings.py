"""Settings from the environment (and `.env` when present), validated once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

from bot.service_secrets import FILE_NAME as SECRETS_FILE
from bot.service_secrets import ServiceSecrets, load_service_secrets

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


def _number(name: str, default: float) -> tuple[str, float]:
    """The variable as written and as a number (NaN when it is not one)."""
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        return raw, float(raw)
    except ValueError:
        return raw, float("nan")


def _seconds(name: str, default: float) -> float:
    """A number of seconds, 0 allowed."""
    raw, value = _number(name, default)
    if not value >= 0:
        raise SettingsError(f"{name} must be 0 or more seconds, got {raw!r}")
    return value


def _positive_float(name: str, default: float) -> float:
    raw, value = _number(name, default)
    if not value > 0:
        raise SettingsError(f"{name} must be a number above 0, got {raw!r}")
    return value


SIMULATOR_SECRETS = {
    "MESSENGER_APP_SECRET": "simulator-app-secret",
    "MESSENGER_VERIFY_TOKEN": "simulator-verify-token",
    "MESSENGER_PAGE_TOKEN": "simulator-page-token",
    "ZALO_APP_ID": "simulator-app",
    "ZALO_APP_SECRET": "simulator-app-secret",
    "ZALO_OA_SECRET_KEY": "simulator-oa-secret",
    "ZALO_ACCESS_TOKEN": "simulator-access-0",
    "ZALO_REFRESH_TOKEN": "simulator-refresh-0",
}


@dataclass(frozen=True)
class PlatformSettings:
    """Messenger, Zalo OA, the simulator and the queue's retry policy."""

    messenger_app_secret: str = field(repr=False)
    messenger_verify_token: str = field(repr=False)
    messenger_page_token: str = field(repr=False)
    messenger_api_base: str
    zalo_app_id: str
    zalo_app_secret: str = field(repr=False)
    zalo_oa_secret: str = field(repr=False)
    zalo_access_token: str = field(repr=False)
    zalo_refresh_token: str = field(repr=False)
    zalo_api_base: str
    zalo_oauth_base: str
    zalo_replay_window: float
    simulator: bool  # the bridge serves the simulator and sends to it
    webhook_max_bytes: int
    send_timeout: float
    typing_delay: float
    send_retries: int
    send_retry_delay: float
    queue_retries: int
    queue_retry_delay: float
    queue_poll: float
    queue_url: str

    @property
    def messenger_enabled(self) -> bool:
        return bool(self.messenger_app_secret and self.messenger_page_token)

    @property
    def zalo_enabled(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_oa_secret)


def _platform_settings(host: str, bridge_port: int) -> PlatformSettings:
    base = os.environ.get("PLATFORM_API_BASE", "").strip().rstrip("/")
    simulator = base == "simulator"
    if simulator:
        base = f"http://{host}:{bridge_port}/simulator"
    elif base and not base.startswith(("http://", "https://")):
        raise SettingsError(
            "PLATFORM_API_BASE must be empty (the real Messenger and Zalo APIs), "
            f"'simulator' or an http:// URL of a running simulator, got {base!r}"
        )

    def secret(name: str) -> str:
        value = os.environ.get(name, "").strip()
        return value or (SIMULATOR_SECRETS[name] if simulator else "")

    def url(name: str, path: str, real: str) -> str:
        value = os.environ.get(name, "").strip()
        return (value or (f"{base}{path}" if base else real)).rstrip("/")

    queue_url = os.environ.get("QUEUE_URL", "").strip()
    if queue_url and not queue_url.startswith(("redis://", "rediss://")):
        raise SettingsError(
            f"QUEUE_URL must be empty (SQLite) or a redis:// URL, got {queue_url!r}"
        )
    return PlatformSettings(
        messenger_app_secret=secret("MESSENGER_APP_SECRET"),
        messenger_verify_token=secret("MESSENGER_VERIFY_TOKEN"),
        messenger_page_token=secret("MESSENGER_PAGE_TOKEN"),
        messenger_api_base=url(
            "MESSENGER_API_BASE", "/graph/v25.0", "https://graph.facebook.com/v25.0"
        ),
        zalo_app_id=secret("ZALO_APP_ID"),
        zalo_app_secret=secret("ZALO_APP_SECRET"),
        zalo_oa_secret=secret("ZALO_OA_SECRET_KEY"),
        zalo_access_token=secret("ZALO_ACCESS_TOKEN"),
        zalo_refresh_token=secret("ZALO_REFRESH_TOKEN"),
        zalo_api_base=url("ZALO_API_BASE", "/zalo", "https://openapi.zalo.me"),
        zalo_oauth_base=url(
            "ZALO_OAUTH_BASE", "/zalo-oauth", "https://oauth.zaloapp.com"
        ),
        zalo_replay_window=_positive_float("ZALO_REPLAY_WINDOW", 300),
        simulator=simulator,
        webhook_max_bytes=_positive_int("WEBHOOK_MAX_BYTES", 256 * 1024),
        send_timeout=_positive_float("SEND_TIMEOUT", 10),
        typing_delay=_seconds("TYPING_DELAY", 0.3),
        send_retries=_positive_int("SEND_RETRIES", 6),
        send_retry_delay=_positive_float("SEND_RETRY_DELAY", 2),
        queue_retries=_positive_int("QUEUE_RETRIES", 8),
        queue_retry_delay=_positive_float("QUEUE_RETRY_DELAY", 1),
        queue_poll=_positive_float("QUEUE_POLL_INTERVAL", 0.01),
        queue_url=queue_url,
    )


@dataclass(frozen=True)
class Settings:
    """Everything the processes need; see `.env.example` for each variable."""

    var_dir: Path
    database_url: str
    tracker_db: Path
    queue_db: Path
    model_dir: Path
    host: str  # the bridge's address (BIND_HOST)
    rasa_host: str  # Rasa's and the action server's: loopback unless set
    action_host: str
    bridge_port: int
    rasa_port: int
    action_port: int
    rasa_url: str
    action_url: str
    workers: int
    rasa_timeout: float
    log_level: str
    env_file_found: bool
    platforms: PlatformSettings
    secrets: ServiceSecrets
    lookup_verify_days: int = 30  # a linked account's phone check lasts this long
    embedded_database: bool = True  # DATABASE_URL unset: the demo may be loaded
    web_rate: int = 20  # web chat messages a minute per browser address
    chat_rate: int = 30  # messages a minute one conversation may send to Rasa
    retention_days: int = 90  # message bodies, transcripts, web trackers kept
    console_session_minutes: int = 480  # an idle console login ends after this
    bank_bin: str = "970436"  # the club account's bank (VietQR), Vietcombank
    bank_account: str = "012345678910"  # the club's account number (VietQR)
    public_url: str = "http://127.0.0.1:8000"  # where platforms fetch our images
    nlu_data_dir: Path = ROOT / "data"  # the NLU inbox writes its nlu/reviewed.yml
    sepay_api_key: str = ""  # the bank feed's keys; unset: that feed is off
    casso_secure_token: str = ""
    rasa_urls: tuple[str, ...] = ()  # RASA_URLS: several Rasa servers (scale-out)
    tracker_url: str = ""  # TRACKER_URL: Rasa's tracker store, when not TRACKER_DB
    lock_store_url: str = ""  # LOCK_STORE_URL: Rasa's lock store on Redis
    action_wait: float = 30.0  # seconds a turn waits for a restarting action server
    endpoints_file: Path = ROOT / "endpoints.yml"  # RASA_ENDPOINTS

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def rasa_servers(self) -> tuple[str, ...]:
        """Every Rasa server the bridge spreads conversations over."""
        return self.rasa_urls or (self.rasa_url,)

    @property
    def tracker_store_url(self) -> str:
        """Rasa's SQL tracker store as an SQLAlchemy URL (the console reads it)."""
        return self.tracker_url or f"sqlite:///{self.tracker_db}"


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings; variables already in the environment win over `.env`."""
    env_file = env_file or ROOT / ".env"
    found = env_file.is_file()
    if found:
        load_dotenv(env_file, override=False)
    var_dir = _path("VAR_DIR", ROOT / "var")
    host = os.environ.get("BIND_HOST", "127.0.0.1").strip() or "127.0.0.1"
    rasa_host = os.environ.get("RASA_HOST", "127.0.0.1").strip() or "127.0.0.1"
    action_host = os.environ.get("ACTION_HOST", "127.0.0.1").strip() or "127.0.0.1"
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
        rasa_host=rasa_host,
        action_host=action_host,
        bridge_port=_port("BRIDGE_PORT", 8000),
        rasa_port=rasa_port,
        action_port=action_port,
        rasa_url=(_rasa_urls() or (os.environ.get("RASA_URL", "").strip(),))[0]
        or f"http://{rasa_host}:{rasa_port}",
        action_url=os.environ.get("ACTION_SERVER_URL", "").strip()
        or f"http://{action_host}:{action_port}",
        workers=_positive_int("BRIDGE_WORKERS", 2),
        rasa_timeout=timeout,
        log_level=level,
        env_file_found=found,
        platforms=_platform_settings(host, _port("BRIDGE_PORT", 8000)),
        secrets=_service_secrets(var_dir),
        lookup_verify_days=_positive_int("LOOKUP_VERIFY_DAYS", 30),
        embedded_database=not os.environ.get("DATABASE_URL", "").strip(),
        web_rate=_positive_int("WEB_RATE_PER_MINUTE", 20),
        chat_rate=_positive_int("CHAT_RATE_PER_MINUTE", 30),
        retention_days=_positive_int("RETENTION_DAYS", 90),
        console_session_minutes=_positive_int("CONSOLE_SESSION_MINUTES", 480),
        bank_bin=os.environ.get("CLUB_BANK_BIN", "").strip() or "970436",
        bank_account=os.environ.get("CLUB_BANK_ACCOUNT", "").replace(" ", "")
        or "012345678910",
        public_url=(os.environ.get("PUBLIC_URL", "").strip().rstrip("/"))
        or f"http://{host}:{_port('BRIDGE_PORT', 8000)}",
        nlu_data_dir=_path("NLU_DATA_DIR", ROOT / "data"),
        sepay_api_key=os.environ.get("SEPAY_API_KEY", "").strip(),
        casso_secure_token=os.environ.get("CASSO_SECURE_TOKEN", "").strip(),
        action_wait=_seconds("ACTION_WAIT", 30),
        **_rasa_stores(),
    )


def _rasa_urls() -> tuple[str, ...]:
    """RASA_URLS: comma-separated base URLs of the Rasa servers (scale-out)."""
    raw = os.environ.get("RASA_URLS", "")
    urls = tuple(u.strip().rstrip("/") for u in raw.split(",") if u.strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingsError(
                "RASA_URLS must be comma-separated http:// URLs of Rasa servers, "
                f"got {url!r}"
            )
    if len(set(urls)) != len(urls):
        raise SettingsError(f"RASA_URLS names a server twice: {raw!r}")
    return urls


def _rasa_stores() -> dict[str, Any]:
    """Rasa's servers and the stores they share. TRACKER_URL (PostgreSQL) and
    LOCK_STORE_URL (Redis) go together and switch Rasa to
    endpoints.scale.yml; several servers need both."""
    urls = _rasa_urls()
    tracker = os.environ.get("TRACKER_URL", "").strip()
    lock = os.environ.get("LOCK_STORE_URL", "").strip()
    if tracker and not tracker.startswith("postgresql"):
        raise SettingsError(
            "TRACKER_URL must be a PostgreSQL URL such as "
            f"postgresql://user:pw@host:5432/tracker, got {tracker!r}"
        )
    if lock and not lock.startswith(("redis://", "rediss://")):
        raise SettingsError(f"LOCK_STORE_URL must be a redis:// URL, got {lock!r}")
    if bool(tracker) != bool(lock) or (len(urls) > 1 and not tracker):
        raise SettingsError(
            "several Rasa servers share their conversations: set both TRACKER_URL "
            "(PostgreSQL) and LOCK_STORE_URL (Redis), or neither for one server"
        )
    default = "endpoints.scale.yml" if tracker else "endpoints.yml"
    return {
        "rasa_urls": urls,
        "tracker_url": tracker,
        "lock_store_url": lock,
        "endpoints_file": _path("RASA_ENDPOINTS", ROOT / default),
    }


def _service_secrets(var_dir: Path) -> ServiceSecrets:
    try:
        found = load_service_secrets(var_dir)
    except OSError as error:
        raise SettingsError(
            f"cannot read or create {var_dir / SECRETS_FILE}: {error.strerror}"
        ) from None
    if not all(found.values()):
        raise SettingsError(
            f"{var_dir / SECRETS_FILE} lacks a value; delete it to make a new one"
        )
    return found
