"""``python -m analysis route``: route each row of a CSV to a department.

The command reads the catalog (:mod:`analysis.catalog`) and the answers (with the
shared CSV reader), fits a :class:`analysis.routing.DepartmentRouter` with
:func:`analysis.routing.build_router`, and prints one decision per row as JSON or
CSV. ``--representation`` and ``--model`` choose the features as the themes command
does. Usage and input errors, and a semantic model that cannot be loaded, exit
with status 2 and a message on stderr.
"""

import argparse
import csv
import sys
from typing import TypedDict

from analysis.catalog import (
    Catalog,
    CatalogError,
    default_catalog_path,
    load_catalog,
)
from analysis.cli import (
    add_representation_options,
    add_training_options,
    csv_parser,
    fail,
    write_json,
)
from analysis.csv_input import InputError, read_rows
from analysis.embeddings import MODEL_SETTING, EmbeddingUnavailable
from analysis.routing import DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_MARGIN, build_router

__all__ = ["cli"]


class _RoutedRow(TypedDict):
    """One routed answer as printed: JSON keeps ``terms`` a list, CSV joins it."""

    id: str | int
    department: str | None
    confidence: float
    terms: list[str]
    triage: bool
    best_guess: str
    runner_up: str | None


def cli(argv: list[str]) -> int:
    """Run ``python -m analysis route``: route each row of a CSV to a department.

    Parameters
    ----------
    argv : list of str
        Arguments after ``route``.

    Returns
    -------
    int
        0 on success, 2 on a usage or input error (message on stderr).
    """
    parser = csv_parser(
        "python -m analysis route",
        "Route each row's free text to a department of the catalog.",
    )
    add_training_options(
        parser,
        help="extra labelled rows (same text column) added to the catalog's examples",
        label_column="department",
        label_help="department column of --train",
    )
    parser.add_argument(
        "--catalog", help="department catalog (default: surveys/departments.yaml)"
    )
    add_representation_options(
        parser,
        help="add sentence embeddings to TF-IDF (auto: when the model is installed)",
        model_setting=MODEL_SETTING,
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        help="triage below this top probability",
    )
    parser.add_argument(
        "--min-margin",
        type=float,
        default=DEFAULT_MIN_MARGIN,
        help="triage when the top two probabilities are closer than this",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        catalog = load_catalog(args.catalog or default_catalog_path())
        rows = read_rows(args.input, [args.text_column, args.id_column])
        corrections = []
        if args.train:
            labelled = read_rows(args.train, [args.text_column, args.label_column])
            corrections = _corrections(labelled, args, catalog)
        router = build_router(
            catalog,
            corrections,
            representation=args.representation,
            model=args.model,
            min_confidence=args.min_confidence,
            min_margin=args.min_margin,
        )
    except CatalogError as exc:
        print("\n".join(f"error: {message}" for message in exc.errors), file=sys.stderr)
        return 2
    except (InputError, FileNotFoundError, EmbeddingUnavailable) as exc:
        return fail(str(exc))
    decisions = router.route([row[args.text_column] for row in rows])
    results: list[_RoutedRow] = [
        {
            "id": row[args.id_column] if args.id_column else number,
            "department": decision.department,
            "confidence": round(decision.confidence, 4),
            "terms": list(decision.terms),
            "triage": decision.needs_triage,
            "best_guess": decision.best_guess,
            "runner_up": decision.runner_up,
        }
        for number, (row, decision) in enumerate(
            zip(rows, decisions, strict=True), start=1
        )
    ]
    if args.format == "json":
        write_json(results)
    else:
        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(results[0]), lineterminator="\n"
        )
        writer.writeheader()
        for result in results:
            writer.writerow({**result, "terms": "; ".join(result["terms"])})
    return 0


def _corrections(
    rows: list[dict[str, str]], args: argparse.Namespace, catalog: Catalog
) -> list[tuple[str, str]]:
    """Return the labelled rows as (text, slug) pairs; all bad labels in one error."""
    known = set(catalog.slugs)
    pairs = []
    problems = []
    for number, row in enumerate(rows, start=1):
        label = row[args.label_column].strip()
        if label not in known:
            problems.append(f"row {number}: {label!r}")
        else:
            pairs.append((row[args.text_column], label))
    if problems:
        shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
        raise InputError(
            f"{args.train}: {len(problems)} rows have a department not in the catalog "
            f"(expected one of {', '.join(catalog.slugs)}): {shown}"
        )
    return pairs
