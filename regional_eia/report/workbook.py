"""The batch summary as an Excel workbook, one sheet per part (what park committees pass around)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import ReportError
from .extras import require
from .text import Wording

__all__ = ["write_workbook", "SHEETS"]

SHEETS = ("verdicts", "codes", "parks", "failing", "projects", "map")
_SHEET_TITLES = {
    "verdicts": "section.batch_verdicts", "codes": "section.batch_codes", "parks": "section.batch_parks",
    "failing": "section.batch_failing", "projects": "section.batch_projects", "map": "section.batch_map",
}
_PERCENT, _NUMBER = "0.0%", "#,##0.####"


def write_workbook(path: Path, tables: dict[str, pd.DataFrame], words: Wording, map_png: Path) -> None:
    """Write the batch tables (see :func:`render.write_batch_report`) to ``path``; numbers stay numbers."""
    require("openpyxl", extra="report", why="--format xlsx")
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font, PatternFill

    t = words.msg
    sheets = {
        "verdicts": ([t("col.verdict"), t("col.count"), t("col.share")],
                     [[r.label, int(r.count), float(r.share)] for r in tables["verdicts"].itertuples()],
                     {3: _PERCENT}),
        "codes": ([t("col.code"), t("col.title"), t("col.count"), t("col.share")],
                  [[r.code, r.title, int(r.count), float(r.share)] for r in tables["codes"].itertuples()],
                  {4: _PERCENT}),
        "parks": ([t("col.park"), t("col.metric"), t("col.basis"), t("col.unit"), t("col.cap"), t("col.committed"),
                   t("col.reserved"), t("col.utilisation_before"), t("col.admitted"), t("col.admitted_demand"),
                   t("col.after"), t("col.batch_utilisation_after"), t("col.batch_remaining_after"), t("col.over"),
                   t("col.position_source")],
                  [[r.park_name, r.metric_label, r.basis_label, r.unit, r.cap, r.committed, r.reserved,
                    r.utilisation_before, int(r.admitted), _cell(r.admitted_demand), _cell(r.after),
                    _cell(r.utilisation_after), _cell(r.remaining_after),
                    t("yes") if r.over else (t("no") if pd.notna(r.after) else None), r.source]
                   for r in tables["parks"].itertuples()],
                  {5: _NUMBER, 6: _NUMBER, 7: _NUMBER, 8: _PERCENT, 10: _NUMBER, 11: _NUMBER, 12: _PERCENT,
                   13: _NUMBER}),
        "failing": ([t("col.project_id"), t("col.project_name"), t("col.park"), t("col.main_reason"), t("col.codes")],
                    [[r.project_id, r.project_name, r.park_name, r.main_reason, "; ".join(r.codes)]
                     for r in tables["failing"].itertuples()], {}),
        "projects": ([t("col.project_id"), t("col.project_name"), t("col.verdict"), t("col.park"), t("col.lon"),
                      t("col.lat"), t("col.codes"), t("col.main_reason")],
                     [[r.project_id, r.project_name, words.verdict(r.verdict), r.park_name, _cell(r.lon), _cell(r.lat),
                       "; ".join(r.codes), r.main_reason] for r in tables["rows"].itertuples()], {}),
    }
    book = Workbook()
    book.remove(book.active)
    bold, header_fill = Font(bold=True), PatternFill("solid", fgColor="ECEFF1")
    for key, (header, rows, formats) in sheets.items():
        sheet = book.create_sheet(_sheet_name(t(_SHEET_TITLES[key])))
        sheet.append(header)
        for cell in sheet[1]:
            cell.font, cell.fill = bold, header_fill
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text that looks like a formula (=, +, -, @) stays text
                    cell.data_type = "s"
        for column, number_format in formats.items():
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = number_format
        for index, title in enumerate(header, start=1):
            width = max([len(str(title))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(60, max(8, width * 1.3))
        sheet.freeze_panes = "A2"
    picture_sheet = book.create_sheet(_sheet_name(t(_SHEET_TITLES["map"])))
    picture = Image(str(map_png))
    picture.width, picture.height = picture.width * 0.6, picture.height * 0.6
    picture_sheet.add_image(picture, "A1")
    try:
        book.save(path)
    except OSError as exc:
        raise ReportError(path, f"cannot write the workbook: {exc.strerror}") from exc


def _cell(value):
    return None if value is None or pd.isna(value) else float(value)


def _sheet_name(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]
