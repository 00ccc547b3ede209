"""`python -m bot vietqr`: the payload printed, its image, and clear refusals."""

from __future__ import annotations

import shutil
import subprocess

from bot.reports.vietqr import crc16
from tests.cli.test_cli import run_bot


def seeded(tmp_path) -> dict:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'club.db'}",
        "CLUB_BANK_BIN": "970415",
        "CLUB_BANK_ACCOUNT": "1111 2222 3333",
    }
    assert run_bot(tmp_path, "seed-demo", **env).returncode == 0
    return env


def test_prints_the_payload_with_the_memo_and_writes_the_image(tmp_path):
    env = seeded(tmp_path)
    image = tmp_path / "qr.png"
    result = run_bot(
        tmp_path,
        "vietqr",
        "--fund",
        "nuoiem",
        "--amount",
        "160k",
        "--child",
        "ne 0101",
        "--png",
        str(image),
        **env,
    )
    assert result.returncode == 0, result.stderr
    data = result.stdout.strip()
    assert "0006970415" in data and "0112111122223333" in data
    assert "5406160000" in data and "0813NUOIEM NE0101" in data
    assert crc16(data[:-4].encode()) == data[-4:]
    decoded = subprocess.run(
        [shutil.which("zbarimg") or "zbarimg", "--quiet", "--raw", str(image)],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert decoded == data


def test_a_phone_goes_into_the_memo(tmp_path):
    env = seeded(tmp_path)
    result = run_bot(
        tmp_path, "vietqr", "--fund", "XAYTRUONG", "--phone", "+84 912.345.678", **env
    )
    assert "XAYTRUONG 0912345678" in result.stdout and "010211" in result.stdout


def test_bad_values_get_one_sentence(tmp_path):
    env = seeded(tmp_path)
    cases = {
        ("--fund", "KHONGCO"): "no fund has the code 'KHONGCO'",
        ("--fund", "NUOIEM", "--child", "12"): "not a child code",
        ("--fund", "NUOIEM", "--phone", "123"): "not a Vietnamese mobile number",
        ("--fund", "NUOIEM", "--amount", "nhiều"): "not an amount",
    }
    for args, reason in cases.items():
        result = run_bot(tmp_path, "vietqr", *args, **env)
        assert result.returncode == 2 and reason in result.stderr
        assert "Traceback" not in result.stderr
