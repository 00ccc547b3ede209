"""The bank statement pages: upload (each bank's export, a malformed file, the
same file twice, CSRF, roles) and the review list (confirm, assign, bulk,
errors with their reason, the payer remembered, memos escaped)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.models import AuditEntry, Child, Donation, Expense, Fund
from bot.club.seed import seed_if_empty
from bot.reports.ledger import BankStatement, BankTransaction, PayerRule
from tests.console.conftest import csrf_token, log_in
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import JANUARY, Tx

BANK_FILES = [
    ("vcb_statement.xlsx", "vcb"),
    ("vcb_statement.xls", "vcb"),
    ("vcb_history.csv", "vcb"),
    ("tcb_enquiry.xlsx", "tcb"),
    ("mb_statement.csv", "mb"),
    ("bidv_statement.xlsx", "bidv"),
]
DUC = "19033334444011"  # the counter account of "IBFT NUOIEMNE0102"


@pytest.fixture
def admin(console, db_url):
    """Thu Hà (admin) signed in, on a club database with the demo funds,
    children and sponsors."""
    assert seed_if_empty(db_url) > 0
    log_in(console, "thu.ha")
    return console


def upload(client, path, bank="auto", token=True, name=None):
    data = {
        "file": (io.BytesIO(path.read_bytes()), name or path.name),
        "bank": bank,
    }
    if token:
        data["csrf_token"] = csrf_token(client, "/admin/statements")
    return client.post(
        "/admin/statements", data=data, content_type="multipart/form-data"
    )


def page(response) -> str:
    return response.get_data(as_text=True)


def count(url: str, model) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(model))


def review_item(url: str, memo: str) -> BankTransaction:
    with session_scope(url) as session:
        query = select(BankTransaction).where(BankTransaction.description == memo)
        return session.scalars(query).one()


def audit_actions(url: str) -> list[tuple[str, str]]:
    with session_scope(url) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.detail) for e in entries if "statement" in e.action]


def figures(html: str) -> dict[str, str]:
    pairs = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)", html)
    return dict(pairs)


@pytest.mark.parametrize(("name", "bank"), BANK_FILES)
def test_each_banks_export_is_imported_through_the_page(admin, db_url, name, bank):
    response = upload(admin, made.HERE / name)
    html = page(response)
    assert response.status_code == 200, html
    assert f"Đã nhập {name}" in html
    assert figures(html) == {
        "Số dòng đọc được": "8",
        "Mới": "8",
        "Đã có từ trước": "0",
        "Tự khớp": "4",
        "Cần xem": "4",
        "Lỗi": "0",
    }
    assert count(db_url, BankTransaction) == 8
    with session_scope(db_url) as session:
        statement = session.scalars(select(BankStatement)).one()
        assert (statement.bank, statement.rows, statement.new_rows) == (bank, 8, 8)
        assert statement.file_name == name
    # The list of imported statements and the nav's count of rows to review.
    assert "5.000.000 đ" in html and "5.790.000 đ" in html
    assert re.search(r'title="4 giao dịch cần xem">4</span>', html)
    assert [a for a, _ in audit_actions(db_url)] == ["statement_import"]


def test_the_bank_can_be_forced_and_a_wrong_one_is_refused(admin, db_url):
    assert upload(admin, made.HERE / "mb_statement.csv", bank="mb").status_code == 200
    wrong = upload(admin, made.HERE / "bidv_statement.xlsx", bank="tcb")
    assert wrong.status_code == 422
    assert "no header row of the tcb export layout" in page(wrong)
    assert upload(admin, made.HERE / "mb_statement.csv", bank="acb").status_code == 400
    assert count(db_url, BankStatement) == 1


def test_a_malformed_file_lists_every_bad_line_and_writes_nothing(
    admin, db_url, tmp_path
):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    text = path.read_text("utf-8-sig")
    text = text.replace("15/01/2026", "15/13/2026").replace("20/01/2026", "20/01/20x6")
    path.write_text(text, encoding="utf-8")
    response = upload(admin, path, name="sao kê tháng 1.csv")
    html = page(response)
    assert response.status_code == 422
    assert "Chưa nhập sao kê tháng 1.csv: 2 dòng không đọc được" in html
    assert "Dòng 10: &#39;15/13/2026 10:15:00&#39; is not a date" in html
    assert "Dòng 11: " in html
    assert "Không có gì trong tệp được ghi" in html
    assert (count(db_url, BankTransaction), count(db_url, BankStatement)) == (0, 0)
    assert audit_actions(db_url)[0][1].startswith("sao kê tháng 1.csv refused")


def test_a_file_that_does_not_add_up_shows_the_figures(admin, db_url, tmp_path):
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    text = path.read_text("utf-8-sig").replace('"4,780,000.00"', '"4,790,000.00"')
    path.write_text(text, encoding="utf-8")
    html = page(upload(admin, path))
    assert "số dư không khớp" in html
    assert "Dòng 8: the balance 4.790.000 đ does not follow from 4.280.000 đ" in html
    assert count(db_url, BankTransaction) == 0


def test_the_same_file_again_adds_only_duplicates(admin, db_url):
    upload(admin, made.HERE / "tcb_enquiry.xlsx")
    donations = count(db_url, Donation)
    again = page(upload(admin, made.HERE / "tcb_enquiry.xlsx"))
    assert figures(again)["Mới"] == "0"
    assert figures(again)["Đã có từ trước"] == "8"
    assert (count(db_url, BankTransaction), count(db_url, Donation)) == (8, donations)
    assert count(db_url, BankStatement) == 2


def test_a_gap_between_statements_is_highlighted(admin, db_url, tmp_path):
    upload(admin, made.write_mb_csv(tmp_path / "jan.csv", JANUARY))
    march = [Tx(date(2026, 3, 2), "FT26061001", 160_000, "NUOIEM NE0106")]
    html = page(
        upload(admin, made.write_mb_csv(tmp_path / "mar.csv", march, 6_100_000))
    )
    assert 'class="notice gap"' in html and '<tr class="gap">' in html
    assert "closed at 5.790.000 đ but this one opens at 6.100.000 đ" in html


def test_an_upload_needs_the_csrf_token(admin, db_url):
    response = upload(admin, made.HERE / "mb_statement.csv", token=False)
    assert response.status_code == 400
    assert count(db_url, BankTransaction) == 0


def test_an_upload_larger_than_the_limit_is_refused(admin, db_url, tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (5 * 1024 * 1024 + 10))
    response = upload(admin, big)
    assert response.status_code == 303
    assert "Tệp lớn quá 5 MB: chưa nhập gì." in page(admin.get("/admin/statements"))
    assert count(db_url, BankStatement) == 0


def test_an_upload_up_to_the_limit_passes_the_apps_webhook_limit(admin, tmp_path):
    limit = admin.application.config["MAX_CONTENT_LENGTH"]
    path = made.write_mb_csv(tmp_path / "mb.csv", JANUARY)
    path.write_bytes(path.read_bytes() + b"\n" * (limit + 1))
    response = upload(admin, path)
    assert response.status_code == 200, page(response)[:2000]


ROUTES = [
    ("get", "/admin/statements"),
    ("post", "/admin/statements"),
    ("get", "/admin/statements/review"),
    ("post", "/admin/statements/review/1"),
    ("post", "/admin/statements/review/confirm"),
    ("post", "/admin/statements/report"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_volunteers_get_403_on_every_statement_page(console, method, path):
    log_in(console, "minh.tnv")
    token = csrf_token(console, "/admin/")
    response = getattr(console, method)(path, data={"csrf_token": token})
    assert response.status_code == 403
    assert "Sao kê" not in page(console.get("/admin/"))


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_signed_out_visitors_are_sent_to_the_login(console, method, path):
    response = getattr(console, method)(path)
    assert response.status_code in (302, 401)


@pytest.fixture
def january(admin):
    """The January export (TCB) imported: 4 booked, 4 waiting for review."""
    assert upload(admin, made.HERE / "tcb_enquiry.xlsx").status_code == 200
    return admin


def post_row(client, tx_id: int, **form):
    form["csrf_token"] = csrf_token(client, "/admin/statements/review")
    return client.post(f"/admin/statements/review/{tx_id}", data=form)


def test_the_review_list_shows_credits_and_debits_newest_first(january):
    html = page(january.get("/admin/statements/review"))
    order = [
        html.index(memo)
        for memo in (
            "Phi van chuyen ao am",  # 20 January
            "ung ho cac em",  # 10 January
            "Chi mua gao cho diem truong Sa Na",  # 5 January
            "IBFT NUOIEMNE0102",  # 3 January
        )
    ]
    assert order == sorted(order)
    assert "Nhận +200.000 đ" in html and "Chi −1.200.000 đ" in html
    assert "DO THI LAN" in html  # the unmatched credit's payer
    assert "Gợi ý:\n    <strong>NUOIEM</strong>, bé NE0102, Trần Minh Đức" in html
    assert "khá chắc" in html and "inside a run-together word" in html
    assert "Lần sau người chuyển này sẽ tự khớp" in html
    assert "4 giao dịch cần xem" in html


def test_confirming_the_suggestion_books_a_donation_and_is_remembered(
    january, db_url, tmp_path
):
    unsure = review_item(db_url, "IBFT NUOIEMNE0102")
    before = count(db_url, Donation)
    response = post_row(january, unsure.id, action="confirm")
    assert response.status_code == 303
    html = page(january.get("/admin/statements/review"))
    assert "Đã ghi 320.000 đ ngày 03/01/2026 vào quỹ NUOIEM, bé NE0102." in html
    assert "Lần sau người chuyển này sẽ tự khớp." in html
    assert "IBFT NUOIEMNE0102" not in html.split("</form>", 1)[-1]
    with session_scope(db_url) as session:
        tx = session.get(BankTransaction, unsure.id)
        assert (tx.state, tx.assigned_by) == ("booked", "thu.ha")
        assert session.get(Child, tx.donation.child_id).code == "NE0102"
    assert count(db_url, Donation) == before + 1
    assert audit_actions(db_url)[-1] == (
        "statement_assign",
        f"tx={unsure.id} fund=NUOIEM sponsor={unsure.sponsor_id} child=NE0102",
    )
    # The same payer's next transfer matches by itself.
    march = [Tx(date(2026, 3, 3), "FT26062001", 320_000, "IBFT NUOIEMNE0102", DUC,
                "TRAN MINH DUC")]  # fmt: skip
    html = page(upload(january, made.write_tcb_xlsx(tmp_path / "m.xlsx", march)))
    assert (figures(html)["Tự khớp"], figures(html)["Cần xem"]) == ("1", "0")


def test_assigning_another_fund_books_it_there(january, db_url, tmp_path):
    gift = review_item(db_url, "ung ho cac em")
    response = post_row(january, gift.id, action="assign", fund="XAYTRUONG")
    assert response.status_code == 303
    with session_scope(db_url) as session:
        tx = session.get(BankTransaction, gift.id)
        fund = session.get(Fund, tx.donation.fund_id).code
        rule = session.scalars(select(PayerRule)).one()
        assert (fund, rule.fund_id, tx.state) == ("XAYTRUONG", tx.fund_id, "booked")
    later = [Tx(date(2026, 2, 10), "FT26041001", 200_000, "ung ho", "5556667778",
                "DO THI LAN")]  # fmt: skip
    html = page(upload(january, made.write_tcb_xlsx(tmp_path / "f.xlsx", later)))
    assert figures(html)["Tự khớp"] == "1"


def test_a_sponsor_picked_from_the_list_is_booked(january, db_url):
    gift = review_item(db_url, "ung ho cac em")
    html = page(january.get("/admin/statements/review"))
    picked = re.search(r'<option value="(\d+ · Lê Thị Hồng)">', html).group(1)
    form = {"fund": "NUOIEM", "child": "ne0106", "sponsor": picked}
    assert post_row(january, gift.id, action="assign", **form).status_code == 303
    with session_scope(db_url) as session:
        donation = session.get(BankTransaction, gift.id).donation
        assert donation.sponsor_id == int(picked.split(" ")[0])
        assert session.get(Child, donation.child_id).code == "NE0106"


def test_a_debit_gets_a_fund_and_a_purpose(january, db_url):
    rice = review_item(db_url, "Chi mua gao cho diem truong Sa Na")
    response = post_row(
        january, rice.id, action="assign", fund="NUOIEM", purpose="Gạo, thực phẩm"
    )
    assert response.status_code == 303
    with session_scope(db_url) as session:
        expense = session.get(Expense, session.get(BankTransaction, rice.id).expense_id)
        assert (expense.amount, expense.purpose) == (1_200_000, "Gạo, thực phẩm")


def test_a_debit_waits_with_its_guessed_category_and_staff_choose_one(january, db_url):
    move = review_item(db_url, "Phi van chuyen ao am")
    html = page(january.get("/admin/statements/review"))
    assert '<option value="Đi lại" selected>' in html
    form = {"fund": "CHIENDICH", "category": "Quà và đồ dùng"}
    assert post_row(january, move.id, action="assign", **form).status_code == 303
    html = page(january.get("/admin/statements/review"))
    assert "vào quỹ CHIENDICH, loại chi “Quà và đồ dùng”." in html
    with session_scope(db_url) as session:
        expense = session.get(BankTransaction, move.id).expense
        assert (expense.category, expense.amount) == ("Quà và đồ dùng", 350_000)
    rice = review_item(db_url, "Chi mua gao cho diem truong Sa Na")
    form = {"fund": "NUOIEM", "category": "Ăn vặt"}
    response = post_row(january, rice.id, action="assign", **form)
    assert response.status_code == 400 and "no category is called" in page(response)


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"fund": "QUYKHAC"}, "no fund has the code &#39;QUYKHAC&#39;"),
        ({"fund": "NUOIEM", "child": "NE0999"}, "no child has the code"),
        ({"fund": "NUOIEM", "sponsor": "abc"}, "Mã người nhận nuôi “abc”"),
        ({"fund": ""}, "bạn chọn quỹ trước nhé"),
        ({"action": "confirm"}, "không có gợi ý để xác nhận"),
    ],
)
def test_an_assignment_that_cannot_be_made_is_400_with_the_reason(
    january, db_url, form, reason
):
    gift = review_item(db_url, "ung ho cac em")
    response = post_row(january, gift.id, **{"action": "assign", **form})
    assert response.status_code == 400
    assert "Chưa ghi được: " in page(response) and reason in page(response)
    assert review_item(db_url, "ung ho cac em").state == "review"


def test_an_assignment_needs_the_csrf_token(january, db_url):
    gift = review_item(db_url, "ung ho cac em")
    response = january.post(
        f"/admin/statements/review/{gift.id}", data={"fund": "NUOIEM"}
    )
    assert response.status_code == 400
    assert review_item(db_url, "ung ho cac em").state == "review"


def test_several_suggested_rows_are_confirmed_at_once(january, db_url, tmp_path):
    others = [
        Tx(date(2026, 2, 3), "FT26034001", 160_000, "IBFT NUOIEMNE0101"),
        Tx(date(2026, 2, 4), "FT26035001", 160_000, "IBFT NUOIEMNE0106"),
    ]
    upload(january, made.write_tcb_xlsx(tmp_path / "f.xlsx", others, 5_790_000))
    with session_scope(db_url) as session:
        query = select(BankTransaction.id).where(
            BankTransaction.state == "review", BankTransaction.fund_id.is_not(None)
        )
        suggested = list(session.scalars(query))
    gift = review_item(db_url, "ung ho cac em")  # no suggestion: left as it is
    assert len(suggested) == 3
    form = {
        "ids": [str(i) for i in [*suggested, gift.id]],
        "csrf_token": csrf_token(january, "/admin/statements/review"),
    }
    response = january.post("/admin/statements/review/confirm", data=form)
    assert response.status_code == 303
    html = page(january.get("/admin/statements/review"))
    assert "Đã ghi 3 giao dịch theo gợi ý." in html
    assert f"Chưa ghi (không có gợi ý hoặc lỗi): {gift.id}." in html
    with session_scope(db_url) as session:
        states = session.scalars(
            select(BankTransaction.state).where(BankTransaction.id.in_(suggested))
        )
        assert set(states) == {"booked"}
    assert [a for a, _ in audit_actions(db_url)].count("statement_assign") == 3


def test_memo_text_is_escaped(admin, db_url, tmp_path):
    memo = "<script>alert(1)</script> ung ho"
    txs = [Tx(date(2026, 1, 4), "R9", 100_000, memo, "123", "<b>KHACH</b>")]
    assert upload(admin, made.write_mb_csv(tmp_path / "x.csv", txs)).status_code == 200
    html = page(admin.get("/admin/statements/review"))
    assert "<script>alert" not in html and "<b>KHACH" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ung ho" in html


def test_the_months_report_is_made_from_the_page(january, tmp_path):
    html = page(january.get("/admin/statements"))
    assert '<option value="2026-01">01/2026</option>' in html
    form = {"month": "2026-01", "csrf_token": csrf_token(january, "/admin/statements")}
    response = january.post("/admin/statements/report", data=form)
    html = page(response)
    assert response.status_code == 200 and "Đã làm báo cáo tháng 1/2026" in html
    assert "Còn 4 giao dịch chưa đối soát" in html and 'href="/sao-ke/2026-01"' in html
    for kind in ("xlsx", "pdf", "png"):
        assert (tmp_path / "reports" / "2026-01" / f"sao-ke-2026-01.{kind}").exists()
    for month, reason in (
        ("2026-13", "Bạn chọn một tháng trong danh sách"),
        ("nam ngoai", "Bạn chọn một tháng trong danh sách"),
        ("2025-06", "Sổ sách chưa có tháng 06/2025: chưa làm báo cáo."),
    ):
        form["month"] = month
        response = january.post("/admin/statements/report", data=form)
        assert response.status_code == 400 and reason in page(response)
