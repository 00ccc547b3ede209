"""The console's pages: one blueprint (`console`, under /admin), one module per
area. Each module adds its routes to `bp`; importing this package loads them all.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm

from bot.console import masking
from bot.console.refresh import page_step
from bot.settings import ROOT

HERE = Path(__file__).resolve().parents[1]
bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder=str(HERE / "templates"),
    static_folder=str(HERE / "static"),
    static_url_path="/static",
)


class LogoutForm(FlaskForm):
    pass


@bp.context_processor
def page_forms() -> dict:
    """The logout button on every page (it posts with its CSRF token)."""
    return {"logout": LogoutForm()}


@bp.app_template_filter("shown")
def shown(text: str | None) -> str:
    """User text as the signed-in staff member may read it (phones masked for
    volunteers); `{{ text|shown }}` in any console template."""
    return masking.for_viewer(text or "", masking.viewer_is_admin())


@bp.app_errorhandler(403)
def forbidden(_error):
    return render_template("console/forbidden.html"), 403


def db_url() -> str:
    """The club database the console reads and writes."""
    return current_app.config["DATABASE_URL"]


def nlu_data_dir() -> Path:
    """Where data/nlu/ is: the repository's, or a test's copy."""
    return Path(current_app.config.get("NLU_DATA_DIR") or ROOT / "data")


def refresh_copies() -> None:
    """A bounded step of copying Rasa's new events and collecting the NLU
    inbox, before a page reads them (the bridge's huey catches up fully)."""
    page_step(db_url(), current_app.config["TRACKER_URL"], nlu_data_dir())


def address() -> str:
    """The client's address, for the login throttle and the audit log."""
    return request.remote_addr or "unknown"


# The page modules register their routes on `bp`; imported last on purpose.
from bot.console.pages import (  # noqa: E402, F401
    auth_pages,
    conversation_pages,
    dashboard_pages,
    handoff_pages,
    inbox_pages,
    model_pages,
    statement_pages,
    statement_report_pages,
    statement_review_pages,
)
