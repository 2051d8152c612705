"""CSV downloads that a spreadsheet opens as data, never as formulas (each cell through
assessments.csvcells.safe_cell)."""

import csv

from django.http import HttpResponse

from assessments.csvcells import safe_cell


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
