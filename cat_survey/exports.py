"""CSV downloads that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel, LibreOffice and Google Sheets (CSV injection, OWASP).
A spreadsheet set to a semicolon locale (German, French, ...) may also split a
cell at ``;`` or ``,``, so a formula that starts right after one of them inside
a cell ("fine;=HYPERLINK(...)") would run too. Survey data is written by
customers, so every export goes through :func:`csv_safe`, which puts a single
quote before every such start; numbers stay numbers, because a number (even a
negative one) is never a formula. Every cell is quoted, so a reader that honours
quotes keeps it whole whatever delimiter it splits at. The dashboard's series,
the advocates' theme exports and the invitation links all use :func:`csv_text`.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from flask import Response

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A formula start at the beginning of a cell, or after a ``;`` or ``,`` and
#: spaces inside it (where a semicolon-locale spreadsheet may start a new cell).
FORMULA_START = re.compile(r"(^|[;,] *)(?=[=+\-@\t\r])")


def csv_safe(value: object) -> object:
    """The value as a spreadsheet should see it: text never starts a formula.

    ``None`` becomes an empty cell; numbers and booleans are returned unchanged.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return FORMULA_START.sub(r"\1'", value)
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as CSV text, every cell quoted and made ``csv_safe``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([csv_safe(cell) for cell in header])
    writer.writerows([csv_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def filename_options(filename: str) -> dict[str, str]:
    """Content-Disposition file name options; non-ASCII names use RFC 6266's ``*``."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        # Headers are Latin-1: an ASCII fallback for old clients, UTF-8 for the rest.
        fallback = unicodedata.normalize("NFKD", filename)
        fallback = fallback.encode("ascii", "ignore").decode("ascii") or "export.csv"
        return {"filename": fallback, "filename*": f"UTF-8''{quote(filename)}"}
    return {"filename": filename}


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], filename: str
) -> Response:
    """A CSV download: attachment, UTF-8 with a BOM, never stored by caches.

    The byte order mark makes Excel read UTF-8 (Japanese answers, accents)
    instead of guessing the local code page; Python's ``utf-8-sig`` and pandas
    skip it.
    """
    body = "\ufeff" + csv_text(header, rows)
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers.set(
        "Content-Disposition", "attachment", **filename_options(filename)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
