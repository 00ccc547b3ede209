"""Helpers of the browser tests: the headless Chromium, waits, sign-in, screenshots.

Chromium and chromedriver are Debian's (scripts/browser.sh installs them;
`make unit`, and so `make test`, runs it first). Selenium is given
/usr/bin/chromedriver by path, so Selenium Manager never downloads anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.errorhandler import ErrorHandler
from selenium.webdriver.support.ui import WebDriverWait

from bot.ops.processes import Service
from bot.settings import ROOT, Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ADMIN, VOLUNTEER = "thu.ha", "minh.tnv"
PASSWORD = "mat-khau-dai-du"
PHONE = (412, 915)  # the viewport of every browser, and of the screenshots
WAIT = 15  # seconds any one thing may take to show in the page
FAILURES = ROOT / "var" / "log" / "browser"
SCREENSHOTS = ROOT / "docs" / "screenshots"
MISSING = (
    "the browser tests need Debian's Chromium and chromedriver at {} and {}; "
    "run `make browser` (scripts/browser.sh installs the chromium and "
    "chromium-driver packages) or `apt-get install chromium chromium-driver`"
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--force-device-scale-factor=1",
    "--lang=vi",
)


@dataclass
class Bridge:
    """The bridge the `bridge` fixture runs (`python -m bot serve`)."""

    settings: Settings
    service: Service

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.bridge_port}"

    @property
    def db_url(self) -> str:
        return self.settings.database_url

    @property
    def data_dir(self) -> Path:
        """The copy of data/ the NLU inbox saves its labels into."""
        return self.settings.nlu_data_dir

    def page(self, path: str) -> str:
        return self.url + path


class StaleAwareErrorHandler(ErrorHandler):
    """Chromium 156 reports an element of a page that was just replaced as an
    "unknown error: ... Node with given id does not belong to the document"
    instead of a stale element. Raised as what it is, Selenium's waits
    (`staleness_of`, `ignored_exceptions`) handle it as they handle a stale
    element."""

    def check_response(self, response: dict[str, Any]) -> None:
        try:
            super().check_response(response)
        except WebDriverException as error:
            if "does not belong to the document" not in str(error.msg):
                raise
            raise StaleElementReferenceException(error.msg) from error


def start_chromium(profile: Path) -> webdriver.Chrome:
    """Headless Chromium with a fresh profile and a phone's viewport; fails the
    test (never skips it) when Chromium or chromedriver is missing."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(MISSING.format(CHROMIUM, CHROMEDRIVER), pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    service = DriverService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    driver.error_handler = StaleAwareErrorHandler()
    driver.set_page_load_timeout(30)
    # A phone's viewport (a headless window is at least 500 px wide).
    width, height = PHONE
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )
    return driver


def wait_for(driver, css: str, text: str | None = None, timeout: float = WAIT):
    """The first displayed element matching `css` (with `text`: containing it),
    once there; fails saying what the page shows instead."""

    def shown(d):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed() and (text is None or text in element.text):
                return element
        return False

    # An element found just before the page changes is stale: look again.
    wait = WebDriverWait(
        driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
    )
    try:
        return wait.until(shown)
    except TimeoutException:
        wanted = f"{css!r}" + (f" with {text!r}" if text else "")
        page = driver.find_element(By.TAG_NAME, "body").text[:500]
        raise AssertionError(
            f"nothing matching {wanted} after {timeout} s at {driver.current_url};"
            f" the page says:\n{page}"
        ) from None


def wait_gone(driver, css: str, timeout: float = WAIT) -> None:
    """Until nothing matches `css` (e.g. the web chat's typing dots)."""
    WebDriverWait(driver, timeout).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, css), f"{css!r} still shown"
    )


def log_in(driver, bridge: Bridge, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the form at /admin/login (the caller checks the result)."""
    driver.get(bridge.page("/admin/login"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()


def shoot(driver, name: str) -> Path | None:
    """docs/screenshots/<name>.png of the viewport, only when SCREENSHOTS=1 (so
    a plain test run never rewrites the committed pictures); a palette PNG."""
    if os.environ.get("SCREENSHOTS") != "1":
        return None
    from io import BytesIO

    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    image = Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True
    )
    return path


def retrain_jobs(var_dir: Path) -> list[int]:
    """Process ids of the `python -m bot retrain` jobs a bridge on this VAR_DIR
    started (each leads its own session, so it outlives the bridge)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours
            continue
        if argv[1:4] == [b"-m", b"bot", b"retrain"] and (
            f"VAR_DIR={var_dir}".encode() in env
        ):
            found.append(int(proc.name))
    return found


def stop_retrain_jobs(var_dir: Path) -> None:
    """End those jobs and what they started (their process groups)."""
    import signal
    from contextlib import suppress

    for pid in retrain_jobs(var_dir):
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
