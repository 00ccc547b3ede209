"""Memos as banks deliver them, matched against the demo club (conftest)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.club.database import session_scope
from bot.club.seed import seed_if_empty
from bot.ops.schema import migrate
from bot.reports.matching import Directory, match_memo, payer_key
from bot.reports.memo_scan import scan

ON = date(2026, 3, 1)
VCB_NOTE = ".CT tu 0351000646393 NGUYEN THI A toi 0071000999888 CLB TINH NGUYEN"

# memo, fund, child, phone, confidence
MEMOS = [
    ("NUOIEM NE0101", "NUOIEM", "NE0101", None, "high"),
    ("NUOIEM NE0101 0912345678", "NUOIEM", "NE0101", "0912345678", "high"),
    (f"MBVCB.3278907687.NUOIEM NE0101 0912345678{VCB_NOTE}", "NUOIEM", "NE0101",
     "0912345678", "high"),
    ("nuoiem ne0102 0987.654.321", "NUOIEM", "NE0102", "0987654321", "high"),
    ("TRAN THI B chuyen khoan NUOIEM ne 0101 sdt 0912 345 678", "NUOIEM",
     "NE0101", "0912345678", "high"),
    ("NUOIEM NE0101 84912345678", "NUOIEM", "NE0101", "0912345678", "high"),
    ("XAYTRUONG 0912345678", "XAYTRUONG", None, "0912345678", "high"),
    ("CHUYEN TIEN UNG HO XAYTRUONG", "XAYTRUONG", None, None, "high"),
    ("xaytruong", "XAYTRUONG", None, None, "high"),
    ("XAYTRUONG 0977000111", "XAYTRUONG", None, "0977000111", "high"),
    ("CHIENDICH AO AM 2026", "CHIENDICH", None, None, "high"),
    ("ung ho NUOIEM 0356789012", "NUOIEM", None, "0356789012", "high"),
    ("IBFT NUOIEMNE0101", "NUOIEM", "NE0101", None, "medium"),
    ("IBFT NUOIEMNE01010912345678", "NUOIEM", "NE0101", "0912345678", "medium"),
    ("nuoiemne0106", "NUOIEM", "NE0106", None, "medium"),
    ("Nuôi em NE-0103 +84 912 345 678", "NUOIEM", "NE0103", "0912345678", "medium"),
    ("ung ho xay truong", "XAYTRUONG", None, None, "medium"),
    ("NE0106 thang 1", "NUOIEM", "NE0106", None, "medium"),
    ("NUOIEM NE0104", "NUOIEM", "NE0104", None, "medium"),
    ("NUOIEM NE0999", "NUOIEM", None, None, "medium"),
    ("NUOIEM NE0102 0912345678", "NUOIEM", "NE0102", "0912345678", "low"),
    ("NUOIEM XAYTRUONG", None, None, None, "low"),
    ("0903111222 chuyen tien", None, None, "0903111222", "low"),
    ("ung ho cac em", None, None, None, "none"),
    (f"MBVCB.1234567890.IBFT chuyen tien{VCB_NOTE}", None, None, None, "none"),
    ("FT26002001 0351000646393 IBFT", None, None, None, "none"),
]  # fmt: skip


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Directory:
    url = f"sqlite:///{tmp_path_factory.mktemp('memos') / 'club.db'}"
    migrate(url)
    seed_if_empty(url)
    with session_scope(url) as session:
        return Directory.load(session)


@pytest.mark.parametrize(("memo", "fund", "child", "phone", "level"), MEMOS)
def test_memo_is_matched_with_its_confidence(book, memo, fund, child, phone, level):
    match = match_memo(scan(memo, tuple(book.funds)), book, ON)
    assert (match.fund, match.child, match.phone) == (fund, child, phone)
    assert match.confidence == level, match.reasons


def test_the_sponsor_comes_from_the_phone_or_the_childs_sponsorship(book):
    trang = book.sponsors["0912345678"]
    assert (
        match_memo(scan("NUOIEM NE0103", tuple(book.funds)), book, ON).sponsor_id
        == trang
    )
    before = date(2025, 12, 31)  # NE0103's sponsorship starts on 1 January 2026
    early = match_memo(scan("NUOIEM NE0103", tuple(book.funds)), book, before)
    assert (early.sponsor_id, early.confidence) == (None, "medium")
    assert "NE0103 has no active sponsorship" in early.reasons
    unknown = match_memo(scan("XAYTRUONG 0977000111", tuple(book.funds)), book, ON)
    assert unknown.sponsor_id is None
    assert "phone 0977000111 is not a sponsor's" in unknown.reasons


def test_the_payer_is_the_counter_account_else_the_sender_in_the_memo():
    note = scan(f"IBFT NUOIEMNE0101{VCB_NOTE}", ("NUOIEM",))
    assert (note.sender_account, note.sender_name) == ("0351000646393", "NGUYEN THI A")
    assert payer_key("0441-000-555", "LE THI HONG", note) == "acct:0441000555"
    assert payer_key("", "", note) == "acct:0351000646393"
    assert payer_key("", "Lê Thị Hồng", scan("ung ho", ())) == "name:LE THI HONG"
    assert payer_key("", "", scan("ung ho", ())) == ""
