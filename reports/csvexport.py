"""CSV downloads that a spreadsheet opens as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell starting with = + - @ (or a TAB/CR that
hides one) as a formula, so free text typed by city staff could call HYPERLINK or worse.
Such cells get a leading single quote, the convention spreadsheets read as "text".
"""

import csv
from decimal import Decimal

from django.http import HttpResponse

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


def write_rows(out, header, rows):
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])


def csv_response(filename, header, rows, *, bom=False):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A byte-order mark only when asked (?bom=1): Excel then reads the file as UTF-8, but
    # scripts reading the documented header would get "\ufeffcity" instead of "city".
    if bom:
        response.write("\ufeff")
    write_rows(response, header, rows)
    return response
