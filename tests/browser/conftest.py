"""Real-browser tests of the staff console and the web chat.

The bridge runs as production serves it (`python -m bot serve`: waitress and
the queue's consumer) on a free loopback port, on a migrated SQLite file in
tmp_path, with an admin (ADMIN) and a volunteer (VOLUNTEER), both with
PASSWORD. No Rasa server is started: nothing listens on the Rasa port, and a
conversation with an open handoff ticket never asks Rasa. Rasa's tracker store
is TRACKER_DB = tmp_path/tracker.db (see `rasa_tracker`); the NLU inbox saves
labels into a copy of data/ (NLU_DATA_DIR = bridge.data_dir), never the
repository's; MODEL_DIR is the repository's models/, the fingerprint cache
`make train` fills, so a retrain started from the page reuses the model already
trained for the current data.

Fixtures:
  bridge         the running bridge: .url, .db_url, .settings, .data_dir, .page(path)
  rasa_tracker   Rasa's own SQLTrackerStore on the bridge's TRACKER_DB:
                 .add(conversation_id, [user(...), bot(...), action(...)]) with
                 the event makers of tests/console/conftest.py
  browser        a headless Chromium (Selenium WebDriver), 412x915 viewport
  new_browser()  another one each call, e.g. a web chat user beside the staff
Helpers (tests/browser/browser_kit.py): log_in(driver, bridge, username),
wait_for(driver, css, text=None), wait_gone(driver, css), shoot(driver, name).
A failing test leaves a screenshot of each of its browsers, and the bridge's
log, in var/log/browser/.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.club.staff import create_staff
from bot.ops.processes import bridge_service, free_port
from bot.settings import ROOT, load_settings
from tests.browser.browser_kit import (
    ADMIN,
    FAILURES,
    PASSWORD,
    VOLUNTEER,
    Bridge,
    start_chromium,
    stop_retrain_jobs,
)
from tests.console.conftest import RasaTracker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(request) -> bool:
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


def _name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


def _data_copy(copy: Path) -> Path:
    """The training data the inbox may write (nlu/, rules.yml, stories.yml)."""
    shutil.copytree(ROOT / "data" / "nlu", copy / "nlu")
    for name in ("rules.yml", "stories.yml"):
        shutil.copy(ROOT / "data" / name, copy / name)
    return copy


@pytest.fixture
def bridge(request, tmp_path, db_url, monkeypatch) -> Iterator[Bridge]:
    for name, value in {
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": db_url,
        "BRIDGE_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "TRACKER_DB": str(tmp_path / "tracker.db"),
        "NLU_DATA_DIR": str(_data_copy(tmp_path / "data")),
        "MODEL_DIR": str(ROOT / "models"),
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(tmp_path / "none.env")
    create_staff(db_url, ADMIN, PASSWORD, role="admin")
    create_staff(db_url, VOLUNTEER, PASSWORD, role="volunteer")
    service = bridge_service(settings)
    service.start()
    try:
        try:
            service.wait_healthy(60)
        except Exception as error:
            log = service.log_file.read_text(errors="replace")[-3000:]
            pytest.fail(f"{error}\n{log}")
        yield Bridge(settings, service)
    finally:
        service.stop()
        stop_retrain_jobs(settings.var_dir)  # one a test left running
        if _failed(request) and service.log_file.exists():
            FAILURES.mkdir(parents=True, exist_ok=True)
            shutil.copy(service.log_file, FAILURES / f"{_name(request)}-bridge.log")


@pytest.fixture
def rasa_tracker(bridge) -> RasaTracker:
    return RasaTracker(bridge.settings.tracker_db)


@pytest.fixture
def new_browser(request) -> Iterator[Callable]:
    """Starts a headless Chromium (fresh profile) per call; all quit at the end,
    after a screenshot of each in var/log/browser/ when the test failed."""
    drivers = []

    def start():
        profile = Path(tempfile.mkdtemp(prefix="chromium-profile."))
        try:
            driver = start_chromium(profile)
        except BaseException:
            shutil.rmtree(profile, ignore_errors=True)
            raise
        drivers.append((driver, profile))
        return driver

    yield start
    failed = _failed(request)
    for number, (driver, profile) in enumerate(drivers, 1):
        try:
            if failed:
                FAILURES.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(FAILURES / f"{_name(request)}-{number}.png"))
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser(new_browser):
    return new_browser()
