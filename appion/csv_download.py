"""CSV downloads that stream: UTF-8 with a byte-order mark, so that Excel shows Bengali
names, written row by row, so that a long list never sits in memory."""

import csv

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write() hands back the line csv.writer formats."""

    def write(self, value):
        return value


def csv_download(header, rows, filename):
    """A streaming response of `header` and then each row of the iterable `rows`."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
