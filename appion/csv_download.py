"""CSV downloads that stream: UTF-8 with a byte-order mark, so that Excel shows Bengali
names, written row by row, so that a long list never sits in memory, and safe to open
in a spreadsheet (every cell goes through spreadsheet_safe)."""

import csv
import re
from datetime import date, time
from numbers import Number

from django.http import StreamingHttpResponse

# OWASP's CSV injection advice: Excel and LibreOffice run a cell that starts with one of
# these as a formula (=HYPERLINK(...) to phish, =cmd|... to run a program).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain signed number runs nothing, so it keeps its form: a mobile number is stored
# as +8801XXXXXXXXX.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(cell):
    """`cell` as it may go into a CSV: a text that a spreadsheet would run as a formula
    gets a leading single quote, so that it shows as typed; numbers, dates, None and
    any other text (a plain signed number included) come back unchanged."""
    if cell is None or isinstance(cell, Number | date | time):
        return cell
    text = str(cell)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands back the line csv.writer formats."""

    def write(self, value):
        return value


def csv_download(header, rows, filename):
    """A streaming response of `header` and then each row of the iterable `rows`; every
    cell passes through spreadsheet_safe."""
    writer = csv.writer(_Echo())

    def line(cells):
        return writer.writerow([spreadsheet_safe(cell) for cell in cells])

    def lines():
        yield "\ufeff"
        yield line(header)
        for row in rows:
            yield line(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
