"""Train the Rasa model only when its inputs changed (cached by fingerprint)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.settings import ROOT

TRAINING_DATA = ["data/nlu", "data/rules.yml", "data/stories.yml"]
# Everything that changes what the model learns, including our NLU component.
FINGERPRINT_INPUTS = [
    "config.yml",
    "domain.yml",
    *TRAINING_DATA,
    "bot/nlu",
    "bot/text.py",
]


class TrainingError(RuntimeError):
    """`rasa train` failed; the message names the log with Rasa's own output."""


def rasa_bin() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def rasa_env() -> dict[str, str]:
    """Quiet, offline Rasa: no telemetry calls, no TensorFlow chatter."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
    )
    return env


def _files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in FINGERPRINT_INPUTS:
        path = root / name
        if path.is_dir():
            files.extend(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix in {".yml", ".py", ".txt"}
            )
        elif path.is_file():
            files.append(path)
    return sorted(files)


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _progress(stop: threading.Event, label: str) -> None:
    started = time.monotonic()
    while not stop.wait(10):
        print(f"    {label}: {int(time.monotonic() - started)} s…", flush=True)


def train(model_dir: Path, log_file: Path, root: Path = ROOT) -> Path:
    """Return the model for the current data, training it first when needed."""
    model_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    name = f"model-{fingerprint(root)}"
    target = model_dir / f"{name}.tar.gz"
    with (model_dir / ".train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time per cache
        if target.exists():
            return target
        with tempfile.TemporaryDirectory(dir=model_dir) as out:
            command = [
                rasa_bin(),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "domain.yml",
                "--data",
                *TRAINING_DATA,
                "--out",
                out,
                "--fixed-model-name",
                name,
            ]
            print(f"==> training the model (Rasa output: {log_file})", flush=True)
            stop = threading.Event()
            threading.Thread(
                target=_progress, args=(stop, "training"), daemon=True
            ).start()
            try:
                with log_file.open("a") as log:
                    result = subprocess.run(
                        command,
                        cwd=root,
                        env=rasa_env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
            finally:
                stop.set()
            built = Path(out) / f"{name}.tar.gz"
            if result.returncode != 0 or not built.exists():
                raise TrainingError(
                    f"rasa train failed (exit {result.returncode}); see {log_file}"
                )
            shutil.move(str(built), target)
    return target
