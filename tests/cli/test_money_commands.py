"""`python -m bot vietqr`: the payload printed, its image, and clear refusals."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
        ("--fund", "NUOIEM", "--child", "NE0999"): "no child has the code NE0999",
        ("--fund", "NUOIEM", "--amount", "0"): "not an amount",
        ("--fund", "CHIENDICH", "--png", str(tmp_path / "no" / "qr.png")): (
            "cannot write the image to"
        ),
    }
    for args, reason in cases.items():
        result = run_bot(tmp_path, "vietqr", *args, **env)
        assert result.returncode == 2 and reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


STATEMENTS = Path(__file__).parents[1] / "fixtures" / "statements"


def test_import_statement_prints_one_summary_line_and_is_idempotent(tmp_path):
    env = seeded(tmp_path)
    path = str(STATEMENTS / "vcb_statement.xls")
    first = run_bot(tmp_path, "import-statement", path, **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "vcb_statement.xls (vcb): 8 rows read, 8 new, 0 duplicates, 4 matched, "
        "4 to review (2 debits), 0 errors\n"
    )
    again = run_bot(tmp_path, "import-statement", path, "--bank", "vcb", **env)
    assert "8 rows read, 0 new, 8 duplicates, 0 matched" in again.stdout


def test_import_statement_refusals_are_sentences(tmp_path):
    env = seeded(tmp_path)
    bad_rows = tmp_path / "mb.csv"
    text = (STATEMENTS / "mb_statement.csv").read_text("utf-8-sig")
    bad_rows.write_text(text.replace("15/01/2026", "15/13/2026"), encoding="utf-8")
    unbalanced = tmp_path / "mb2.csv"
    unbalanced.write_text(text.replace('"5,790,000.00"\n', '"5,800,000.00"\n'))
    cases = {
        str(bad_rows): "mb.csv: line 10: '15/13/2026 10:15:00' is not a date "
        "(dd/mm/yyyy)\nerror: 1 row(s) cannot be read; nothing of mb.csv was "
        "imported\n",
        str(unbalanced): "error: mb2.csv was not imported: opening balance "
        "5.000.000 đ + credits 2.340.000 đ − debits 1.550.000 đ = 5.790.000 đ, but "
        "the closing balance is 5.800.000 đ\n",
        str(tmp_path / "none.csv"): f"error: {tmp_path / 'none.csv'} is not a file\n",
        str(STATEMENTS / "make_statement_fixtures.py"): "error: "
        "make_statement_fixtures.py was not imported: no header row of a known "
        "bank's layout in its first rows\n",
    }
    for path, stderr in cases.items():
        result = run_bot(tmp_path, "import-statement", path, **env)
        assert (result.returncode, result.stderr, result.stdout) == (2, stderr, "")
    wrong_bank = run_bot(
        tmp_path, "import-statement", str(STATEMENTS / "mb_statement.csv"),
        "--bank", "bidv", **env,
    )  # fmt: skip
    assert wrong_bank.returncode == 2
    assert "no header row of the bidv export layout" in wrong_bank.stderr
