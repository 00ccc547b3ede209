"""The report's workbook (openpyxl): a summary sheet, the month's donations
(donors' names shortened) and its expenses (purposes with phones, account
numbers and child codes masked). Nothing in it is private: the file is
downloaded from the public page. Text is written as text, never a formula."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.reports.monthly.donor_names import public_text
from bot.reports.monthly.month_figures import MonthReport

MONEY = "#,##0"
BOLD = Font(bold=True)
SUMMARY_HEADER = [
    "Quỹ",
    "Số dư đầu kỳ",
    "Đã nhận",
    "Đã chi",
    "Số dư cuối kỳ",
    "Lượt ủng hộ",
    "Nhà hảo tâm",
]


def _append(sheet, values: list, bold: bool = False, money: tuple = ()) -> None:
    sheet.append(values)
    for index, cell in enumerate(sheet[sheet.max_row]):
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula ("=HYPERLINK" in a purpose)
        if index in money:
            cell.number_format = MONEY
        if bold:
            cell.font = BOLD


def _summary(sheet, report: MonthReport) -> None:
    sheet.title = "Tổng hợp"
    _append(sheet, [f"Báo cáo thu chi {report.title}"], bold=True)
    state = "đã khép sổ" if report.complete else "tạm tính, tháng chưa kết thúc"
    _append(sheet, [f"Lập lúc {report.made_at:%d/%m/%Y %H:%M} ({state})"])
    _append(sheet, [])
    _append(sheet, SUMMARY_HEADER, bold=True)
    money = (1, 2, 3, 4)
    for fund in report.funds:
        _append(
            sheet,
            [
                fund.name,
                fund.opening,
                fund.received,
                fund.spent,
                fund.closing,
                fund.donations,
                fund.donors,
            ],
            money=money,
        )
    _append(
        sheet,
        [
            "Tổng cộng",
            report.opening,
            report.received,
            report.spent,
            report.closing,
            len(report.donations),
            report.donors,
        ],
        bold=True,
        money=money,
    )
    _append(sheet, [])
    _append(sheet, ["Quỹ", "Hạng mục chi", "Số tiền"], bold=True)
    for fund in report.funds:
        for kind, amount in fund.spent_by_category:
            _append(sheet, [fund.name, kind, amount], money=(2,))
    _append(sheet, [])
    _append(sheet, ["Số nhà hảo tâm trong tháng", report.donors])
    _append(sheet, ["Số em được trả tiền ăn trưa", report.children_paid])
    review = report.unreconciled
    _append(sheet, ["Giao dịch chưa đối soát (không tính ở trên)", review.count])
    _append(sheet, ["  Tiền vào chưa đối soát", review.credits], money=(1,))
    _append(sheet, ["  Tiền ra chưa đối soát", review.debits], money=(1,))
    if report.bank is not None:
        _append(sheet, ["Số dư ngân hàng đầu kỳ (sao kê)", report.bank.opening])
        sheet.cell(sheet.max_row, 2).number_format = MONEY
        _append(sheet, ["Số dư ngân hàng cuối kỳ (sao kê)", report.bank.closing])
        sheet.cell(sheet.max_row, 2).number_format = MONEY
    sheet.column_dimensions["A"].width = 42
    for column in "BCDEFG":
        sheet.column_dimensions[column].width = 16


def write_workbook(report: MonthReport, path: Path) -> Path:
    book = Workbook()
    _summary(book.active, report)
    gifts = book.create_sheet("Ủng hộ")
    _append(gifts, ["Ngày", "Quỹ", "Nhà hảo tâm", "Số tiền"], bold=True)
    for gift in report.donations:
        _append(gifts, [gift.date, gift.fund_name, gift.donor, gift.amount], money=(3,))
        gifts.cell(gifts.max_row, 1).number_format = "DD/MM/YYYY"
    spent = book.create_sheet("Chi")
    _append(spent, ["Ngày", "Quỹ", "Hạng mục", "Nội dung", "Số tiền"], bold=True)
    names = {fund.code: fund.name for fund in report.funds}
    for line in report.expenses:
        row = [
            line.date,
            names.get(line.fund_code, line.fund_code),
            line.category,
            public_text(line.purpose),
            line.amount,
        ]
        _append(spent, row, money=(4,))
        spent.cell(spent.max_row, 1).number_format = "DD/MM/YYYY"
    for sheet, widths in ((gifts, (12, 20, 28, 14)), (spent, (12, 20, 20, 50, 14))):
        for column, width in zip("ABCDE", widths, strict=False):
            sheet.column_dimensions[column].width = width
    book.save(path)
    return path
