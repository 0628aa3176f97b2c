"""Reading the CSV files people hand to cat-survey, with one set of rules and messages.

Customer lists (``invitations create``, ``campaigns create``), response imports
(``import-responses``) and the analysis commands (``python -m analysis``) all read
their files here, so each accepts the same files and explains the same mistakes
the same way:

- UTF-8 text, with or without the byte-order mark that Excel writes;
- comma, semicolon or tab separated (the separator the header line uses most);
- a header row, whose cells are trimmed;
- every mistake names the file, and the line when there is one.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvTable", "InputError", "parse_csv", "read_csv", "read_rows"]

SEPARATORS = ",;\t"


class InputError(ValueError):
    """A file that cannot be read at all; the message says which and why."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and data rows, as text cells."""

    name: str
    header: list[str]
    rows: list[list[str]]

    def records(self) -> list[dict[str, str]]:
        """One mapping per data row, header to cell; missing cells are empty."""
        return [
            {
                column: (row[i] if i < len(row) else "")
                for i, column in enumerate(self.header)
            }
            for row in self.rows
        ]

    def require(self, columns: Sequence[str | None]) -> None:
        """Raise InputError naming the first of ``columns`` the header lacks."""
        for column in columns:
            if column is not None and column not in self.header:
                raise InputError(
                    f"{self.name}: no column {column!r}; columns are "
                    + ", ".join(self.header)
                )


def parse_csv(data: bytes, name: str) -> CsvTable:
    """The header and rows of CSV bytes; ``name`` is how messages call the file.

    Examples
    --------
    >>> parse_csv("ref;name\\nC-1;Aiko\\n".encode(), "customers.csv").records()
    [{'ref': 'C-1', 'name': 'Aiko'}]
    >>> try:
    ...     parse_csv(b"", "customers.csv")
    ... except InputError as error:
    ...     print(error)
    customers.csv: the file is empty (a header row is needed)
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at position "
            f"{error.start}); save it as 'CSV UTF-8' and try again"
        ) from None
    first_line = text.split("\n", 1)[0]
    separator = max(SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise InputError(
            f"{name}, line {reader.line_num}: cannot read this row ({error}); a cell "
            f"may be longer than {csv.field_size_limit():,} characters, or a quote "
            "is never closed"
        ) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(f"{name}: the file is empty (a header row is needed)")
    return CsvTable(name, [cell.strip() for cell in rows[0]], rows[1:])


def read_csv(path: str | Path) -> CsvTable:
    """Read and parse a CSV file; a missing or unreadable file is an InputError."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_csv(data, str(path))


def read_rows(path: str, columns: Sequence[str | None]) -> list[dict[str, str]]:
    """Rows of a CSV file as mappings, checking that the named columns exist.

    Parameters
    ----------
    path : str
        The CSV file.
    columns : sequence of str or None
        Columns that must be present; ``None`` entries are ignored.

    Returns
    -------
    list of dict
        One mapping per data row; missing cells are empty strings.

    Raises
    ------
    InputError
        If the file is missing, unreadable, not UTF-8, empty, has no data rows, or
        lacks one of ``columns``.
    """
    table = read_csv(path)
    table.require(columns)
    if not table.rows:
        raise InputError(f"{path}: the file has a header but no rows")
    return table.records()
