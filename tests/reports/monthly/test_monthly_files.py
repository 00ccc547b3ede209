"""The report's files (XLSX, PDF, PNG), the command line and the schedule."""

from __future__ import annotations

from datetime import date, datetime

import pypdf
from huey import MemoryHuey
from openpyxl import load_workbook
from PIL import Image

from bot.cli.main import main
from bot.reports.monthly import report_schedule
from bot.reports.monthly.report_files import make_report, report_path
from tests.reports.monthly.month_books import BINH_PHONE, LAN_PHONE, OCTOBER

NOW = datetime(2026, 12, 4, 9, 0)
OCT = date(2026, 10, 1)


def test_the_workbook_has_the_totals_and_shortened_donors(october_books, tmp_path):
    made = make_report(october_books, tmp_path, OCT, NOW)
    assert made.paths["xlsx"] == tmp_path / "reports/2026-10/sao-ke-2026-10.xlsx"
    book = load_workbook(made.paths["xlsx"])
    assert book.sheetnames == ["Tổng hợp", "Ủng hộ", "Chi"]
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    funds = {row[0]: row[1:5] for row in rows[4:7]}
    assert funds == {
        "Quỹ Nuôi em": (300_000, 680_000, 320_000, 660_000),
        "Quỹ Xây trường": (1_000_000, 1_300_000, 500_000, 1_800_000),
        "Quỹ Chiến dịch": (0, 120_000, 30_000, 90_000),
    }
    assert rows[7][:5] == ("Tổng cộng", 1_300_000, 2_100_000, 850_000, 2_550_000)
    assert sum(sum(OCTOBER[c][2].values()) for c in OCTOBER) == 850_000
    gifts = list(book["Ủng hộ"].iter_rows(min_row=2, values_only=True))
    assert [g[2] for g in gifts][:2] == ["N.T. Lan", "T.V. Bình"]
    assert sum(g[3] for g in gifts) == 2_100_000
    everything = repr(
        [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
    )
    for secret in (LAN_PHONE, BINH_PHONE, "NE0101", "Nguyễn Thị Lan", "Mai"):
        assert secret not in everything
    assert "Hoàn tiền cho anh Hùng [số] ([mã em])" in everything


def test_the_pdf_names_the_month_and_no_phone(october_books, tmp_path):
    path = make_report(october_books, tmp_path, OCT, NOW).paths["pdf"]
    assert path.read_bytes().startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    assert "Báo cáo thu chi tháng 10/2026" in text
    assert "2.100.000 đ" in text and "N.T. Lan" in text and "chưa đối soát" in text
    assert LAN_PHONE not in text and "NE0101" not in text


def test_the_chart_is_a_png(october_books, tmp_path):
    path = make_report(october_books, tmp_path, OCT, NOW).paths["png"]
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG" and image.size == (800, 450)


def test_an_empty_month_still_makes_its_files(db_url, tmp_path):
    made = make_report(db_url, tmp_path, OCT, NOW)
    assert made.report.received == 0 and made.report.funds == ()
    assert all(path.stat().st_size > 0 for path in made.paths.values())


def test_the_command_writes_the_files_and_says_where(
    october_books, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", october_books)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert main(["report", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2026-10: opening 1,300,000, received 2,100,000, ")
    assert "5 donor(s), 2 child(ren)'s lunches paid; 2 bank row(s) in review" in out[0]
    for kind in ("xlsx", "pdf", "png"):
        assert f"{kind}: {report_path(tmp_path, OCT, kind)}" in out
        assert report_path(tmp_path, OCT, kind).is_file()


def test_a_bad_month_is_one_sentence_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'club.db'}")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert main(["report", "--month", "2026-13"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: '2026-13' is not a month; write it as YYYY-MM, e.g.")
    assert len(err.splitlines()) == 1
    assert main(["report", "--month", "2999-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: 2999-01 has not begun yet; no report can be made"
    )
    assert not (tmp_path / "reports").exists()


def test_last_months_report_runs_on_the_first_at_six(october_books, tmp_path):
    huey = MemoryHuey()
    report_schedule.schedule_monthly(
        huey,
        lambda: report_schedule.last_month(
            october_books, tmp_path, datetime(2026, 11, 1, 6, 0)
        ),
    )
    due = huey.read_periodic(datetime(2026, 11, 1, 6, 0))
    assert [task.name for task in due] == ["monthly_report"]
    for not_due in (datetime(2026, 11, 1, 7, 0), datetime(2026, 11, 2, 6, 0)):
        assert huey.read_periodic(not_due) == []
    huey.execute(due[0])
    assert report_path(tmp_path, OCT, "pdf").is_file()


def test_the_bridge_registers_the_monthly_task(tmp_path, db_url, monkeypatch):
    from bot.bridge.app import build_queue
    from bot.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    queue = build_queue(load_settings(tmp_path / "none.env"))
    due = queue.huey.read_periodic(datetime(2027, 1, 1, 6, 0))
    assert "monthly_report" in [task.name for task in due]
