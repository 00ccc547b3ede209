"""Promotion and rollback: Rasa swaps to another model with `PUT /model`.

Why `PUT /model` and not Rasa's model-server mode: both load the model inside
Rasa's event loop, so both pause Rasa for the load (a few seconds here, see
README *Retrain and promote*); `PUT /model` answers once the new model serves,
so the page can say it is done, while model-server mode only polls (100 s by
default) and needs a `models:` entry in endpoints.yml that would also make
Rasa ignore `PUT /model`. During the pause Rasa does not drop messages: the
requests wait, and the bridge's worker retries a turn that timed out
(bot/bridge/worker/queue.py), so a message that arrives meanwhile is answered
just after.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from bot.ops import registry
from bot.ops.evaluation import Comparison
from bot.settings import ROOT, Settings

LOAD_TIMEOUT = 600  # seconds Rasa may take to load a model


class PromotionRefused(RuntimeError):
    """Not promoted; the message (Vietnamese) says why."""


def load_into_rasa(settings: Settings, model_file: str) -> float:
    """Ask every serving Rasa (RASA_URLS) to load this model; the seconds it
    took. Should one refuse, those already switched get their model back, so
    the servers never answer with different models."""
    started = time.monotonic()
    previous = served_model(settings)
    switched: list[str] = []
    for rasa_url in settings.rasa_servers:
        try:
            _put_model(settings, rasa_url, model_file)
        except PromotionRefused:
            if previous is not None:
                for done in switched:
                    _put_model(settings, done, str(previous.resolve()))
            raise
        switched.append(rasa_url)
    return time.monotonic() - started


def _put_model(settings: Settings, rasa_url: str, model_file: str) -> None:
    try:
        response = requests.put(
            f"{rasa_url}/model",
            params={"token": settings.secrets.rasa_token},
            json={"model_file": model_file},
            timeout=LOAD_TIMEOUT,
        )
    except requests.RequestException as error:
        raise PromotionRefused(
            f"Không liên lạc được với Rasa {rasa_url} ({type(error).__name__}); "
            "mô hình chưa đổi."
        ) from error
    if response.status_code != 204:
        raise PromotionRefused(
            f"Rasa {rasa_url} không nạp được mô hình (HTTP {response.status_code}); "
            "mô hình chưa đổi."
        )


def served_model(settings: Settings) -> Path | None:
    """The model file the serving Rasa has loaded (`GET /status`), or None when
    Rasa cannot be asked or the file is gone. Before any promotion this is the
    model `make run` trained from the data, and a candidate must beat it."""
    try:
        response = requests.get(
            f"{settings.rasa_url}/status",
            params={"token": settings.secrets.rasa_token},
            timeout=10,
        )
        name = response.json().get("model_file") if response.ok else None
    except (requests.RequestException, ValueError):
        return None
    if not name:
        return None
    # Rasa reports the file's name only; models live in MODEL_DIR.
    for path in (Path(name), settings.model_dir / Path(name).name, ROOT / name):
        if path.is_absolute() and path.is_file():
            return path
    return None


def promote(settings: Settings, version_id: int, by: str, rollback: bool = False):
    """Make this version live; returns (version, seconds Rasa paused).

    A promotion needs a candidate the rules allow; a rollback takes a version
    that was live before (retired)."""
    url = settings.database_url
    found = registry.version(url, version_id)
    if found is None:
        raise PromotionRefused("Không tìm thấy bản mô hình này.")
    if found.state == "live":
        raise PromotionRefused("Bản này đang được dùng rồi.")
    if rollback and found.state != "retired":
        raise PromotionRefused("Chỉ quay lại được bản đã từng được dùng.")
    if not rollback and found.state != "candidate":
        raise PromotionRefused(found.refusal or "Bản này không còn là bản chờ duyệt.")
    path = settings.model_dir / found.file_name
    if not path.is_file():
        raise PromotionRefused(f"Không còn tệp mô hình {found.file_name}.")
    seconds = load_into_rasa(settings, str(path.resolve()))
    registry.mark_live(url, version_id, by)
    if not rollback and found.evaluation:
        mark_trained(url, Comparison.from_dict(json.loads(found.evaluation)))
    return found, seconds


def mark_trained(url: str, comparison: Comparison) -> int:
    """Labelled inbox items the promoted model was trained on (their label was
    saved into reviewed.yml before the training) are now "trained"."""
    from bot.console.inbox.nlu_labels import mark_trained as mark

    return mark(url, [x.id for x in comparison.labelled if x.saved])
