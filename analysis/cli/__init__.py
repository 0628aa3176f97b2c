"""The ``python -m analysis`` subcommands, one module each, and what they share.

Each subcommand module (``analysis.cli.themes``, ``analysis.cli.route``...) has a
``cli(argv) -> int``; :mod:`analysis.__main__` imports only the one asked for. The
helpers here keep the commands alike: the same argument parsers, the same error
format (``error: ...`` on stderr, exit status 2, never a traceback) and the same
output writers.
"""

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from analysis.csv_input import InputError

__all__ = [
    "USAGE_ERROR",
    "add_representation_options",
    "add_training_options",
    "csv_parser",
    "fail",
    "positive_or_auto",
    "quiet_pipe",
    "rating",
    "write_json",
]

#: Exit status of a usage or input error.
USAGE_ERROR = 2


def csv_parser(prog: str, description: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A parser for a command that reads one free-text column of a CSV.

    Every command takes the CSV, its text and id columns and an output format the
    same way; the command adds its own options to the parser returned.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)
    parser.add_argument("input", metavar="INPUT.csv", help="UTF-8 CSV with a header")
    parser.add_argument("--text-column", default="text", help="column with the answer")
    parser.add_argument(
        "--id-column", help="column identifying each row (default: row number from 0)"
    )
    parser.add_argument("--format", choices=["json", "csv"], default="json")
    return parser


def add_training_options(
    parser: argparse.ArgumentParser, *, help: str, label_column: str, label_help: str
) -> None:
    """Add ``--train LABELLED.csv`` and the ``--label-column`` it reads."""
    parser.add_argument("--train", metavar="LABELLED.csv", help=help)
    parser.add_argument("--label-column", default=label_column, help=label_help)


def add_representation_options(
    parser: argparse.ArgumentParser, *, help: str, model_setting: str
) -> None:
    """Add ``--representation auto|tfidf|semantic`` and ``--model NAME_OR_PATH``."""
    parser.add_argument(
        "--representation",
        choices=["auto", "tfidf", "semantic"],
        default="auto",
        help=help,
    )
    parser.add_argument(
        "--model", help=f"embedding model name or folder (default: ${model_setting})"
    )


def fail(message: str) -> int:
    """Print ``error: message`` on stderr and return :data:`USAGE_ERROR`."""
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def positive_or_auto(value: str) -> int | str:
    """Parse an option that is "auto" or a positive whole number (``--k``).

    Examples
    --------
    >>> positive_or_auto("auto"), positive_or_auto("12")
    ('auto', 12)
    """
    if value == "auto":
        return value
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise argparse.ArgumentTypeError(
        f"expected 'auto' or a positive number, got {value!r}"
    )


def rating(value: str, row: int) -> int | None:
    """Parse one NPS cell: blank is no rating, otherwise a whole number 0-10.

    Raises
    ------
    InputError
        Naming the row (counting from 0) and the value.
    """
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) > 10:
        raise InputError(
            f"row {row} (counting from 0): NPS rating {value!r} "
            "is not a whole number 0-10"
        )
    return int(value)


def write_json(result: Any) -> None:
    """Print ``result`` as indented UTF-8 JSON on stdout."""
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def quiet_pipe(write: Callable[[], None]) -> None:
    """Run ``write``; when piped into ``head``, stop quietly instead of a traceback."""
    try:
        write()
    except BrokenPipeError:
        # Keep Python's final flush from failing again (the recipe of the
        # `signal` module's documentation).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
