"""The report as a PDF (fpdf2), for printing and for the club's page.

Vietnamese needs a Unicode TrueType font: the DejaVu Sans that matplotlib
ships (mpl-data/fonts/ttf), so no system font is needed. The PDF holds what
the public page shows: figures per fund, spending per category, the
donations with shortened names; no phones, memos or child codes."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib
from fpdf import FPDF

from bot.reports.monthly.month_figures import MonthReport, dong

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
HEADING_FILL = (232, 245, 233)
# fpdf2 subsets the font with fontTools, which logs every table at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _document(report: MonthReport) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"Báo cáo thu chi {report.title} ({report.label})")
    pdf.set_author("CLB Vì trẻ em vùng cao")
    pdf.set_creation_date(report.made_at)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: int = 12) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _table(pdf: FPDF, rows: list[list[str]], widths: tuple, right: tuple) -> None:
    """One line per row, the heading repeated on each new page. Plain cells,
    not fpdf2's `table()`: that measures and wraps every cell, about 2 ms a
    row (1.6 s for a month of 800 donations, BENCHMARKS.md)."""
    height = 6
    scale = pdf.epw / sum(widths)
    widths = tuple(w * scale for w in widths)

    def line(values: list[str], heading: bool = False) -> None:
        pdf.set_font(FONT, "B" if heading else "", 9)
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            text = value
            while pdf.get_string_width(text) > width - 2 and len(text) > 1:
                text = text[:-2] + "…"
            pdf.cell(
                width,
                height,
                text,
                border="B",
                align="R" if index in right else "L",
                fill=heading,
            )
        pdf.ln(height)

    pdf.set_fill_color(*HEADING_FILL)
    pdf.set_draw_color(214, 222, 214)
    line(rows[0], heading=True)
    for values in rows[1:]:
        if pdf.will_page_break(height):
            pdf.add_page()
            line(rows[0], heading=True)
        line(values)
    pdf.set_font(FONT, "", 9)


def write_pdf(report: MonthReport, path: Path) -> Path:
    pdf = _document(report)
    _heading(pdf, f"Báo cáo thu chi {report.title}", size=16)
    state = "đã khép sổ" if report.complete else "tạm tính, tháng chưa kết thúc"
    pdf.multi_cell(
        0,
        5,
        f"Kỳ báo cáo: {report.label}. Lập lúc {report.made_at:%d/%m/%Y %H:%M} "
        f"({state}). Chỉ gồm các khoản đã ghi sổ.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _heading(pdf, "Theo từng quỹ")
    rows = [["Quỹ", "Đầu kỳ", "Đã nhận", "Đã chi", "Cuối kỳ", "Nhà hảo tâm"]]
    for fund in report.funds:
        rows.append(
            [
                fund.name,
                dong(fund.opening),
                dong(fund.received),
                dong(fund.spent),
                dong(fund.closing),
                str(fund.donors),
            ]
        )
    rows.append(
        [
            "Tổng cộng",
            dong(report.opening),
            dong(report.received),
            dong(report.spent),
            dong(report.closing),
            str(report.donors),
        ]
    )
    _table(pdf, rows, (38, 29, 29, 29, 29, 26), right=(1, 2, 3, 4, 5))
    spending = [
        [fund.name, kind, dong(amount)]
        for fund in report.funds
        for kind, amount in fund.spent_by_category
    ]
    if spending:
        _heading(pdf, "Chi theo hạng mục")
        _table(pdf, [["Quỹ", "Hạng mục", "Số tiền"], *spending], (60, 70, 50), (2,))
    _heading(pdf, "Tóm tắt")
    review = report.unreconciled
    lines = [
        f"Số nhà hảo tâm trong tháng: {report.donors}",
        f"Số em được trả tiền ăn trưa: {report.children_paid}",
        f"Giao dịch chưa đối soát (không tính ở trên): {review.count} "
        f"(vào {dong(review.credits)}, ra {dong(review.debits)})",
    ]
    if report.bank is not None:
        opening, closing = report.bank.opening, report.bank.closing
        lines.append(
            "Số dư tài khoản theo sao kê ngân hàng: đầu kỳ "
            f"{dong(opening) if opening is not None else 'không rõ'}, cuối kỳ "
            f"{dong(closing) if closing is not None else 'không rõ'}"
        )
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, f"Danh sách ủng hộ ({len(report.donations)} lượt)")
    if report.donations:
        gifts = [["Ngày", "Quỹ", "Nhà hảo tâm", "Số tiền"]]
        gifts += [
            [f"{g.date:%d/%m/%Y}", g.fund_name, g.donor, dong(g.amount)]
            for g in report.donations
        ]
        _table(pdf, gifts, (25, 45, 75, 35), right=(3,))
    else:
        pdf.multi_cell(0, 5, "Chưa có khoản ủng hộ nào.")
    pdf.output(str(path))
    return path
