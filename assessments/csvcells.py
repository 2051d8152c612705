"""One cell of a CSV download that a spreadsheet opens as data, never as a formula.

Excel, LibreOffice and Google Sheets run a cell starting with = + - @ (or a TAB/CR that
hides one) as a formula, so free text typed by city staff could call HYPERLINK or worse.
Such cells get a leading single quote, the convention spreadsheets read as "text". It lives
here, below reports, so that the office's plan (assessments.plans) and the reports' CSVs
share it.
"""

from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # what R, pandas and frictionless read
    if isinstance(value, int | float | Decimal):
        # Numbers (levels, counts, cycles, the report's figures) stay numbers, even negative.
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
