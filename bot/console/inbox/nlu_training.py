"""The training data as the NLU inbox sees it: the folded texts already in
`data/nlu/*.yml`, and `data/nlu/reviewed.yml`, the one file the console writes.

`save` writes reviewed.yml only after `rasa data validate --fail-on-warnings`
(the check of `scripts/validate.sh`) accepted a copy of the training data with
the new file in it; the file is replaced atomically (temporary file, rename).
The check takes 10-40 s, so staff save once after labelling a batch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.console.inbox.nlu_placeholders import plain, training_text
from bot.settings import ROOT
from bot.text import fold

DATA_DIR = ROOT / "data"
REVIEWED_FILE = "reviewed.yml"  # in data/nlu/
KEY_LENGTH = 500  # inbox_items.key's size
VALIDATE_TIMEOUT = 300  # seconds
HEADER = """\
# Real user messages that staff labelled in the console's NLU inbox (/admin/inbox).
# The console rewrites this whole file when staff save their labels, after
# `rasa data validate` accepted it: change labels on that page, not here.
# Phones, child codes, emails and names are sample values of the same kind.
version: "3.1"
"""
_SAVING = threading.Lock()


def key_of(text: str) -> str:
    """The inbox's key: folded (case, diacritics, teencode, punctuation, spacing)."""
    return fold(text)[:KEY_LENGTH]


def examples_of(entry: dict) -> list[str]:
    """The examples of one `- intent:` entry of Rasa's YAML."""
    found = entry.get("examples") or []
    if isinstance(found, str):
        lines = [line.strip() for line in found.splitlines()]
        return [line[2:].strip() for line in lines if line.startswith("- ")]
    return [str(e.get("text", "")) for e in found if isinstance(e, dict)]


@lru_cache(maxsize=8)
def _keys_of_files(stamps: tuple[tuple[str, int, int], ...]) -> frozenset[str]:
    keys: set[str] = set()
    for name, _, _ in stamps:
        patterns = Path(name).with_name("patterns.yml")
        for entry in yaml.safe_load(Path(name).read_text("utf-8")).get("nlu") or []:
            for example in examples_of(entry) if "intent" in entry else []:
                keys.add(key_of(plain(example)))
                keys.add(key_of(plain(training_text(plain(example), patterns))))
    return frozenset(keys)


def training_keys(data_dir: Path = DATA_DIR, skip: str = "") -> frozenset[str]:
    """Keys of every example in data/nlu/*.yml (but `skip`), as written and
    with sample values (so "bé NE0789" matches "bé [NE0456](child_code)");
    read again when a file changes (modification time and size)."""
    files = sorted((data_dir / "nlu").glob("*.yml"))
    stamps = tuple(
        (str(f), f.stat().st_mtime_ns, f.stat().st_size)
        for f in files
        if f.name != skip
    )
    return _keys_of_files(stamps)


def render(examples: list[tuple[str, str]], data_dir: Path = DATA_DIR) -> str:
    """reviewed.yml for (example, intent) pairs, latest first: one block per
    intent, examples sorted. An example already in another file, or already
    given (under any intent) by a later label, is left out."""
    others = training_keys(data_dir, skip=REVIEWED_FILE)
    chosen: dict[str, tuple[str, str]] = {}
    for example, intent in examples:
        key = key_of(plain(example))
        if key and key not in others and key not in chosen:
            chosen[key] = (example, intent)
    by_intent: dict[str, list[str]] = {}
    for example, intent in chosen.values():
        by_intent.setdefault(intent, []).append(example)
    if not by_intent:
        return HEADER + "nlu: []\n"
    blocks = [
        f"- intent: {intent}\n  examples: |\n"
        + "".join(f"    - {e}\n" for e in sorted(found, key=str.casefold))
        for intent, found in sorted(by_intent.items())
    ]
    return HEADER + "\nnlu:\n" + "\n".join(blocks)


def current(data_dir: Path = DATA_DIR) -> str | None:
    path = data_dir / "nlu" / REVIEWED_FILE
    return path.read_text("utf-8") if path.is_file() else None


def saved_labels(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """{key: intent} of the examples in reviewed.yml as it is now."""
    found = yaml.safe_load(current(data_dir) or "") or {}
    return {
        key_of(plain(example)): entry["intent"]
        for entry in found.get("nlu") or []
        if "intent" in entry
        for example in examples_of(entry)
    }


@dataclass(frozen=True)
class Checked:
    ok: bool
    problems: list[str]  # Rasa's own lines, for the page


def validate(data: Path, log_file: Path) -> Checked:
    """`rasa data validate` over a data folder (nlu/, rules.yml, stories.yml)."""
    rasa = Path(sys.executable).parent / "rasa"
    command = [
        str(rasa), "data", "validate", "--fail-on-warnings",
        "--config", str(ROOT / "config.yml"), "--domain", str(ROOT / "domain.yml"),
        "--data", str(data / "nlu"), str(data / "rules.yml"), str(data / "stories.yml"),
    ]  # fmt: skip
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    with log_file.open("w", encoding="utf-8") as log:
        try:
            done = subprocess.run(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env=env, timeout=VALIDATE_TIMEOUT, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return Checked(False, [f"rasa data validate > {VALIDATE_TIMEOUT} s"])
        except OSError as error:  # no rasa in this environment
            return Checked(False, [f"{rasa}: {error.strerror}"])
    if done.returncode == 0:
        return Checked(True, [])
    lines = log_file.read_text("utf-8", errors="replace").splitlines()
    problems = [ln for ln in lines if "error" in ln.lower() or "warning" in ln.lower()]
    return Checked(False, [ln[:300] for ln in (problems or lines)[-5:]])


def save(text: str, data_dir: Path, log_file: Path) -> Checked:
    """Validate a copy of the training data with `text` as reviewed.yml; if
    Rasa accepts it, replace the real file. One save at a time."""
    with _SAVING, tempfile.TemporaryDirectory(prefix="inbox-") as tmp:
        copy = Path(tmp)
        shutil.copytree(
            data_dir / "nlu", copy / "nlu", ignore=shutil.ignore_patterns(".*")
        )
        for name in ("rules.yml", "stories.yml"):
            shutil.copy(data_dir / name, copy / name)
        (copy / "nlu" / REVIEWED_FILE).write_text(text, "utf-8")
        checked = validate(copy, log_file)
        if checked.ok:
            target = data_dir / "nlu" / REVIEWED_FILE
            partial = target.with_name(f".{REVIEWED_FILE}.{os.getpid()}.tmp")
            partial.write_text(text, "utf-8")
            os.replace(partial, target)
        return checked
