"""The review list and staff assignments, remembered for the payer's next transfer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.club.database import session_scope
from bot.club.models import Child, Donation, Expense, Fund
from bot.reports.ledger import BankTransaction, PayerRule
from bot.reports.statement_import import import_statement
from bot.reports.statement_review import AssignError, assign, review_list
from tests.fixtures.other_writer import other_writer
from tests.fixtures.statements import make_statement_fixtures as made
from tests.fixtures.statements.make_statement_fixtures import Tx

DUC = "19033334444011"  # the counter account of "IBFT NUOIEMNE0102"


@pytest.fixture
def january(books) -> str:
    import_statement(books, made.HERE / "tcb_enquiry.xlsx")
    return books


def item(url: str, memo: str):
    return next(i for i in review_list(url) if i.description == memo)


def test_the_review_list_holds_unsure_credits_with_a_suggestion_and_debits(january):
    items = review_list(january)
    assert [(i.kind, i.amount, i.confidence) for i in items] == [
        ("credit", 320_000, "medium"),
        ("debit", -1_200_000, "none"),
        ("credit", 200_000, "none"),
        ("debit", -350_000, "none"),
    ]
    unsure = items[0]
    assert (unsure.fund_code, unsure.child_code, unsure.sponsor_name) == (
        "NUOIEM", "NE0102", "Trần Minh Đức"
    )  # fmt: skip
    assert "inside a run-together word" in unsure.why
    assert unsure.payer == f"acct:{DUC}"


def test_assigning_a_credit_books_it_and_remembers_the_payer(january, tmp_path):
    unsure = item(january, "IBFT NUOIEMNE0102")
    donation_id = assign(
        january, unsure.id, "nuoiem", unsure.sponsor_id, "ne0102", by="thu.ha"
    )
    with session_scope(january) as session:
        donation = session.get(Donation, donation_id)
        assert (donation.amount, session.get(Child, donation.child_id).code) == (
            320_000, "NE0102"
        )  # fmt: skip
        tx = session.get(BankTransaction, unsure.id)
        assert (tx.state, tx.matched_by, tx.assigned_by) == (
            "booked",
            "staff",
            "thu.ha",
        )
        rule = session.scalars(select(PayerRule)).one()
        assert (rule.payer, rule.set_by) == (f"acct:{DUC}", "thu.ha")
    assert unsure.id not in [i.id for i in review_list(january)]
    # The same payer's next transfer, with the same run-together memo.
    march = [Tx(date(2026, 3, 3), "FT26062001", 320_000, "IBFT NUOIEMNE0102", DUC,
                "TRAN MINH DUC")]  # fmt: skip
    path = made.write_tcb_xlsx(tmp_path / "mar.xlsx", march, 5_790_000)
    assert import_statement(january, path).matched == 1
    with session_scope(january) as session:
        tx = session.scalars(select(BankTransaction).where(
            BankTransaction.reference == "FT26062001")).one()  # fmt: skip
        assert (tx.state, tx.confidence, tx.matched_by) == ("booked", "high", "payer")
        assert session.get(Child, tx.donation.child_id).code == "NE0102"


def test_the_payer_from_a_memo_note_is_remembered_too(books, tmp_path):
    note = ".CT tu 0351000646393 NGUYEN THI A toi 0071000999888"
    first = [Tx(date(2026, 1, 2), "R1", 200_000, f"MBVCB.111.ung ho{note}")]
    import_statement(books, made.write_mb_csv(tmp_path / "a.csv", first))
    assign(books, item(books, first[0].memo).id, "XAYTRUONG", by="thu.ha")
    later = [Tx(date(2026, 1, 9), "R2", 300_000, f"MBVCB.222.chuyen tien{note}")]
    path = made.write_mb_csv(tmp_path / "b.csv", later, 5_200_000)
    assert import_statement(books, path).matched == 1
    with session_scope(books) as session:
        tx = session.scalars(
            select(BankTransaction).where(BankTransaction.reference == "R2")
        ).one()
        fund = session.get(Fund, tx.donation.fund_id).code
        assert (tx.matched_by, tx.payer) == ("payer", "acct:0351000646393")
    assert fund == "XAYTRUONG"


def test_assigning_a_debit_makes_an_expense(january):
    rice = item(january, "Chi mua gao cho diem truong Sa Na")
    expense_id = assign(january, rice.id, "XAYTRUONG", by="thu.ha", purpose="Gạo")
    with session_scope(january) as session:
        expense = session.get(Expense, expense_id)
        assert (expense.amount, expense.purpose, expense.date) == (
            1_200_000, "Gạo", date(2026, 1, 5)
        )  # fmt: skip
        assert session.scalar(select(func.count()).select_from(PayerRule)) == 0


def test_assigning_again_corrects_the_booking(january):
    gift = item(january, "ung ho cac em")
    first = assign(january, gift.id, "NUOIEM", by="thu.ha")
    second = assign(january, gift.id, "CHIENDICH", by="thu.ha")
    assert first == second
    with session_scope(january) as session:
        fund = session.scalar(select(Fund.code).join(Donation).where(
            Donation.id == first))  # fmt: skip
        assert fund == "CHIENDICH"
        rule = session.scalars(select(PayerRule)).one()
        assert rule.fund_id == session.scalar(
            select(Fund.id).where(Fund.code == "CHIENDICH")
        )


@pytest.mark.parametrize(
    ("fund", "sponsor", "child", "message"),
    [
        ("QUYKHAC", None, None, "no fund has the code 'QUYKHAC'"),
        ("NUOIEM", 999, None, "no sponsor has the id 999"),
        ("NUOIEM", None, "NE0999", "no child has the code 'NE0999'"),
    ],
)
def test_assignments_that_cannot_be_made_say_why(
    january, fund, sponsor, child, message
):
    gift = item(january, "ung ho cac em")
    with pytest.raises(AssignError) as refused:
        assign(january, gift.id, fund, sponsor, child, by="thu.ha")
    assert str(refused.value) == message
    assert gift.id in [i.id for i in review_list(january)]


def test_an_unknown_transaction_cannot_be_assigned(january):
    with pytest.raises(AssignError, match="no bank transaction has the id 9999"):
        assign(january, 9999, "NUOIEM")


def test_assignments_and_imports_succeed_while_another_process_writes(
    january, tmp_path
):
    """The bridge writes all the time (chats, sends); a staff assignment or
    an import that read before writing failed with "database is locked"
    nearly every time another connection committed in between (SQLite
    cannot upgrade a stale read transaction). Now each takes the write lock
    first and waits its turn."""
    with other_writer(january) as bridge:
        unsure = item(january, "IBFT NUOIEMNE0102")
        for _ in range(30):  # staff correcting the same row, again and again
            assert bridge.committed()
            assign(january, unsure.id, "NUOIEM", unsure.sponsor_id, "NE0102")
        march = [Tx(date(2026, 3, 3), f"FT2606{n:04d}", 1000 + n, "ung ho")
                 for n in range(5)]  # fmt: skip
        for n, tx in enumerate(march):
            path = made.write_tcb_xlsx(tmp_path / f"m{n}.xlsx", [tx], 5_790_000)
            assert bridge.committed()
            assert import_statement(january, path).new == 1
