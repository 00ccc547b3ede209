"""`make run`: database, model, then the three services, until Ctrl-C."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from bot.club.database import shown_url
from bot.club.seed import seed_if_empty
from bot.ops.processes import (
    Service,
    StartupError,
    action_service,
    bridge_service,
    port_in_use,
    rasa_service,
)
from bot.ops.registry import live_model_path
from bot.ops.scale import StoreError, bridge_ports, scale_settings, stores_for
from bot.ops.schema import migrate
from bot.ops.training import train
from bot.settings import Settings, SettingsError


class PortBusyError(RuntimeError):
    pass


def check_ports(settings: Settings, scale: bool = False) -> None:
    wanted = [
        ("BRIDGE_PORT", settings.host, settings.bridge_port),
        ("RASA_PORT", settings.rasa_host, settings.rasa_port),
        ("ACTION_PORT", settings.action_host, settings.action_port),
    ]
    if scale:  # the second Rasa server and bridge take the next ports
        wanted += [
            ("BRIDGE_PORT + 1", settings.host, settings.bridge_port + 1),
            ("RASA_PORT + 1", settings.rasa_host, settings.rasa_port + 1),
        ]
    for variable, host, port in wanted:
        if port_in_use(host, port):
            raise PortBusyError(
                f"port {port} ({variable}) on {host} is already in use: "
                f"stop the program using it or set {variable} to another port in .env"
            )


def prepare(settings: Settings, own_database: bool = False) -> None:
    """Create or upgrade the database; load the demo club into the embedded
    default database (or the scale profile's own) when it is empty, never
    into one DATABASE_URL names."""
    migrate(settings.database_url)
    demo = settings.embedded_database or own_database
    added = seed_if_empty(settings.database_url) if demo else 0
    note = f", {added} demo rows loaded from data/seed/" if added else ""
    print(f"==> database ready ({shown_url(settings.database_url)}){note}", flush=True)


MAX_RESTARTS = 5  # per service within RESTART_WINDOW seconds, then give up
RESTART_WINDOW = 600


def _restart(service: Service, history: dict[str, list[float]]) -> bool:
    """Start a crashed service again; False once it keeps crashing.

    While it is down the others keep running, so users get the polite busy
    answer instead of silence (the bridge logs each failed turn)."""
    now = time.monotonic()
    recent = [t for t in history.get(service.name, []) if now - t < RESTART_WINDOW]
    history[service.name] = recent + [now]
    print(
        f"warning: the {service.name} stopped (exit {service.process.returncode}); "
        f"restarting it (see {service.log_file})",
        flush=True,
    )
    if len(recent) >= MAX_RESTARTS:
        return False
    service.start()
    try:
        service.wait_healthy(300)
    except StartupError as error:
        print(f"error: {error}", flush=True)
        return False
    print(f"==> the {service.name} is back", flush=True)
    return True


def _wait_for_stop(services: list[Service]) -> int:
    """Block until Ctrl-C/SIGTERM (exit 0), restarting services that crash;
    exit 1 when one keeps crashing."""
    stopping: list[bool] = []
    history: dict[str, list[float]] = {}
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            for service in services:
                if service.process.poll() is not None and not _restart(
                    service, history
                ):
                    print(
                        f"error: the {service.name} keeps stopping; "
                        f"see {service.log_file}",
                        flush=True,
                    )
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    return 0


def serving_model(settings: Settings) -> Path:
    """The model promoted in the console (registry), so a restart keeps it;
    before any promotion, the model of the current data (trained if needed)."""
    live = live_model_path(settings.database_url, settings.model_dir)
    if live is not None:
        print(f"==> model: {live.name} (live, promoted in the console)", flush=True)
        return live
    model = train(settings.model_dir, settings.log_dir / "train.log")
    print(f"==> model: {model.name}", flush=True)
    return model


def services_for(settings: Settings, model: Path) -> list[tuple[Service, int]]:
    """Each service with the seconds it may take to start, in starting order."""
    rasa = [
        (rasa_service(settings, model, n), 300)
        for n in range(len(settings.rasa_servers))
    ]
    bridges = [(bridge_service(settings), 60)]
    if settings.rasa_urls:  # the scale profile: a second bridge beside the first
        bridges += [
            (bridge_service(settings, port), 60) for port in bridge_ports(settings)[1:]
        ]
    return [(action_service(settings), 120), *rasa, *bridges]


def run(settings: Settings, profile: str = "single") -> int:
    scale = profile == "scale"
    if not settings.env_file_found and not scale:
        print(
            "==> no .env file: using the embedded defaults (SQLite under var/, ports "
            f"{settings.bridge_port}/{settings.rasa_port}/{settings.action_port})",
            flush=True,
        )
    check_ports(settings, scale)
    stores = stores_for(settings) if scale else None
    try:
        if stores is not None:
            print(f"==> starting PostgreSQL and Redis ({stores.directory})", flush=True)
            settings = scale_settings(settings, stores)
        prepare(settings, own_database=scale)
        return _run_services(settings, serving_model(settings))
    except (StoreError, SettingsError) as error:
        print(f"error: {error}", flush=True)
        return 1
    finally:
        if stores is not None:
            stores.stop()


def _run_services(settings: Settings, model: Path) -> int:
    started: list[Service] = []
    try:
        for service, timeout in services_for(settings, model):
            print(
                f"==> starting the {service.name} (log: {service.log_file})", flush=True
            )
            service.start()
            started.append(service)
            service.wait_healthy(timeout)
        bridges = [s for s in started if s.name.startswith("bridge")]
        print(
            "\nThe bot is running. Web chat: "
            + ", ".join(s.health_url.removesuffix("/health") + "/" for s in bridges)
            + "\n  Rasa API:      "
            + ", ".join(settings.rasa_servers)
            + f"\n  Action server: {settings.action_url}\nPress Ctrl-C to stop.",
            flush=True,
        )
        return _wait_for_stop(started)
    except StartupError as error:
        print(f"error: {error}", flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        print("==> stopping…", flush=True)
        # A second Ctrl-C must not leave services running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for service in reversed(started):
            service.stop()
        signal.signal(signal.SIGINT, previous)
        print("==> stopped", flush=True)
