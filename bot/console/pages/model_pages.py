"""Models (admins only): retrain in a separate process, the running job's
step, each version's evaluation, promotion (refused with the reason when the
rules say no) and rollback. The work is in bot.ops (registry, retrain,
promotion); a page never trains or loads a model itself."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from bot.console import audit
from bot.console.accounts import requires_role
from bot.console.pages import address, bp, db_url
from bot.ops import registry, retrain
from bot.ops.evaluation import Comparison
from bot.ops.promotion import PromotionRefused, promote
from bot.ops.verdict import held_out_totals, regressions
from bot.settings import Settings

LOG_TAIL = 200_000  # characters of a run's log shown


class ModelForm(FlaskForm):
    pass


def _settings() -> Settings:
    """The bridge's settings, as the app factory was given them."""
    return current_app.config["SETTINGS"]


def _comparison(version) -> Comparison | None:
    return (
        Comparison.from_dict(json.loads(version.evaluation))
        if version.evaluation
        else None
    )


@bp.get("/models")
@requires_role("admin")
def models_page():
    retrain.reap_stale(_settings())
    running = registry.running_runs(db_url())
    versions = registry.versions(db_url())
    return render_template(
        "console/models.html",
        live=registry.live(db_url()),
        running=running[-1] if running else None,
        last_run=registry.latest_run(db_url()),
        versions=[(v, _comparison(v)) for v in versions],
        totals=held_out_totals,
        now=datetime.utcnow(),
        form=ModelForm(),
    )


@bp.get("/models/<int:version_id>")
@requires_role("admin")
def model_version_page(version_id: int):
    found = registry.version(db_url(), version_id)
    if found is None:
        abort(404)
    comparison = _comparison(found)
    return render_template(
        "console/models_version.html",
        version=found,
        comparison=comparison,
        totals=held_out_totals(comparison) if comparison else None,
        lost={x.id for x in regressions(comparison)} if comparison else set(),
        form=ModelForm(),
    )


@bp.get("/models/runs/<int:run_id>/log")
@requires_role("admin")
def model_run_log(run_id: int):
    found = registry.run(db_url(), run_id)
    if found is None or not found.log_path:
        abort(404)
    path = Path(found.log_path)
    text = path.read_text("utf-8", errors="replace") if path.is_file() else ""
    return render_template(
        "console/models_log.html",
        run=found,
        text=text[-LOG_TAIL:],
        cut=len(text) > LOG_TAIL,
    )


@bp.post("/models/retrain")
@requires_role("admin")
def model_retrain():
    if not ModelForm().validate_on_submit():
        abort(400)
    try:
        run_id = retrain.start_detached(_settings(), current_user.username)
    except retrain.RetrainBusy as busy:
        flash(str(busy))
        return redirect(url_for("console.models_page"))
    audit.record(
        db_url(), current_user.username, "model_retrain", f"run {run_id}", address()
    )
    flash("Đã bắt đầu huấn luyện lại; trang tự cập nhật tiến độ.")
    return redirect(url_for("console.models_page"))


def _swap(version_id: int, rollback: bool):
    if not ModelForm().validate_on_submit():
        abort(400)
    try:
        found, seconds = promote(
            _settings(), version_id, current_user.username, rollback
        )
    except PromotionRefused as refused:
        flash(f"Chưa đổi mô hình: {refused}")
        return redirect(url_for("console.models_page"))
    action = "model_rollback" if rollback else "model_promote"
    detail = f"#{found.id} {found.file_name}"
    audit.record(db_url(), current_user.username, action, detail, address())
    flash(f"Bản #{found.id} đã được đưa vào dùng (Rasa nạp trong {seconds:.1f} giây).")
    return redirect(url_for("console.models_page"))


@bp.post("/models/<int:version_id>/promote")
@requires_role("admin")
def model_promote(version_id: int):
    return _swap(version_id, rollback=False)


@bp.post("/models/<int:version_id>/rollback")
@requires_role("admin")
def model_rollback(version_id: int):
    return _swap(version_id, rollback=True)
