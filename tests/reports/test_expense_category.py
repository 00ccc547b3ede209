"""Expenses have a category (migration 0013): a bank debit waits with the one
guessed from its description, staff keep or change it when they book it, and
the monthly report's "spent by category" uses what they decided."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.club.database import session_scope
from bot.club.models import Expense, Fund
from bot.reports.ledger import BankTransaction
from bot.reports.monthly.expense_categories import NAMES, category_of
from bot.reports.monthly.month_figures import month_report
from bot.reports.statement_import import import_statement
from bot.reports.statement_review import AssignError, assign, review_list
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import Tx

RICE = "Chi mua gao cho diem truong Sa Na"  # "gao" alone is not a sure word
TRANSPORT = "Phi van chuyen ao am"  # "van chuyen": Đi lại


@pytest.fixture
def january(books) -> str:
    import_statement(books, made.HERE / "tcb_enquiry.xlsx")
    return books


def waiting(url: str, memo: str):
    return next(i for i in review_list(url) if i.description == memo)


def spent(url: str, fund: str) -> dict[str, int]:
    with session_scope(url) as session:
        report = month_report(session, date(2026, 1, 1), datetime(2026, 2, 1))
    return dict(next(f for f in report.funds if f.code == fund).spent_by_category)


def test_a_debit_waits_in_the_review_list_with_the_guessed_category(january):
    assert (waiting(january, RICE).category, waiting(january, TRANSPORT).category) == (
        "Khác", "Đi lại"
    )  # fmt: skip
    credits = [i.category for i in review_list(january) if i.kind == "credit"]
    assert credits == [None, None]


def test_staff_choose_the_category_and_the_report_uses_it(january):
    rice = waiting(january, RICE)
    expense_id = assign(january, rice.id, "NUOIEM", by="thu.ha", category="Bữa trưa")
    move = waiting(january, TRANSPORT)
    assign(january, move.id, "NUOIEM", by="thu.ha", purpose="Mua xi măng")
    with session_scope(january) as session:
        assert session.get(Expense, expense_id).category == "Bữa trưa"
        booked = session.get(BankTransaction, move.id)
        # the suggestion is kept though the purpose typed reads otherwise
        assert (booked.category, booked.expense.category) == ("Đi lại", "Đi lại")
    assert spent(january, "NUOIEM") == {"Bữa trưa": 1_200_000, "Đi lại": 350_000}


def test_an_expense_without_a_category_is_reported_under_the_guess(books):
    with session_scope(books) as session, session.begin():
        fund = session.scalars(select(Fund).where(Fund.code == "XAYTRUONG")).one()
        session.add_all([
            Expense(date=date(2026, 1, 9), amount=700_000, fund_id=fund.id,
                    purpose="Mua xi măng, cát", category=None),
            Expense(date=date(2026, 1, 9), amount=50_000, fund_id=fund.id,
                    purpose="Mua xi măng", category="Khác"),
        ])  # fmt: skip
    assert spent(books, "XAYTRUONG") == {"Vật liệu xây dựng": 700_000, "Khác": 50_000}
    assert category_of(None, "Tiền ăn trưa") == "Bữa trưa"
    assert category_of("Nhân công", "Tiền ăn trưa") == "Nhân công"


def test_a_category_that_is_not_in_the_list_is_refused(january):
    rice = waiting(january, RICE)
    with pytest.raises(AssignError, match="no category is called 'Ăn vặt'"):
        assign(january, rice.id, "NUOIEM", by="thu.ha", category="Ăn vặt")
    assert waiting(january, RICE).category == "Khác"
    assert "Khác" in NAMES and len(NAMES) == len(set(NAMES))


def test_a_debit_naming_a_fund_is_suggested_and_confirmed_as_it_is(books, tmp_path):
    month = [Tx(date(2026, 3, 2), "FT26061001", -2_000_000,
                "XAYTRUONG tien cong tho xay")]  # fmt: skip
    import_statement(books, made.write_tcb_xlsx(tmp_path / "m.xlsx", month))
    wage = waiting(books, "XAYTRUONG tien cong tho xay")
    assert (wage.fund_code, wage.category, wage.confidence) == (
        "XAYTRUONG", "Nhân công", "medium"
    )  # fmt: skip
    expense_id = assign(books, wage.id, wage.fund_code, by="thu.ha")
    with session_scope(books) as session:
        assert session.get(Expense, expense_id).category == "Nhân công"
