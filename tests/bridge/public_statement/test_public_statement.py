"""The public sao kê pages: figures per fund, donors shortened, never a phone
or a child beside a donor, the files on demand, polite 404s."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.bridge.app import build_queue, create_app
from bot.bridge.http import public_statement
from bot.settings import load_settings
from tests.reports.monthly.month_books import BINH_PHONE, LAN_PHONE, fill

NOW = datetime(2026, 12, 4, 9, 0)
DIGITS = re.compile(r"\d(?:[ .-]?\d){8,}")  # nine digits or more: a phone, an account


@pytest.fixture
def client(tmp_path, db_url, monkeypatch):
    fill(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setattr(public_statement, "now", lambda: NOW)
    settings = load_settings(tmp_path / "none.env")
    return create_app(settings, build_queue(settings)).test_client()


def text_of(answer) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


def test_the_month_shows_each_fund_and_shortened_donors(client):
    answer = client.get("/sao-ke/2026-10")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    page = text_of(answer)
    assert "Sao kê tháng 10/2026" in page
    for figure in ("300.000 đ", "680.000 đ", "660.000 đ", "1.800.000 đ", "90.000 đ"):
        assert figure in page
    assert "Vật liệu xây dựng" in page and "Nhân công" in page
    assert "N.T. Lan" in page and "T.V. Bình" in page and "N.V. An" in page
    assert "Nguyễn Thị Lan" not in page and "NGUYEN VAN AN" not in page
    assert "2 giao dịch chưa đối soát" in page
    assert "Số em được trả tiền ăn trưa 2" in page


def test_never_a_phone_a_memo_or_a_child_code(client):
    html = client.get("/sao-ke/2026-10").get_data(as_text=True)
    for secret in (LAN_PHONE, BINH_PHONE, "0912 345 678", "NE0101", "NE0102"):
        assert secret not in html
    assert "NUOIEM NE0101" not in html  # memos are never shown
    assert DIGITS.findall(html) == []
    assert "Hoàn tiền cho anh Hùng [số] ([mã em])" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    donor_rows = [row for row in rows if "N.T. Lan" in row]
    assert donor_rows and not any("Mai" in row or "Sùng" in row for row in donor_rows)


def test_the_months_are_listed(client):
    page = client.get("/sao-ke/").get_data(as_text=True)
    for month in ("2026-12", "2026-11", "2026-10", "2026-09"):
        assert f'href="/sao-ke/{month}"' in page
    assert "2026-08" not in page and "đang diễn ra" in page
    assert client.get("/sao-ke").status_code == 308


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/sao-ke/2027-01", "chưa bắt đầu"),
        ("/sao-ke/2026-08", "chưa ghi sổ"),
        ("/sao-ke/2026-13", "Địa chỉ chưa đúng"),
        ("/sao-ke/tháng-10", "Địa chỉ chưa đúng"),
        ("/sao-ke/2026-10.docx", "Địa chỉ chưa đúng"),
        ("/sao-ke/2027-01.pdf", "chưa bắt đầu"),
        ("/sao-ke/..%2f..%2fclub.db", "Địa chỉ chưa đúng"),
    ],
)
def test_no_such_month_is_a_polite_404(client, path, words):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert words in text_of(answer) and "Xin lỗi" in text_of(answer)


def test_the_files_are_made_on_demand(client, tmp_path):
    folder = tmp_path / "reports" / "2026-10"
    assert not folder.exists()
    xlsx = client.get("/sao-ke/2026-10.xlsx")
    assert (
        xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    )
    summary = load_workbook(BytesIO(xlsx.data))["Tổng hợp"]
    assert [cell.value for cell in summary[8]][:5] == [
        "Tổng cộng",
        1_300_000,
        2_100_000,
        850_000,
        2_550_000,
    ]
    pdf = client.get("/sao-ke/2026-10.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    png = client.get("/sao-ke/2026-10.png")
    assert png.mimetype == "image/png"
    with Image.open(BytesIO(png.data)) as image:
        assert image.format == "PNG"
    assert sorted(p.name for p in folder.iterdir()) == [
        "sao-ke-2026-10.pdf",
        "sao-ke-2026-10.png",
        "sao-ke-2026-10.xlsx",
    ]


def test_the_page_links_its_files_and_loads_only_its_own_assets(client):
    html = client.get("/sao-ke/2026-10").get_data(as_text=True)
    for kind in ("xlsx", "pdf", "png"):
        assert f'href="/sao-ke/2026-10.{kind}"' in html
    assert 'name="viewport"' in html and "/static/sao-ke/sao-ke.css" in html
    assert "http://" not in html and "https://" not in html
    assert client.get("/static/sao-ke/sao-ke.css").status_code == 200


def test_the_running_months_files_are_remade_when_old(client, tmp_path, monkeypatch):
    """Each making writes a new file and renames it over the old (a new inode)."""
    pdf = tmp_path / "reports" / "2026-12" / "sao-ke-2026-12.pdf"
    assert client.get("/sao-ke/2026-12.pdf").status_code == 200
    made = pdf.stat().st_ino
    client.get("/sao-ke/2026-12.pdf")
    assert pdf.stat().st_ino == made  # fresh: served as made
    monkeypatch.setattr(public_statement, "FRESH_SECONDS", -1)
    client.get("/sao-ke/2026-12.pdf")
    assert pdf.stat().st_ino != made  # the running month, old: made again
    october = tmp_path / "reports" / "2026-10" / "sao-ke-2026-10.pdf"
    client.get("/sao-ke/2026-10.pdf")
    kept = october.stat().st_ino
    client.get("/sao-ke/2026-10.pdf")
    assert october.stat().st_ino == kept  # a closed month's file is kept


def test_no_books_yet_is_said_politely(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = load_settings(tmp_path / "none.env")
    empty = create_app(settings, build_queue(settings)).test_client()
    answer = empty.get("/sao-ke/")
    assert answer.status_code == 200 and "Chưa có số liệu" in text_of(answer)
    assert empty.get("/sao-ke/2026-10").status_code == 404
