"""Reading the CSV files that the command-line tools take (``python -m analysis``).

One reader for every subcommand, so a missing file, a non-UTF-8 export or a missing
column gets the same clear message (and exit status 2) whichever tool read it.
"""

import csv
from collections.abc import Sequence


class InputError(Exception):
    """A problem with a command's input file, reported on stderr with exit 2."""


def read_rows(path: str, columns: Sequence[str | None]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV with a header, checking that the named columns exist.

    Parameters
    ----------
    path : str
        The CSV file (a byte-order mark is fine, as Excel writes one).
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
    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = reader.fieldnames
            rows = list(reader)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (byte {error.start}); re-save it as UTF-8"
        ) from None
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV ({error})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    if not header:
        raise InputError(f"{path}: the file is empty (a header row is needed)")
    for column in columns:
        if column is not None and column not in header:
            raise InputError(
                f"{path}: no column {column!r}; columns are {', '.join(header)}"
            )
    if not rows:
        raise InputError(f"{path}: the file has a header but no rows")
    return [{key: value or "" for key, value in row.items()} for row in rows]
