"""The commands a club member types fail with one clear sentence, not a traceback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def run_bot(tmp_path, *args, **env):
    environment = {**os.environ, "VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_malformed_setting_is_one_sentence(tmp_path):
    result = run_bot(tmp_path, "run", RASA_PORT="abc")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: bad setting: RASA_PORT must be a port number from 1 to 65535, got 'abc'"
    )


def test_port_in_use_is_one_sentence(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_bot(tmp_path, "run", BRIDGE_PORT=str(port))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"port {port} (BRIDGE_PORT) on 127.0.0.1 is already in use" in result.stderr
    assert not (tmp_path / "club.db").exists()  # stopped before touching anything


def test_init_db_and_seed_demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'club.db'}"
    assert run_bot(tmp_path, "init-db", DATABASE_URL=url).returncode == 0
    first = run_bot(tmp_path, "seed-demo", DATABASE_URL=url)
    assert first.returncode == 0 and "demo rows loaded" in first.stdout
    again = run_bot(tmp_path, "seed-demo", DATABASE_URL=url)
    assert "nothing loaded" in again.stdout


def test_setup_without_python310_says_what_to_install(tmp_path):
    for name in (
        "requirements.txt",
        "requirements-dev.txt",
        "constraints.txt",
        "pyproject.toml",
    ):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts/bootstrap.sh", tmp_path / "scripts/bootstrap.sh")
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    if subprocess.run(["sh", "-c", "command -v python3.10"], env=bare).returncode == 0:
        pytest.skip("this machine has a system python3.10 on /usr/bin")
    result = subprocess.run(
        ["bash", "scripts/bootstrap.sh"],
        cwd=tmp_path,
        env=bare,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Python 3.10 is required" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert not (tmp_path / ".venv").exists()


def test_staff_list_and_release_handoffs(tmp_path):
    from bot.club.tickets import is_paused, open_ticket
    from bot.ops.schema import migrate

    url = f"sqlite:///{tmp_path / 'club.db'}"
    migrate(url)
    open_ticket(url, "zalo:42", "zalo", "cho gặp người thật")
    listed = run_bot(tmp_path, "handoffs", DATABASE_URL=url)
    assert "zalo:42" in listed.stdout and "1 conversation(s)" in listed.stdout
    released = run_bot(
        tmp_path, "release", "zalo:42", "--by", "thu.ha", DATABASE_URL=url
    )
    assert released.returncode == 0 and not is_paused(url, "zalo:42")
    again = run_bot(tmp_path, "release", "zalo:42", DATABASE_URL=url)
    assert again.returncode == 1 and "no open handoff" in again.stderr


def test_an_unreachable_database_is_named_without_its_password(tmp_path):
    url = "postgresql://club:s3cret-pw@127.0.0.1:9/club"
    result = run_bot(tmp_path, "init-db", DATABASE_URL=url)
    assert result.returncode == 1
    assert "cannot use the database postgresql://club:***@127.0.0.1:9/club" in (
        result.stderr
    )
    assert "s3cret-pw" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_lookup_locks_and_links_commands(tmp_path):
    run_bot(tmp_path, "seed-demo")
    locks = run_bot(tmp_path, "lookup-locks")
    assert locks.returncode == 0 and "0 lock(s) in force" in locks.stdout
    cleared = run_bot(tmp_path, "lookup-locks", "--clear", "NE0101")
    assert cleared.returncode == 0 and "0 failed tries cleared" in cleared.stdout
    links = run_bot(tmp_path, "links")
    assert links.returncode == 0 and "0 link request(s) waiting" in links.stdout
    missing = run_bot(tmp_path, "links", "--approve", "42")
    assert missing.returncode == 1 and "no pending link request 42" in missing.stderr
    forgotten = run_bot(tmp_path, "retention")
    assert forgotten.returncode == 0 and "older than 90 days" in forgotten.stdout


def test_create_staff_with_a_role_reads_the_password_from_a_pipe(tmp_path):
    from bot.club.database import session_scope
    from bot.club.models import StaffUser

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "create-staff",
            "minh.tnv",
            "--role",
            "volunteer",
        ],
        cwd=ROOT,
        env={**os.environ, "VAR_DIR": str(tmp_path)},
        input="mat-khau-dai-du\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "created (volunteer)" in result.stdout
    with session_scope(f"sqlite:///{tmp_path / 'club.db'}") as session:
        [user] = session.query(StaffUser).all()
    assert (user.username, user.role) == ("minh.tnv", "volunteer")
    bad = run_bot(tmp_path, "create-staff", "x.y.z", "--role", "owner")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_a_database_never_initialised_points_to_init_db(tmp_path):
    result = run_bot(tmp_path, "vietqr", "--fund", "NUOIEM")
    assert result.returncode == 1
    assert "no such table" in result.stderr
    assert "run `make init-db` first" in result.stderr
    assert "Traceback" not in result.stderr
